"""Dutch by default; English per user (Flask-Babel)."""

from __future__ import annotations

from reflectie.db import db
from tests.factories import make_team, make_user
from tests.pages import get_page, text_of


def test_pages_are_dutch_by_default_even_for_english_browsers(client):
    page = get_page(client, "/login")
    assert page.html["lang"] == "nl"
    assert "Wachtwoord" in text_of(page)
    english_browser = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Wachtwoord" in english_browser.text


def test_a_user_switches_to_english_and_back(app, login):
    with app.app_context():
        email = make_user(team=make_team()).email
    client = login(email)
    assert client.post("/account", data={"locale": "en"}).status_code == 302
    page = get_page(client, "/account")
    assert page.html["lang"] == "en"
    assert "My account" in text_of(page)
    assert "Log out" in text_of(page)
    client.post("/account", data={"locale": "nl"})
    assert "Mijn account" in text_of(get_page(client, "/account"))


def test_an_unknown_language_is_refused(app, login):
    with app.app_context():
        user = make_user(team=make_team())
        email, user_id = user.email, user.id
    client = login(email)
    response = client.post("/account", data={"locale": "fr"})
    assert response.status_code == 200
    with app.app_context():
        from reflectie.accounts.models import User

        assert db.session.get(User, user_id).locale == "nl"
