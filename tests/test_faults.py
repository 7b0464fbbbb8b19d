"""Faults (R-33, R-36, issue 8): a database that is down or a disk that is full gives a clear
Dutch 503, never a stack trace; what the user typed is shown back so nothing is lost, nothing is
half written (no case, revision, audit or search outbox row), and the API answers JSON. A full
disk under the search index does not fail the write: the outbox keeps the work (R-29)."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from reflectie import create_app
from reflectie.audit.models import AuditEvent
from reflectie.cases.models import Case, CaseRevision
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.search.backend import get_backend
from reflectie.search.models import OutboxEntry
from reflectie.search.services import rebuild_index
from tests.conftest import TEST_CONFIG
from tests.factories import make_team, make_token, make_user
from tests.pages import parse, text_of

DOWN = "postgresql+psycopg://nobody@127.0.0.1:1/reflectie?connect_timeout=1"


@pytest.fixture
def member(app) -> dict:
    with app.app_context():
        team = make_team()
        user = make_user(team=team, role=Role.LID)
        token = make_token(user)
        db.session.commit()
        return {"email": user.email, "slug": team.slug, "token": token}


def test_a_database_that_is_down_gives_a_dutch_503_for_a_logged_in_user(app, login, member):
    client = login(member["email"])
    down = create_app({**TEST_CONFIG, "DATABASE_URL": DOWN, "INSTANCE_PATH": app.instance_path})
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other = down.test_client()
    other.set_cookie(cookie.key, cookie.value)
    page = other.get("/")
    assert page.status_code == 503
    assert "Tijdelijk niet beschikbaar" in text_of(parse(page.text))
    assert "Traceback" not in page.text
    assert "psycopg" not in page.text
    api = down.test_client().get(
        "/api/v1/cases", headers={"Authorization": f"Bearer {member['token']}"}
    )
    assert api.status_code == 503
    assert set(api.json) >= {"error", "message", "request_id"}


def _counts():
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Case, CaseRevision, AuditEvent, OutboxEntry)
    ]


SITUATION = ("Mevrouw B. woont alleen. " * 2000)[:45_000]


@pytest.fixture
def full_disk(app, request):
    """`with full_disk():` the SQLite file cannot grow: the next large write fails with
    "database or disk is full" (R-33's simulation; PostgreSQL has no such knob)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip(
                "SQLite's max_page_count simulates a full disk; PostgreSQL has no such knob"
            )
    connection = request.node.test_connection

    @contextmanager
    def _full() -> Iterator[None]:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        free = connection.exec_driver_sql("PRAGMA freelist_count").scalar()
        page_size = connection.exec_driver_sql("PRAGMA page_size").scalar()
        assert free * page_size < len(SITUATION)  # the free pages cannot hold it
        connection.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
        try:
            yield
        finally:
            connection.exec_driver_sql("PRAGMA max_page_count = 1073741823")

    return _full


def test_a_full_disk_keeps_the_typed_text_and_writes_nothing(app, login, member, full_disk):
    """R-33: the form's text comes back read-only; no case, revision, audit or outbox row."""
    client = login(member["email"])
    with app.app_context():
        before = _counts()
    situation = SITUATION
    with full_disk():
        response = client.post(
            f"/teams/{member['slug']}/casussen/nieuw",
            data={"title": "Volle schijf", "situation": situation, "action": "save",
                  "password": "geheim-wachtwoord", "confirm": "herhaald-wachtwoord"},
        )  # fmt: skip
    assert response.status_code == 503
    page = parse(response.text)
    carried = [t.get_text() for t in page.find_all("textarea", attrs={"readonly": True})]
    assert situation in carried
    assert "Volle schijf" in carried
    assert "geheim-wachtwoord" not in response.text
    assert "herhaald-wachtwoord" not in response.text  # the repeat field of a password form
    with app.app_context():
        assert _counts() == before
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_full_disk_gives_the_api_a_json_503_and_writes_nothing(app, member, full_disk):
    """R-33 on the API: the same full disk answers JSON, never a page or a stack trace."""
    with app.app_context():
        before = _counts()
    with full_disk():
        response = app.test_client().post(
            "/api/v1/cases",
            json={"title": "Volle schijf", "situation": SITUATION},
            headers={"Authorization": f"Bearer {member['token']}"},
        )
    assert response.status_code in {503, 507}
    assert response.mimetype == "application/json"
    assert set(response.json) >= {"error", "message", "request_id"}
    assert "Traceback" not in response.text
    assert "disk is full" not in response.text  # the database's own words stay in the log
    with app.app_context():
        assert _counts() == before
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_full_index_disk_does_not_fail_the_api_write_the_outbox_keeps_it(
    app, member, tmp_path, monkeypatch, caplog
):
    """R-33 and R-29: a full disk under the search index is not the database's: the case is
    saved (201), the failure is logged, and its outbox row waits for the next drain."""
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "index"))
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_AFTER_COMMIT", "inline")
    with app.test_request_context("/"):
        rebuild_index()
        backend_type = type(get_backend())

    def disk_full(self, upserts, deletes):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backend_type, "apply", disk_full)
    with caplog.at_level(logging.ERROR, logger="reflectie.search.outbox"):
        response = app.test_client().post(
            "/api/v1/cases",
            json={"title": "Index vol"},
            headers={"Authorization": f"Bearer {member['token']}"},
        )
    assert response.status_code == 201, response.text
    assert "No space left on device" in caplog.text
    with app.app_context():
        assert db.session.get(Case, response.json["id"]).title == "Index vol"
        waiting = select(OutboxEntry.doc_id).where(OutboxEntry.doc_type == "case")
        assert response.json["id"] in db.session.scalars(waiting).all()
