"""Searching in a real browser: type a query in the header, narrow by a facet, open a
result, and see its similar cases; axe on the results page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reflectie.cases import services
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.search.services import rebuild_index
from tests.browser.support import Account, ConsoleWatch, LiveServer, expect_path, log_in
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.factories import PASSWORD, make_team, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def search_team(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Account:
    """Three cases about debts (two with kwestie 5) and one team member who searches."""
    app = live_server.app
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_AFTER_COMMIT", True)
    with app.test_request_context("/"):
        team = make_team()
        writer = make_user(team=team, role=Role.LEERCOACH)
        for title, text, kwesties in [
            ("Schulden en de deurwaarder", "Het gezin heeft schulden bij de deurwaarder.", [5]),
            ("Deurwaarder aan de deur", "Weer schulden en een deurwaarder op de stoep.", [5]),
            ("Schulden na ontslag", "Na het ontslag ontstonden schulden.", [2]),
        ]:
            services.create_case(
                writer,
                team,
                services.CaseInput(title=title, situation=text, kwesties=kwesties),
            )
            db.session.commit()
        reader = make_user(team=team, role=Role.LID)
        rebuild_index()
        return Account(email=reader.email, name=reader.name, password=PASSWORD, team=team.name)


def test_search_narrow_open_and_see_similar_cases(page: Page, search_team: Account) -> None:
    watch = ConsoleWatch()
    watch.watch(page)
    log_in(page, search_team)
    expect_path(page, "/")
    referers: list[str] = []  # the search words never travel on in a Referer
    page.on("request", lambda request: referers.append(request.headers.get("referer", "")))
    page.get_by_label("Zoekvraag").first.fill("schuld")
    page.get_by_label("Zoekvraag").first.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoeken")
    expect(page.get_by_role("heading", name="3 resultaten")).to_be_visible()
    expect(page.locator(".results mark").first).to_be_visible()
    assert_no_serious_violations(page)
    page.locator(".facet-link", has_text="5.").click()
    expect(page.get_by_role("heading", name="2 resultaten")).to_be_visible()
    page.get_by_role("link", name="Schulden en de deurwaarder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schulden en de deurwaarder")
    similar = page.locator("section.similar-cases")
    expect(similar.get_by_role("heading", name="Vergelijkbare casussen")).to_be_visible()
    expect(similar.get_by_role("link", name="Deurwaarder aan de deur")).to_be_visible()
    watch.assert_clean()
    assert len(referers) > 3  # the results pages' assets, the facet, the opened case
    assert not [r for r in referers if "schuld" in r or "zoeken" in r]
