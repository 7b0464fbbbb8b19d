"""A meeting in a real browser: planning, facilitating a Dilemmamethode step by step with
autosaved notes, closing with an actiepunt that comes back next time, and axe on the pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from playwright.sync_api import Page, expect

from reflectie.db import db
from reflectie.permissions import Role
from reflectie.sessions import series, services
from tests.browser.support import Account, LiveServer, expect_path, log_in
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.cases.factories import make_case
from tests.factories import PASSWORD, make_team, make_user

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class MeetingTeam:
    slug: str
    coach: Account
    lid_name: str
    case_title: str
    meeting_id: int
    series_id: int


@pytest.fixture
def meeting_team(live_server: LiveServer) -> MeetingTeam:
    """A team with a leercoach, a lid, a brought-in case and one planned meeting."""
    from reflectie.cases.models import CaseStatus

    with live_server.app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        lid = make_user(team=team, role=Role.LID)
        case = make_case(team=team, author=lid, title="Mevrouw B. en de thuiszorg",
                         status=CaseStatus.INGEBRACHT)  # fmt: skip
        meeting = services.create_meeting(
            coach,
            team,
            services.MeetingInput(
                "dilemmamethode", datetime(2027, 3, 30, 12, tzinfo=UTC), 90, [case.id]
            ),
        )
        made = series.create_series(
            coach,
            team,
            series.SeriesInput("dilemmamethode", 1, time(14), 90, date(2027, 3, 1)),
            today=date(2027, 3, 1),
        )
        db.session.commit()
        account = Account(email=coach.email, name=coach.name, password=PASSWORD, team=team.name)
        return MeetingTeam(team.slug, account, lid.name, case.title, meeting.id, made.id)


def _next_step(page: Page, number: int) -> None:
    page.get_by_role("link", name="Volgende stap").click()
    expect(page.locator(".facilitate__progress")).to_have_text(f"Stap {number} van 10")


def test_facilitating_a_dilemmamethode_meeting_end_to_end(
    page: Page, meeting_team: MeetingTeam
) -> None:
    log_in(page, meeting_team.coach)
    expect_path(page, "/")
    # Plan a new meeting with the brought-in case through the page.
    page.goto(f"/teams/{meeting_team.slug}/bijeenkomsten")
    one = page.locator("section", has=page.get_by_role("heading", name="Eén bijeenkomst plannen"))
    one.get_by_label("Werkvorm").select_option(label="Dilemmamethode")
    one.get_by_label("Datum").fill("2027-04-06")
    one.get_by_label("Begintijd").fill("14:00")
    one.get_by_label(meeting_team.case_title).check()
    one.get_by_role("button", name="Plannen").click()
    expect(page.get_by_text("De bijeenkomst is gepland.")).to_be_visible()
    meeting_url = re.sub(r"^https?://[^/]+", "", page.url)

    # Prepare: the gespreksleider and notulist, the case stays on the agenda.
    page.get_by_role("link", name="Voorbereiden").click()
    expect(page.get_by_text("Eerder besproken:")).to_be_visible()  # the other meeting
    page.get_by_label("Gespreksleider").select_option(label=meeting_team.coach.name)
    page.get_by_label("Notulist").select_option(label=meeting_team.lid_name)
    page.get_by_role("button", name="Voorbereiding bewaren").click()
    expect(page.get_by_text("De voorbereiding is bewaard.")).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text(meeting_team.lid_name)

    # Facilitate: step 1, next, ..., free notes in step 2, the dilemma in step 4.
    page.get_by_role("link", name="Bijeenkomst leiden").click()
    expect(page.locator(".facilitate__progress")).to_have_text("Stap 1 van 10")
    expect(page.locator("[data-countdown-clock]")).to_be_visible()  # the JS countdown runs
    expect(page.get_by_text("Gepland einde van deze stap:")).to_be_visible()
    expect(page.get_by_role("link", name=meeting_team.case_title)).to_be_visible()
    _next_step(page, 2)
    page.get_by_label("Aantekeningen bij deze stap").fill("Hittepunt: de dochter belt boos op.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Bewaard om", timeout=10_000)
    _next_step(page, 3)
    _next_step(page, 4)
    page.get_by_label("De morele vraag").fill("Mag ik haar dochter inlichten?")
    page.get_by_label("Optie A: moet ik …").fill("haar wens volgen")
    page.get_by_label("met als gevolg (A)").fill("blijft het gevaar")
    page.get_by_label("of optie B: …").fill("ingrijpen")
    page.get_by_label("met als gevolg (B)").fill("schaad ik het vertrouwen")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Bewaard om", timeout=10_000)
    _next_step(page, 5)
    page.get_by_role("link", name="Vorige stap").click()
    expect(page.get_by_label("Optie A: moet ik …")).to_have_value("haar wens volgen")
    for number in range(5, 8):
        _next_step(page, number)
    # Step 7: each participant's judgement (a row per team member is ready), saved by the
    # button, as without JavaScript.
    page.get_by_label("Gekozen optie (rij 1)").fill("B")
    page.get_by_label("Doorslaggevende waarde (rij 1)").fill("veiligheid")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.get_by_text("De aantekeningen zijn bewaard.")).to_be_visible()
    expect(page.get_by_label("Doorslaggevende waarde (rij 1)")).to_have_value("veiligheid")

    # Close: an actiepunt, then close the meeting.
    page.goto(meeting_url + "/afronden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bijeenkomst afronden")
    dilemma = "Moet ik haar wens volgen, met als gevolg blijft het gevaar"
    expect(page.get_by_text(dilemma)).to_be_visible()
    page.get_by_label("Soort").select_option(label="Actiepunt")
    page.get_by_label("Omschrijving").fill("Huisarts bellen over de thuiszorg")
    page.get_by_label("Wie pakt het op").select_option(label=meeting_team.lid_name)
    page.get_by_label("Klaar op").fill("2027-04-20")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.get_by_text("Het actiepunt is toegevoegd.")).to_be_visible()
    page.get_by_role("button", name="Bijeenkomst afronden").click()
    expect_path(page, meeting_url)
    expect(page.get_by_text("De bijeenkomst is afgerond.").first).to_be_visible()
    expect(page.get_by_text(dilemma)).to_be_visible()  # the record on the meeting page
    expect(page.get_by_role("cell", name="veiligheid")).to_be_visible()

    # The next meeting opens with the open action.
    page.goto(f"/bijeenkomsten/{meeting_team.meeting_id}/leiden")
    actions = page.locator(".facilitate__actions")
    expect(actions).to_contain_text("Huisarts bellen over de thuiszorg")
    actions.get_by_label("Terugkoppeling (niet verplicht)").fill("Gebeld")
    actions.get_by_role("button", name="Markeer als afgerond").click()
    expect(page.get_by_text("Het actiepunt is afgerond.")).to_be_visible()
    expect(page.locator(".facilitate__actions")).not_to_contain_text("Huisarts bellen")


def test_facilitation_and_closing_pages_have_no_serious_axe_violations(
    page: Page, meeting_team: MeetingTeam
) -> None:
    log_in(page, meeting_team.coach)
    expect_path(page, "/")
    for step in (4, 5, 7):  # the structured records: dilemma, values per option, judgements
        page.goto(f"/bijeenkomsten/{meeting_team.meeting_id}/leiden?stap={step}")
        expect(page.locator(".facilitate__progress")).to_have_text(f"Stap {step} van 10")
        assert_no_serious_violations(page)
    for path in ("voorbereiden", "draaiboek", "evaluatie"):
        page.goto(f"/bijeenkomsten/{meeting_team.meeting_id}/{path}")
        assert_no_serious_violations(page)
    for path in (
        f"/teams/{meeting_team.slug}/bijeenkomsten",
        f"/reeksen/{meeting_team.series_id}",
        f"/teams/{meeting_team.slug}/inzichten",
        "/meldingen",
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_serious_violations(page)
    page.goto(f"/bijeenkomsten/{meeting_team.meeting_id}/leiden")
    expect(page.locator(".facilitate__progress")).to_have_text("Stap 1 van 10")
    assert_no_serious_violations(page)
    page.goto(f"/bijeenkomsten/{meeting_team.meeting_id}/afronden")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_serious_violations(page)
