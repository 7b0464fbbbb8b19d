"""The admin area in a real browser: a beheerder logs in with two-factor and makes a team."""

from __future__ import annotations

import uuid

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reflectie.accounts.models import Team
from reflectie.db import db
from reflectie.permissions import TeamKind
from tests.browser.support import Account, LiveServer, expect_path, log_in

pytestmark = pytest.mark.browser


def test_admin_with_two_factor_creates_a_team(
    page: Page, live_server: LiveServer, admin_account: Account, organisation: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    name, slug = f"Wijkteam Oost {suffix}", f"wijkteam-oost-{suffix}"
    log_in(page, admin_account)
    expect_path(page, "/login/tweestaps")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie")
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(str(admin_account.totp_secret)).now())
    page.get_by_role("button", name="Controleren").click()
    expect_path(page, "/")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beheer")
    page.get_by_role("main").get_by_role("link", name="Teams").click()
    expect_path(page, "/beheer/teams")

    form = page.get_by_role("region", name="Nieuw team")
    form.get_by_label("Naam", exact=True).fill(name)
    form.get_by_label("Korte naam").fill(slug)
    form.get_by_label("Soort team").select_option(label="Intervisiegroep")
    form.get_by_label("Organisatie").select_option(label=organisation)
    form.get_by_role("button", name="Team aanmaken").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect_path(page, f"/beheer/teams/{_team_id(slug, live_server)}")
    expect(page.get_by_role("status")).to_have_text(f"Team {name} is aangemaakt.")
    expect(page.get_by_role("main")).to_contain_text(organisation)

    with live_server.app.app_context():
        team = db.session.scalar(select(Team).where(Team.slug == slug))
        assert team is not None
        assert team.name == name
        assert team.kind == TeamKind.INTERVISIEGROEP
        assert team.organisation.name == organisation


def _team_id(slug: str, live_server: LiveServer) -> int:
    with live_server.app.app_context():
        team_id = db.session.scalar(select(Team.id).where(Team.slug == slug))
    assert team_id is not None, f"no team {slug!r} in the database"
    return team_id
