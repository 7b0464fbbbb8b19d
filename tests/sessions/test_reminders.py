"""`reflectie sessions remind`: the day before, once, to the team only (issue 4)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from reflectie.db import db
from reflectie.permissions import Role
from reflectie.sessions import services
from reflectie.sessions.models import Meeting
from tests.factories import make_team, make_user

WHEN = datetime(2027, 3, 30, 12, tzinfo=UTC)  # 14:00 in Amsterdam


@pytest.fixture
def planned(app):
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH, name="Coach Een")
        lid = make_user(team=team, role=Role.LID, name="Lid Twee")
        make_user(team=make_team(), name="Buiten Staander")
        meeting = services.create_meeting(
            coach, team, services.MeetingInput("dilemmamethode", WHEN, 90)
        )
        services.add_outcome(coach, meeting.id, kind="actiepunt", text="Bellen", owner_id=lid.id)
        far = services.create_meeting(
            coach,
            team,
            services.MeetingInput("dilemmamethode", datetime(2027, 4, 13, 12, tzinfo=UTC), 90),
        )
        db.session.commit()
        return meeting.id, far.id


def _remind(app, now: str):
    return app.test_cli_runner().invoke(args=["sessions", "remind", "--now", now])


def test_the_day_before_every_member_is_mailed_once(app, planned, caplog):
    meeting_id, far_id = planned
    with caplog.at_level(logging.WARNING, logger="reflectie.mail"):
        result = _remind(app, "2027-03-29T09:00:00+02:00")
    assert result.exit_code == 0, result.output
    assert f"meeting {meeting_id}: 2 reminder(s)" in result.output
    mails = [r.getMessage() for r in caplog.records if "Herinnering" in r.getMessage()]
    assert len(mails) == 2
    assert any("Lid Twee" in m and "U heeft 1 open actiepunt" in m for m in mails)
    assert all("Buiten Staander" not in m for m in mails)
    assert all(f"/bijeenkomsten/{meeting_id}" in m for m in mails)
    caplog.clear()
    again = _remind(app, "2027-03-29T18:00:00+02:00")
    assert "0 meeting(s) reminded" in again.output
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).reminded_at is not None
        assert db.session.get(Meeting, far_id).reminded_at is None


def test_cancelled_meetings_are_not_reminded(app, planned):
    meeting_id, _far = planned
    with app.app_context():
        db.session.get(Meeting, meeting_id).status = "geannuleerd"
        db.session.commit()
    assert "0 meeting(s) reminded" in _remind(app, "2027-03-29T09:00:00+02:00").output


def test_a_moment_without_time_zone_is_refused(app):
    result = _remind(app, "2027-03-29T09:00:00")
    assert result.exit_code != 0
    assert "time zone" in result.output


def test_the_home_page_shows_upcoming_meetings_and_my_open_actions(app, planned, login):
    from tests.pages import get_page, text_of

    with app.app_context():
        from sqlalchemy import select

        from reflectie.accounts.models import User

        email = db.session.scalar(select(User.email).where(User.name == "Lid Twee"))
        outsider = db.session.scalar(select(User.email).where(User.name == "Buiten Staander"))
    page = text_of(get_page(login(email), "/"))
    assert "Dilemmamethode" in page
    assert "Bellen" in page
    other = text_of(get_page(login(outsider), "/"))
    assert "Dilemmamethode" not in other
    assert "Bellen" not in other
