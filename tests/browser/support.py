"""What the browser tests share: the live server's handle, accounts, the console watch and
the steps a user takes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Flask
from playwright.sync_api import ConsoleMessage, Error, Page, Response, expect


@dataclass(frozen=True)
class LiveServer:
    app: Flask
    url: str


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    password: str
    team: str | None = None
    organisation: str | None = None
    totp_secret: str | None = None


@dataclass
class ConsoleWatch:
    """Console errors, uncaught exceptions and CSP violations on the pages it watches.

    Chromium reports a Content-Security-Policy violation as a console error ("Refused to
    ..."), so an empty list means: no script error and no CSP violation.
    """

    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", self._pageerror)
        page.on("response", self._response)
        return page

    def _response(self, response: Response) -> None:
        # The console says "Failed to load resource" without the address; this names it.
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and message.location.get("url", "").endswith("/favicon.ico"):
            # Chromium asks for /favicon.ico once per browser, in whichever test comes first;
            # test_pages.py::test_the_favicon_is_served checks it in one place instead.
            return
        if message.type == "error":
            where = message.page.url if message.page else "?"
            self.problems.append(f"console error on {where}: {message.text}")

    def _pageerror(self, error: Error) -> None:
        self.problems.append(f"uncaught exception: {error.message}")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def log_in(page: Page, account: Account) -> None:
    """Fill in the login form and submit it; the caller checks where it lands."""
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(account.email)
    page.get_by_label("Wachtwoord", exact=True).fill(account.password)
    page.get_by_role("button", name="Inloggen").click()


def expect_path(page: Page, path: str) -> None:
    """The page's path is exactly `path` (any query string and fragment allowed)."""
    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path)}(\?[^#]*)?(#.*)?$"))
