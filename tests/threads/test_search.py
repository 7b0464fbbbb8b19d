"""Threads in search: the document provider's principals and its re-check through access."""

from __future__ import annotations

import pytest
from flask import Flask

from reflectie.permissions import Role
from reflectie.search.registry import providers
from reflectie.threads import services
from reflectie.threads.models import CommunityAccess
from tests.factories import make_org, make_team, make_user
from tests.threads.factories import make_community, make_reply, make_thread


@pytest.fixture
def request_ctx(app: Flask):
    with app.test_request_context():
        yield


def test_documents_carry_the_principals_of_their_community(request_ctx):
    provider = providers()["thread"]
    org = make_org()
    coach = make_user(team=make_team(organisation=org), role=Role.LEERCOACH)
    outsider = make_user(team=make_team(), role=Role.LID)
    kinds = {
        CommunityAccess.ORGANISATION: f"org:{org.id}",
        CommunityAccess.PLATFORM: "users",
    }
    threads = {}
    for kind in CommunityAccess:
        founder = make_user(admin=True) if kind == CommunityAccess.PLATFORM else coach
        community = make_community(founder=founder, organisation=org, access=kind, name=kind)
        thread = make_thread(community, founder, title=f"Over {kind}", body="Eerste")
        make_reply(thread, founder, "Tweede")
        threads[kind] = thread
    invitation = threads[CommunityAccess.INVITATION]
    kinds[CommunityAccess.INVITATION] = f"community:{invitation.community_id}"
    docs = provider.load([t.id for t in threads.values()])
    for kind, thread in threads.items():
        assert docs[thread.id].principals == {kinds[kind]}
        assert "Eerste" in docs[thread.id].body
        assert "Tweede" in docs[thread.id].body
    assert f"community:{invitation.community_id}" in provider.reader_principals(coach)
    assert f"community:{invitation.community_id}" not in provider.reader_principals(outsider)
    assert f"org:{org.id}" not in provider.reader_principals(outsider)
    # The re-check: the outsider sees only the platform thread.
    visible = provider.visible(outsider, [t.id for t in threads.values()])
    assert set(visible) == {threads[CommunityAccess.PLATFORM].id}


def test_deleted_posts_and_threads_leave_the_index(request_ctx):
    provider = providers()["thread"]
    coach = make_user(team=make_team(), role=Role.LEERCOACH)
    community = make_community(founder=coach)
    thread = make_thread(community, coach, body="Blijft")
    post = make_reply(thread, coach, "Verdwijnt")
    services.delete_post(coach, post.id)
    assert "Verdwijnt" not in provider.load([thread.id])[thread.id].body
    services.delete_thread(coach, thread.id)
    assert provider.load([thread.id]) == {}
    assert list(provider.keys_for(post)) == [thread.id]
