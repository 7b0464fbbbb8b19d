"""Writing a case in a real browser, the conflict page with two editors, autosave and the
browser copy, and axe on the case pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from reflectie.cases import services
from reflectie.db import db
from reflectie.permissions import Role
from tests.browser.support import Account, ConsoleWatch, LiveServer, expect_path, log_in
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.factories import PASSWORD, make_team, make_user

pytestmark = pytest.mark.browser

COMPLETE = {
    "situation": "Mevrouw B. (84) woont alleen en weigert thuiszorg.",
    "help_question": "Hoe ver mag ik gaan om haar te overtuigen?",
    "dilemma": "Moet ik haar wens volgen, met als gevolg risico, of ingrijpen, met als gevolg "
    "minder vertrouwen?",
}


@dataclass(frozen=True)
class CaseTeam:
    slug: str
    writer: Account
    coach: Account
    case_id: int


@pytest.fixture
def case_team(live_server: LiveServer) -> CaseTeam:
    """A team with a lid (the writer), a leercoach and one case of the writer's."""
    with live_server.app.app_context():
        team = make_team()
        writer = make_user(team=team, role=Role.LID)
        coach = make_user(team=team, role=Role.LEERCOACH)
        case = services.create_case(
            writer,
            team,
            services.CaseInput(title="Meneer K. en de post", kwesties=[5, 2], **COMPLETE),
        )
        db.session.commit()

        def account(user) -> Account:
            return Account(email=user.email, name=user.name, password=PASSWORD, team=team.name)

        return CaseTeam(team.slug, account(writer), account(coach), case.id)


def _logged_in(page: Page, account: Account) -> Page:
    log_in(page, account)
    expect_path(page, "/")
    return page


def test_writing_a_case_with_kwesties_and_tags_and_bringing_it_in(
    page: Page, case_team: CaseTeam
) -> None:
    _logged_in(page, case_team.writer)
    page.goto(f"/teams/{case_team.slug}/casussen")
    page.get_by_role("link", name="Nieuwe casus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe casus")
    page.get_by_label("Titel").fill("Jongere zonder dak")
    page.get_by_label("Situatie").fill("Een jongere van 19 slaapt bij **vrienden**.")
    page.get_by_label("Hulpvraag of leervraag").fill("Wat is hier mijn taak?")
    page.get_by_label("Dilemma").fill(
        "Moet ik melden, met als gevolg wantrouwen, of wachten, met als gevolg risico?"
    )
    guide = page.locator("details[data-kwestie='5']")
    expect(guide).not_to_have_attribute("open", "")
    page.locator("#primary_kwestie").get_by_label("5. Ethisch-normatieve kant").check()
    expect(guide).to_have_attribute("open", "")  # the guiding questions of the choice open
    page.locator("#secondary_kwesties").get_by_label("2. Perspectief van burgers").check()
    page.get_by_label("autonomie").check()
    page.get_by_label("Labels").fill("dakloosheid, jeugd")
    # The autosave runs every few seconds and says so in a live region.
    expect(page.get_by_role("status").filter(has_text="Tussentijds bewaard om")).to_be_visible(
        timeout=15_000
    )
    page.get_by_role("button", name="Opslaan en inbrengen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jongere zonder dak")
    assert re.search(r"/casussen/\d+$", page.url)
    expect(page.locator(".status-badge")).to_have_text("ingebracht")
    expect(page.locator(".kwestie-badge--primary")).to_contain_text("5. Ethisch-normatieve kant")
    expect(page.locator(".case-facts")).to_contain_text("2. Perspectief van burgers")
    expect(page.locator(".case-facts")).to_contain_text("dakloosheid")
    expect(page.locator(".prose strong")).to_have_text("vrienden")
    # The new tags are suggested on the next form.
    page.goto(f"/teams/{case_team.slug}/casussen/nieuw")
    expect(page.locator("datalist#tag-suggesties option[value='jeugd']")).to_have_count(1)


def test_the_browser_copy_is_offered_back_after_a_reload(page: Page, case_team: CaseTeam) -> None:
    _logged_in(page, case_team.writer)
    page.goto(f"/casussen/{case_team.case_id}/bewerken")
    page.get_by_label("Titel").fill("Nog niet opgeslagen titel")
    page.reload()
    expect(page.get_by_label("Titel")).to_have_value("Meneer K. en de post")
    page.get_by_role("button", name="Tekst terugzetten", exact=True).click()
    expect(page.get_by_label("Titel")).to_have_value("Nog niet opgeslagen titel")


def _editor(browser: Browser, args: dict, account: Account) -> tuple[Page, ConsoleWatch]:
    page = browser.new_context(**args).new_page()
    watch = ConsoleWatch()
    watch.watch(page)
    return _logged_in(page, account), watch


def test_two_editors_the_second_sees_both_versions_and_merges(
    browser: Browser, browser_context_args: dict, case_team: CaseTeam
) -> None:
    writer, writer_watch = _editor(browser, browser_context_args, case_team.writer)
    coach, coach_watch = _editor(browser, browser_context_args, case_team.coach)
    edit = f"/casussen/{case_team.case_id}/bewerken"
    writer.goto(edit)
    coach.goto(edit)
    writer.get_by_label("Situatie").fill("De versie van de schrijver.")
    writer.get_by_role("button", name="Opslaan als concept").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("Meneer K. en de post")
    coach.get_by_label("Situatie").fill("De versie van de coach.")
    coach.get_by_role("button", name="Opslaan als concept").click()
    expect(coach.get_by_role("heading", level=1)).to_have_text(
        "Iemand anders heeft deze casus intussen gewijzigd"
    )
    mine = coach.locator(".compare-side--mine")
    theirs = coach.locator(".compare-side--theirs")
    expect(mine).to_contain_text("Uw versie")
    expect(mine).to_contain_text("De versie van de coach.")
    expect(theirs).to_contain_text(f"De versie van {case_team.writer.name} (opgeslagen om")
    expect(theirs).to_contain_text("De versie van de schrijver.")
    expect(coach.get_by_role("textbox", name="Situatie")).to_have_value("De versie van de coach.")
    coach.get_by_role("textbox", name="Situatie").fill(
        "De versie van de schrijver. En die van de coach."
    )
    coach.get_by_role("button", name="Opslaan als concept").click()
    expect(coach.get_by_role("heading", level=1)).to_have_text("Meneer K. en de post")
    expect(coach.locator(".prose").first).to_have_text(
        "De versie van de schrijver. En die van de coach."
    )
    writer_watch.assert_clean()
    # The conflict answer is a 409 on purpose; anything else would be a problem.
    assert [p for p in coach_watch.problems if "409" not in p] == []
    writer.context.close()
    coach.context.close()


def test_case_list_form_and_page_have_no_serious_axe_violations(
    page: Page, case_team: CaseTeam
) -> None:
    _logged_in(page, case_team.writer)
    page.goto(f"/teams/{case_team.slug}/casussen")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Casussen van")
    assert_no_serious_violations(page)
    page.goto(f"/teams/{case_team.slug}/casussen/nieuw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe casus")
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Opslaan als concept").click()  # no title: errors shown
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_serious_violations(page)
    page.goto(f"/casussen/{case_team.case_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meneer K. en de post")
    assert_no_serious_violations(page)
    page.goto(f"/casussen/{case_team.case_id}/geschiedenis/1")
    assert_no_serious_violations(page)
