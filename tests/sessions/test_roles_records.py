"""Roles in a meeting (who may prepare, lead and take notes), preparing a meeting, and the
structured record of a moreel beraad (dilemma, values per option, judgements, conclusion)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from reflectie.accounts.models import User
from reflectie.audit.models import AuditEvent
from reflectie.cases.models import CaseStatus
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role
from reflectie.sessions import services
from reflectie.sessions.models import Meeting, MeetingNote, RoleInMeeting
from tests.cases.factories import make_case
from tests.factories import make_team, make_user
from tests.pages import get_page, text_of

WHEN = datetime(2027, 3, 30, 12, tzinfo=UTC)
DILEMMA_STEP, VALUES_STEP, JUDGEMENT_STEP, CONCLUSION_STEP = 3, 4, 6, 8  # 0-based


@pytest.fixture
def world(app) -> dict:
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH, name="Coach")
        leader = make_user(team=team, role=Role.LID, name="Gea Leider")
        notes = make_user(team=team, role=Role.LID, name="Nico Notulist")
        other = make_user(team=team, role=Role.LID, name="Otto")
        case = make_case(team=team, author=other, title="Mevrouw B.", status=CaseStatus.INGEBRACHT)
        meeting = services.create_meeting(
            coach, team, services.MeetingInput("dilemmamethode", WHEN, 90, [case.id])
        )
        services.assign_roles(
            meeting,
            {RoleInMeeting.GESPREKSLEIDER: leader.id, RoleInMeeting.NOTULIST: notes.id},
        )
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        db.session.commit()
        return {
            "slug": team.slug, "meeting": meeting.id, "case": case.id, "coach": coach.email,
            "coach_id": coach.id, "leader": leader.email, "leader_id": leader.id,
            "notes": notes.email, "notes_id": notes.id, "other": other.email,
            "other_id": other.id, "outsider": outsider.email, "outsider_id": outsider.id,
        }  # fmt: skip


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_the_gespreksleider_leads_and_the_notulist_only_writes_notes(app, login, world):
    m = world["meeting"]
    leader, notes, other = login(world["leader"]), login(world["notes"]), login(world["other"])
    assert leader.get(f"/bijeenkomsten/{m}/voorbereiden").status_code == 200
    assert leader.get(f"/bijeenkomsten/{m}/afronden").status_code == 200
    assert notes.get(f"/bijeenkomsten/{m}/leiden").status_code == 200
    assert notes.post(f"/bijeenkomsten/{m}/aantekeningen/1", json={"text": "x"}).status_code == 200
    for path in ("voorbereiden", "afronden"):
        assert notes.get(f"/bijeenkomsten/{m}/{path}").status_code == 404
    for path in ("voorbereiden", "afronden", "leiden"):
        assert other.get(f"/bijeenkomsten/{m}/{path}").status_code == 404
    assert other.post(f"/bijeenkomsten/{m}/aantekeningen/1", json={"text": "x"}).status_code == 404
    shown = text_of(get_page(other, f"/bijeenkomsten/{m}"))
    assert "Gea Leider" in shown
    assert "Uw rol casusinbrenger" in shown
    assert "Voorbereiden" not in shown


def test_after_closing_only_a_planner_changes_the_record_and_it_is_audited(app, world):
    with app.app_context():
        leader, notes = _user(world["leader_id"]), _user(world["notes_id"])
        services.close_meeting(leader, world["meeting"])
        for user in (leader, notes):
            with pytest.raises(NotFound):
                services.save_note(user, world["meeting"], 0, "later")
        services.save_note(_user(world["coach_id"]), world["meeting"], 0, "aanvulling")
        kinds = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "meeting.record_changed")
        ).all()
        assert kinds == ["meeting.record_changed"]


def test_preparing_moves_the_meeting_sets_the_agenda_and_roles(app, login, world):
    client = login(world["leader"])
    page = get_page(client, f"/bijeenkomsten/{world['meeting']}/voorbereiden")
    assert "Nog niet eerder besproken." in text_of(page)
    data = {
        "method": "dilemmamethode", "date": "2027-04-02", "time": "10:30",
        "duration_minutes": "120", "location": "Zaal 2", "case_ids": [str(world["case"])],
        "gespreksleider": str(world["other_id"]), "notulist": "", "tijdbewaker": "",
    }  # fmt: skip
    bad = client.post(
        f"/bijeenkomsten/{world['meeting']}/voorbereiden",
        data={**data, "notulist": str(world["outsider_id"])},
    )
    assert "Kies iemand uit het team." in bad.text
    saved = client.post(f"/bijeenkomsten/{world['meeting']}/voorbereiden", data=data)
    assert saved.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        assert meeting.starts_at == datetime(2027, 4, 2, 8, 30, tzinfo=UTC)
        assert meeting.holder(RoleInMeeting.GESPREKSLEIDER).id == world["other_id"]
        assert meeting.holder(RoleInMeeting.NOTULIST) is None
        assert meeting.location == "Zaal 2"
    # The former leader lost the role, and with it the preparing.
    assert client.get(f"/bijeenkomsten/{world['meeting']}/voorbereiden").status_code == 404


def test_a_structured_dilemma_and_judgements_are_kept_as_data_and_readable_text(app, world):
    with app.app_context():
        notes = _user(world["notes_id"])
        services.save_note(
            notes,
            world["meeting"],
            DILEMMA_STEP,
            structured={
                "question": "Mag ik de dochter bellen?",
                "option_a": "de dochter bellen",
                "consequence_a": "schaad ik het vertrouwen",
                "option_b": "niet bellen",
                "consequence_b": "blijft mevrouw alleen",
            },
        )
        services.save_note(
            notes,
            world["meeting"],
            JUDGEMENT_STEP,
            structured={
                "rows": [
                    {"participant": "Anna", "option": "A", "value": "veiligheid", "reason": ""},
                    {"participant": "", "option": "", "value": "", "reason": ""},
                    {"participant": "Bram", "option": "B", "value": "autonomie", "reason": "x"},
                ]
            },
        )
        meeting = db.session.get(Meeting, world["meeting"])
        assert meeting.note_for(DILEMMA_STEP) == (
            "Mag ik de dochter bellen?\nMoet ik de dochter bellen, met als gevolg schaad ik het "
            "vertrouwen, of niet bellen, met als gevolg blijft mevrouw alleen?"
        )
        rows = meeting.record_for(JUDGEMENT_STEP)["rows"]
        assert [r["participant"] for r in rows] == ["Anna", "Bram"]  # the empty row is left out
        assert "Doorslaggevende waarde: autonomie" in meeting.note_for(JUDGEMENT_STEP)


@pytest.mark.parametrize(
    ("step", "record", "field"),
    [
        (DILEMMA_STEP, {"question": 5}, "record.question"),
        (DILEMMA_STEP, {"onbekend": "x"}, "record"),
        (DILEMMA_STEP, {"question": "x" * 2001}, "record.question"),
        (JUDGEMENT_STEP, {"rows": "geen lijst"}, "record"),
        (JUDGEMENT_STEP, {"rows": [{"participant": "A"}] * 31}, "record"),
        (JUDGEMENT_STEP, {"rows": [["A"]]}, "record.rows.0"),
        (0, {"question": "x"}, "record"),  # a free-text step has no fields
    ],
)
def test_bad_structured_records_are_refused_and_nothing_is_written(app, world, step, record, field):
    with app.app_context():
        with pytest.raises(Invalid) as err:
            services.save_note(_user(world["notes_id"]), world["meeting"], step, structured=record)
        assert field in err.value.fields
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(MeetingNote)) == 0


def test_the_facilitation_page_saves_a_record_without_javascript(app, login, world):
    client = login(world["notes"])
    m = world["meeting"]
    page = get_page(client, f"/bijeenkomsten/{m}/leiden?stap={JUDGEMENT_STEP + 1}")
    names = [i["value"] for i in page.select("input[name$='-participant']") if i.get("value")]
    assert names == ["Coach", "Gea Leider", "Nico Notulist", "Otto"]  # a row per member
    saved = client.post(
        f"/bijeenkomsten/{m}/aantekeningen/{JUDGEMENT_STEP + 1}",
        data={"rows-0-participant": "Coach", "rows-0-option": "A", "rows-0-value": "zorg",
              "rows-1-participant": "Otto", "rows-1-option": "B", "rows-1-value": "vrijheid"},
    )  # fmt: skip
    assert saved.status_code == 302
    again = get_page(client, f"/bijeenkomsten/{m}/leiden?stap={JUDGEMENT_STEP + 1}")
    assert len(again.select("input[name$='-participant']")) == 4  # two rows and two empty ones
    autosave = client.post(
        f"/bijeenkomsten/{m}/aantekeningen/{CONCLUSION_STEP + 1}",
        json={"record": {"decision": "We bellen de dochter samen met mevrouw."}},
    )
    assert autosave.status_code == 200
    wrong = client.post(
        f"/bijeenkomsten/{m}/aantekeningen/{CONCLUSION_STEP + 1}", json={"record": {"x": "y"}}
    )
    assert wrong.status_code == 422
    assert client.post(f"/bijeenkomsten/{m}/aantekeningen/1", json={}).status_code == 400
    shown = text_of(get_page(client, f"/bijeenkomsten/{m}"))
    assert "We bellen de dochter samen met mevrouw." in shown
    assert "vrijheid" in shown


def test_the_api_writes_and_returns_a_structured_record(app, world):
    from tests.factories import make_token

    with app.app_context():
        token = make_token(_user(world["notes_id"]))
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/sessions/{world['meeting']}/notes"
    body = {"step": DILEMMA_STEP + 1, "record": {"option_a": "bellen", "option_b": "wachten"}}
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 200
    step = response.get_json()["steps"][DILEMMA_STEP]
    assert step["record_kind"] == "dilemma"
    assert step["record"]["option_b"] == "wachten"
    assert "Moet ik bellen" in step["notes"]
    assert response.get_json()["roles"]["notulist"]
    bad = client.post(url, json={"step": 4, "record": []}, headers=headers)
    assert bad.status_code == 422
    assert "record" in bad.get_json()["fields"]


def test_the_case_page_shows_the_record_of_the_closed_meeting(app, login, world):
    with app.app_context():
        leader = _user(world["leader_id"])
        services.save_note(
            leader,
            world["meeting"],
            DILEMMA_STEP,
            structured={"option_a": "bellen", "option_b": "wachten"},
        )
        services.save_note(
            leader, world["meeting"], CONCLUSION_STEP, structured={"decision": "Samen bellen."}
        )
        services.add_outcome(leader, world["meeting"], kind="leerpunt", text="Eerst vragen.")
        services.close_meeting(leader, world["meeting"])
        db.session.commit()
    page = get_page(login(world["other"]), f"/casussen/{world['case']}")
    section = text_of(page.find(id="besproken-in").parent)
    assert "Moet ik bellen, met als gevolg …, of wachten, met als gevolg …?" in section
    assert "Samen bellen." in section
    assert "Eerst vragen." in section
