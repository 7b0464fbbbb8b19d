"""API tokens: shown once, stored hashed, revocable, only in the Authorization header
(R-14), and the API never takes the session cookie instead (R-19)."""

from __future__ import annotations

import re

from sqlalchemy import select

from reflectie.accounts import services
from reflectie.accounts.models import ApiToken, User
from reflectie.audit.models import AuditEvent
from reflectie.db import db
from reflectie.permissions import Role
from tests.checks import database_contains
from tests.factories import make_team, make_token, make_user
from tests.pages import get_page, parse, text_of

ME = "/api/v1/me"
NO_TOKEN = "Geef een geldig API-token mee: Authorization: Bearer <token>."


# --- helpers -------------------------------------------------------------------------------


def _user_with_token(app, **kwargs) -> tuple[int, str, str]:
    """(user id, e-mail, plain token) of a team member with one API token."""
    with app.app_context():
        user = make_user(team=make_team(), **kwargs)
        return user.id, user.email, make_token(user)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_unauthorized(response) -> None:
    assert response.status_code == 401, response.text
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "unauthorized"
    assert body["message"] == NO_TOKEN


def _tokens_of(app, user_id: int) -> list[ApiToken]:
    with app.app_context():
        rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).all()
        db.session.expunge_all()
        return list(rows)


def _url_for_rule(rule) -> str:
    return re.sub(
        r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", lambda m: "1" if m[1] == "int" else "x", rule.rule
    )


# --- creating -------------------------------------------------------------------------------


def test_a_token_made_on_the_tokens_page_is_shown_once(app, login):
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    client = login(email)

    response = client.post("/account/tokens", data={"name": "Export teamoverzicht"})

    assert response.status_code == 200
    page = parse(response.text)
    raw = page.select_one("code#new-token").get_text(strip=True)
    assert raw.startswith("rfl_")
    assert len(raw) - len("rfl_") >= 22  # at least 128 bits in URL-safe base64
    assert "Kopieer het nu: het wordt maar één keer getoond." in text_of(page)
    assert page.find("input", attrs={"name": "name"}).get("value") in (None, "")

    later = get_page(client, "/account/tokens")
    assert later.select_one("#new-token") is None
    assert raw not in later.decode()
    assert "Export teamoverzicht" in text_of(later)
    assert f"{raw[:10]}…" in text_of(later)
    (token,) = _tokens_of(app, user_id)
    assert token.name == "Export teamoverzicht"
    assert token.revoked_at is None
    assert client.get(ME, headers=_bearer(raw)).get_json()["id"] == user_id


def test_a_token_needs_a_name(app, login):
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    response = login(email).post("/account/tokens", data={"name": "  "})
    assert response.status_code == 200
    page = parse(response.text)
    assert page.select_one("#new-token") is None
    assert "Dit veld is verplicht." in text_of(page)
    assert _tokens_of(app, user_id) == []


def test_the_database_holds_the_sha256_hash_of_a_token_never_the_token(app, login):
    """R-14: only the SHA-256 hash of a token is stored."""
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    response = login(email).post("/account/tokens", data={"name": "script"})
    raw = parse(response.text).select_one("code#new-token").get_text(strip=True)

    (token,) = _tokens_of(app, user_id)
    assert token.token_hash == services.sha256(raw)
    assert token.prefix == raw[:10]
    assert not database_contains(app, raw)
    assert not database_contains(app, raw[10:])  # nor the secret part without the prefix


def test_the_tokens_create_command_prints_the_token_once_and_stores_its_hash(app):
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email

    result = app.test_cli_runner().invoke(args=["tokens", "create", email, "--name", "cron"])

    assert result.exit_code == 0, result.output
    raw = result.output.split()[-1]
    assert raw.startswith("rfl_")
    assert result.output.count(raw) == 1
    (token,) = _tokens_of(app, user_id)
    assert (token.name, token.token_hash) == ("cron", services.sha256(raw))
    assert not database_contains(app, raw)


# --- using --------------------------------------------------------------------------------


def test_me_answers_the_token_user_with_teams_and_roles(app, client):
    with app.app_context():
        wijkteam = make_team()
        klas = make_team()
        user = make_user(team=wijkteam, role=Role.LEERCOACH, name="Ilse de Vries")
        services.set_membership(None, team=klas, user=user, role=Role.DOCENT)
        db.session.commit()
        raw = make_token(user)
        expected = {
            "id": user.id,
            "email": user.email,
            "name": "Ilse de Vries",
            "handle": user.handle,
        }
        teams = sorted(
            [
                {
                    "slug": t.slug,
                    "name": t.name,
                    "kind": "wijkteam",
                    "role": role,
                    "organisation": t.organisation.slug,
                }
                for t, role in [(wijkteam, "leercoach"), (klas, "docent")]
            ],
            key=lambda t: t["slug"],
        )

    response = client.get(ME, headers=_bearer(raw))

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert {k: body[k] for k in expected} == expected
    assert sorted(body["teams"], key=lambda t: t["slug"]) == teams


def test_the_bearer_scheme_name_is_not_case_sensitive(app, client):
    _user_id, _email, raw = _user_with_token(app)
    assert client.get(ME, headers={"Authorization": f"bearer {raw}"}).status_code == 200


def test_a_request_without_a_token_or_with_a_wrong_one_gets_401_json(app, client):
    _user_id, _email, raw = _user_with_token(app)
    _assert_unauthorized(client.get(ME))
    _assert_unauthorized(client.get(ME, headers=_bearer(raw + "x")))
    _assert_unauthorized(client.get(ME, headers={"Authorization": f"Token {raw}"}))
    _assert_unauthorized(client.get(ME, headers={"Authorization": "Bearer "}))


def test_a_token_in_the_query_string_is_not_accepted(app, client):
    _user_id, _email, raw = _user_with_token(app)
    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    _assert_unauthorized(client.get(ME, query_string={"token": raw}))
    _assert_unauthorized(client.get(ME, query_string={"access_token": raw}))


def test_a_session_cookie_is_not_accepted_by_any_api_endpoint(app, login):
    """R-19: the API takes tokens only, so a session cookie cannot be ridden."""
    with app.app_context():
        email = make_user(team=make_team(), admin=False).email
    client = login(email)
    assert client.get("/account").status_code == 200  # the cookie does work on the site

    protected = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and getattr(app.view_functions[rule.endpoint], "access_rule", "public") != "public"
    ]
    assert any(rule.rule == ME for rule in protected)
    for rule in protected:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url_for_rule(rule), method=method, json={})
            assert response.status_code == 401, f"{method} {rule.rule}"
            _assert_unauthorized(response)


# --- revoking -------------------------------------------------------------------------------


def test_a_revoked_token_gets_401_json(app, login):
    user_id, email, raw = _user_with_token(app)
    (token,) = _tokens_of(app, user_id)
    client = login(email)
    assert client.get(ME, headers=_bearer(raw)).status_code == 200

    response = client.post(f"/account/tokens/{token.id}/intrekken")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/tokens"
    page = get_page(client, "/account/tokens")
    assert "Het token is ingetrokken." in text_of(page)
    assert "ingetrokken" in text_of(page.find("table"))
    (revoked,) = _tokens_of(app, user_id)
    assert revoked.revoked_at is not None
    _assert_unauthorized(client.get(ME, headers=_bearer(raw)))
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "token.revoke")
        ).all()
        assert [(e.actor_id, e.object_id) for e in events] == [(user_id, token.id)]


def test_revoking_another_users_token_answers_404_and_changes_nothing(app, login):
    owner_id, _owner_email, raw = _user_with_token(app)
    (token,) = _tokens_of(app, owner_id)
    with app.app_context():
        other_email = make_user(team=make_team()).email
    client = login(other_email)

    response = client.post(f"/account/tokens/{token.id}/intrekken")

    assert response.status_code == 404
    (unchanged,) = _tokens_of(app, owner_id)
    assert unchanged.revoked_at is None
    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    assert client.post("/account/tokens/999999/intrekken").status_code == 404
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.revoke")) is None
        )


def test_the_token_of_a_deactivated_user_gets_401(app, client):
    user_id, _email, raw = _user_with_token(app)
    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    _assert_unauthorized(client.get(ME, headers=_bearer(raw)))
