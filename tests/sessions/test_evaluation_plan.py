"""Participants' evaluations (aggregate only, for planners), the printable plan and its PDF,
and the in-app reminder notifications."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.notifications import services as notifications
from reflectie.permissions import Role
from reflectie.sessions import evaluations, services
from tests.conftest import require
from tests.factories import make_team, make_token, make_user
from tests.pages import get_page, text_of

PAST = datetime(2026, 1, 13, 13, tzinfo=UTC)
FUTURE = datetime(2099, 1, 13, 13, tzinfo=UTC)
GOOD = {"nuttig": 4, "veilig": 5, "werkvorm": 3}


@pytest.fixture
def world(app) -> dict:
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH, name="Coach")
        members = [make_user(team=team, role=Role.LID, name=f"Lid {n}") for n in range(3)]
        past = services.create_meeting(
            coach, team, services.MeetingInput("dilemmamethode", PAST, 90)
        )
        future = services.create_meeting(
            coach, team, services.MeetingInput("dilemmamethode", FUTURE, 90)
        )
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        db.session.commit()
        return {
            "coach": coach.email, "coach_id": coach.id, "past": past.id, "future": future.id,
            "members": [m.email for m in members], "member_ids": [m.id for m in members],
            "outsider_id": outsider.id, "outsider": outsider.email,
        }  # fmt: skip


def test_evaluations_show_only_as_an_aggregate_from_three_answers(app, world):
    with app.app_context():
        coach = db.session.get(User, world["coach_id"])
        first, second, third = (db.session.get(User, u) for u in world["member_ids"])
        evaluations.evaluate(first, world["past"], GOOD, "Fijn gesprek")
        evaluations.evaluate(second, world["past"], {**GOOD, "nuttig": 2})
        early = evaluations.summary(coach, world["past"])
        assert (early.count, early.averages, early.remarks) == (2, None, [])
        evaluations.evaluate(third, world["past"], {**GOOD, "nuttig": 3}, "Te kort")
        evaluations.evaluate(first, world["past"], GOOD, "Fijn gesprek!")  # replaces their own
        shown = evaluations.summary(coach, world["past"])
        assert shown.count == 3
        assert shown.averages == {"nuttig": 3.0, "veilig": 5.0, "werkvorm": 3.0}
        assert shown.remarks == ["Fijn gesprek!", "Te kort"]
        with pytest.raises(NotFound):
            evaluations.summary(first, world["past"])  # members never see the aggregate
        with pytest.raises(NotFound):
            evaluations.evaluate(db.session.get(User, world["outsider_id"]), world["past"], GOOD)
        with pytest.raises(Invalid) as err:
            evaluations.evaluate(first, world["past"], {"nuttig": 6, "veilig": True}, "x" * 1001)
        assert set(err.value.fields) == {"nuttig", "veilig", "werkvorm", "remark"}
        with pytest.raises(Invalid):
            evaluations.evaluate(first, world["future"], GOOD)  # not started yet


def test_the_evaluation_form_and_what_the_coach_sees(login, world):
    url = f"/bijeenkomsten/{world['past']}/evaluatie"
    for n, email in enumerate(world["members"]):
        client = login(email)
        get_page(client, url)
        bad = client.post(url, data={"nuttig": "4"})
        assert "Kies een cijfer van 1 tot 5." in bad.text
        saved = client.post(url, data={**GOOD, "remark": f"opmerking {n}"})
        assert saved.status_code == 302
    member_view = text_of(get_page(login(world["members"][0]), f"/bijeenkomsten/{world['past']}"))
    assert "Evaluatie door de deelnemers" not in member_view
    coach_view = text_of(get_page(login(world["coach"]), f"/bijeenkomsten/{world['past']}"))
    assert "Gemiddelde van 3 deelnemers" in coach_view
    assert "opmerking 0" in coach_view
    assert "Lid 0" not in coach_view.split("Evaluatie door de deelnemers")[1]


def test_the_plan_prints_and_renders_as_pdf(login, world):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        require(False, f"WeasyPrint cannot load its libraries: {err}")
    client = login(world["members"][0])
    page = text_of(get_page(client, f"/bijeenkomsten/{world['future']}/draaiboek"))
    assert "Draaiboek: Dilemmamethode" in page
    assert "minuut 0\u20135" in page
    pdf = client.get(f"/bijeenkomsten/{world['future']}/draaiboek.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    outsider = login(world["outsider"])
    assert outsider.get(f"/bijeenkomsten/{world['future']}/draaiboek.pdf").status_code == 404


def test_without_the_pdf_libraries_the_link_explains_and_points_to_the_print_view(
    login, world, monkeypatch
):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    response = login(world["coach"]).get(f"/bijeenkomsten/{world['future']}/draaiboek.pdf")
    assert response.status_code == 503
    assert "libpango-1.0-0" in response.text
    assert f"/bijeenkomsten/{world['future']}/draaiboek" in response.text


def test_a_reminder_is_an_in_app_notification_with_the_role_for_team_members_only(
    app, login, world
):
    with app.app_context():
        meeting = services.get_meeting_for(db.session.get(User, world["coach_id"]), world["future"])
        services.send_reminder(meeting, "/x", now=PAST)
        db.session.commit()
    member = login(world["members"][0])
    home = get_page(member, "/")
    assert home.select_one("[data-unread]").get_text(strip=True).startswith("1")
    page = get_page(member, "/meldingen")
    assert "Herinnering: Dilemmamethode van" in text_of(page)
    notification_id = int(page.select("form[action^='/meldingen/']")[-1]["action"].split("/")[-1])
    # Another user cannot open (or mark read) someone else's notification.
    assert login(world["members"][1]).post(f"/meldingen/{notification_id}").status_code == 404
    opened = member.post(f"/meldingen/{notification_id}")
    assert opened.location == f"/bijeenkomsten/{world['future']}"
    assert get_page(member, "/").select_one("[data-unread]") is None
    assert "Herinnering" not in get_page(login(world["outsider"]), "/meldingen").text
    with app.app_context():
        token = make_token(db.session.get(User, world["member_ids"][1]))
        db.session.commit()
    api = app.test_client().get(
        "/api/v1/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    body = api.get_json()
    assert (body["total"], body["unread"]) == (1, 1)
    assert body["results"][0]["url"] == f"/bijeenkomsten/{world['future']}"
    assert member.post("/meldingen/gelezen").status_code == 302


def test_a_notification_about_a_team_one_left_is_not_shown(app, login, world):
    from reflectie.accounts.models import Membership

    with app.app_context():
        coach = db.session.get(User, world["coach_id"])
        services.send_reminder(services.get_meeting_for(coach, world["future"]), "/", now=PAST)
        gone = db.session.scalar(
            db.select(Membership).where(Membership.user_id == world["member_ids"][0])
        )
        db.session.delete(gone)
        db.session.commit()
    assert "Herinnering" not in get_page(login(world["members"][0]), "/meldingen").text


def test_notify_refuses_an_unregistered_kind(ctx):
    with pytest.raises(ValueError, match="unregistered"):
        notifications.notify([1], "bestaat.niet", {})
