"""Faults (R-33, R-36, issue 8): a database that is down or a disk that is full gives a clear
Dutch 503, never a stack trace; what the user typed is shown back so nothing is lost, nothing is
half written, and the API answers JSON."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from reflectie import create_app
from reflectie.audit.models import AuditEvent
from reflectie.cases.models import Case, CaseRevision
from reflectie.db import db
from reflectie.permissions import Role
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
        for model in (Case, CaseRevision, AuditEvent)
    ]


def test_a_full_disk_keeps_the_typed_text_and_writes_nothing(app, login, member, request):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip(
                "SQLite's max_page_count simulates a full disk; PostgreSQL has no such knob"
            )
    client = login(member["email"])
    connection = request.node.test_connection
    pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    free = connection.exec_driver_sql("PRAGMA freelist_count").scalar()
    with app.app_context():
        before = _counts()
    page_size = connection.exec_driver_sql("PRAGMA page_size").scalar()
    situation = ("Mevrouw B. woont alleen. " * 2000)[:45_000]
    assert free * page_size < len(situation)  # the free pages cannot hold it: the disk is full
    connection.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
    try:
        response = client.post(
            f"/teams/{member['slug']}/casussen/nieuw",
            data={"title": "Volle schijf", "situation": situation, "action": "save",
                  "password": "geheim-wachtwoord"},
        )  # fmt: skip
    finally:
        connection.exec_driver_sql("PRAGMA max_page_count = 1073741823")
    assert response.status_code == 503
    page = parse(response.text)
    carried = [t.get_text() for t in page.find_all("textarea", attrs={"readonly": True})]
    assert situation in carried
    assert "Volle schijf" in carried
    assert "geheim-wachtwoord" not in response.text
    with app.app_context():
        assert _counts() == before
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
