"""A user downloads their own data, and nothing of teams they are not in (R-25)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from reflectie.accounts.services import set_membership
from reflectie.cases import services as cases
from reflectie.db import db, utcnow
from reflectie.permissions import Role
from reflectie.sessions import services as meeting_services
from reflectie.sessions.models import MeetingEvaluation
from reflectie.teaching import services as teaching_services
from reflectie.threads import services as thread_services
from tests.cases.factories import make_case
from tests.factories import make_org, make_team, make_user
from tests.publishing.factories import make_klas, make_publication
from tests.threads.factories import make_community, make_reply, make_thread


def test_the_download_holds_profile_memberships_cases_comments_and_activity(app, login):
    """R-25: the download holds the user's own records and no other team's."""
    with app.app_context():
        team, other_team = make_team(), make_team()
        user = make_user(team=team, name="Petra Eigen")
        own = make_case(team=team, author=user, title="Mijn eigen casus")
        colleague_case = make_case(team=team, title="Van een collega")
        cases.add_comment(user, colleague_case.id, "Mijn reactie")
        make_case(team=other_team, title="KANARIE-ANDER-TEAM")
        make_case(team=team, title="KANARIE-PRIVE-COLLEGA", visibility="private")
        db.session.commit()
        email, own_id = user.email, own.id
    client = login(email)
    response = client.get("/account/mijn-gegevens.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = response.json
    assert data["profile"]["name"] == "Petra Eigen"
    assert [c["id"] for c in data["cases"]] == [own_id]
    assert [c["body"] for c in data["comments"]] == ["Mijn reactie"]
    assert any(e["action"] == "login" for e in data["activity"])
    assert "KANARIE" not in response.text
    assert "Van een collega" not in response.text


def test_after_leaving_a_team_its_case_text_is_not_in_the_download(app, login):
    with app.app_context():
        old_team, new_team = make_team(), make_team()
        user = make_user(team=old_team)
        make_case(team=old_team, author=user, title="KANARIE-OUD-TEAM")
        user.memberships.clear()
        set_membership(None, team=new_team, user=user, role=Role.LID)
        db.session.commit()
        email = user.email
    response = login(email).get("/account/mijn-gegevens.json")
    assert response.status_code == 200
    assert "KANARIE" not in response.text
    assert response.json["cases"] == []


# --- everything else that is theirs: posts, actions, evaluations, notifications, copies,
# collections and answers; a canary in every record of someone else must stay out.

KANARIE = "KANARIE-" + secrets.token_hex(4).upper()
WHEN = datetime(2027, 3, 30, 14, tzinfo=UTC)


def _meeting(leader, team):
    return meeting_services.create_meeting(
        leader,
        team,
        meeting_services.MeetingInput(method="dilemmamethode", starts_at=WHEN, duration_minutes=60),
    )


def _action(leader, meeting, text, owner):
    meeting_services.add_outcome(leader, meeting.id, kind="actiepunt", text=text, owner_id=owner.id)


def _member_world(app) -> str:
    with app.app_context():
        org = make_org()
        team, left_team = make_team(organisation=org), make_team(organisation=org)
        other_org = make_org()
        other_team = make_team(organisation=other_org)
        user = make_user(team=team, name="Petra Eigen")
        set_membership(None, team=left_team, user=user, role=Role.LID)
        coach = make_user(team=team, role=Role.LEERCOACH)
        left_coach = make_user(team=left_team, role=Role.LEERCOACH)
        outsider = make_user(team=other_team, role=Role.LEERCOACH)
        db.session.commit()
        # Communities: her own thread and post, a colleague's post beside it, and a
        # thread of another organisation.
        community = make_community(founder=coach)
        thread = make_thread(community, user, title="Mijn vraag aan de wijk", body="Mijn start")
        post = make_reply(thread, user, "Mijn eigen bericht")
        thread_services.edit_post(user, post.id, "Mijn eigen bericht, verbeterd")
        make_reply(thread, coach, f"@{user.handle} reactie van een collega {KANARIE}")
        thread_services.report_post(
            user, thread_services.reply(coach, thread.id, "Hm").id, "Mijn melding: dit klopt niet"
        )
        other_community = make_community(founder=outsider, name=f"Elders {KANARIE}")
        other_thread = make_thread(
            other_community, outsider, title=f"Draad {KANARIE}", body=f"Tekst {KANARIE}"
        )
        make_reply(other_thread, outsider, f"Nog een {KANARIE}")
        # Meetings: her action and evaluation; someone else's; an action of a team she left.
        meeting, other_meeting = _meeting(coach, team), _meeting(outsider, other_team)
        old_meeting = _meeting(left_coach, left_team)
        _action(coach, meeting, "Mijn actiepunt: huisarts bellen", user)
        _action(coach, meeting, f"Actie collega {KANARIE}", coach)
        _action(outsider, other_meeting, f"Actie elders {KANARIE}", outsider)
        _action(left_coach, old_meeting, f"Actie oud team {KANARIE}", user)
        db.session.add_all(
            [
                MeetingEvaluation(
                    meeting_id=meeting.id,
                    user_id=user.id,
                    scores={"veilig": 4},
                    remark="Mijn evaluatie: fijn gesprek",
                ),
                MeetingEvaluation(
                    meeting_id=meeting.id,
                    user_id=coach.id,
                    scores={"veilig": 2},
                    remark=f"Evaluatie collega {KANARIE}",
                ),
            ]
        )
        meeting_services.send_reminder(meeting, "/b", now=WHEN)
        meeting_services.send_reminder(other_meeting, "/b", now=WHEN)
        # Publishing: a copy she started; one of another team.
        own_pub = make_publication(team=team, author=user, title="Mijn geanonimiseerde kopie")
        make_publication(team=other_team, author=outsider, title=f"Kopie {KANARIE}")
        user.memberships.remove(next(m for m in user.memberships if m.team_id == left_team.id))
        db.session.commit()
        assert own_pub.author_id == user.id
        return user.email


def test_the_download_holds_her_posts_actions_evaluations_notifications_and_copies(app, login):
    email = _member_world(app)
    response = login(email).get("/account/mijn-gegevens.json")
    assert response.status_code == 200
    data = response.json
    assert KANARIE not in response.text
    assert [t["title"] for t in data["threads"]] == ["Mijn vraag aan de wijk"]
    bodies = [p["body"] for p in data["posts"]]
    assert "Mijn eigen bericht, verbeterd" in bodies
    assert "Mijn start" in bodies
    edited = next(p for p in data["posts"] if p["body"] == "Mijn eigen bericht, verbeterd")
    assert [v["body"] for v in edited["earlier_versions"]] == ["Mijn eigen bericht"]
    assert edited["thread"] == "Mijn vraag aan de wijk"
    assert [r["reason"] for r in data["post_reports"]] == ["Mijn melding: dit klopt niet"]
    assert [a["text"] for a in data["action_items"]] == ["Mijn actiepunt: huisarts bellen"]
    assert [e["remark"] for e in data["meeting_evaluations"]] == ["Mijn evaluatie: fijn gesprek"]
    kinds = {n["kind"] for n in data["notifications"]}
    assert len(data["notifications"]) >= 2  # the mention and the reminder
    assert all(n["text"] for n in data["notifications"]), kinds
    assert [(p["title"], p["roles"]) for p in data["publications"]] == [
        ("Mijn geanonimiseerde kopie", ["auteur"])
    ]
    assert {c["community"] for c in data["communities"]} <= {"Schulden en armoede"}


def test_a_docent_takes_her_collections_and_a_student_her_answers_and_nothing_else(app, login):
    with app.app_context():
        pub = make_publication(title="Een buurvrouw alleen")
        klas, docent = make_klas()
        other_klas, other_docent = make_klas()
        student = make_user(team=klas, role=Role.STUDENT)
        classmate = make_user(team=klas, role=Role.STUDENT)
        mine = teaching_services.create_collection(docent, title="Mijn bundel ethiek")
        item = teaching_services.add_item(docent, mine.id, pub.id, ["Wat zou jij doen?"])
        theirs = teaching_services.create_collection(other_docent, title=f"Bundel {KANARIE}")
        teaching_services.add_item(other_docent, theirs.id, pub.id, [f"Vraag {KANARIE}"])
        today = utcnow().date()
        assignment = teaching_services.assign(
            docent, mine.id, team_id=klas.id, starts_on=today, ends_on=today + timedelta(days=7)
        )
        teaching_services.save_answer(
            student, assignment.id, item.id, 0, "Mijn antwoord", today=today
        )
        teaching_services.save_answer(
            classmate, assignment.id, item.id, 0, f"Antwoord {KANARIE}", today=today
        )
        db.session.commit()
        emails = docent.email, student.email
        assert other_klas.id != klas.id
    docent_data = login(emails[0]).get("/account/mijn-gegevens.json")
    assert KANARIE not in docent_data.text
    assert [c["title"] for c in docent_data.json["collections"]] == ["Mijn bundel ethiek"]
    assert docent_data.json["collections"][0]["items"][0]["questions"] == ["Wat zou jij doen?"]
    assert docent_data.json["answers"] == []
    student_data = login(emails[1]).get("/account/mijn-gegevens.json")
    assert KANARIE not in student_data.text
    assert [(a["question"], a["text"]) for a in student_data.json["answers"]] == [
        ("Wat zou jij doen?", "Mijn antwoord")
    ]
    assert student_data.json["collections"] == []


def test_what_others_did_to_her_account_is_in_the_download(app, login, admin_client):
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    admin_client.post(
        f"/beheer/gebruikers/{user_id}/geheimhouding",
        data={"employment_status": "stagiair", "signed_on": "2026-02-01", "version": "2026-1"},
    )
    data = login(email).get("/account/mijn-gegevens.json").json
    assert data["profile"]["employment_status"] == "stagiair"
    assert data["profile"]["confidentiality_agreement"]["version"] == "2026-1"
    actions = [e["action"] for e in data["about_you"]]
    assert "confidentiality.record" in actions
    assert "user.employment_status" in actions
