"""What the audit log holds (R-22) and the overviews an officer reads from it (R-24), after a
scripted sequence of real requests: reads, a refused read, logins and a save that failed."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from reflectie.audit.models import AuditEvent
from reflectie.db import db
from reflectie.permissions import Role
from tests.cases.factories import make_case
from tests.factories import make_team, make_user
from tests.pages import get_page

AGENT = "Mozilla/5.0 (audit test)"


@pytest.fixture
def world(app: Flask) -> dict:
    canary = secrets.token_hex(10)
    with app.app_context():
        team = make_team()
        reader = make_user(team=team, role=Role.LID, name="Lezer Een")
        other = make_user(team=team, role=Role.LID, name="Lezer Twee")
        outsider = make_user(team=make_team(), role=Role.LEERCOACH, name="Buiten Staander")
        first = make_case(team=team, author=other, title="Eerste casus", situation=canary)
        second = make_case(team=team, author=other, title="Tweede casus")
        return {
            "canary": canary,
            "team": team.id,
            "reader": reader.email,
            "reader_id": reader.id,
            "other": other.email,
            "other_id": other.id,
            "outsider": outsider.email,
            "outsider_id": outsider.id,
            "first": first.id,
            "second": second.id,
        }


def _events(app: Flask, **where) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
        events = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(events)


def test_every_read_and_refusal_is_one_event_with_the_required_fields(app, login, world):
    """R-22: every read and refusal is one audit event with the required fields."""
    started = datetime.now(UTC) - timedelta(seconds=1)
    reader = login(world["reader"])
    reader.environ_base["HTTP_USER_AGENT"] = AGENT
    response = reader.get(f"/casussen/{world['first']}")
    assert response.status_code == 200
    reads = _events(app, action="case.read", object_id=world["first"])
    assert len(reads) == 1
    read = reads[0]
    assert (read.actor_id, read.object_type, read.team_id, read.result) == (
        world["reader_id"],
        "case",
        world["team"],
        "ok",
    )
    assert read.ip == "127.0.0.1"
    assert read.request_id
    assert read.request_id == response.headers.get("X-Request-Id")
    assert read.details["ua"] != AGENT
    assert len(read.details["ua"]) == 16
    at = read.at if read.at.tzinfo else read.at.replace(tzinfo=UTC)  # SQLite drops the zone
    assert at.utcoffset() == timedelta(0)
    assert started <= at <= datetime.now(UTC)
    assert read.hash
    assert read.prev_hash is not None

    outsider = login(world["outsider"])
    assert outsider.get(f"/casussen/{world['first']}").status_code == 404
    denied = _events(app, action="case.read", actor_id=world["outsider_id"])
    assert [(e.result, e.object_id, e.team_id) for e in denied] == [
        ("denied", world["first"], world["team"])
    ]


def test_logins_are_on_record_whether_they_succeed_or_not(app, client, login, world):
    assert (
        client.post("/login", data={"email": world["reader"], "password": "fout"}).status_code
        == 200
    )
    login(world["reader"])
    results = [e.result for e in _events(app, action="login", actor_id=world["reader_id"])]
    assert results == ["failed", "ok"]


def test_a_change_that_did_not_happen_leaves_no_event(app, login, world):
    other = login(world["other"])
    url = f"/casussen/{world['first']}/bewerken"
    stale = other.post(
        url, data={"title": "Nieuwe titel", "situation": "x", "kwesties": "2", "version": "0"}
    )
    assert stale.status_code in (200, 409)
    assert _events(app, action="case.update", object_id=world["first"]) == []


def test_no_event_holds_case_text(app, login, world):
    login(world["reader"]).get(f"/casussen/{world['first']}")
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.details, AuditEvent.action)).all()
    assert world["canary"] not in repr(rows)


def test_the_officer_sees_who_read_a_case_and_what_a_user_read(app, login, admin_client, world):
    """R-24: the access overview: who read a case, and what a user read."""
    reader, other = login(world["reader"]), login(world["other"])
    reader.get(f"/casussen/{world['first']}")
    reader.get(f"/casussen/{world['second']}")
    other.get(f"/casussen/{world['first']}")
    login(world["outsider"]).get(f"/casussen/{world['first']}")  # refused, also on record

    def rows(query: str) -> list[list[str]]:
        table = get_page(admin_client, f"/beheer/audit?{query}").find("table")
        out = []
        for tr in table.find_all("tr")[1:]:
            cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            out.append(cells)
        return out

    who = rows(f"action=case.read&object_type=case&object_id={world['first']}")
    text = " ".join(" ".join(r) for r in who)
    assert len(who) == 3
    assert text.count("Lezer Een") == 1
    assert text.count("Lezer Twee") == 1
    assert "Buiten Staander" in text
    assert "denied" in text

    what = rows(f"actor={world['reader']}&action=case.read")
    assert len(what) == 2
    assert {str(world["first"]), str(world["second"])} <= set(text_of_rows(what))


def text_of_rows(rows: list[list[str]]) -> set[str]:
    return {word for row in rows for cell in row for word in cell.replace("#", " ").split()}
