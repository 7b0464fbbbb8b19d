"""The record of a meeting: notes per step, outcomes, closing, open actions (services and API)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from reflectie.audit.models import AuditEvent
from reflectie.cases.models import Case, CaseStatus
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role
from reflectie.sessions import services
from reflectie.sessions.models import MeetingStatus
from tests.cases.factories import make_case
from tests.factories import make_team, make_token, make_user

WHEN = datetime(2027, 3, 30, 12, tzinfo=UTC)


@pytest.fixture
def meeting(ctx):
    team = make_team()
    coach = make_user(team=team, role=Role.LEERCOACH)
    lid = make_user(team=team, role=Role.LID)
    case = make_case(team=team, author=lid, status=CaseStatus.INGEBRACHT)
    planned = services.create_meeting(
        coach, team, services.MeetingInput("dilemmamethode", WHEN, 90, [case.id])
    )
    db.session.commit()
    return planned, coach, lid, case


def test_notes_are_kept_per_step_and_replaced_on_save(meeting):
    planned, coach, _lid, _case = meeting
    services.save_note(coach, planned.id, 3, "Moet ik A of B?")
    services.save_note(coach, planned.id, 3, "Moet ik A, of B?")
    services.save_note(coach, planned.id, 0, "Welkom")
    db.session.commit()
    assert planned.note_for(3) == "Moet ik A, of B?"
    assert [n.step for n in planned.notes] == [0, 3]
    with pytest.raises(NotFound):
        services.save_note(coach, planned.id, 99, "x")
    with pytest.raises(Invalid):
        services.save_note(coach, planned.id, 1, "x" * 20_001)


def test_only_planners_write_the_record(meeting):
    planned, _coach, lid, _case = meeting
    with pytest.raises(NotFound):
        services.save_note(lid, planned.id, 0, "x")
    with pytest.raises(NotFound):
        services.add_outcome(lid, planned.id, kind="leerpunt", text="x")
    outsider = make_user(team=make_team(), role=Role.LEERCOACH)
    with pytest.raises(NotFound):
        services.close_meeting(outsider, planned.id)


def test_outcomes_need_text_and_actions_an_owner_from_the_team(meeting):
    planned, coach, lid, _case = meeting
    services.add_outcome(coach, planned.id, kind="leerpunt", text="Eerst vragen, dan doen.")
    services.add_outcome(
        coach, planned.id, kind="actiepunt", text="Huisarts bellen", owner_id=lid.id,
        due_on=date(2027, 4, 13),
    )  # fmt: skip
    for bad, field in [
        ({"kind": "wens", "text": "x"}, "kind"),
        ({"kind": "leerpunt", "text": "  "}, "text"),
        ({"kind": "actiepunt", "text": "x"}, "owner_id"),
        ({"kind": "actiepunt", "text": "x", "owner_id": make_user().id}, "owner_id"),
    ]:
        with pytest.raises(Invalid) as err:
            services.add_outcome(coach, planned.id, **bad)
        assert field in err.value.fields
    assert [o.kind.value for o in planned.outcomes] == ["leerpunt", "actiepunt"]


def test_closing_moves_the_cases_to_besproken_and_actions_come_back(meeting):
    planned, coach, lid, case = meeting
    action = services.add_outcome(
        coach, planned.id, kind="actiepunt", text="Bellen", owner_id=lid.id
    )
    services.close_meeting(coach, planned.id)
    db.session.commit()
    assert planned.status == MeetingStatus.CLOSED
    assert db.session.get(Case, case.id).status == CaseStatus.BESPROKEN
    assert services.meetings_of_case(lid, case.id) == [planned]
    assert services.open_actions(lid, planned.team_id) == [action]
    services.complete_action(lid, action.id, "Gedaan, ze belt terug.")
    db.session.commit()
    assert services.open_actions(lid, planned.team_id) == []
    with pytest.raises(Invalid):
        services.close_meeting(coach, planned.id)


def test_a_closed_record_changes_only_by_a_planner_and_is_audited(meeting):
    planned, coach, _lid, _case = meeting
    services.close_meeting(coach, planned.id)
    services.save_note(coach, planned.id, 2, "Later aangevuld")
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == planned.id)
    ).all()
    assert "meeting.record_changed" in actions


def test_only_the_owner_or_a_planner_marks_an_action_done(meeting):
    planned, coach, lid, _case = meeting
    other_lid = make_user(team=planned.team, role=Role.LID)
    action = services.add_outcome(
        coach, planned.id, kind="actiepunt", text="Bellen", owner_id=lid.id
    )
    with pytest.raises(NotFound):
        services.complete_action(other_lid, action.id)
    services.complete_action(coach, action.id, "Door de coach afgevinkt")
    assert action.done_at is not None


def test_the_api_writes_notes_and_actions(app, client):
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        lid = make_user(team=team, role=Role.LID)
        planned = services.create_meeting(
            coach, team, services.MeetingInput("dilemmamethode", WHEN, 90)
        )
        db.session.commit()
        meeting_id, handle = planned.id, lid.handle
        coach_h = {"Authorization": f"Bearer {make_token(coach)}"}
        lid_h = {"Authorization": f"Bearer {make_token(lid)}"}
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        other_h = {"Authorization": f"Bearer {make_token(outsider)}"}
    url = f"/api/v1/sessions/{meeting_id}"
    saved = client.post(url + "/notes", json={"step": 4, "text": "Het dilemma"}, headers=coach_h)
    assert saved.status_code == 200
    assert saved.json["steps"][3]["notes"] == "Het dilemma"
    assert (
        client.post(url + "/notes", json={"step": 0, "text": "x"}, headers=coach_h).status_code
        == 422
    )
    assert (
        client.post(url + "/notes", json={"step": 99, "text": "x"}, headers=coach_h).status_code
        == 404
    )
    assert (
        client.post(url + "/notes", json={"step": 1, "text": "x"}, headers=lid_h).status_code == 404
    )
    assert (
        client.post(url + "/notes", json={"step": 1, "text": "x"}, headers=other_h).status_code
        == 404
    )
    body = {"text": "Huisarts bellen", "owner": handle, "due_on": "2027-04-13"}
    created = client.post(url + "/actions", json=body, headers=coach_h)
    assert created.status_code == 201
    assert created.json == {
        "id": created.json["id"], "kind": "actiepunt", "text": "Huisarts bellen", "owner": handle,
        "due_on": "2027-04-13", "done": False, "done_note": "",
    }  # fmt: skip
    assert (
        client.post(
            url + "/actions", json={**body, "owner": "niemand"}, headers=coach_h
        ).status_code
        == 422
    )
    assert (
        client.post(
            url + "/actions", json={**body, "due_on": "morgen"}, headers=coach_h
        ).status_code
        == 422
    )
    assert client.get(url, headers=lid_h).json["outcomes"][0]["text"] == "Huisarts bellen"
