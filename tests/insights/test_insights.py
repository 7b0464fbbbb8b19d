"""Insights: quarters and periods, what a team's page counts (never private cases), who sees
it, the organisation view that hides small counts, the charts and the signalering report."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from reflectie.cases.models import CaseStatus, Visibility
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.insights import charts, services
from reflectie.insights.services import Quarter
from reflectie.pdf import PdfUnavailable
from reflectie.permissions import Role
from reflectie.publishing.models import PublicationStatus
from reflectie.sessions import services as meetings
from tests.cases.factories import make_case
from tests.conftest import require
from tests.factories import make_org, make_team, make_user
from tests.pages import get_page, text_of
from tests.publishing.factories import make_publication

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


def test_every_chart_on_the_page_is_accessible_and_has_its_numbers_in_a_table(login, world):
    page = get_page(
        login(world["coach"]), f"/teams/{world['slug']}/inzichten?van=2026-1&tot=2026-2"
    )
    svgs = page.find_all("svg", attrs={"role": "img"})
    assert len(svgs) == 4  # kwesties, values, meetings and methods all have data here
    assert svgs[0].find("title").get_text() == "Kwesties die de casussen raken, per kwartaal"
    tables = []
    for svg in svgs:
        title = svg.find("title").get_text()
        assert svg.find("desc").get_text()
        numbers = svg.find_parent("figure").find_next_sibling()
        assert getattr(numbers, "name", None) == "details", f"no table behind {title}"
        tables.append(numbers.find("table"))
    row = [c.get_text() for c in tables[0].find("tbody").find_all("tr")[4].find_all(["th", "td"])]
    assert row == ["5. " + row[0][3:], "0", "3", "3"]
    assert [c.get_text() for c in tables[3].find("tbody").find_all(["th", "td"])] == [
        "Dilemmamethode",
        "1",
    ]


def test_the_signalering_report_as_markdown_and_pdf(login, world):
    client = login(world["coach"])
    url = f"/teams/{world['slug']}/inzichten/signalering"
    text = client.get(f"{url}.md?van=2026-1&tot=2026-2")
    assert text.mimetype == "text/markdown"
    body = text.get_data(as_text=True)
    assert "Periode: 2026 K1 tot en met 2026 K2" in body
    assert "| 5. " in body
    assert "Casus 1" not in body  # never a case's text or title
    assert "Moet ik haar wens respecteren" not in body  # nor an original's dilemma
    assert "Geen casussen van deze periode met een goedgekeurde geanonimiseerde versie." in body
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


@pytest.fixture
def copies(app, world) -> None:
    """Anonymised copies of the team's cases in every state, and two that fall outside."""
    with app.app_context():
        from reflectie.accounts.models import Team
        from reflectie.cases.models import Case

        team = db.session.get(Team, world["team"])
        for status in PublicationStatus:
            pub = make_publication(
                team=team, status=status, dilemma=f"Dilemma {status.value}",
                case_fields={"dilemma": "Origineel dilemma"},
            )  # fmt: skip
            db.session.get(Case, pub.case_id).created_at = datetime(2026, 4, 1, tzinfo=UTC)
        old = make_publication(team=team, dilemma="Dilemma van een oude casus")
        db.session.get(Case, old.case_id).created_at = datetime(2025, 6, 1, tzinfo=UTC)
        make_publication(dilemma="Dilemma van een ander team")
        db.session.commit()


def _reports(client, slug: str, monkeypatch) -> list[str]:
    """The report as Markdown, as the HTML the PDF is made of, and as the page to print."""
    monkeypatch.setattr("reflectie.pdf.render_pdf", lambda html, base_url: html.encode())
    url = f"/teams/{slug}/inzichten/signalering"
    period = "?van=2026-1&tot=2026-2"
    return [
        client.get(f"{url}.md{period}").text,
        client.get(f"{url}.pdf{period}").text,
        text_of(get_page(client, f"{url}{period}")),
    ]


def test_the_report_holds_the_dilemmas_of_approved_copies_of_the_periods_cases_only(
    app, login, world, copies, monkeypatch
):
    with app.app_context():
        assert _insights(world).dilemmas == [services.Dilemma(5, "Dilemma gepubliceerd")]
    for body in _reports(login(world["coach"]), world["slug"], monkeypatch):
        assert "Dilemma gepubliceerd" in body
        assert "Geen casussen van deze periode" not in body
        for status in ("concept", "ter_beoordeling", "teruggestuurd", "ingetrokken"):
            assert f"Dilemma {status}" not in body
        assert "oude casus" not in body
        assert "ander team" not in body
        for original in ("Origineel", "Fatima", "Moet ik haar wens respecteren"):
            assert original not in body
    assert (
        login(world["lid"]).get(f"/teams/{world['slug']}/inzichten/signalering").status_code == 404
    )


def test_the_report_names_only_values_of_the_seeded_list(app, login, world, monkeypatch):
    with app.app_context():
        from reflectie.accounts.models import Team, User

        lid = db.session.scalar(db.select(User).where(User.email == world["lid"]))
        case = make_case(
            team=db.session.get(Team, world["team"]), author=lid,
            values=["veiligheid", "Meneer Jansen"],
        )  # fmt: skip
        case.created_at = datetime(2026, 2, 11, tzinfo=UTC)
        db.session.commit()
        facts = _insights(world)
        assert facts.report_values == [("autonomie", 6), ("veiligheid", 1)]
        assert facts.other_values == 1
        assert ("meneer jansen", 1) in facts.values  # the team's own page still shows it
    client = login(world["coach"])
    for body in _reports(client, world["slug"], monkeypatch):
        assert "jansen" not in body.lower()
        assert "andere, zelf ingevulde waarden (1)" in body
    page = get_page(client, f"/teams/{world['slug']}/inzichten?van=2026-1&tot=2026-2")
    assert "meneer jansen" in text_of(page)


def test_without_the_pdf_libraries_the_report_points_to_its_print_view(login, world, monkeypatch):
    def unavailable(html, base_url):
        raise PdfUnavailable("libpango-1.0-0 ontbreekt")

    monkeypatch.setattr("reflectie.pdf.render_pdf", unavailable)
    url = f"/teams/{world['slug']}/inzichten/signalering"
    response = login(world["coach"]).get(f"{url}.pdf?van=2026-1&tot=2026-2")
    assert response.status_code == 503
    assert f"{url}?van=2026-1" in response.text  # the report, not the team page


@pytest.fixture
def organisation(app) -> dict:
    """One organisation, two teams: six cases and three, all touching kwestie 1."""
    with app.app_context():
        org = make_org()
        names = {}
        for label, count in (("big", 6), ("small", 3)):
            team = make_team(organisation=org)
            for _n in range(count):
                case = make_case(team=team, kwesties=[1])
                case.created_at = datetime(2026, 2, 10, tzinfo=UTC)
            names[label], names[f"{label}_id"] = team.name, team.id
        db.session.commit()
        return {"org": org.id, **names}


def _cells(rows) -> list[list[str]]:
    return [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in rows("tr")]


def test_no_hidden_count_can_be_worked_out_from_a_total_or_the_kwesties(
    app, admin_client, organisation
):
    url = f"/beheer/organisaties/{organisation['org']}/inzichten?van=2026-1&tot=2026-2"
    page = get_page(admin_client, url)
    teams, kwesties = page.find_all("table")
    rows = {row[0]: row[1:] for row in _cells(teams.find("tbody"))}
    assert rows == {
        organisation["big"]: ["6", "< 5", "< 5"],
        organisation["small"]: ["< 5", "< 5", "< 5"],
    }
    # The real total (9) less the shown 6 would give the hidden 3 away; so would kwestie 1
    # counted over both teams. The total is a lower bound, the kwesties leave the team out.
    figures = " ".join(c.get_text(" ") for c in page.find_all(["td", "caption"]))
    assert not {"9", "3"} & set(re.findall(r"\d+", figures))
    assert _cells(teams.find("tfoot")) == [["Alle teams", "minstens 6", "verborgen", "verborgen"]]
    assert _cells(kwesties.find("tbody"))[0][1] == "6"

    with app.app_context():  # the twin: with five cases the small team shows, and all adds up
        from reflectie.accounts.models import Organisation, Team

        small = db.session.get(Team, organisation["small_id"])
        for _n in range(2):
            make_case(team=small, kwesties=[1]).created_at = datetime(2026, 2, 10, tzinfo=UTC)
        db.session.commit()
        facts = services.organisation_insights(
            db.session.get(Organisation, organisation["org"]),
            services.period(Quarter(2026, 1), Quarter(2026, 2), today=TODAY),
        )
        assert facts.cases == services.Total(11, exact=True)
        assert facts.held == services.Total(0, exact=False)
        assert facts.kwesties[1] == 11
    page = get_page(admin_client, url)
    assert _cells(page.find("tfoot")) == [["Alle teams", "11", "verborgen", "verborgen"]]


def test_a_hidden_kwestie_cannot_be_worked_out_from_the_cases_and_the_shown_kwesties(app):
    """34 cases: kwesties 1 to 6 five times each, kwestie 7 four times. "< 5" for kwestie 7
    and the 34 cases less the 30 shown would make it exactly 4, so the smallest shown
    kwestie is withheld as well."""
    with app.app_context():
        from reflectie.accounts.models import Organisation

        org = make_org()
        team = make_team(organisation=org)
        for kwestie in [n for n in range(1, 7) for _ in range(5)] + [7] * 4:
            make_case(team=team, kwesties=[kwestie]).created_at = datetime(2026, 2, 10, tzinfo=UTC)
        db.session.commit()
        facts = services.organisation_insights(
            db.session.get(Organisation, org.id),
            services.period(Quarter(2026, 1), Quarter(2026, 2), today=TODAY),
        )
    assert facts.cases == services.Total(34, exact=True)
    assert (facts.kwesties[7], facts.withheld) == (None, {1})
    # Hidden kwesties that could hold the gap between them are not pinned down: nothing more.
    assert services._withheld({1: 8, 2: 3, 3: 2, 4: 0, 5: 0, 6: 0, 7: 0}, cases=12) == set()
    assert services._withheld({1: 8, 2: 3, 3: 6}, cases=18) == {3}  # 2 would be 4
