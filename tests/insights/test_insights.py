"""Insights: quarters and periods, what a team's page counts (never private cases), who sees
it, the organisation view that hides small counts, the charts and the signalering report."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reflectie.cases.models import CaseStatus, Visibility
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.insights import charts, services
from reflectie.insights.services import Quarter
from reflectie.permissions import Role
from reflectie.sessions import services as meetings
from tests.cases.factories import make_case
from tests.conftest import require
from tests.factories import make_team, make_user
from tests.pages import get_page, text_of

TODAY = date(2026, 11, 23)


def test_quarters_and_periods():
    assert Quarter.of(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == Quarter(2026, 2)  # Amsterdam
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)
    assert Quarter(2026, 3).previous() == Quarter(2026, 2)
    assert Quarter.parse("2026-3") == Quarter(2026, 3)
    assert [Quarter.parse(t) for t in ("2026-5", "x", "", None, "1999-1")] == [None] * 5
    default = services.period(None, None, today=TODAY)
    assert [q.label for q in default] == ["2026 K1", "2026 K2", "2026 K3", "2026 K4"]
    assert len(services.period(Quarter(2020, 1), Quarter(2026, 4), today=TODAY)) == 12
    backwards = services.period(Quarter(2026, 4), Quarter(2026, 1), today=TODAY)
    assert backwards[-1] == Quarter(2026, 1)


def test_charts_scale_to_the_largest_value_and_keep_the_numbers():
    bars = charts.bar_chart([("autonomie", 4), ("veiligheid", 2)])
    assert [b.width for b in bars.bars] == [330, 165]
    assert bars.bars[0].label == "autonomie: 4"
    columns = charts.column_chart(
        ["K1", "K2"], [charts.Series("a", [1, 0]), charts.Series("b", [3, 2])], stacked=True
    )
    assert [b.label for b in columns.bars] == ["K1, a: 1", "K1, b: 3", "K2, b: 2"]
    assert columns.bars[0].height + columns.bars[1].height == pytest.approx(180)
    assert charts.bar_chart([]).empty


@pytest.fixture
def world(app) -> dict:
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        lid = make_user(team=team, role=Role.LID)
        when = [datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 5, 10, tzinfo=UTC)]
        for n, moment in enumerate(when * 3):
            case = make_case(
                team=team, author=lid, title=f"Casus {n}", kwesties=[5, 2] if n % 2 else [1],
                values=["autonomie"], status=CaseStatus.INGEBRACHT if n < 4 else CaseStatus.CONCEPT,
            )  # fmt: skip
            case.created_at = moment
        private = make_case(
            team=team, author=lid, title="Privé", kwesties=[7], visibility=Visibility.PRIVATE
        )
        private.created_at = when[0]
        meeting = meetings.create_meeting(
            coach, team, meetings.MeetingInput("dilemmamethode", when[1], 90)
        )
        meetings.add_outcome(
            coach, meeting.id, kind="actiepunt", text="Bellen", owner_id=lid.id,
            due_on=date(2026, 6, 1),
        )  # fmt: skip
        meetings.close_meeting(coach, meeting.id)
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        db.session.commit()
        return {
            "slug": team.slug, "team": team.id, "org": team.organisation_id,
            "coach": coach.email, "coach_id": coach.id, "lid": lid.email,
            "outsider": outsider.email,
        }  # fmt: skip


def _insights(world):
    from reflectie.accounts.models import Team, User

    coach = db.session.get(User, world["coach_id"])
    team = db.session.get(Team, world["team"])
    quarters = services.period(Quarter(2026, 1), Quarter(2026, 2), today=TODAY)
    return services.team_insights(coach, team, quarters, today=TODAY)


def test_the_team_counts_kwesties_values_meetings_and_actions_but_no_private_case(app, world):
    with app.app_context():
        facts = _insights(world)
        assert facts.cases == 6  # the private concept is not counted
        q1, q2 = Quarter(2026, 1), Quarter(2026, 2)
        assert facts.kwesties[q1] == {1: 3}
        assert facts.kwesties[q2] == {5: 3, 2: 3}
        assert facts.kwesties[q1][7] == 0
        assert facts.primary == {1: 3, 5: 3}
        assert facts.values == [("autonomie", 6)]
        assert (facts.held[q2], facts.planned[q2]) == (1, 1)
        assert facts.methods == [("Dilemmamethode", 1)]
        assert [a.text for a in facts.overdue_actions] == ["Bellen"]
        assert facts.waiting == 2


def test_only_the_teams_coaches_see_the_page(app, login, world):
    url = f"/teams/{world['slug']}/inzichten?van=2026-1&tot=2026-2"
    page = text_of(get_page(login(world["coach"]), url))
    assert "Kwesties per kwartaal" in page
    assert "6 casussen in 2026 K1 tot en met 2026 K2" in page
    for email in (world["lid"], world["outsider"]):
        assert login(email).get(url).status_code == 404
    assert "Inzichten" not in get_page(login(world["lid"]), f"/teams/{world['slug']}").text
    with app.app_context():
        from reflectie.accounts.models import Team, User

        with pytest.raises(NotFound):
            services.team_insights(
                db.session.scalar(db.select(User).where(User.email == world["lid"])),
                db.session.get(Team, world["team"]),
                services.period(None, None, today=TODAY),
                today=TODAY,
            )


def test_the_page_draws_accessible_charts_with_their_numbers(login, world):
    page = get_page(
        login(world["coach"]), f"/teams/{world['slug']}/inzichten?van=2026-1&tot=2026-2"
    )
    svg = page.find("svg", attrs={"role": "img"})
    assert svg.find("title").get_text() == "Kwesties die de casussen raken, per kwartaal"
    assert svg.find("desc").get_text()
    table = page.find("details").find("table")
    row = [c.get_text() for c in table.find("tbody").find_all("tr")[4].find_all(["th", "td"])]
    assert row == ["5. " + row[0][3:], "0", "3", "3"]


def test_the_signalering_report_as_markdown_and_pdf(login, world):
    client = login(world["coach"])
    url = f"/teams/{world['slug']}/inzichten/signalering"
    text = client.get(f"{url}.md?van=2026-1&tot=2026-2")
    assert text.mimetype == "text/markdown"
    body = text.get_data(as_text=True)
    assert "Periode: 2026 K1 tot en met 2026 K2" in body
    assert "| 5. " in body
    assert "Casus 1" not in body  # never a case's text or title
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        require(False, f"WeasyPrint cannot load its libraries: {err}")
    pdf = client.get(f"{url}.pdf")
    assert pdf.data.startswith(b"%PDF-")
    assert login(world["lid"]).get(f"{url}.md").status_code == 404


def test_the_organisation_view_is_for_beheerders_and_hides_small_counts(admin_client, login, world):
    url = f"/beheer/organisaties/{world['org']}/inzichten?van=2026-1&tot=2026-2"
    page = get_page(admin_client, url)
    cells = [
        [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
        for tr in page.find("table").find("tbody").find_all("tr")
    ]
    assert cells[0][1:] == ["6", "< 5", "< 5"]  # cases shown; one meeting and one action hidden
    assert "Casus 1" not in page.get_text()
    assert login(world["coach"]).get(url).status_code == 404
