"""What every page owes the browser: no script errors, no CSP violations, no missing files."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import Account, ConsoleWatch, log_in

pytestmark = pytest.mark.browser


def test_the_console_watch_sees_a_csp_violation(page: Page, console: ConsoleWatch) -> None:
    """The "no console error, no CSP violation" check on every test is not vacuous."""
    page.goto("/kwesties")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
        )
    assert page.evaluate("() => window.inlineRan") is None  # the CSP blocked the inline script
    assert any("Content Security Policy" in p for p in console.problems), console.problems
    console.problems.clear()


def test_pages_load_their_assets_without_errors(page: Page, member: Account) -> None:
    """Login, home, kwesties and account: CSS and JS load under the CSP, nothing fails.

    (The console watch from conftest.py fails the test on any console error.)
    """
    log_in(page, member)
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.name)
    for path, heading in [("/kwesties", "De zeven kwesties"), ("/account", "Mijn account")]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    # The stylesheet applied (so it was not blocked): the skip link sits off-screen.
    assert (
        page.get_by_role("link", name="Naar de inhoud").evaluate(
            "el => getComputedStyle(el).position"
        )
        == "absolute"
    )


def test_the_favicon_is_served(page: Page) -> None:
    """Browsers ask for an icon on every site; a 404 there is a console error on the first page.

    Either the page names an icon (a data: URL costs nothing and fits img-src 'self' data:)
    or /favicon.ico exists.
    """
    page.goto("/login")
    icons = page.locator('link[rel~="icon"]')
    href = icons.first.get_attribute("href") if icons.count() else "/favicon.ico"
    assert href is not None
    if not href.startswith("data:"):
        response = page.request.get(href)
        assert response.ok, f'GET {href}: {response.status}; add <link rel="icon"> to base.html'
