"""Series: the rhythm and its dates (also across daylight-saving changes), rotating roles,
moving and cancelling one meeting, ending a series, and the private calendar feed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from icalendar import Calendar
from sqlalchemy import delete, select

from reflectie.accounts.models import Membership
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role
from reflectie.sessions import series, services
from reflectie.sessions.models import Meeting, MeetingStatus, RoleInMeeting
from tests.factories import make_team, make_user
from tests.pages import get_page, text_of


def _input(**changes) -> series.SeriesInput:
    data = {
        "method": "dilemmamethode",
        "weekday": 1,  # Tuesday
        "start_time": time(14, 0),
        "duration_minutes": 90,
        "starts_on": date(2027, 3, 1),
        "interval_weeks": 2,
    }
    return series.SeriesInput(**{**data, **changes})


@pytest.fixture
def team_world(ctx):
    team = make_team()
    coach = make_user(team=team, role=Role.LEERCOACH, name="Coach")
    a = make_user(team=team, role=Role.LID, name="Anna")
    b = make_user(team=team, role=Role.LID, name="Bram")
    return team, coach, a, b


def _meetings(made) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.series_id == made.id).order_by(Meeting.starts_at)
        )
    )


def test_every_two_weeks_on_tuesday_keeps_14_00_local_across_the_clock_change(team_world):
    team, coach, _a, _b = team_world
    made = series.create_series(coach, team, _input(), today=date(2027, 3, 1))
    meetings = _meetings(made)
    assert [m.occurrence for m in meetings] == [
        date(2027, 3, 2), date(2027, 3, 16), date(2027, 3, 30),
        date(2027, 4, 13), date(2027, 4, 27), date(2027, 5, 11),
    ]  # fmt: skip
    # Summer time starts on 28 March 2027: 14:00 in Amsterdam is 13:00 UTC before, 12:00 after.
    assert meetings[1].starts_at == datetime(2027, 3, 16, 13, tzinfo=UTC)
    assert meetings[2].starts_at == datetime(2027, 3, 30, 12, tzinfo=UTC)
    # And back on 31 October 2027.
    autumn = series.create_series(
        coach, team, _input(starts_on=date(2027, 10, 20), interval_weeks=1), today=date(2027, 10, 1)
    )
    starts = [m.starts_at for m in _meetings(autumn)[:2]]
    assert starts == [datetime(2027, 10, 26, 12, tzinfo=UTC), datetime(2027, 11, 2, 13, tzinfo=UTC)]


def test_an_end_date_limits_the_series_and_bad_input_is_named_field_by_field(team_world):
    team, coach, _a, _b = team_world
    made = series.create_series(
        coach, team, _input(ends_on=date(2027, 3, 20)), today=date(2027, 3, 1)
    )
    assert [m.occurrence for m in _meetings(made)] == [date(2027, 3, 2), date(2027, 3, 16)]
    outsider = make_user(team=make_team(), role=Role.LID)
    with pytest.raises(Invalid) as err:
        series.create_series(
            coach,
            team,
            _input(
                method="bestaat-niet", weekday=9, interval_weeks=0, duration_minutes=5,
                ends_on=date(2027, 1, 1), rotation=[outsider.id], timezone="Mars/Olympus",
            ),
            today=date(2027, 3, 1),
        )  # fmt: skip
    assert set(err.value.fields) == {
        "method", "weekday", "interval_weeks", "duration_minutes", "ends_on", "rotation",
        "timezone",
    }  # fmt: skip


def test_only_planners_start_a_series(team_world):
    team, _coach, a, _b = team_world
    with pytest.raises(NotFound):
        series.create_series(a, team, _input(), today=date(2027, 3, 1))


def test_roles_rotate_one_step_per_meeting(team_world):
    team, coach, a, b = team_world
    made = series.create_series(
        coach, team, _input(rotation=[a.id, b.id, coach.id]), today=date(2027, 3, 1)
    )
    leaders = [m.holder(RoleInMeeting.GESPREKSLEIDER).name for m in _meetings(made)]
    notulists = [m.holder(RoleInMeeting.NOTULIST).name for m in _meetings(made)]
    assert leaders == ["Anna", "Bram", "Coach", "Anna", "Bram", "Coach"]
    assert notulists == ["Bram", "Coach", "Anna", "Bram", "Coach", "Anna"]


def test_a_moved_or_cancelled_meeting_is_never_made_again(team_world):
    team, coach, _a, _b = team_world
    made = series.create_series(coach, team, _input(), today=date(2027, 3, 1))
    first, second = _meetings(made)[:2]
    services.cancel_meeting(coach, first.id)
    moved = services.MeetingInput("dilemmamethode", datetime(2027, 3, 18, 9, tzinfo=UTC), 60)
    services.prepare_meeting(coach, second.id, moved)
    assert series.generate_meetings(made, today=date(2027, 3, 1)) == []
    assert series.extend_all(date(2027, 3, 1)) == 0
    meetings = _meetings(made)
    assert len(meetings) == 6
    assert meetings[0].status == MeetingStatus.CANCELLED
    assert meetings[1].starts_at == datetime(2027, 3, 18, 9, tzinfo=UTC)
    assert meetings[1].occurrence == date(2027, 3, 16)  # the date it stands for is kept
    # Time goes on: the daily job keeps six coming meetings.
    assert series.extend_all(date(2027, 4, 1)) == 3
    assert _meetings(made)[-1].occurrence == date(2027, 6, 22)


def test_ending_a_series_cancels_its_later_meetings(team_world):
    team, coach, _a, _b = team_world
    made = series.create_series(coach, team, _input(), today=date(2027, 3, 1))
    series.end_series(coach, made.id, date(2027, 3, 20))
    statuses = [m.status for m in _meetings(made)]
    assert statuses[:2] == [MeetingStatus.PLANNED] * 2
    assert set(statuses[2:]) == {MeetingStatus.CANCELLED}
    assert series.extend_all(date(2027, 3, 1)) == 0


@pytest.fixture
def seeded(app) -> dict:
    """A team with a coach and two members and a series; plain values (no app context held)."""
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH, name="Coach")
        a = make_user(team=team, role=Role.LID, name="Anna")
        b = make_user(team=team, role=Role.LID, name="Bram")
        made = series.create_series(
            coach, team, _input(location="Buurthuis"), today=date(2027, 3, 1)
        )
        services.cancel_meeting(coach, _meetings(made)[0].id)
        db.session.commit()
        return {
            "slug": team.slug, "team": team.id, "series": made.id, "coach": coach.email,
            "a": a.email, "a_id": a.id, "b_id": b.id,
        }  # fmt: skip


def get_feed_url(html: str) -> str:
    found = re.search(r'id="feed-url"[^>]*value="http://[^/]+(/agenda/[^"]+\.ics)"', html)
    assert found, "the page shows the new link once"
    return found.group(1)


def test_the_feed_lists_the_series_for_its_token_only_while_its_user_is_in_the_team(
    app, login, seeded
):
    client = login(seeded["a"])
    page = client.post(f"/reeksen/{seeded['series']}/agendalink", data={})
    assert page.status_code == 200
    url = get_feed_url(page.text)
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 6
    assert str(events[0]["STATUS"]) == "CANCELLED"
    assert all(str(e["LOCATION"]) == "Buurthuis" for e in events)
    # A new link replaces the old one; leaving the team ends it.
    second = get_feed_url(client.post(f"/reeksen/{seeded['series']}/agendalink", data={}).text)
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(second).status_code == 200
    with app.app_context():
        db.session.execute(
            delete(Membership).where(
                Membership.user_id == seeded["a_id"], Membership.team_id == seeded["team"]
            )
        )
        db.session.commit()
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/agenda/" + "x" * 43 + ".ics").status_code == 404


def test_revoking_the_feed_link(app, login, seeded):
    client = login(seeded["coach"])
    url = get_feed_url(client.post(f"/reeksen/{seeded['series']}/agendalink", data={}).text)
    page = client.get(f"/reeksen/{seeded['series']}")
    assert "Agendalink intrekken" in page.text
    assert url not in page.text  # shown once
    revoked = client.post(f"/reeksen/{seeded['series']}/agendalink/intrekken", data={})
    assert revoked.status_code == 302
    assert app.test_client().get(url).status_code == 404


def test_the_pages_plan_a_series_and_show_it(login, seeded):
    client = login(seeded["coach"])
    slug = seeded["slug"]
    page = get_page(client, f"/teams/{slug}/bijeenkomsten")
    assert page.find("form", action=f"/teams/{slug}/reeksen")
    bad = client.post(f"/teams/{slug}/reeksen", data={"reeks-method": "dilemmamethode"})
    assert bad.status_code == 200
    assert "Kies een begintijd." in bad.text
    response = client.post(
        f"/teams/{slug}/reeksen",
        data={
            f"reeks-{key}": value
            for key, value in {
                "method": "dilemmamethode", "weekday": "1", "interval_weeks": "2",
                "time": "14:00", "duration_minutes": "90", "starts_on": "2099-03-02",
                "location": "Buurthuis", "rotation": [str(seeded["a_id"]), str(seeded["b_id"])],
            }.items()
        },
    )  # fmt: skip
    assert response.status_code == 302
    shown = text_of(get_page(client, response.location))
    assert "Om de 2 weken op dinsdag, 14:00" in shown
    assert "Anna → Bram" in shown
    lid = login(seeded["a"])
    assert lid.post(f"/teams/{slug}/reeksen", data={}).status_code == 404
    assert lid.get(response.location).status_code == 200
    assert "Reeks beëindigen" not in lid.get(response.location).text
    assert "Reeks beëindigen" in client.get(response.location).text


def test_a_deactivated_accounts_feed_stops(app, login, seeded):
    from reflectie.accounts.models import User

    url = get_feed_url(login(seeded["a"]).post(f"/reeksen/{seeded['series']}/agendalink").text)
    with app.app_context():
        db.session.get(User, seeded["a_id"]).active = False
        db.session.commit()
    assert app.test_client().get(url).status_code == 404
