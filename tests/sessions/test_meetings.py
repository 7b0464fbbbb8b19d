"""Planning meetings: who may, what may be on the agenda, the calendar file, the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from reflectie.cases.models import CaseStatus
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role
from reflectie.sessions import services
from reflectie.sessions.models import Meeting, MeetingStatus
from tests.cases.factories import COMPLETE, make_case
from tests.factories import make_team, make_token, make_user
from tests.pages import get_page, text_of

WHEN = datetime(2027, 3, 30, 12, tzinfo=UTC)


@pytest.fixture
def world(app):
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        lid = make_user(team=team, role=Role.LID)
        ready = make_case(team=team, author=lid, title="Klaar", status=CaseStatus.INGEBRACHT)
        draft = make_case(team=team, author=lid, title="Concept")
        complete = make_case(team=team, author=lid, title="Compleet", **COMPLETE)
        other = make_case(title="Van een ander team", status=CaseStatus.INGEBRACHT)
        return {
            "slug": team.slug,
            "coach": coach.email,
            "lid": lid.email,
            "coach_token": make_token(coach),
            "lid_token": make_token(lid),
            "ready": ready.id,
            "draft": draft.id,
            "complete": complete.id,
            "other": other.id,
        }


def _user(email):
    from reflectie.accounts.services import get_user_by_email

    return get_user_by_email(email)


def _team(slug):
    from reflectie.accounts.models import Team

    return db.session.scalar(select(Team).where(Team.slug == slug))


def test_a_leercoach_plans_a_meeting_with_brought_in_cases(app, world):
    with app.app_context():
        data = services.MeetingInput("dilemmamethode", WHEN, 90, [world["ready"]], "Buurthuis")
        meeting = services.create_meeting(_user(world["coach"]), _team(world["slug"]), data)
        db.session.commit()
        assert meeting.status == MeetingStatus.PLANNED
        assert [a.case_id for a in meeting.agenda] == [world["ready"]]
        assert meeting.ends_at == datetime(2027, 3, 30, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"method": "bestaat-niet"}, "method"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"case_ids": ["draft"]}, "case_ids"),
        ({"case_ids": ["other"]}, "case_ids"),
        ({"starts_at": datetime(2027, 3, 30, 12)}, "starts_at"),  # noqa: DTZ001 - the point
    ],
)
def test_bad_plans_are_refused_and_nothing_is_written(app, world, change, field):
    with app.app_context():
        values = {"method": "dilemmamethode", "starts_at": WHEN, "duration_minutes": 90,
                  "case_ids": [world["ready"]]}  # fmt: skip
        values.update(change)
        values["case_ids"] = [world.get(c, c) for c in values["case_ids"]]
        with pytest.raises(Invalid) as err:
            services.create_meeting(
                _user(world["coach"]), _team(world["slug"]), services.MeetingInput(**values)
            )
        assert field in err.value.fields
        db.session.rollback()
        assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_planning_a_complete_concept_brings_it_in(app, world):
    from reflectie.cases.models import Case

    with app.app_context():
        data = services.MeetingInput("dilemmamethode", WHEN, 90, [world["complete"]])
        services.create_meeting(_user(world["coach"]), _team(world["slug"]), data)
        db.session.commit()
        assert db.session.get(Case, world["complete"]).status == CaseStatus.INGEBRACHT


def test_a_lid_may_read_but_not_plan(app, world):
    with app.app_context(), pytest.raises(NotFound):
        services.create_meeting(
            _user(world["lid"]),
            _team(world["slug"]),
            services.MeetingInput("dilemmamethode", WHEN, 90),
        )


def test_the_calendar_file_names_method_and_team_but_no_case(app, world):
    with app.app_context():
        data = services.MeetingInput("dilemmamethode", WHEN, 90, [world["ready"]])
        meeting = services.create_meeting(_user(world["coach"]), _team(world["slug"]), data)
        ics = services.meeting_ics(meeting, "https://reflectie.example/bijeenkomsten/1")
    event = next(c for c in Calendar.from_ical(ics).walk("VEVENT"))
    assert event["summary"].startswith("Dilemmamethode")
    assert event.decoded("dtstart") == WHEN
    assert b"Klaar" not in ics


def test_the_api_plans_lists_and_exports_and_hides_other_teams(app, client, world):
    headers = {"Authorization": f"Bearer {world['coach_token']}"}
    body = {"team": world["slug"], "method": "dilemmamethode",
            "starts_at": "2027-03-30T14:00:00+02:00", "duration_minutes": 90,
            "case_ids": [world["ready"]]}  # fmt: skip
    created = client.post("/api/v1/sessions", json=body, headers=headers)
    assert created.status_code == 201
    meeting_id = created.json["id"]
    assert len(created.json["steps"]) == 10  # the Dilemmamethode's ten steps
    assert client.get("/api/v1/sessions", headers=headers).json["total"] == 1
    ics = client.get(f"/api/v1/sessions/{meeting_id}.ics", headers=headers)
    assert ics.status_code == 200
    assert b"BEGIN:VEVENT" in ics.data
    with app.app_context():
        outsider = make_token(make_user(team=make_team(), role=Role.LEERCOACH))
    other = {"Authorization": f"Bearer {outsider}"}
    assert client.get(f"/api/v1/sessions/{meeting_id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/sessions/{meeting_id}.ics", headers=other).status_code == 404
    assert client.post("/api/v1/sessions", json=body, headers=other).status_code == 422
    lid = {"Authorization": f"Bearer {world['lid_token']}"}
    assert client.post("/api/v1/sessions", json=body, headers=lid).status_code == 422
    assert client.get(f"/api/v1/sessions/{meeting_id}", headers=lid).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "morgen"}, "starts_at"),
        ({"starts_at": "2027-03-30T14:00:00"}, "starts_at"),
        ({"duration_minutes": "90"}, "duration_minutes"),
        ({"case_ids": "1"}, "case_ids"),
        ({"team_id": 1}, "team_id"),
    ],
)
def test_the_api_names_each_bad_field(client, world, change, field):
    headers = {"Authorization": f"Bearer {world['coach_token']}"}
    body = {"team": world["slug"], "method": "dilemmamethode",
            "starts_at": "2027-03-30T14:00:00+02:00", "duration_minutes": 90, **change}  # fmt: skip
    response = client.post("/api/v1/sessions", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.json["fields"]


def test_pages_plan_show_and_cancel(app, login, world):
    coach = login(world["coach"])
    page = get_page(coach, f"/teams/{world['slug']}/bijeenkomsten")
    assert page.find("input", attrs={"name": "case_ids", "value": str(world["ready"])})
    assert not page.find("input", attrs={"name": "case_ids", "value": str(world["draft"])})
    response = coach.post(
        f"/teams/{world['slug']}/bijeenkomsten",
        data={"method": "dilemmamethode", "date": "2027-03-30", "time": "14:00",
              "duration_minutes": 90, "case_ids": [world["ready"]], "location": "Buurthuis"},
    )  # fmt: skip
    assert response.status_code == 302
    url = response.headers["Location"]
    shown = text_of(get_page(coach, url))
    assert "Klaar" in shown
    assert "Draaiboek: Dilemmamethode" in shown
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert meeting.starts_at == datetime(2027, 3, 30, 12, tzinfo=UTC)  # 14:00 in Amsterdam
    assert coach.get(url + "/agenda.ics").mimetype == "text/calendar"
    bad = coach.post(f"/teams/{world['slug']}/bijeenkomsten", data={"method": "dilemmamethode"})
    assert bad.status_code == 200
    assert "Kies een datum." in bad.text
    lid = login(world["lid"])
    lid_page = get_page(lid, f"/teams/{world['slug']}/bijeenkomsten")
    assert lid_page.find("form", attrs={"action": f"/teams/{world['slug']}/bijeenkomsten"}) is None
    assert lid.post(url + "/annuleren").status_code == 404
    coach.post(url + "/annuleren")
    with app.app_context():
        assert db.session.scalar(select(Meeting)).status == MeetingStatus.CANCELLED
