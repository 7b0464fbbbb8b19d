"""axe-core on the main pages (the admin area and the organisation's insights too), and the
keyboard route into the content."""

from __future__ import annotations

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from reflectie.permissions import Role
from tests.browser.support import Account, LiveServer, expect_path, log_in
from tests.cases.factories import make_case
from tests.factories import make_org, make_team, make_user

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def serious_violations(page: Page) -> str:
    """Run axe-core on the page as it is now; a report of its serious and critical findings."""
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in blocking
    )


def assert_no_serious_violations(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    report = serious_violations(page)
    assert not report, f"axe-core on {page.url}:\n{report}"


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


# --- the admin area and the organisation's insights ---------------------------------------------


@pytest.fixture
def admin_world(live_server: LiveServer) -> dict[str, int]:
    """An organisation with two teams (one with enough cases to show counts, one too small to),
    a member, and a case to erase: every admin page then has rows to show."""
    with live_server.app.app_context():
        org = make_org()
        busy, quiet = make_team(organisation=org), make_team(organisation=org)
        writer = make_user(team=busy, role=Role.LEERCOACH)
        for n, kwestie in enumerate([5, 5, 2, 7, 1, 5]):
            case = make_case(team=busy, author=writer, title=f"Casus {n}", kwesties=[kwestie])
        make_case(team=quiet, title="Enige casus", kwesties=[3])
        return {"org": org.id, "team": busy.id, "user": writer.id, "case": case.id}


def _log_in_as_beheerder(page: Page, account: Account) -> None:
    log_in(page, account)
    expect_path(page, "/login/tweestaps")
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(str(account.totp_secret)).now())
    page.get_by_role("button", name="Controleren").click()
    expect_path(page, "/")


ADMIN_PAGES = [
    "/beheer/",
    "/beheer/gebruikers",
    "/beheer/gebruikers/nieuw",
    "/beheer/gebruikers/{user}",
    "/beheer/gebruikers/{user}/geheimhouding",
    "/beheer/teams",
    "/beheer/teams/{team}",
    "/beheer/organisaties",
    "/beheer/organisaties/{org}",
    "/beheer/organisaties/{org}/bewaartermijn",
    "/beheer/organisaties/{org}/inzichten",
    "/beheer/wissen",
    "/beheer/casussen/{case}/wissen",
    "/beheer/audit",
]


def test_admin_pages_and_organisation_insights_have_no_serious_axe_violations(
    page: Page, admin_account: Account, admin_world: dict[str, int]
) -> None:
    """One beheerder visits every page of the admin area, the organisation's insights too; the
    findings of all pages are reported together."""
    _log_in_as_beheerder(page, admin_account)
    reports = []
    for path in ADMIN_PAGES:
        response = page.goto(path.format(**admin_world))
        assert response is not None, path
        assert response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        if report := serious_violations(page):
            reports.append(f"axe-core on {path}:\n{report}")
    assert not reports, "\n\n".join(reports)


def test_an_admin_form_with_errors_has_no_serious_axe_violations(
    page: Page, admin_account: Account
) -> None:
    _log_in_as_beheerder(page, admin_account)
    page.goto("/beheer/organisaties")
    page.get_by_role("button", name="Organisatie aanmaken").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_serious_violations(page)
