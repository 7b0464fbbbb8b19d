"""The daily e-mail digest: off by default, titles and links only, readable things only, once
a day, through `reflectie threads digest`."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from reflectie.accounts import services as accounts
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.threads.models import DigestSetting
from tests.factories import make_org, make_team, make_user
from tests.threads.factories import make_community, make_reply, make_thread


@pytest.fixture
def mentioned(app: Flask) -> dict:
    """Two readers mentioned in a thread; one has the digest on, the other not."""
    with app.app_context():
        org = make_org()
        coach = make_user(team=make_team(organisation=org), role=Role.LEERCOACH, name="Coach")
        keen = make_user(team=make_team(organisation=org), name="Digest Aan")
        quiet = make_user(team=make_team(organisation=org), name="Digest Uit")
        community = make_community(founder=coach, organisation=org, name="Schulden")
        thread = make_thread(community, coach, title="Beslagvrije voet", body="Geheime tekst")
        make_reply(thread, coach, f"@{keen.handle} @{quiet.handle} kijk eens: Geheime tekst 2")
        db.session.add(DigestSetting(user_id=keen.id, enabled=True))
        db.session.commit()
        return {"keen": keen.email, "quiet": quiet.email, "keen_id": keen.id}


def _digest(app: Flask):
    return app.test_cli_runner().invoke(args=["threads", "digest"])


def _mails(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "leergemeenschappen" in r.getMessage()]


def test_only_users_who_switched_it_on_get_titles_and_links_once_a_day(app, mentioned, caplog):
    with caplog.at_level(logging.WARNING, logger="reflectie.mail"):
        result = _digest(app)
    assert result.exit_code == 0, result.output
    assert "1 digest(s) sent" in result.output
    [mail] = _mails(caplog)
    assert mentioned["keen"] in mail
    assert mentioned["quiet"] not in mail
    assert "Coach noemde u in „Beslagvrije voet” (Schulden)." in mail
    assert "http://127.0.0.1:5000/berichten/" in mail
    assert "Geheime tekst" not in mail  # never the text of posts
    caplog.clear()
    assert "0 digest(s) sent" in _digest(app).output  # not twice a day


def test_nothing_is_mailed_about_a_thread_the_reader_can_no_longer_read(app, mentioned, caplog):
    with app.app_context():
        user = accounts.get_user_by_email(mentioned["keen"])
        accounts.remove_membership(make_user(admin=True), user.memberships[0])
        db.session.commit()
    with caplog.at_level(logging.WARNING, logger="reflectie.mail"):
        assert "0 digest(s) sent" in _digest(app).output
    assert _mails(caplog) == []


def test_the_digest_is_off_by_default(app, mentioned):
    with app.app_context():
        quiet = accounts.get_user_by_email(mentioned["quiet"])
        assert db.session.get(DigestSetting, quiet.id) is None


def test_a_moment_without_time_zone_is_refused(app):
    result = app.test_cli_runner().invoke(args=["threads", "digest", "--now", "2027-03-29T07:00"])
    assert result.exit_code != 0
    assert "time zone" in result.output
