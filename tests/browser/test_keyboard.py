"""Keyboard only: logging in, writing a case and facilitating a meeting without a mouse. Every
control is reached with Tab (in a bounded number of presses, with a visible focus) and used
with the keys a keyboard user has: typing, Space and Enter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from reflectie.db import db
from reflectie.permissions import Role
from reflectie.sessions import services
from tests.browser.support import LiveServer, expect_path
from tests.factories import PASSWORD, make_team, make_user

pytestmark = pytest.mark.browser

MAX_TABS = 80


@dataclass(frozen=True)
class Team:
    slug: str
    email: str
    meeting_id: int


@pytest.fixture
def team(live_server: LiveServer) -> Team:
    with live_server.app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        meeting = services.create_meeting(
            coach,
            team,
            services.MeetingInput("dilemmamethode", datetime(2027, 3, 30, 12, tzinfo=UTC), 90),
        )
        db.session.commit()
        return Team(team.slug, coach.email, meeting.id)


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus; fail when it is not reachable."""
    for _ in range(MAX_TABS):
        if target.evaluate("element => element === document.activeElement"):
            outline = target.evaluate(
                "e => getComputedStyle(e).outlineStyle + getComputedStyle(e).boxShadow"
            )
            assert outline not in {"nonenone", "none"}, "the focus must be visible"
            return
        page.keyboard.press("Tab")
    pytest.fail(f"not reachable with Tab: {target}")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def test_writing_a_case_with_the_keyboard_only(page: Page, team: Team) -> None:
    page.goto("/login")
    type_into(page, page.get_by_label("E-mailadres"), team.email)
    type_into(page, page.get_by_label("Wachtwoord"), PASSWORD)
    page.keyboard.press("Enter")
    expect_path(page, "/")
    page.goto(f"/teams/{team.slug}/casussen")
    tab_to(page, page.get_by_role("link", name="Nieuwe casus"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe casus")
    type_into(page, page.get_by_label("Titel"), "Buurman met schulden")
    type_into(page, page.get_by_label("Situatie"), "Een buurman vraagt hulp bij zijn post.")
    type_into(page, page.get_by_label("Hulpvraag of leervraag"), "Wat kan ik doen?")
    type_into(page, page.get_by_label("Dilemma"), "Moet ik helpen of doorverwijzen?")
    primary = page.locator("#primary_kwestie").get_by_label("5. Ethisch-normatieve kant")
    tab_to(page, page.locator("#primary_kwestie input").first)
    for _ in range(8):  # arrow keys move the choice within a radio group
        if primary.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(primary).to_be_checked()
    expect(primary).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Opslaan en inbrengen"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Buurman met schulden")


def test_facilitating_a_meeting_with_the_keyboard_only(page: Page, team: Team) -> None:
    page.goto("/login")
    type_into(page, page.get_by_label("E-mailadres"), team.email)
    type_into(page, page.get_by_label("Wachtwoord"), PASSWORD)
    page.keyboard.press("Enter")
    expect_path(page, "/")
    page.goto(f"/bijeenkomsten/{team.meeting_id}")
    tab_to(page, page.get_by_role("link", name="Bijeenkomst leiden"))
    page.keyboard.press("Enter")
    expect(page.locator(".facilitate__progress")).to_have_text("Stap 1 van 10")
    tab_to(page, page.get_by_role("link", name="Volgende stap"))
    page.keyboard.press("Enter")
    expect(page.locator(".facilitate__progress")).to_have_text("Stap 2 van 10")
    type_into(page, page.get_by_label("Aantekeningen bij deze stap"), "De dochter belt boos op.")
    tab_to(page, page.get_by_role("button", name="Bewaren"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("De aantekeningen zijn bewaard.")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Volgende stap"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Volgende stap"))
    page.keyboard.press("Enter")
    expect(page.locator(".facilitate__progress")).to_have_text("Stap 4 van 10")
    type_into(page, page.get_by_label("Optie A: moet ik …"), "de dochter bellen")
    tab_to(page, page.get_by_role("button", name="Bewaren"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Optie A: moet ik …")).to_have_value("de dochter bellen")
