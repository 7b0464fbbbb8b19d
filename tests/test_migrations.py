"""Migrations, not create_all, build production databases: prove they agree with the models."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from reflectie import create_app
from reflectie.db import db
from tests.conftest import TEST_CONFIG, postgres_database


def _check(url: str, instance: str) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": instance})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []
        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.session.remove()
        db.engine.dispose()


def on_test_database(check: Callable[[str, str], None], tmp_path: Path) -> None:
    """Run `check(url, instance)` on a fresh PostgreSQL database when the suite runs on
    PostgreSQL, else on a new SQLite file."""
    server = os.environ.get("REFLECTIE_TEST_DATABASE_URL")
    if server:
        with postgres_database(server) as url:
            check(url, str(tmp_path))
    else:
        check(f"sqlite:///{tmp_path / 'm.sqlite3'}", str(tmp_path))


def test_migrations_match_models_and_downgrade(tmp_path):
    on_test_database(_check, tmp_path)


def test_rebuilding_the_cases_table_keeps_what_refers_to_it_and_never_reuses_a_number(tmp_path):
    """c5d6e7f8a9b0 rebuilds `cases` on SQLite; with foreign keys on, dropping the old table
    would have cascaded into revisions and links. Then: the newest case erased, its number
    is not given to the next one."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)})
    rows = {
        "organisations": "(1, 'o', 'O', 0, '2026-01-01')",
        "teams": "(1, 1, 't', 'T', 'wijkteam', '2026-01-01')",
        "users": "(1, 'a@b.nl', 'a', 'A', '', 0, 1, 'nl', 0, NULL, NULL, NULL, '2026-01-01', NULL)",
        "cases": "(1, 1, 1, 'C', '', '', '', '', '', 'concept', 'team', 1, NULL, '2026-01-01',"
        " '2026-01-01')",
        "case_kwesties": "(1, 2, 0)",
        "case_revisions": "(1, 1, 1, 1, '{}', '', '2026-01-01')",
    }
    with app.app_context():
        upgrade(revision="e8c3a4b5d6f7")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO kwesties VALUES (2, 'k', 'K', '', '[]')"))
            for table, values in rows.items():
                connection.execute(text(f"INSERT INTO {table} VALUES {values}"))  # noqa: S608
        upgrade()
        with db.engine.begin() as connection:
            for table in rows:
                count = connection.execute(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
                assert count.scalar() == 1, table
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            connection.execute(text("DELETE FROM cases WHERE id = 1"))
            assert connection.execute(text("SELECT count(*) FROM case_revisions")).scalar() == 0
            connection.execute(
                text(
                    "INSERT INTO cases (team_id, author_id, title, situation, help_question,"
                    " dilemma, stakeholders, own_role, status, visibility, version, created_at,"
                    " updated_at) VALUES (1, 1, 'N', '', '', '', '', '', 'concept', 'team', 1,"
                    " '2026-01-02', '2026-01-02')"
                )
            )
            assert connection.execute(text("SELECT max(id) FROM cases")).scalar() == 2
        db.session.remove()
        db.engine.dispose()


def test_upgrading_puts_every_live_case_in_the_search_outbox(tmp_path):
    """d6e7f8a9b0c1: case documents indexed with an earlier version's principals are written
    again, so no stale principal lets a reader count them (R-04, R-28)."""
    from sqlalchemy import text

    def check(url: str, instance: str) -> None:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": instance})
        with app.app_context():
            upgrade(revision="c5d6e7f8a9b0")
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO organisations (id, slug, name, require_2fa, created_at)"
                        " VALUES (1, 'o', 'O', false, '2026-01-01');"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO teams (id, organisation_id, slug, name, kind, created_at)"
                        " VALUES (1, 1, 't', 'T', 'WIJKTEAM', '2026-01-01')"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, handle, name, password_hash, is_admin,"
                        " active, locale, session_generation, created_at, employment_status)"
                        " VALUES (1, 'a@b.nl', 'a', 'A', '', false, true, 'nl', 0, '2026-01-01',"
                        " 'MEDEWERKER')"
                    )
                )
                for case_id, deleted in ((1, None), (2, "2026-02-01"), (3, None)):
                    connection.execute(
                        text(
                            "INSERT INTO cases (id, team_id, author_id, title, situation,"
                            " help_question, dilemma, stakeholders, own_role, status, visibility,"
                            " version, deleted_at, created_at, updated_at) VALUES (:id, 1, 1,"
                            " 'C', '', '', '', '', '', 'CONCEPT', 'TEAM', 1, :deleted,"
                            " '2026-01-01', '2026-01-01')"
                        ),
                        {"id": case_id, "deleted": deleted},
                    )
            upgrade()
            with db.engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT doc_type, doc_id FROM search_outbox ORDER BY doc_id")
                ).all()
            assert [tuple(r) for r in rows] == [("case", 1), ("case", 3)]
            downgrade(revision="base")
            db.session.remove()
            db.engine.dispose()

    on_test_database(check, tmp_path)


def test_upgrading_drops_an_earlier_postgresql_search_table_for_init_to_build_again(tmp_path):
    """e7f8a9b0c1d2: rows without the `dutch` lexemes have the same fingerprints, so nothing
    else would rewrite them; the derived table goes, and init builds it again (on SQLite,
    where there is no such table, the upgrade does nothing)."""
    from sqlalchemy import text

    from reflectie.search.services import ensure_index

    def check(url: str, instance: str) -> None:
        config = {**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": instance}
        postgres = url.startswith("postgresql")
        if postgres:
            config["SEARCH_BACKEND"] = "postgres"
        app = create_app(config)
        with app.app_context():
            upgrade(revision="d6e7f8a9b0c1")
            if postgres:
                with db.engine.begin() as connection:
                    connection.execute(text("CREATE TABLE search_documents (key text)"))
            upgrade()
            with db.engine.connect() as connection:
                assert "search_documents" not in db.inspect(connection).get_table_names()
            if postgres:
                assert ensure_index()  # what `reflectie init` does next
                db.session.commit()
                with db.engine.connect() as connection:
                    columns = db.inspect(connection).get_columns("search_documents")
                assert "tsv" in {c["name"] for c in columns}
            db.session.remove()
            downgrade(revision="base")
            db.session.remove()
            db.engine.dispose()

    on_test_database(check, tmp_path)
