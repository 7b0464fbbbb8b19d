"""Every form carries a CSRF token; the API takes tokens, never cookies (R-19)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from reflectie.accounts.models import Organisation
from reflectie.db import db
from tests.factories import PASSWORD, make_team, make_user, new_totp_secret


@pytest.fixture
def csrf_app(app, make_app, bind_app):
    return bind_app(make_app(WTF_CSRF_ENABLED=True))


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def _login(client, email: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": _token(page.text)}
    )
    assert response.status_code == 302


def _org_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Organisation.id)))


def test_a_post_without_token_is_refused_in_dutch_and_writes_nothing(app, csrf_app):
    """R-19: a form posted without its CSRF token is refused and writes nothing."""
    with app.app_context():
        email = make_user(admin=True, totp_secret=new_totp_secret()).email
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Het formulier is verlopen of ongeldig" in response.text
    assert client.get("/account").status_code == 302


def test_a_token_from_another_session_is_refused(app, csrf_app):
    with app.app_context():
        email = make_user(team=make_team()).email
    attacker, victim = csrf_app.test_client(), csrf_app.test_client()
    stolen = _token(attacker.get("/login").text)
    _login(victim, email)
    before = _org_count(app)
    response = victim.post("/account", data={"locale": "en", "csrf_token": stolen})
    assert response.status_code == 400
    assert _org_count(app) == before
    with app.app_context():
        from reflectie.accounts.services import get_user_by_email

        assert get_user_by_email(email).locale == "nl"


def test_a_tampered_token_changes_nothing(app, csrf_app):
    with app.app_context():
        email = make_user(team=make_team()).email
    client = csrf_app.test_client()
    _login(client, email)
    good = _token(client.get("/account").text)
    response = client.post("/account", data={"locale": "en", "csrf_token": good[:-4] + "AAAA"})
    assert response.status_code == 400
    assert client.post("/account", data={"locale": "en", "csrf_token": good}).status_code == 302


def test_logout_needs_the_token_to_end_the_sessions(app, csrf_app):
    with app.app_context():
        email = make_user(team=make_team()).email
    client, other = csrf_app.test_client(), csrf_app.test_client()
    _login(client, email)
    _login(other, email)
    assert client.post("/logout").status_code == 400  # a forged logout ends nothing
    assert other.get("/account").status_code == 200


def test_the_api_is_not_csrf_checked_but_ignores_the_session_cookie(app, csrf_app):
    with app.app_context():
        email = make_user(team=make_team()).email
    client = csrf_app.test_client()
    _login(client, email)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
