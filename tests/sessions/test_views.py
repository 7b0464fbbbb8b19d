"""The meeting pages in the room: facilitation mode, notes, closing, outcomes and actions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from reflectie.audit.models import AuditEvent
from reflectie.cases.models import Case, CaseStatus
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.sessions import services
from reflectie.sessions.models import Meeting, MeetingNote, MeetingOutcome, MeetingStatus
from tests.cases.factories import make_case
from tests.factories import make_team, make_user
from tests.pages import get_page, text_of

WHEN = datetime(2027, 3, 30, 12, tzinfo=UTC)


@pytest.fixture
def world(app):
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        lid = make_user(team=team, role=Role.LID, name="Lid Jansen")
        case = make_case(team=team, author=lid, title="Meneer K.", status=CaseStatus.INGEBRACHT)
        meeting = services.create_meeting(
            coach, team, services.MeetingInput("dilemmamethode", WHEN, 90, [case.id])
        )
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        db.session.commit()
        return {
            "coach": coach.email,
            "coach_id": coach.id,
            "lid": lid.email,
            "lid_id": lid.id,
            "outsider": outsider.email,
            "case": case.id,
            "meeting": meeting.id,
            "team": team.id,
        }


def _add_action(app, world, owner_key="lid_id", text="Navragen bij de huisarts"):
    from reflectie.accounts.models import User

    with app.app_context():
        coach = db.session.get(User, world["coach_id"])
        outcome = services.add_outcome(
            coach, world["meeting"], kind="actiepunt", text=text, owner_id=world[owner_key]
        )
        db.session.commit()
        return outcome.id


def _note(app, meeting_id, step):
    with app.app_context():
        return db.session.scalar(
            select(MeetingNote.text).where(
                MeetingNote.meeting_id == meeting_id, MeetingNote.step == step
            )
        )


# --- facilitation mode --------------------------------------------------------------------------


def test_a_leercoach_facilitates_one_step_at_a_time(login, world):
    client = login(world["coach"])
    url = f"/bijeenkomsten/{world['meeting']}/leiden"
    page = get_page(client, url)
    text = text_of(page)
    assert "Stap 1 van 10" in text
    assert "Gepland einde van deze stap:" in text
    assert page.find("a", string="Volgende stap")["href"].endswith("stap=2")
    assert page.find("a", string="Vorige stap") is None
    assert page.find("a", string="Meneer K.")  # the agenda with links
    assert page.find("textarea", attrs={"name": "text"})
    assert page.find("script", src=lambda s: s and "facilitate.js" in s)
    assert page.find(attrs={"aria-live": "polite", "data-countdown-announce": True}) is not None
    last = get_page(client, f"{url}?stap=10")
    assert "Stap 10 van 10" in text_of(last)
    assert last.find("a", string="Naar afronden")


@pytest.mark.parametrize("stap", ["0", "11", "-1", "twee", "99999"])
def test_a_step_out_of_range_is_not_found(login, world, stap):
    client = login(world["coach"])
    assert client.get(f"/bijeenkomsten/{world['meeting']}/leiden?stap={stap}").status_code == 404


def test_notes_are_saved_with_the_form_and_shown_again(app, login, world):
    client = login(world["coach"])
    url = f"/bijeenkomsten/{world['meeting']}/aantekeningen/2"
    response = client.post(url, data={"text": "Moet ik A of B?"})
    assert response.status_code == 302
    assert response.location.endswith(f"/bijeenkomsten/{world['meeting']}/leiden?stap=2")
    assert _note(app, world["meeting"], 1) == "Moet ik A of B?"
    page = get_page(client, f"/bijeenkomsten/{world['meeting']}/leiden?stap=2")
    assert page.find("textarea", attrs={"name": "text"}).get_text().strip() == "Moet ik A of B?"
    assert "De aantekeningen zijn bewaard." in text_of(page)


def test_notes_are_saved_as_json_by_the_autosave(app, login, world):
    client = login(world["coach"])
    url = f"/bijeenkomsten/{world['meeting']}/aantekeningen/2"
    response = client.post(url, json={"text": "Feiten: geen"})
    assert response.status_code == 200
    assert response.json["saved_at"]
    assert _note(app, world["meeting"], 1) == "Feiten: geen"
    assert client.post(url, json=["geen object"]).status_code == 400
    assert (
        client.post(
            f"/bijeenkomsten/{world['meeting']}/aantekeningen/11", json={"text": "x"}
        ).status_code
        == 404
    )


def test_a_too_long_note_is_refused_in_dutch_and_the_text_is_kept(app, login, world):
    client = login(world["coach"])
    url = f"/bijeenkomsten/{world['meeting']}/aantekeningen/3"
    long_text = "lang " * 4001
    response = client.post(url, data={"text": long_text})
    assert response.status_code == 200  # the page again, with the message and the text
    assert "Houd de aantekeningen korter dan 20.000 tekens." in response.text
    assert long_text.strip() in response.text
    assert _note(app, world["meeting"], 2) is None
    answer = client.post(url, json={"text": long_text})
    assert answer.status_code == 422
    assert "20.000" in answer.json["message"]


def test_a_closed_meetings_note_change_is_audited(app, login, world):
    client = login(world["coach"])
    assert client.post(f"/bijeenkomsten/{world['meeting']}/afronden").status_code == 302
    client.post(f"/bijeenkomsten/{world['meeting']}/aantekeningen/1", data={"text": "Later"})
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "meeting.record_changed")
        ).all()
    assert actions == ["meeting.record_changed"]
    page = get_page(client, f"/bijeenkomsten/{world['meeting']}")
    assert "worden vastgelegd in het logboek" in text_of(page)
    assert "Later" in text_of(page)


# --- closing and outcomes -----------------------------------------------------------------------


def test_the_closing_page_lists_notes_and_adds_leerpunten_and_actiepunten(app, login, world):
    client = login(world["coach"])
    client.post(f"/bijeenkomsten/{world['meeting']}/aantekeningen/4", data={"text": "Dilemmazin"})
    page = get_page(client, f"/bijeenkomsten/{world['meeting']}/afronden")
    assert "Dilemmazin" in text_of(page)
    owners = [
        o.get_text() for o in page.find("select", attrs={"name": "owner_id"}).find_all("option")
    ]
    assert "Lid Jansen" in owners
    url = f"/bijeenkomsten/{world['meeting']}/uitkomsten"
    added = client.post(url, data={"kind": "leerpunt", "text": "Eerst vragen, dan vinden"})
    assert added.status_code == 302
    refused = client.post(url, data={"kind": "actiepunt", "text": "Bellen", "owner_id": ""})
    assert refused.status_code == 200
    assert "Een actiepunt heeft iemand die het oppakt." in refused.text
    ok = client.post(
        url,
        data={"kind": "actiepunt", "text": "Bellen", "owner_id": str(world["lid_id"]),
              "due_on": "2027-04-13"},
    )  # fmt: skip
    assert ok.status_code == 302
    with app.app_context():
        outcomes = db.session.scalars(
            select(MeetingOutcome)
            .where(MeetingOutcome.meeting_id == world["meeting"])
            .order_by(MeetingOutcome.id)
        ).all()
        assert [(o.kind.value, o.text, o.owner_id) for o in outcomes] == [
            ("leerpunt", "Eerst vragen, dan vinden", None),
            ("actiepunt", "Bellen", world["lid_id"]),
        ]
    shown = text_of(get_page(client, f"/bijeenkomsten/{world['meeting']}"))
    assert "Eerst vragen, dan vinden" in shown
    assert "13-04-2027" in shown


def test_closing_moves_the_agenda_to_besproken_and_the_case_page_lists_it(app, login, world):
    client = login(world["coach"])
    response = client.post(f"/bijeenkomsten/{world['meeting']}/afronden")
    assert response.status_code == 302
    assert response.location.endswith(f"/bijeenkomsten/{world['meeting']}")
    with app.app_context():
        assert db.session.get(Case, world["case"]).status == CaseStatus.BESPROKEN
        assert db.session.get(Meeting, world["meeting"]).status == MeetingStatus.CLOSED
    shown = get_page(client, f"/bijeenkomsten/{world['meeting']}")
    assert "De bijeenkomst is afgerond" in text_of(shown)
    assert shown.find("a", string="Bijeenkomst leiden") is None
    case_page = get_page(client, f"/casussen/{world['case']}")
    section = case_page.find(id="besproken-in").parent
    assert section.find("a", href=f"/bijeenkomsten/{world['meeting']}")
    again = client.post(f"/bijeenkomsten/{world['meeting']}/afronden")
    assert again.status_code == 200
    assert "Alleen een geplande bijeenkomst kan worden afgerond." in again.text


def test_open_actions_come_back_on_step_one_of_the_next_meeting(app, login, world):
    from reflectie.accounts.models import Team, User

    outcome_id = _add_action(app, world, owner_key="lid_id")
    client = login(world["coach"])
    client.post(f"/bijeenkomsten/{world['meeting']}/afronden")
    with app.app_context():
        coach = db.session.get(User, world["coach_id"])
        team = db.session.get(Team, world["team"])
        later = datetime(2027, 4, 13, 12, tzinfo=UTC)
        following = services.create_meeting(
            coach, team, services.MeetingInput("dilemmamethode", later, 90)
        )
        db.session.commit()
        next_id = following.id
    page = get_page(client, f"/bijeenkomsten/{next_id}/leiden")
    assert "Navragen bij de huisarts" in text_of(page)
    form = page.find("form", action=f"/actiepunten/{outcome_id}/afgerond")
    assert form is not None
    assert "Navragen" not in text_of(get_page(client, f"/bijeenkomsten/{next_id}/leiden?stap=2"))
    done = client.post(
        f"/actiepunten/{outcome_id}/afgerond",
        data={
            "note": "Gedaan, huisarts belt terug",
            "terug": f"/bijeenkomsten/{next_id}/leiden?stap=1",
        },
    )
    assert done.status_code == 302
    assert done.location.endswith(f"/bijeenkomsten/{next_id}/leiden?stap=1")
    with app.app_context():
        outcome = db.session.get(MeetingOutcome, outcome_id)
        assert outcome.done_at is not None
        assert outcome.done_note == "Gedaan, huisarts belt terug"
    assert "Navragen bij de huisarts" not in text_of(
        get_page(client, f"/bijeenkomsten/{next_id}/leiden")
    )


def test_marking_done_never_redirects_off_site(app, login, world):
    outcome_id = _add_action(app, world)
    client = login(world["coach"])
    done = client.post(f"/actiepunten/{outcome_id}/afgerond", data={"terug": "//evil.example/"})
    assert done.location.endswith(f"/bijeenkomsten/{world['meeting']}")


# --- who may -------------------------------------------------------------------------------------


def test_a_leercoach_sees_the_facilitate_button_and_a_lid_does_not(login, world):
    coach_page = get_page(login(world["coach"]), f"/bijeenkomsten/{world['meeting']}")
    assert coach_page.find("a", string="Bijeenkomst leiden")
    lid_page = get_page(login(world["lid"]), f"/bijeenkomsten/{world['meeting']}")
    assert lid_page.find("a", string="Bijeenkomst leiden") is None


def test_a_lid_cannot_facilitate_or_close_but_marks_their_own_action_done(app, login, world):
    own = _add_action(app, world, owner_key="lid_id", text="Eigen actie")
    coachs = _add_action(app, world, owner_key="coach_id", text="Actie van de coach")
    client = login(world["lid"])
    m = world["meeting"]
    assert client.get(f"/bijeenkomsten/{m}/leiden").status_code == 404
    assert client.get(f"/bijeenkomsten/{m}/afronden").status_code == 404
    assert client.post(f"/bijeenkomsten/{m}/afronden").status_code == 404
    assert client.post(f"/bijeenkomsten/{m}/aantekeningen/1", data={"text": "x"}).status_code == 404
    assert client.post(f"/bijeenkomsten/{m}/aantekeningen/1", json={"text": "x"}).status_code == 404
    outcome = {"kind": "leerpunt", "text": "x"}
    assert client.post(f"/bijeenkomsten/{m}/uitkomsten", data=outcome).status_code == 404
    assert client.post(f"/actiepunten/{coachs}/afgerond", data={"note": "x"}).status_code == 404
    page = get_page(client, f"/bijeenkomsten/{m}")
    assert page.find("form", action=f"/actiepunten/{own}/afgerond")
    assert page.find("form", action=f"/actiepunten/{coachs}/afgerond") is None
    done = client.post(f"/actiepunten/{own}/afgerond", data={"note": "Klaar"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(MeetingOutcome, own).done_at is not None
        assert db.session.get(MeetingOutcome, coachs).done_at is None
        assert db.session.get(Meeting, m).status == MeetingStatus.PLANNED
        assert db.session.scalar(select(func.count(MeetingNote.id))) == 0


def test_another_teams_member_gets_404_everywhere_and_nothing_changes(app, login, world):
    outcome_id = _add_action(app, world)
    client = login(world["outsider"])
    m = world["meeting"]
    for method, url, kwargs in [
        ("get", f"/bijeenkomsten/{m}", {}),
        ("get", f"/bijeenkomsten/{m}/leiden", {}),
        ("get", f"/bijeenkomsten/{m}/leiden?stap=2", {}),
        ("get", f"/bijeenkomsten/{m}/afronden", {}),
        ("post", f"/bijeenkomsten/{m}/afronden", {}),
        ("post", f"/bijeenkomsten/{m}/aantekeningen/1", {"data": {"text": "x"}}),
        ("post", f"/bijeenkomsten/{m}/aantekeningen/1", {"json": {"text": "x"}}),
        ("post", f"/bijeenkomsten/{m}/uitkomsten", {"data": {"kind": "leerpunt", "text": "x"}}),
        ("post", f"/actiepunten/{outcome_id}/afgerond", {"data": {"note": "x"}}),
    ]:
        assert getattr(client, method)(url, **kwargs).status_code == 404, url
    with app.app_context():
        assert db.session.get(Meeting, m).status == MeetingStatus.PLANNED
        assert db.session.get(MeetingOutcome, outcome_id).done_at is None
        assert db.session.scalar(select(func.count(MeetingNote.id))) == 0
        assert (
            db.session.scalar(
                select(func.count(MeetingOutcome.id)).where(MeetingOutcome.meeting_id == m)
            )
            == 1
        )
        assert db.session.get(Case, world["case"]).status == CaseStatus.INGEBRACHT
