"""Password reset by e-mail: one answer for every address, hashed single-use tokens that
expire, the password policy, and the end of every session (R-09, R-13, ASVS 6.4)."""

from __future__ import annotations

import email
import logging
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from reflectie.accounts import services
from reflectie.accounts.models import PasswordResetToken, User
from reflectie.db import db
from tests.checks import database_contains
from tests.factories import PASSWORD, make_team, make_user
from tests.pages import get_page, parse, text_of

FORGOT = "/wachtwoord-vergeten"
SAME_ANSWER = (
    "Als dit adres bij ons bekend is, ontvangt u binnen enkele minuten een e-mail "
    "met een link om een nieuw wachtwoord te kiezen."
)
LINK_GONE = "Deze link is verlopen of al gebruikt. Vraag een nieuwe aan."
LINK = re.compile(r"(https?://[^/\s]+)(/wachtwoord-herstellen/([A-Za-z0-9_-]+))")
NEW_PASSWORD = "drie lange woorden samen"


# --- helpers -------------------------------------------------------------------------------


def _user(app, address: str = "anna@example.org", **kwargs) -> tuple[int, str]:
    # example.org, not the factories' example.test: the reset form refuses .test (see below).
    with app.app_context():
        user = make_user(team=make_team(), email=address, **kwargs)
        return user.id, user.email


@pytest.fixture
def mails(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every mail the account services send, as (to, subject, body)."""
    sent: list[tuple[str, str, str]] = []
    monkeypatch.setattr(services, "send_mail", lambda *message: sent.append(message))
    return sent


def _reset_path(client, address: str, mails: list[tuple[str, str, str]]) -> str:
    """Ask for a reset link and return its path (/wachtwoord-herstellen/<token>)."""
    response = client.post(FORGOT, data={"email": address})
    assert response.status_code == 302, response.text
    to, _subject, body = mails[-1]
    assert to == address
    match = LINK.search(body)
    assert match, body
    return match.group(2)


def _set_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"new_password": password, "confirm": password})


def _flashes(client) -> list:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def _logged_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    return False


def _password_works(client, address: str, password: str) -> bool:
    response = client.post("/login", data={"email": address, "password": password})
    client.post("/logout")
    return response.status_code == 302


def _reset_tokens(app, user_id: int) -> list[tuple[str, datetime | None]]:
    with app.app_context():
        rows = db.session.scalars(
            select(PasswordResetToken).where(PasswordResetToken.user_id == user_id)
        )
        return [(r.token_hash, r.used_at) for r in rows]


# --- asking for a link ------------------------------------------------------------------------


def test_known_and_unknown_addresses_get_exactly_the_same_answer(app, mails):
    user_id, address = _user(app)
    known_client, unknown_client = app.test_client(), app.test_client()

    known = known_client.post(FORGOT, data={"email": address})
    unknown = unknown_client.post(FORGOT, data={"email": "niemand@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"
    assert known.data == unknown.data
    assert _flashes(known_client) == _flashes(unknown_client) == [("info", SAME_ANSWER)]
    assert SAME_ANSWER in text_of(get_page(unknown_client, "/login"))
    assert [to for to, _, _ in mails] == [address]
    assert len(_reset_tokens(app, user_id)) == 1


def test_an_inactive_account_gets_the_same_answer_and_no_mail(app, client, mails):
    with app.app_context():
        user = make_user(team=make_team(), email="weg@example.org")
        user.active = False
        db.session.commit()
        user_id = user.id
    response = client.post(FORGOT, data={"email": "weg@example.org"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert _flashes(client) == [("info", SAME_ANSWER)]
    assert mails == []
    assert _reset_tokens(app, user_id) == []


def test_the_reset_form_accepts_every_address_an_account_can_have(app, client, mails):
    # Accounts may have .test addresses (create_user allows them, the factories and the
    # test suite use them); such a user must be able to ask for a reset link too.
    with app.app_context():
        user = make_user(team=make_team())
        address, user_id = user.email, user.id
    assert address.endswith(".test")
    response = client.post(FORGOT, data={"email": address})
    assert response.status_code == 302, text_of(parse(response.text))
    assert [to for to, _, _ in mails] == [address]
    assert len(_reset_tokens(app, user_id)) == 1


def test_without_a_mail_server_the_mail_with_a_readable_link_goes_to_the_log(app, client, caplog):
    assert not app.config["MAIL_SERVER"]
    user_id, address = _user(app)

    with caplog.at_level(logging.WARNING, logger="reflectie.mail"):
        response = client.post(FORGOT, data={"email": address})

    assert response.status_code == 302
    records = [r for r in caplog.records if r.name == "reflectie.mail"]
    assert len(records) == 1
    logged = records[0].getMessage()
    assert address in logged
    # The administrator copies the link from the log: it must be there as one piece, not
    # quoted-printable with soft line breaks (=\n) or base64.
    match = LINK.search(logged)
    assert match, logged
    ((token_hash, used_at),) = _reset_tokens(app, user_id)
    assert token_hash == services.sha256(match.group(3)), f"link in the log is cut:\n{logged}"
    assert used_at is None
    assert get_page(client, match.group(2)) is not None


def test_the_reset_token_is_stored_only_as_its_sha256_hash(app, client, mails):
    user_id, address = _user(app)
    path = _reset_path(client, address, mails)
    token = path.rsplit("/", 1)[1]

    assert [h for h, _ in _reset_tokens(app, user_id)] == [services.sha256(token)]
    assert not database_contains(app, token)


# --- using the link ---------------------------------------------------------------------------


def test_the_link_sets_a_new_password_once_and_then_answers_410(app, client, mails):
    user_id, address = _user(app)
    path = _reset_path(client, address, mails)
    page = get_page(client, path)
    assert page.find("input", attrs={"name": "new_password"}) is not None

    response = _set_password(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Uw nieuwe wachtwoord is ingesteld. Log ermee in." in text_of(get_page(client, "/login"))
    assert _password_works(client, address, NEW_PASSWORD)
    assert not _password_works(client, address, PASSWORD)
    ((_hash, used_at),) = _reset_tokens(app, user_id)
    assert used_at is not None

    again = client.get(path)
    assert again.status_code == 410
    assert LINK_GONE in text_of(parse(again.text))
    replay = _set_password(client, path, "nog een ander wachtwoord")
    assert replay.status_code == 410
    assert LINK_GONE in text_of(parse(replay.text))
    assert _password_works(client, address, NEW_PASSWORD)


def test_an_unknown_token_answers_410(client):
    response = client.get("/wachtwoord-herstellen/" + "x" * 43)
    assert response.status_code == 410
    assert LINK_GONE in text_of(parse(response.text))


def test_the_link_works_until_password_reset_hours_have_passed(app, client, mails, time_machine):
    time_machine.move_to(datetime(2025, 3, 3, 9, 0, tzinfo=UTC), tick=False)
    _user_id, address = _user(app)
    path = _reset_path(client, address, mails)
    hours = app.config["PASSWORD_RESET_HOURS"]

    time_machine.shift(timedelta(hours=hours) - timedelta(minutes=1))
    assert client.get(path).status_code == 200

    time_machine.shift(timedelta(minutes=2))
    response = client.get(path)
    assert response.status_code == 410
    assert LINK_GONE in text_of(parse(response.text))
    refused = _set_password(client, path)
    assert refused.status_code == 410
    assert _password_works(client, address, PASSWORD)
    assert not _password_works(client, address, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("wachtwoord", "Dit wachtwoord komt voor in lijsten van veelgebruikte wachtwoorden."),
        ("zeven77", "Kies een wachtwoord van minstens 8 tekens."),
    ],
)
def test_a_weak_new_password_is_refused_and_the_old_one_still_works(
    app, client, mails, weak, message
):
    user_id, address = _user(app)
    path = _reset_path(client, address, mails)

    response = _set_password(client, path, weak)

    assert response.status_code == 200
    assert message in text_of(parse(response.text))
    ((_hash, used_at),) = _reset_tokens(app, user_id)
    assert used_at is None  # a refused attempt does not spend the link
    assert _password_works(client, address, PASSWORD)
    assert not _password_works(client, address, weak)
    assert client.get(path).status_code == 200


def test_different_passwords_in_the_two_fields_are_refused(app, client, mails):
    _user_id, address = _user(app)
    path = _reset_path(client, address, mails)
    response = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert response.status_code == 200
    assert "De wachtwoorden verschillen." in text_of(parse(response.text))
    assert _password_works(client, address, PASSWORD)


def test_a_reset_ends_every_session_of_the_user(app, login, client, mails):
    user_id, address = _user(app)
    elsewhere = login(address)
    assert _logged_in(elsewhere)
    with app.app_context():
        generation = db.session.get(User, user_id).session_generation

    assert _set_password(client, _reset_path(client, address, mails)).status_code == 302

    assert not _logged_in(elsewhere)
    assert not _logged_in(client)
    with app.app_context():
        assert db.session.get(User, user_id).session_generation == generation + 1


# --- a real SMTP server ----------------------------------------------------------------------


class _Inbox:
    """aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 - aiosmtpd hook
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    """A tiny SMTP server on 127.0.0.1 in a thread: (port, inbox)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_with_a_mail_server_the_reset_mail_goes_over_smtp(
    app, make_app, bind_app, smtp_server, caplog
):
    port, inbox = smtp_server
    mail_app = bind_app(make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_STARTTLS=False))
    with mail_app.app_context():
        user = make_user(team=make_team(), email="smtp@example.org", name="Sanne Post")
        user_id, address = user.id, user.email
    client = mail_app.test_client()

    with caplog.at_level(logging.WARNING, logger="reflectie.mail"):
        response = client.post(FORGOT, data={"email": address})

    assert response.status_code == 302
    assert [r for r in caplog.records if r.name == "reflectie.mail"] == []
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "noreply@localhost"
    assert envelope.rcpt_tos == [address]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["To"] == address
    assert message["Subject"] == "Nieuw wachtwoord voor Reflectie"
    body = message.get_content()
    assert "Beste Sanne Post," in body
    match = LINK.search(body)
    assert match, body
    ((token_hash, _used_at),) = _reset_tokens(mail_app, user_id)
    assert token_hash == services.sha256(match.group(3))
    assert _set_password(client, match.group(2)).status_code == 302
    assert _password_works(client, address, NEW_PASSWORD)
