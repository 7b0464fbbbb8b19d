"""A community of practice in a real browser: a leercoach starts a thread, a colleague from
another team replies and mentions a third, who sees the notification and follows it to the
post. The draft of a reply survives a reload; axe checks the pages on the way."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from reflectie.permissions import Role
from tests.browser.support import Account, LiveServer, expect_path, log_in
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.factories import PASSWORD, make_org, make_team, make_user
from tests.threads.factories import make_community

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Community:
    slug: str
    name: str
    coach: Account
    replier: Account
    mentioned: Account
    mentioned_handle: str


@pytest.fixture
def community(live_server: LiveServer) -> Community:
    """An organisation community with three people from two teams of one organisation."""
    with live_server.app.app_context():
        org = make_org()
        coach = make_user(team=make_team(organisation=org), role=Role.LEERCOACH, name="Anouk Coach")
        replier = make_user(team=make_team(organisation=org), role=Role.LID, name="Fatma Lid")
        mentioned = make_user(team=make_team(organisation=org), role=Role.LID, name="Joost Lid")
        found = make_community(founder=coach, organisation=org, name="Netwerken in de wijk")

        def account(user) -> Account:
            return Account(email=user.email, name=user.name, password=PASSWORD)

        return Community(found.slug, found.name, account(coach), account(replier),
                         account(mentioned), mentioned.handle)  # fmt: skip


def _log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()


def test_start_a_thread_reply_with_a_mention_and_see_the_notification(
    page: Page, community: Community
) -> None:
    # The coach starts a thread.
    log_in(page, community.coach)
    expect_path(page, "/")
    page.get_by_role("banner").get_by_role("link", name="Leergemeenschappen").click()
    assert_no_serious_violations(page)
    page.get_by_role("link", name=community.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(community.name)
    assert_no_serious_violations(page)
    page.get_by_role("link", name="Nieuwe discussie").click()
    page.get_by_label("Titel").fill("Vaste tijd voor het netwerk?")
    page.get_by_label("Uw bericht").fill("Hoe maken jullie **ruimte** voor vrijwilligers?")
    page.get_by_label("4. Formele en informele netwerken").check()
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Discussie plaatsen").click()
    expect(page.get_by_text("Uw discussie staat online.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vaste tijd voor het netwerk?")
    expect(page.locator(".post__body strong")).to_have_text("ruimte")
    thread_path = page.url.split("127.0.0.1", 1)[1].split(":", 1)[1].split("/", 1)[1]
    _log_out(page)

    # A colleague replies; the draft survives a reload before she posts it.
    log_in(page, community.replier)
    page.goto("/" + thread_path)
    reply = page.get_by_label("Uw reactie")
    reply.fill(f"Goede vraag. @{community.mentioned_handle}, jij deed dit toch in Zuid?")
    expect(page.get_by_text("Concept bewaard in dit venster.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Uw reactie")).to_have_value(
        f"Goede vraag. @{community.mentioned_handle}, jij deed dit toch in Zuid?"
    )
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Reactie plaatsen").click()
    expect(page.get_by_text("Uw reactie is geplaatst.")).to_be_visible()
    expect(page.get_by_text("jij deed dit toch in Zuid?")).to_be_visible()
    expect(page.get_by_label("Uw reactie")).to_have_value("")  # the draft is gone once posted
    _log_out(page)

    # The mentioned colleague sees the unread count and follows the notification to the post.
    log_in(page, community.mentioned)
    expect_path(page, "/")
    badge = page.get_by_role("banner").locator("[data-unread]")
    expect(badge).to_contain_text("1")
    page.get_by_role("banner").get_by_role("link", name="Meldingen").click()
    note = page.get_by_role("button", name="Fatma Lid noemde u in „Vaste tijd voor het netwerk?”")
    expect(note).to_be_visible()
    assert_no_serious_violations(page)
    note.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vaste tijd voor het netwerk?")
    expect(page.get_by_text("jij deed dit toch in Zuid?")).to_be_in_viewport()
    expect(page.get_by_role("banner").locator("[data-unread]")).to_have_count(0)
    assert_no_serious_violations(page)
