"""Every search is on the audit log, without its words (R-21, R-22): the query's length and a
keyed hash, the filters, the number of results. The words stay out of the audit table, the
app log and the access log."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

from reflectie.audit import chain
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.search import services
from reflectie.search.backend import get_backend
from tests.factories import make_token, make_user
from tests.search.conftest import make_teams, write_case


@pytest.fixture
def world(app, engine):
    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        case = write_case(
            teams.colleague, teams.team_a, "Schulden en de deurwaarder",
            "Het gezin heeft schulden.", kwesties=[5], tags=["armoede"],
        )  # fmt: skip
        write_case(teams.colleague, teams.team_a, "Schulden elders", "Weer schulden.")
        member = make_user(team=teams.team_a, role=Role.LID)
        return SimpleNamespace(
            email=member.email, user_id=member.id, token=make_token(member), case_id=case.id
        )


def _canary() -> str:
    return "kanarie" + secrets.token_hex(6)


def _audit_rows(app, action: str) -> list[dict]:
    """The audit table as raw SQL sees it, every column as text."""
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT * FROM audit_events WHERE action = :a ORDER BY id"), {"a": action}
        ).mappings()
        return [{k: str(v) for k, v in row.items()} for row in rows]


def _search_rows(app, user_id: int) -> list[dict]:
    with app.app_context():
        from reflectie.audit.models import AuditEvent

        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "search", AuditEvent.actor_id == user_id)
            .order_by(AuditEvent.id)
        )
        return [dict(e.details) for e in events]


def test_a_search_page_writes_one_audit_row_without_the_words(app, world, login, caplog):
    canary = _canary()
    q = f"schulden {canary.upper()}"
    client = login(world.email)
    with caplog.at_level(logging.DEBUG):
        assert client.get(f"/zoeken?q={q}&kwestie=5&type=case").status_code == 200
        assert client.get(f"/zoeken?q=%20{q.lower()}%20%20&page=2").status_code == 200
        assert client.get("/zoeken").status_code == 200  # the empty form searched nothing
    rows = _search_rows(app, world.user_id)
    assert len(rows) == 2
    first, second = rows
    assert first["channel"] == "ui"
    assert first["query_length"] == len(q)
    assert first["filters"] == {"kwestie": ["5"], "type": ["case"]}
    assert first["results"] == 0  # the canary matches nothing
    assert second["filters"] == {}
    assert second["page"] == 2
    # The same words (other case, other spacing) give the same hash: an officer can see
    # that two searches asked the same; nothing else of the words is kept.
    assert first["query_hash"] == second["query_hash"]
    assert len(first["query_hash"]) == 32
    raw = _audit_rows(app, "search")
    assert raw
    assert all(canary not in value.lower() for row in raw for value in row.values())
    assert canary not in caplog.text.lower()


def test_the_hash_is_keyed_with_the_secret_key(app, monkeypatch):
    with app.app_context():
        one = services.query_hash("Jansen  schulden")
        assert one == services.query_hash("jansen schulden")
        assert one != services.query_hash("jansen")
        assert services.query_hash("   ") is None
        import hashlib

        assert one != hashlib.sha256(b"jansen schulden").hexdigest()[:32]
        monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
        assert services.query_hash("jansen schulden") != one


def test_the_api_search_and_similar_cases_are_audited(app, world, client, caplog):
    canary = _canary()
    headers = {"Authorization": f"Bearer {world.token}"}
    with caplog.at_level(logging.DEBUG):
        response = client.get(
            f"/api/v1/search?q=schulden+{canary}&tag={canary}&kwestie=5", headers=headers
        )
        assert response.status_code == 200
        body = client.get("/api/v1/search?q=schulden", headers=headers).get_json()
        similar = client.get(f"/api/v1/cases/{world.case_id}/similar", headers=headers)
    assert similar.status_code == 200
    rows = _search_rows(app, world.user_id)
    assert [r["channel"] for r in rows] == ["api", "api"]
    with app.app_context():  # a tag is typed text: kept as its keyed hash, like the words
        assert rows[0]["filters"] == {"kwestie": ["5"], "tag": [services.query_hash(canary)]}
    assert rows[0]["query_length"] == len(f"schulden {canary}")
    assert rows[1]["results"] == body["total"] == 2
    raw = _audit_rows(app, "search.similar")
    assert len(raw) == 1
    assert raw[0]["object_type"] == "case"
    assert raw[0]["object_id"] == str(world.case_id)
    everything = _audit_rows(app, "search") + raw
    assert all(canary not in value for row in everything for value in row.values())
    assert canary not in caplog.text
    with app.app_context():
        assert chain.verify().broken_at is None  # the rows joined the tamper-evident chain


def test_a_failing_engine_keeps_the_words_out_of_the_log(app, world, login, monkeypatch, caplog):
    """An SQL error carries its statement into the log, but the engine keeps its parameters
    (here the query's terms) out of it (hide_parameters)."""
    canary = _canary()

    def failing(self, request):
        db.session.execute(
            sa.text("SELECT no_such_column FROM users WHERE email = :q"), {"q": canary}
        )

    monkeypatch.setattr(type(get_backend(app)), "search", failing)
    client = login(world.email)
    with caplog.at_level(logging.DEBUG):
        response = client.get(f"/zoeken?q={canary}")
    assert response.status_code in (500, 503)  # SQLite calls it operational: 503
    assert "SQL parameters hidden" in caplog.text
    assert canary not in caplog.text


def test_the_access_log_of_reflectie_serve_leaves_out_the_query_string(app, monkeypatch, tmp_path):
    """`reflectie serve` hands gunicorn its access log format; rendered by gunicorn itself
    for a search with a canary in the query and the Referer, the line has the path only."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    started: list[list[str]] = []

    def no_exec(_path, args):
        started.append(list(args))
        raise SystemExit(0)

    monkeypatch.setattr(os, "execv", no_exec)
    result = app.test_cli_runner().invoke(args=["serve", "--no-detector"])
    assert result.exit_code == 0, result.output
    args = started[0]
    log_format = args[args.index("--access-logformat") + 1]

    canary = _canary()
    log_file = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log_file))
    config.set("access_log_format", log_format)
    logger = Logger(config)
    environ = EnvironBuilder(
        path="/zoeken",
        query_string=f"q={canary}&kwestie=5",
        headers={"Referer": f"http://localhost/zoeken?q={canary}"},
    ).get_environ()
    environ["RAW_URI"] = f"/zoeken?q={canary}&kwestie=5"
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    logger.access(response, [], environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log_file.read_text()
    assert "GET /zoeken" in line
    assert canary not in line
    assert "q=" not in line


def test_an_officer_can_hash_a_query_to_find_it_on_the_audit_log(app):
    result = app.test_cli_runner().invoke(args=["search", "query-hash"], input="Jansen  Schulden\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        expected = services.query_hash("jansen schulden")
    assert result.output.strip().splitlines()[-1] == expected
    assert "Jansen" not in result.output  # asked without echo
