"""`reflectie backup` / `restore` (R-34): a consistent backup while the app writes, restored
into a fresh instance on SQLite and on PostgreSQL, with counts and content hashes equal to the
manifest; refusals for a newer schema, a non-empty database and a restore not asked for."""

from __future__ import annotations

import json
import os
import threading
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from reflectie import create_app
from reflectie.backup import services
from reflectie.cases import services as case_services
from reflectie.cases.models import Case, CaseStatus
from reflectie.cli import init_database
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.sessions import services as meeting_services
from tests.conftest import TEST_CONFIG, postgres_database, require
from tests.factories import make_team, make_user

CANARY = "KANARIE-BACKUP-7Q"


def _server() -> str | None:
    return os.environ.get("REFLECTIE_TEST_POSTGRES_URL") or os.environ.get(
        "REFLECTIE_TEST_DATABASE_URL"
    )


@contextmanager
def _instance(tmp: Path, kind: str, name: str) -> Iterator[Flask]:
    with ExitStack() as stack:
        if kind == "postgresql":
            server = _server()
            require(server is not None, "set REFLECTIE_TEST_POSTGRES_URL for PostgreSQL tests")
            url = stack.enter_context(postgres_database(server))
        else:
            url = f"sqlite:///{tmp / f'{name}.sqlite3'}"
        app = create_app(
            {**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp / f"inst-{name}")}
        )
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _fill(app: Flask) -> None:
    with app.app_context():
        init_database()
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH, name=f"Coach {CANARY}")
        case = case_services.create_case(
            coach,
            team,
            case_services.CaseInput(
                title=f"Casus {CANARY}", situation="Cliënt wil geen hulp", help_question="Hoe?",
                dilemma="Moet ik?", kwesties=[5, 2], tags=["schulden"], values=["autonomie"],
            ),
            status=CaseStatus.INGEBRACHT,
        )  # fmt: skip
        meeting = meeting_services.create_meeting(
            coach,
            team,
            meeting_services.MeetingInput(
                "dilemmamethode", datetime(2027, 3, 30, 12, tzinfo=UTC), 90, [case.id]
            ),
        )
        meeting_services.save_note(
            coach, meeting.id, 3, structured={"option_a": "bellen", "option_b": "wachten"}
        )
        meeting_services.close_meeting(coach, meeting.id)
        db.session.commit()


# Every pair: a PostgreSQL side needs a server (REFLECTIE_TEST_POSTGRES_URL or the PostgreSQL
# pass's REFLECTIE_TEST_DATABASE_URL); without one it skips, and in CI it fails (`require`).
PAIRS = [
    ("sqlite", "sqlite"),
    ("sqlite", "postgresql"),
    ("postgresql", "sqlite"),
    ("postgresql", "postgresql"),
]


@pytest.mark.parametrize(("source_kind", "target_kind"), PAIRS)
def test_a_backup_restores_into_a_fresh_instance_on_either_database(
    tmp_path, source_kind, target_kind
):
    """R-34: the round trip on every pair of databases, PostgreSQL to PostgreSQL too."""
    path = tmp_path / "backups" / "reflectie.zip"
    with _instance(tmp_path, source_kind, "source") as source:
        _fill(source)
        with source.app_context():
            manifest = services.backup(path)
            before = services.digests()
    assert manifest["tables"]["cases"]["rows"] == 1
    assert {name: (d.rows, d.sha256) for name, d in before.items()} == {
        name: (t["rows"], t["sha256"]) for name, t in manifest["tables"].items()
    }
    assert [p.name for p in path.parent.iterdir()] == ["reflectie.zip"]  # no temp file left
    with _instance(tmp_path, target_kind, "target") as target, target.app_context():
        restored = services.restore(path)
        assert restored["cases"].rows == 1
        after = services.digests()
        for name, digest in before.items():
            if name != "search_outbox":  # restoring queues the restored rows for the index
                assert after[name] == digest, name
        case = db.session.scalar(select(Case))
        assert case.title == f"Casus {CANARY}"
        assert case.kwesties == [5, 2]
        # New rows get fresh ids after a restore (PostgreSQL sequences were moved on).
        coach = case.author
        again = case_services.create_case(coach, case.team, case_services.CaseInput(title="Nog"))
        db.session.commit()
        assert again.id == case.id + 1


def test_a_backup_taken_while_a_writer_commits_is_consistent(tmp_path):
    path = tmp_path / "during.zip"
    with _instance(tmp_path, "sqlite", "busy") as app:
        _fill(app)
        stop, written, errors = threading.Event(), [], []

        def writer() -> None:
            with app.app_context():
                case = db.session.scalar(select(Case))
                author, team = case.author, case.team
                try:
                    while not stop.is_set():
                        made = case_services.create_case(
                            author, team, case_services.CaseInput(title=f"Schrijver {len(written)}")
                        )
                        db.session.commit()
                        written.append(made.id)
                except Exception as err:  # reported below
                    errors.append(err)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            while len(written) < 5:
                stop.wait(0.01)
            with app.app_context():
                manifest = services.backup(path)
        finally:
            stop.set()
            thread.join()
        assert errors == []
        assert 1 < manifest["tables"]["cases"]["rows"] <= len(written) + 1
        # A case and its first revision are written together: the snapshot holds both or neither.
        assert manifest["tables"]["case_revisions"]["rows"] == manifest["tables"]["cases"]["rows"]
    with _instance(tmp_path, "sqlite", "fresh") as fresh, fresh.app_context():
        restored = services.restore(path)
        assert restored["cases"].rows == manifest["tables"]["cases"]["rows"]
        assert db.session.scalar(select(func.count()).select_from(Case)) == restored["cases"].rows


def test_restore_refuses_a_newer_schema_a_used_database_and_a_damaged_backup(tmp_path):
    path = tmp_path / "b.zip"
    with _instance(tmp_path, "sqlite", "one") as app:
        _fill(app)
        with app.app_context():
            services.backup(path)
            with pytest.raises(services.BackupError, match="not empty"):
                services.restore(path)
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(newer, "w") as new:
        for item in old.namelist():
            data = old.read(item)
            if item == services.MANIFEST:
                manifest = json.loads(data)
                manifest["schema_revision"] = "f" * 12
                data = json.dumps(manifest).encode()
            new.writestr(item, data)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(damaged, "w") as new:
        for item in old.namelist():
            data = old.read(item)
            if item == "tables/cases.jsonl":
                data = data.replace(CANARY.encode(), b"ANDERS")
            new.writestr(item, data)
    with _instance(tmp_path, "sqlite", "two") as app, app.app_context():
        with pytest.raises(services.BackupError, match="newer"):
            services.restore(newer)
        with pytest.raises(services.BackupError, match="does not match"):
            services.restore(damaged)
    (tmp_path / "junk.zip").write_text("geen zip")
    with pytest.raises(services.BackupError, match="not a Reflectie backup"):
        services.read_manifest(tmp_path / "junk.zip")


def test_a_failed_backup_leaves_nothing_under_the_final_name(tmp_path, monkeypatch):
    path = tmp_path / "failed.zip"
    with _instance(tmp_path, "sqlite", "fail") as app:
        _fill(app)

        def broken(conn, table):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(services, "_lines", broken)
        with app.app_context(), pytest.raises(OSError, match="No space"):
            services.backup(path)
    assert list(tmp_path.glob("*.zip")) == []
    assert list(tmp_path.glob(".failed.zip.*")) == []


def test_the_commands_and_the_restore_switch(tmp_path):
    path = tmp_path / "cli.zip"
    with _instance(tmp_path, "sqlite", "cli-source") as app:
        _fill(app)
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
        assert result.exit_code == 0, result.output
        assert "backup written to" in result.output
    with _instance(tmp_path, "sqlite", "cli-target") as app:
        runner = app.test_cli_runner()
        refused = runner.invoke(args=["restore", str(path)])
        assert refused.exit_code != 0
        assert "restore is disabled" in refused.output
        done = runner.invoke(args=["restore", str(path), "--allow-restore"])
        assert done.exit_code == 0, done.output
        assert "all match the manifest" in done.output
        assert "indexed" in done.output  # the search index was rebuilt
