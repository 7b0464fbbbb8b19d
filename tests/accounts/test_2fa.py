"""Two-factor authentication with TOTP and recovery codes (R-11)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from reflectie.accounts import services
from reflectie.accounts.models import RecoveryCode, User
from reflectie.audit.models import AuditEvent
from reflectie.db import db
from tests.checks import database_contains
from tests.factories import PASSWORD, make_org, make_team, make_user, new_totp_secret
from tests.pages import get_page, parse, text_of

SETUP = "/account/tweestaps"
SECOND_STEP = "/login/tweestaps"
WRONG_LOGIN_CODE = "Deze code klopt niet, of is al gebruikt."
WRONG_SETUP_CODE = "Deze code klopt niet. Probeer de nieuwste code."
MUST_HAVE_2FA = "Voor uw account is tweestapsverificatie verplicht."
START = datetime(2025, 3, 3, 9, 0, 5, tzinfo=UTC)  # 5 s into a 30-second TOTP step

# Pages a user who still has to set up 2FA may reach: the setup page itself, logging out,
# static files and the public description of the seven kwesties.
REACHABLE_BEFORE_SETUP = {"accounts.setup_2fa", "accounts.logout", "static", "cases.kwesties"}


# --- helpers -------------------------------------------------------------------------------


def _totp_user(app, **kwargs) -> tuple[int, str, str]:
    """A team member with TOTP switched on: (id, e-mail, secret)."""
    secret = new_totp_secret()
    with app.app_context():
        user = make_user(team=make_team(), totp_secret=secret, **kwargs)
        return user.id, user.email, secret


def _wrong_code(secret: str) -> str:
    """A six-digit code that is valid for none of the steps the app accepts right now."""
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    valid = {totp.at(now + timedelta(seconds=30 * drift)) for drift in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)


def _logged_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next="), response.headers["Location"]
    return False


def _password_step(login, email: str):
    """Log in with the password; the app must then ask for the second factor."""
    client = login(email)
    assert client.get(SECOND_STEP).status_code == 200
    return client


def _state(app, user_id: int) -> tuple[str | None, bool, int | None, int]:
    """(secret, enabled, last counter, number of recovery codes) as stored."""
    with app.app_context():
        user = db.session.get(User, user_id)
        codes = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id))
        return user.totp_secret, user.totp_enabled, user.totp_last_counter, len(codes.all())


def _audit(app, user_id: int, action: str) -> list[tuple[str, dict]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.actor_id == user_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [(e.result, e.details) for e in events]


def _set_up_2fa(client) -> tuple[str, list[str]]:
    """Walk the setup page with the right code; returns (secret, recovery codes)."""
    page = get_page(client, SETUP)
    secret = page.select_one("code.secret").get_text(strip=True)
    response = client.post(SETUP, data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.text
    codes = [c.get_text(strip=True) for c in parse(response.text).select("ul.codes code")]
    return secret, codes


def _rule_url(rule) -> str:
    """A concrete URL for a rule, with dummy values for its parameters."""
    samples = {"int": "1", "path": "css/app.css"}
    return re.sub(
        r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", lambda m: samples.get(m.group(1) or "", "x"), rule.rule
    )


def _pages_not_redirected_to_setup(app, client) -> list[str]:
    """Every page outside REACHABLE_BEFORE_SETUP must send the user to the setup page."""
    leaks = []
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint not in REACHABLE_BEFORE_SETUP and not r.rule.startswith("/api/")
    ]
    # Pages first, the POST-only actions (which could end the session if they ran) last.
    for rule in sorted(rules, key=lambda r: ("GET" not in r.methods, r.rule)):
        url = _rule_url(rule)
        response = client.get(url) if "GET" in rule.methods else client.post(url)
        if response.status_code != 302 or response.headers["Location"] != SETUP:
            leaks.append(f"{url}: {response.status_code} {response.headers.get('Location')}")
    return leaks


# --- setting it up ---------------------------------------------------------------------------


def test_setup_page_shows_a_qr_code_and_a_secret_that_stays_the_same_within_the_session(app, login):
    with app.app_context():
        email = make_user(team=make_team()).email
    client = login(email)
    page = get_page(client, SETUP)
    assert page.select_one(".qr svg") is not None
    secret = page.select_one("code.secret").get_text(strip=True)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    again = get_page(client, SETUP)
    assert again.select_one("code.secret").get_text(strip=True) == secret


def test_a_wrong_setup_code_is_refused_in_dutch_and_changes_nothing(app, login):
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    client = login(email)
    secret = get_page(client, SETUP).select_one("code.secret").get_text(strip=True)

    response = client.post(SETUP, data={"code": _wrong_code(secret)})

    assert response.status_code == 200
    page = parse(response.text)
    assert WRONG_SETUP_CODE in text_of(page)
    assert page.select_one("code.secret").get_text(strip=True) == secret  # try again, same key
    assert _state(app, user_id) == (None, False, None, 0)
    assert _audit(app, user_id, "2fa.enable") == []


def test_the_right_setup_code_switches_2fa_on_and_shows_ten_recovery_codes(
    app, login, time_machine
):
    time_machine.move_to(START, tick=False)
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    client = login(email)

    secret, codes = _set_up_2fa(client)

    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9a-f]{6}-[0-9a-f]{6}", c) for c in codes)
    stored_secret, enabled, counter, recovery = _state(app, user_id)
    assert (stored_secret, enabled, recovery) == (secret, True, 10)
    assert counter == pyotp.TOTP(secret).timecode(datetime.now(UTC))  # the setup code is spent
    assert [r for r, _ in _audit(app, user_id, "2fa.enable")] == ["ok"]
    with client.session_transaction() as session:
        assert "totp_candidate" not in session
    account = text_of(get_page(client, "/account"))
    assert "Tweestapsverificatie staat aan." in account
    assert "10 ongebruikte herstelcodes" in account
    assert client.get(SETUP).headers["Location"] == "/account"  # no second setup over it


def test_recovery_codes_are_stored_only_as_sha256_hashes(app, login):
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    _secret, codes = _set_up_2fa(login(email))

    with app.app_context():
        hashes = db.session.scalars(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user_id)
        ).all()
    assert sorted(hashes) == sorted(services.sha256(c) for c in codes)
    assert [c for c in codes if database_contains(app, c)] == []


# --- logging in with the second factor ------------------------------------------------------


def test_a_totp_user_is_not_logged_in_until_the_code_is_given(app, login, time_machine):
    """R-11: the password alone does not log a TOTP user in."""
    time_machine.move_to(START, tick=False)
    _user_id, email, secret = _totp_user(app)

    client = login(email)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert not _logged_in(client)
    assert "Mijn account" not in text_of(get_page(client, "/"))  # the public welcome page

    response = client.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _logged_in(client)


def test_the_password_step_of_a_totp_user_redirects_to_the_second_step(app, client):
    _user_id, email, _secret = _totp_user(app)
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == SECOND_STEP
    page = get_page(client, SECOND_STEP)
    assert page.find("input", attrs={"name": "code"}) is not None


def test_the_second_step_without_a_password_step_sends_to_the_login_page(client):
    response = client.get(SECOND_STEP)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_wrong_code_is_refused_and_audited_without_the_code(app, login, time_machine):
    time_machine.move_to(START, tick=False)
    user_id, email, secret = _totp_user(app)
    client = _password_step(login, email)
    wrong = _wrong_code(secret)

    response = client.post(SECOND_STEP, data={"code": wrong})

    assert response.status_code == 200
    assert WRONG_LOGIN_CODE in text_of(parse(response.text))
    assert not _logged_in(client)
    events = _audit(app, user_id, "2fa.verify")
    assert [result for result, _ in events] == ["failed"]
    assert all(wrong not in str(details) for _, details in events)
    # The right code still works afterwards: the wrong one did not end the attempt.
    assert client.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert [result for result, _ in _audit(app, user_id, "2fa.verify")] == ["failed", "ok"]


def test_a_code_cannot_be_used_twice_in_the_same_time_step(app, login, time_machine):
    time_machine.move_to(START, tick=False)
    user_id, email, secret = _totp_user(app)
    code = pyotp.TOTP(secret).now()
    first = _password_step(login, email)
    assert first.post(SECOND_STEP, data={"code": code}).status_code == 302
    assert _logged_in(first)

    second = _password_step(login, email)
    time_machine.shift(20)  # still the same 30-second step
    assert pyotp.TOTP(secret).now() == code
    response = second.post(SECOND_STEP, data={"code": code})

    assert response.status_code == 200
    assert WRONG_LOGIN_CODE in text_of(parse(response.text))
    assert not _logged_in(second)
    assert [r for r, _ in _audit(app, user_id, "2fa.verify")] == ["ok", "failed"]

    time_machine.shift(30)  # the next step brings a new code, which does work
    assert second.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert _logged_in(second)


def test_the_setup_code_cannot_be_used_again_to_log_in(app, login, time_machine):
    time_machine.move_to(START, tick=False)
    with app.app_context():
        email = make_user(team=make_team()).email
    client = login(email)
    secret, _codes = _set_up_2fa(client)
    code = pyotp.TOTP(secret).now()
    client.post("/logout")

    again = _password_step(login, email)
    response = again.post(SECOND_STEP, data={"code": code})

    assert response.status_code == 200
    assert WRONG_LOGIN_CODE in text_of(parse(response.text))
    assert not _logged_in(again)


def test_a_recovery_code_logs_in_once_and_then_no_more(app, login):
    secret = new_totp_secret()
    with app.app_context():
        user = make_user(team=make_team(), totp_secret=secret)
        codes = services.new_recovery_codes(user)
        db.session.commit()
        user_id, email = user.id, user.email

    first = _password_step(login, email)
    response = first.post(SECOND_STEP, data={"code": codes[0]})
    assert response.status_code == 302
    assert _logged_in(first)
    assert [r for r, _ in _audit(app, user_id, "2fa.recovery_code")] == ["ok"]
    with app.app_context():
        used = db.session.scalar(
            select(RecoveryCode).where(RecoveryCode.code_hash == services.sha256(codes[0]))
        )
        assert used.used_at is not None
        assert services.unused_recovery_codes(db.session.get(User, user_id)) == 9

    second = _password_step(login, email)
    response = second.post(SECOND_STEP, data={"code": codes[0]})
    assert response.status_code == 200
    assert WRONG_LOGIN_CODE in text_of(parse(response.text))
    assert not _logged_in(second)
    # Another, unused code still works.
    assert second.post(SECOND_STEP, data={"code": codes[1]}).status_code == 302


def test_another_users_recovery_code_does_not_log_in(app, login):
    secret = new_totp_secret()
    with app.app_context():
        other = make_user(team=make_team(), totp_secret=new_totp_secret())
        other_code = services.new_recovery_codes(other)[0]
        user = make_user(team=make_team(), totp_secret=secret)
        services.new_recovery_codes(user)
        db.session.commit()
        email = user.email
    client = _password_step(login, email)
    response = client.post(SECOND_STEP, data={"code": other_code})
    assert response.status_code == 200
    assert not _logged_in(client)


def test_the_pending_second_step_is_accepted_within_five_minutes(app, login, time_machine):
    time_machine.move_to(START, tick=False)
    _user_id, email, secret = _totp_user(app)
    client = _password_step(login, email)
    time_machine.shift(timedelta(minutes=4, seconds=59))
    assert client.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert _logged_in(client)


def test_the_pending_second_step_expires_after_five_minutes(app, login, time_machine):
    time_machine.move_to(START, tick=False)
    user_id, email, secret = _totp_user(app)
    client = _password_step(login, email)
    time_machine.shift(timedelta(minutes=5, seconds=1))

    response = client.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Log opnieuw in." in text_of(get_page(client, "/login"))
    assert not _logged_in(client)
    assert _state(app, user_id)[2] is None  # the code was not even checked, so not spent
    with client.session_transaction() as session:
        assert "pending_2fa" not in session


# --- who must have it -----------------------------------------------------------------------


def test_a_beheerder_without_2fa_is_sent_to_setup_from_every_other_page(app, login):
    with app.app_context():
        email = make_user(admin=True).email
    client = login(email)

    assert _pages_not_redirected_to_setup(app, client) == []
    page = get_page(client, SETUP)
    assert MUST_HAVE_2FA in text_of(page)
    assert get_page(client, "/kwesties") is not None


def test_a_beheerder_without_2fa_can_still_log_out(app, login):
    with app.app_context():
        email = make_user(admin=True).email
    client = login(email)
    response = client.post("/logout")
    assert response.status_code == 200
    assert "U bent uitgelogd" in text_of(parse(response.text))
    assert not _logged_in(client)


def test_a_beheerder_reaches_the_admin_area_once_2fa_is_set_up(app, login):
    with app.app_context():
        email = make_user(admin=True).email
    client = login(email)
    assert client.get("/beheer/").headers["Location"] == SETUP

    _set_up_2fa(client)

    assert client.get("/beheer/").status_code == 200
    assert client.get("/").status_code == 200


def test_an_organisation_that_requires_2fa_sends_its_team_members_to_setup(app, login):
    with app.app_context():
        team = make_team(organisation=make_org(require_2fa=True))
        email, slug = make_user(team=team).email, team.slug
    client = login(email)

    for url in ["/", "/account", "/account/tokens", f"/teams/{slug}", "/account/wachtwoord"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == SETUP, url
    assert MUST_HAVE_2FA in text_of(get_page(client, SETUP))
    assert client.post("/logout").status_code == 200


def test_an_organisation_without_the_rule_lets_its_members_in_without_2fa(app, login):
    with app.app_context():
        team = make_team(organisation=make_org(require_2fa=False))
        email, slug = make_user(team=team).email, team.slug
    client = login(email)
    for url in ["/", "/account", f"/teams/{slug}"]:
        assert client.get(url).status_code == 200, url
    assert MUST_HAVE_2FA not in text_of(get_page(client, SETUP))


def test_a_member_of_a_2fa_organisation_is_let_in_once_it_is_set_up(app, login):
    with app.app_context():
        team = make_team(organisation=make_org(require_2fa=True))
        email, slug = make_user(team=team).email, team.slug
    client = login(email)
    _set_up_2fa(client)
    assert client.get(f"/teams/{slug}").status_code == 200


# --- switching it off -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["beheerder", "member of a 2fa organisation"])
def test_a_user_who_must_have_2fa_cannot_switch_it_off(app, login, who, time_machine):
    time_machine.move_to(START, tick=False)
    secret = new_totp_secret()
    with app.app_context():
        if who == "beheerder":
            user = make_user(admin=True, totp_secret=secret)
        else:
            team = make_team(organisation=make_org(require_2fa=True))
            user = make_user(team=team, totp_secret=secret)
        services.new_recovery_codes(user)
        db.session.commit()
        user_id, email = user.id, user.email
    client = _password_step(login, email)
    assert client.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert "/account/tweestaps/uit" not in client.get("/account").text
    before = _state(app, user_id)

    response = client.post("/account/tweestaps/uit", data={"password": PASSWORD})

    assert response.status_code == 200
    assert MUST_HAVE_2FA in text_of(parse(response.text))
    assert _state(app, user_id) == before
    assert before[:2] == (secret, True)
    assert _audit(app, user_id, "2fa.disable") == []


def test_switching_2fa_off_needs_the_password(app, login, time_machine):
    time_machine.move_to(START, tick=False)
    secret = new_totp_secret()
    with app.app_context():
        user = make_user(team=make_team(), totp_secret=secret)
        services.new_recovery_codes(user)
        db.session.commit()
        user_id, email = user.id, user.email
    client = _password_step(login, email)
    assert client.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    before = _state(app, user_id)

    refused = client.post("/account/tweestaps/uit", data={"password": "niet-mijn-wachtwoord"})
    assert refused.status_code == 200
    assert "Uw wachtwoord klopt niet." in text_of(parse(refused.text))
    assert _state(app, user_id) == before
    missing = client.post("/account/tweestaps/uit", data={"password": ""})
    assert missing.status_code == 200
    assert _state(app, user_id) == before

    done = client.post("/account/tweestaps/uit", data={"password": PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/account"
    assert _state(app, user_id) == (None, False, None, 0)
    assert [r for r, _ in _audit(app, user_id, "2fa.disable")] == ["ok"]
    assert "Tweestapsverificatie staat uit." in text_of(get_page(client, "/account"))


# --- password reset -------------------------------------------------------------------------


def test_a_password_reset_does_not_bypass_2fa(app, login, client, monkeypatch, time_machine):
    time_machine.move_to(START, tick=False)
    # example.org: the reset form refuses .test addresses (see test_reset.py).
    user_id, email, secret = _totp_user(app, email="tweestaps@example.org")
    mails: list[str] = []
    monkeypatch.setattr(services, "send_mail", lambda _to, _subject, body: mails.append(body))

    assert client.post("/wachtwoord-vergeten", data={"email": email}).status_code == 302
    (link,) = re.findall(r"https?://[^/\s]+(/wachtwoord-herstellen/\S+)", mails[0])
    new = "een nieuw lang wachtwoord"
    response = client.post(link, data={"new_password": new, "confirm": new})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not _logged_in(client)

    response = client.post("/login", data={"email": email, "password": new})
    assert response.status_code == 302
    assert response.headers["Location"] == SECOND_STEP
    assert not _logged_in(client)
    assert client.post(SECOND_STEP, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert _logged_in(client)
    assert _state(app, user_id)[:2] == (secret, True)
