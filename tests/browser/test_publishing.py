"""From a case to a class in a real browser: anonymising with one-click replacement,
review by a second person, a docent putting the published case in a collection and giving it
to a class, a student answering (saved as typed); axe on every main page on the way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from reflectie.db import db, utcnow
from reflectie.permissions import Role, TeamKind
from tests.browser.support import Account, LiveServer, expect_path, log_in
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.cases.factories import make_case
from tests.factories import PASSWORD, make_team, make_user

pytestmark = pytest.mark.browser


def _account(user) -> Account:
    return Account(email=user.email, name=user.name, password=PASSWORD)


@pytest.fixture
def people(live_server: LiveServer) -> dict:
    with live_server.app.app_context():
        team = make_team()
        author = make_user(team=team, role=Role.LID)
        coach = make_user(team=team, role=Role.LEERCOACH)
        case = make_case(
            team=team,
            author=author,
            title="Huisbezoek bij een buurvrouw",
            situation="Mevrouw Fatima el Amrani woont alleen in Utrecht en weigert hulp.",
            dilemma="Haar keuze respecteren of de huisarts inschakelen?",
            kwesties=[5, 2],
        )
        klas = make_team(kind=TeamKind.KLAS)
        docent = make_user(team=klas, role=Role.DOCENT)
        student = make_user(team=klas, role=Role.STUDENT)
        db.session.commit()
        return {
            "case_id": case.id,
            "klas": klas.name,
            "author": _account(author),
            "coach": _account(coach),
            "docent": _account(docent),
            "student": _account(student),
        }


def _switch(page: Page, account: Account) -> None:
    """Log out whoever is logged in (through the menu), then log in as `account`."""
    page.goto("/")
    logout = page.get_by_role("button", name="Uitloggen")
    if logout.count():
        logout.click()
        expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)
    log_in(page, account)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_from_publishing_a_case_to_a_student_answering(page: Page, console, people) -> None:
    # The author makes an anonymised copy and replaces what the detector found.
    _switch(page, people["author"])
    page.goto(f"/casussen/{people['case_id']}")
    page.get_by_role("link", name="Publiceren").click()
    page.get_by_role("button", name="Geanonimiseerde kopie maken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geanonimiseerde kopie")
    expect(page.locator(".side-original").first).to_be_visible()
    assert_no_serious_violations(page)
    page.get_by_role("button", name=re.compile("Vervang door \u2018mevrouw A.\u2019")).first.click()
    page.get_by_role(
        "button", name=re.compile("Vervang door \u2018\\[plaats\\]\u2019")
    ).first.click()
    expect(page.get_by_role("textbox", name="Situatie")).to_have_value(
        "mevrouw A. woont alleen in [plaats] en weigert hulp."
    )
    expect(page.locator("#bevindingen-samenvatting")).to_have_text(
        "Geen persoonsgegevens gevonden."
    )
    page.get_by_role("button", name="Indienen ter beoordeling").click()
    expect(page.locator(".status-badge")).to_have_text("ter beoordeling")

    # A second person approves it for the teaching library.
    _switch(page, people["coach"])
    page.goto("/publicaties/beoordelen")
    page.get_by_role("link", name="Huisbezoek bij een buurvrouw", exact=True).click()
    assert_no_serious_violations(page)
    expect(page.get_by_label("In de onderwijsbibliotheek (voor hbo-docenten)")).to_be_checked()
    page.get_by_role("button", name="Goedkeuren en publiceren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Huisbezoek bij een buurvrouw")

    # A docent finds it in the library, makes a collection and gives it to a class.
    _switch(page, people["docent"])
    page.goto("/bibliotheek")
    assert_no_serious_violations(page)
    page.get_by_role("link", name="Huisbezoek bij een buurvrouw", exact=True).click()
    expect(page.get_by_text("Fatima")).to_have_count(0)
    assert_no_serious_violations(page)
    page.get_by_role("link", name="Toevoegen aan een casusbundel").click()
    page.get_by_label("Titel van de bundel").fill("Ethiek in de wijk")
    page.get_by_role("button", name="Bundel maken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ethiek in de wijk")
    page.get_by_label("Vragen voor de bespreking").fill("Wat zou jij doen?\nWelke waarde weegt?")
    page.get_by_role("button", name="Vragen bewaren").click()
    page.get_by_label("Klas", exact=True).select_option(label=people["klas"])
    today = utcnow().date()  # the server's notion of today
    page.get_by_label("Van", exact=True).fill(today.isoformat())
    page.get_by_label("Tot en met").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Geven aan de klas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ethiek in de wijk")
    expect_path(page, re.search(r"/opdrachten/\d+", page.url).group(0))
    assert_no_serious_violations(page)
    page.goto("/bundels")
    page.get_by_role("link", name="Ethiek in de wijk").click()
    assert_no_serious_violations(page)

    # The student reads the case and answers; the answer is saved while typing.
    _switch(page, people["student"])
    page.goto("/opdrachten")
    page.get_by_role("link", name="Ethiek in de wijk").click()
    page.get_by_role("link", name="Huisbezoek bij een buurvrouw", exact=True).click()
    expect(page.get_by_text("mevrouw A. woont alleen")).to_be_visible()
    expect(page.locator("form[data-autosave-ready]")).to_have_count(1)
    page.get_by_label("1. Wat zou jij doen?").fill("Eerst haar vertrouwen winnen.")
    expect(page.locator(".autosave-status")).to_contain_text("Bewaard om")
    assert_no_serious_violations(page)
    page.reload()
    expect(page.get_by_label("1. Wat zou jij doen?")).to_have_value("Eerst haar vertrouwen winnen.")
    page.get_by_role("button", name="Inleveren").click()
    expect(page.get_by_text("U heeft uw antwoorden ingeleverd.")).to_be_visible()
