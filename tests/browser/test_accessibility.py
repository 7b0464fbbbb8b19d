"""axe-core on the main pages, and the keyboard route into the content."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.support import Account, expect_path, log_in

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def assert_no_serious_violations(page: Page) -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in blocking
    )
    assert not blocking, f"axe-core on {page.url}:\n{report}"


def test_login_page_has_no_serious_axe_violations(page: Page) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert_no_serious_violations(page)


def test_login_page_with_errors_has_no_serious_axe_violations(page: Page) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_serious_violations(page)


def test_home_page_has_no_serious_axe_violations(page: Page, member: Account) -> None:
    log_in(page, member)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Goedendag, {member.name}")
    assert_no_serious_violations(page)


def test_kwesties_page_has_no_serious_axe_violations(page: Page) -> None:
    page.goto("/kwesties")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "De zeven kwesties van wijkgericht werken"
    )
    expect(page.locator("section.kwestie")).to_have_count(7)
    assert_no_serious_violations(page)


def test_first_tab_focuses_the_skip_link_which_leads_to_the_content(page: Page) -> None:
    page.goto("/kwesties")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown on focus, not left off-screen
    page.keyboard.press("Enter")
    expect_path(page, "/kwesties")
    expect(page.get_by_role("main")).to_be_focused()


def test_the_axe_check_is_not_vacuous(page: Page) -> None:
    """axe-core really runs: an input without a label is reported as critical."""
    page.goto("/kwesties")
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")
    violations = Axe().run(page).response["violations"]
    assert any(v["id"] == "label" and v["impact"] == "critical" for v in violations), violations
