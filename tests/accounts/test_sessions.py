"""Sessions end when they should, on every device (R-12, R-13)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask.testing import FlaskClient

from reflectie.accounts.models import User
from reflectie.accounts.services import set_membership
from reflectie.db import db
from reflectie.permissions import Role
from tests.factories import PASSWORD, make_team, make_user


def _email(app, **kwargs) -> str:
    with app.app_context():
        return make_user(team=make_team(), **kwargs).email


def _cookie(client: FlaskClient, name: str = "reflectie") -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _logged_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def _replay(app, value: str, name: str = "reflectie") -> FlaskClient:
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def test_a_replayed_cookie_is_not_logged_in_after_logout(app, login):
    """R-13: logging out ends the session on the server, so a replayed cookie is anonymous."""
    client = login(_email(app))
    old = _cookie(client)
    assert _logged_in(client)
    response = client.post("/logout")
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "U bent uitgelogd" in response.text
    assert not _logged_in(client)
    assert not _logged_in(_replay(app, old))


def test_log_out_everywhere_ends_sessions_on_other_devices(app, login):
    email = _email(app)
    laptop, phone = login(email), login(email)
    laptop.post("/account/overal-uitloggen")
    assert not _logged_in(laptop)
    assert not _logged_in(phone)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, login):
    email = _email(app)
    laptop, phone = login(email), login(email)
    old_cookie = _cookie(laptop)
    response = laptop.post(
        "/account/wachtwoord",
        data={
            "current_password": PASSWORD,
            "new_password": "een-nieuw-lang-wachtwoord",
            "confirm": "een-nieuw-lang-wachtwoord",
        },
    )
    assert response.status_code == 302
    assert _logged_in(laptop)
    assert not _logged_in(phone)
    assert not _logged_in(_replay(app, old_cookie))
    assert login(email, "een-nieuw-lang-wachtwoord")


def test_wrong_current_password_changes_nothing(app, login):
    email = _email(app)
    client = login(email)
    response = client.post(
        "/account/wachtwoord",
        data={
            "current_password": "fout",
            "new_password": "een-nieuw-lang-wachtwoord",
            "confirm": "een-nieuw-lang-wachtwoord",
        },
    )
    assert response.status_code == 200
    assert "Uw huidige wachtwoord klopt niet." in response.text
    assert login(email)  # the old password still works


def test_deactivating_an_account_ends_its_sessions(app, login):
    email = _email(app)
    client = login(email)
    with app.app_context():
        admin = make_user(admin=True)
        user = db.session.scalar(db.select(User).where(User.email == email))
        from reflectie.accounts.services import update_user

        update_user(admin, user, name=user.name, email=user.email, is_admin=False, active=False)
        db.session.commit()
    assert not _logged_in(client)


def test_idle_sessions_expire_after_30_minutes(app):
    """R-12: the idle timeout."""
    email = _email(app)
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False) as clock:
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        clock.shift(timedelta(minutes=29))
        assert _logged_in(client)
        clock.shift(timedelta(minutes=29))  # active again 29 minutes after the last request
        assert _logged_in(client)
        clock.shift(timedelta(minutes=31))
        response = client.get("/account")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_sessions_end_after_12_hours_however_active(app):
    email = _email(app)
    with time_machine.travel("2026-11-23 08:00:00+00:00", tick=False) as clock:
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        for _ in range(24):  # a request every 29 minutes: 11 h 36 min in all
            clock.shift(timedelta(minutes=29))
            assert _logged_in(client)
        clock.shift(timedelta(minutes=29))  # 12 h 5 min after login
        assert not _logged_in(client)


def test_remember_me_survives_the_end_of_the_browser_session(app):
    email = _email(app)
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    remember = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("reflectie-remember=")
    )
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember
    # A new browser process: only the remember cookie is left.
    fresh = _replay(app, _cookie(client, "reflectie-remember"), "reflectie-remember")
    assert _logged_in(fresh)


def test_remember_cookie_stops_working_after_logout_everywhere(app):
    email = _email(app)
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    remember = _cookie(client, "reflectie-remember")
    client.post("/account/overal-uitloggen")
    assert not _logged_in(_replay(app, remember, "reflectie-remember"))


def test_login_starts_a_clean_session(app):
    email = _email(app)
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].endswith(":1")


def test_the_session_check_does_not_query_per_team(app, login, count_queries):
    """Every request asks whether an organisation requires 2FA: one query set, any team count."""
    with app.app_context():
        few = make_user(team=make_team()).email
        many = make_user(team=make_team())
        for _ in range(4):
            set_membership(None, team=make_team(), user=many, role=Role.LID)
        db.session.commit()
        many = many.email
    counts = []
    for email in (few, many):
        client = login(email)
        with count_queries() as sql:
            assert client.get("/account").status_code == 200
        counts.append(len(sql))
    assert counts[0] == counts[1], counts
