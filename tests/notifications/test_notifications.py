"""The notifications page and the header's count: only what the reader may still follow, and
a page of them costs the same few queries however many there are."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.notifications.services import notify
from reflectie.permissions import Role
from reflectie.threads.models import CommunityAccess, CommunityMember, Thread
from reflectie.threads.services import REPLY
from tests.factories import make_org, make_team, make_user
from tests.pages import get_page
from tests.threads.factories import make_community, make_reply, make_thread


@pytest.fixture
def world(app: Flask) -> dict:
    with app.app_context():
        org = make_org()
        team = make_team(organisation=org)
        coach = make_user(team=team, role=Role.LEERCOACH, name="Anouk Coach")
        lid = make_user(team=team, role=Role.LID, name="Samira Lid")
        open_community = make_community(founder=coach, organisation=org, name="Open")
        closed = make_community(
            founder=coach, organisation=org, access=CommunityAccess.INVITATION, name="Besloten"
        )
        db.session.add(CommunityMember(community_id=closed.id, user_id=lid.id, follows=False))
        db.session.commit()
        return {
            "coach": coach.email,
            "lid": lid.email,
            "lid_id": lid.id,
            "open": open_community.id,
            "closed": closed.id,
        }


def _reply_notes(app: Flask, world: dict, community_key: str, count: int) -> None:
    """`count` replies by the coach, each in its own thread, each noted for the lid."""
    with app.app_context():
        from reflectie.threads.models import Community

        community = db.session.get(Community, world[community_key])
        coach = db.session.scalar(db.select(User).where(User.email == world["coach"]))
        for n in range(count):
            thread = make_thread(community, coach, title=f"Vraag {community_key} {n}")
            post = make_reply(thread, coach, f"Antwoord {n}")
            notify([world["lid_id"]], REPLY, {"post_id": post.id})
        db.session.commit()


def _unread_badge(client) -> str | None:
    badge = get_page(client, "/").find(attrs={"data-unread": True})
    return badge.contents[0].strip() if badge else None


def test_the_count_and_the_page_leave_out_what_the_reader_can_no_longer_follow(app, login, world):
    _reply_notes(app, world, "open", 1)
    _reply_notes(app, world, "closed", 2)
    lid = login(world["lid"])
    assert _unread_badge(lid) == "3"
    assert len(get_page(lid, "/meldingen").select("li.notification")) == 3

    with app.app_context():  # the lid leaves the invitation community
        db.session.execute(
            delete(CommunityMember).where(CommunityMember.user_id == world["lid_id"])
        )
        db.session.commit()
    assert _unread_badge(lid) == "1"
    items = get_page(lid, "/meldingen").select("li.notification")
    assert len(items) == 1
    assert "Besloten" not in items[0].get_text()


def test_a_page_of_notifications_needs_no_query_per_notification(app, login, world, count_queries):
    lid = login(world["lid"])

    def queries() -> int:
        with count_queries() as sql:
            assert lid.get("/meldingen").status_code == 200
        return len(sql)

    _reply_notes(app, world, "open", 2)
    few = queries()
    _reply_notes(app, world, "open", 12)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Thread)) == 14
    assert queries() == few
