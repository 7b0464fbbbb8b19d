"""Logging in, failing to log in and logging out, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.support import Account, ConsoleWatch, expect_path, log_in

pytestmark = pytest.mark.browser

SESSION_COOKIE = "reflectie"  # reflectie.config.Defaults.SESSION_COOKIE_NAME over plain HTTP


def test_login_lands_on_home_with_name_and_team(page: Page, member: Account) -> None:
    log_in(page, member)

    expect_path(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Goedendag, {member.name}")
    teams = page.get_by_role("region", name="Mijn teams")
    expect(teams.get_by_role("link", name=member.team)).to_be_visible()
    expect(teams).to_contain_text(str(member.organisation))
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_wrong_password_shows_one_message_and_the_error_summary(
    page: Page, member: Account
) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(member.email)
    page.get_by_label("Wachtwoord", exact=True).fill("niet-het-goede-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()

    expect_path(page, "/login")
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="Er is een probleem")).to_be_visible()
    expect(summary).to_contain_text("Het e-mailadres of het wachtwoord klopt niet.")
    expect(summary).to_be_focused()  # static/js/app.js moves focus to the summary
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)
    # The password is not sent back; the e-mail address stays filled in.
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_value("")
    expect(page.get_by_label("E-mailadres")).to_have_value(member.email)


def test_logout_ends_the_session_and_a_replayed_cookie_stays_logged_out(
    page: Page,
    member: Account,
    browser: Browser,
    browser_context_args: dict,
    console: ConsoleWatch,
) -> None:
    log_in(page, member)
    expect_path(page, "/")
    cookies = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    assert len(cookies) == 1, page.context.cookies()
    assert cookies[0]["httpOnly"]
    assert cookies[0]["sameSite"] == "Lax"

    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("U bent uitgelogd")
    expect(page.get_by_role("link", name="Opnieuw inloggen")).to_be_visible()
    page.goto("/account")
    expect_path(page, "/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    # The cookie from before the logout, put back into a new browser: still logged out.
    replay = browser.new_context(**browser_context_args)
    try:
        replay.add_cookies(cookies)
        other = console.watch(replay.new_page())
        other.goto("/account")
        expect_path(other, "/login")
        expect(other.get_by_role("button", name="Uitloggen")).to_have_count(0)
        other.goto("/")
        expect(other.get_by_role("heading", name=f"Goedendag, {member.name}")).to_have_count(0)
    finally:
        replay.close()
