"""The database is the source of truth (R-29): the outbox, the drain lock, reindex, check,
and a missing or corrupt index, on both engines."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from reflectie.db import db
from reflectie.search import services
from reflectie.search.backend import get_backend
from reflectie.search.models import OutboxEntry
from reflectie.search.outbox import drain, pending_count
from reflectie.search.pg_backend import LOCK_KEY
from tests.factories import make_token
from tests.search.conftest import make_teams, write_case


@contextmanager
def lock_held_elsewhere(app: Flask, database_url: str) -> Iterator[None]:
    """Another process is the drainer: it holds the lock file (Whoosh) or the advisory
    lock (PostgreSQL)."""
    if app.config["SEARCH_BACKEND"] == "postgres":
        engine = sa.create_engine(database_url)
        with engine.connect() as other:
            other.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
            try:
                yield
            finally:
                other.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        engine.dispose()
        return
    lock = Path(app.config["SEARCH_INDEX_PATH"] + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _found(user, q: str) -> list[str]:
    return [r.title for r in services.search(user, q).results]


def test_a_committed_change_is_drained_and_found(app, engine):
    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        write_case(teams.colleague, teams.team_a, "Ommetje", "Wandelen met de buurman.")
        reader_id = teams.reader.id
        assert pending_count() > 0
    # The end of that request drained the outbox.
    with app.test_request_context("/zoeken"):
        assert pending_count() == 0
        reader = db.session.get(type(teams.reader), reader_id)
        assert _found(reader, "buurman") == ["Ommetje"]


def test_a_rolled_back_change_leaves_no_outbox_row(app, engine):
    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        before = pending_count()
        write_case(teams.colleague, teams.team_a, "Ommetje", "Wandelen.")
        from reflectie.cases.services import CaseInput, create_case

        create_case(teams.colleague, teams.team_a, CaseInput(title="Nooit"))
        db.session.rollback()
        assert db.session.scalar(select(sa.func.count()).select_from(OutboxEntry)) >= before
        drain()
        assert _found(teams.reader, "nooit") == []


def test_rows_wait_while_another_process_holds_the_lock(app, engine, database_url):
    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        with lock_held_elsewhere(app, database_url):
            write_case(teams.colleague, teams.team_a, "Wachtrij", "Een lange wachtlijst.")
            result = drain()
            assert result.skipped
            assert pending_count() > 0
            # A search meanwhile shows no error; the new case is simply not there yet.
            assert services.search(teams.reader, "wachtlijst").total == 0
        assert not drain().skipped
        assert pending_count() == 0
        assert _found(teams.reader, "wachtlijst") == ["Wachtrij"]


def test_an_index_write_failure_keeps_the_case_and_the_outbox_row(app, engine, monkeypatch):
    backend_type = type(get_backend(app))
    working = backend_type.apply

    def broken(self, upserts, deletes):
        raise OSError(28, "No space left on device")

    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        monkeypatch.setattr(backend_type, "apply", broken)
        case = write_case(teams.colleague, teams.team_a, "Vol", "De schijf is vol.")
        with pytest.raises(OSError, match="No space"):
            drain()
        db.session.rollback()
        assert pending_count() > 0
        assert db.session.get(type(case), case.id) is not None
        monkeypatch.setattr(backend_type, "apply", working)
        drain()
        assert pending_count() == 0
        assert services.check_index().clean


def test_the_end_of_a_request_swallows_index_failures(app, engine, monkeypatch, login):
    from tests.factories import make_user

    with app.app_context():
        teams = make_teams()
        team_slug, email = teams.team_a.slug, make_user(team=teams.team_a).email
    backend_type = type(get_backend(app))
    monkeypatch.setattr(
        backend_type, "apply", lambda self, u, d: (_ for _ in ()).throw(OSError("kapot"))
    )
    client = login(email)
    response = client.post(
        f"/teams/{team_slug}/casussen/nieuw", data={"title": "Opgeslagen", "kwesties": "5"}
    )
    assert response.status_code in {200, 302, 303}
    with app.app_context():
        assert pending_count() > 0


def test_reindex_and_check_repair(app, engine):
    runner = app.test_cli_runner()
    with app.test_request_context("/"):
        teams = make_teams()
        case = write_case(teams.colleague, teams.team_a, "Herindicatie", "Een herindicatie.")
        drain()
        # Make the index wrong behind the outbox's back: one stale, one missing document.
        provider_doc = get_backend().fingerprints
        assert provider_doc
        db.session.execute(sa.delete(OutboxEntry))
        case.title = "Nieuwe titel"
        db.session.commit()
        db.session.execute(sa.delete(OutboxEntry))
        db.session.commit()
        report = services.check_index()
        assert report.stale == [f"case:{case.id}"]
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "stale: 1" in result.output
    result = runner.invoke(args=["search", "check", "--repair"])
    assert "repaired" in result.output
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output
    assert "/s" in result.output


def _break_index(app: Flask, how: str) -> None:
    path = Path(app.config["SEARCH_INDEX_PATH"])
    if app.config["SEARCH_BACKEND"] == "postgres":
        db.session.execute(sa.text("DROP TABLE search_documents"))
        db.session.commit()
    elif how == "missing":
        shutil.rmtree(path)
    else:
        for toc in path.glob("*.toc"):
            toc.write_bytes(b"garbage")
        # As after a crash: the worker opens the index afresh (a searcher opened before the
        # damage would go on reading the segments it has).
        app.extensions["search_backends"].clear()


def _a_case_in_a_broken_index(app, how: str) -> tuple[str, str]:
    """A team's case, indexed, then the index broken: a member's e-mail and API token."""
    from tests.factories import make_user

    with app.test_request_context("/"):
        teams = make_teams()
        write_case(teams.colleague, teams.team_a, "Verjaardag", "Een verjaardag in de wijk.")
        drain()
        member = make_user(team=teams.team_a)
        found = member.email, make_token(member)
    with app.app_context():  # after that request's end, which would find it broken and rebuild
        _break_index(app, how)
    return found


@pytest.mark.parametrize("how", ["missing", "corrupt"])
def test_a_broken_index_is_rebuilt_and_search_says_so(app, engine, how, login):
    email, _token = _a_case_in_a_broken_index(app, how)
    client = login(email)
    response = client.get("/zoeken?q=verjaardagen")
    assert response.status_code == 200
    assert "opnieuw opgebouwd" in response.text
    # The rebuild ran (inline in tests, in a thread in production): search works again.
    response = client.get("/zoeken?q=verjaardagen")
    assert "Verjaardag" in response.text
    assert "opnieuw opgebouwd" not in response.text


@pytest.mark.parametrize("how", ["missing", "corrupt"])
def test_the_api_answers_503_in_json_while_the_index_is_rebuilt(app, engine, how, client):
    _email, token = _a_case_in_a_broken_index(app, how)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/search?q=verjaardag", headers=headers)
    assert response.status_code == 503
    body = response.get_json()
    assert (body["error"], body["rebuilding"], body["results"]) == ("search_rebuilding", True, [])
    assert "opnieuw opgebouwd" in body["message"]
    response = client.get("/api/v1/search?q=verjaardag", headers=headers)
    assert response.status_code == 200
    assert [r["title"] for r in response.get_json()["results"]] == ["Verjaardag"]


def test_the_search_health_endpoint_reports_lag_and_a_broken_index(
    app, engine, client, monkeypatch
):
    assert client.get("/api/v1/search/health").get_json()["index"] == "ok"
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_AFTER_COMMIT", False)  # as if a drain failed
    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        write_case(teams.colleague, teams.team_a, "Achterstand", "Nog niet in de index.")
    body = client.get("/api/v1/search/health").get_json()
    assert body["index"] == "lagging"
    assert body["backend"] == engine
    assert "pending" not in body  # public: whether, never how many
    overall = client.get("/api/v1/health")  # the service's own health says so too
    assert overall.status_code == 200
    assert overall.get_json()["search"] == body
    with app.test_request_context("/"):
        _break_index(app, "missing")
    response = client.get("/api/v1/search/health")
    assert response.status_code == 503
    assert response.get_json()["index"] == "unavailable"


def test_a_bulk_command_rebuilds_the_index_at_its_end(app, engine, monkeypatch):
    from reflectie.search import outbox

    monkeypatch.setattr(outbox, "BULK", 1)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bench", "seed", "--cases", "3", "--team", "bulk-team"])
    assert result.exit_code == 0, result.output
    with app.test_request_context("/"):
        assert pending_count() == 0
        assert services.check_index().clean
