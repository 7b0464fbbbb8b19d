"""Threads, replies, mentions, notifications, moderation and read state (services)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.notifications import services as notes
from reflectie.notifications.models import Notification
from reflectie.permissions import Role
from reflectie.threads import access, services
from reflectie.threads.models import CommunityAccess, PostRevision, ReportStatus
from tests.factories import make_org, make_team, make_user
from tests.threads.factories import make_community, make_reply, make_thread


@pytest.fixture
def world(app: Flask):
    """An organisation community of org A; a lid, a coach (moderator by role) and an
    outsider of org B. Runs inside a request context: notification renderers build URLs."""
    with app.test_request_context():
        org = make_org()
        team = make_team(organisation=org)
        coach = make_user(team=team, role=Role.LEERCOACH, name="Anouk Coach")
        lid = make_user(team=team, role=Role.LID, name="Samira Lid")
        colleague = make_user(team=make_team(organisation=org), role=Role.LID, name="Joost")
        outsider = make_user(team=make_team(), role=Role.LEERCOACH, name="Buiten Staander")
        community = make_community(founder=coach, organisation=org)
        yield {
            "org": org,
            "coach": coach,
            "lid": lid,
            "colleague": colleague,
            "outsider": outsider,
            "community": community,
        }


def _notes(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def test_a_mention_notifies_a_reader_with_a_link_to_the_post(world):
    thread = make_thread(world["community"], world["lid"])
    post = make_reply(thread, world["coach"], f"Wat denk jij, @{world['colleague'].handle}?")
    [note] = _notes(world["colleague"], services.MENTION_KIND)
    shown = notes.shown(note, world["colleague"])
    assert "Anouk Coach noemde u in" in shown.text
    assert shown.url == f"/berichten/{post.id}"


def test_a_mention_of_someone_without_access_notifies_no_one_and_leaks_nothing(world):
    thread = make_thread(world["community"], world["lid"])
    before = db.session.scalar(select(db.func.count()).select_from(Notification))
    post = make_reply(thread, world["coach"], f"Ken jij dit, @{world['outsider'].handle}?")
    assert _notes(world["outsider"]) == []
    # Nobody else got a mention in their place; the thread's author got only the reply note.
    after = db.session.scalars(select(Notification)).all()
    assert len(after) == before + 1
    assert [n.kind for n in after[-1:]] == [services.REPLY]
    # The stored post is the text as written: no link, no name, nothing that tells the author
    # whether the handle exists or has access.
    assert post.body.endswith(f"@{world['outsider'].handle}?")


def test_a_mention_of_an_unknown_handle_and_of_oneself_is_just_text(world):
    thread = make_thread(world["community"], world["lid"])
    make_reply(thread, world["coach"], f"@bestaatniet en @{world['coach'].handle}")
    assert _notes(world["coach"], services.MENTION_KIND) == []


def test_a_quoted_mention_does_not_notify_again(world):
    thread = make_thread(world["community"], world["lid"])
    first = make_reply(thread, world["coach"], f"@{world['colleague'].handle} kijk eens")
    services.unfollow(world["colleague"], thread)
    make_reply(thread, world["lid"], services.quote(first) + "Eens!")
    assert len(_notes(world["colleague"], services.MENTION_KIND)) == 1


def test_mentions_skip_code_and_email_addresses():
    assert services.mentions("mail a@b.nl of `@code` en\n\n    @ingesprongen\n@echt") == ["echt"]


def test_followers_hear_of_replies_but_never_of_threads_they_cannot_read(world):
    thread = make_thread(world["community"], world["lid"])
    services.follow(world["outsider"], thread)  # as if they followed before leaving the org
    make_reply(thread, world["coach"], "Een antwoord.")
    assert len(_notes(world["lid"], services.REPLY)) == 1
    assert _notes(world["outsider"]) == []


def test_community_followers_hear_of_new_threads(world):
    services.join(world["colleague"], world["community"])
    make_thread(world["community"], world["lid"])
    assert len(_notes(world["colleague"], services.NEW_THREAD)) == 1


def test_a_notification_disappears_when_its_reader_loses_access(world):
    from reflectie.accounts import services as accounts

    thread = make_thread(world["community"], world["coach"])
    make_reply(thread, world["coach"], f"@{world['lid'].handle} wat vind jij?")
    [note] = _notes(world["lid"], services.MENTION_KIND)
    assert notes.shown(note, world["lid"]) is not None
    accounts.remove_membership(world["coach"], world["lid"].memberships[0])
    db.session.expire(world["lid"])
    assert notes.shown(note, world["lid"]) is None


def test_a_locked_thread_refuses_replies_but_moderators_may_answer(world):
    thread = make_thread(world["community"], world["lid"])
    services.set_locked(world["coach"], thread.id, True)
    with pytest.raises(services.ThreadLocked):
        services.reply(world["colleague"], thread.id, "Nog één ding")
    assert services.reply(world["coach"], thread.id, "Gesloten omdat het af is.").id
    with pytest.raises(NotFound):
        services.set_locked(world["lid"], thread.id, False)  # only moderators


def test_pinned_threads_come_first_then_the_newest_activity(world):
    community = world["community"]
    old = make_thread(community, world["lid"], title="Oude vraag")
    newer = make_thread(community, world["lid"], title="Nieuwere vraag")
    pinned = make_thread(community, world["lid"], title="Huisregels")
    services.set_pinned(world["coach"], pinned.id, True)
    make_reply(old, world["coach"], "Nieuw leven in een oude vraag.")
    rows = db.session.execute(services.community_threads(world["lid"], community)).all()
    assert [t.title for t, _read in rows] == ["Huisregels", "Oude vraag", "Nieuwere vraag"]
    assert newer.id


def test_editing_marks_the_post_and_keeps_its_history_for_moderators(world):
    thread = make_thread(world["community"], world["lid"], body="Eerste versie")
    post = db.session.scalar(services.posts_query(thread))
    services.edit_post(world["lid"], post.id, "Tweede versie")
    assert post.edited_at is not None
    assert [r.body for r in services.revisions(world["coach"], post.id)] == ["Eerste versie"]
    with pytest.raises(NotFound):
        services.revisions(world["colleague"], post.id)
    with pytest.raises(NotFound):
        services.edit_post(world["colleague"], post.id, "Niet van mij")
    assert db.session.scalar(select(db.func.count()).select_from(PostRevision)) >= 1


def test_a_deleted_post_is_soft_deleted_and_moderators_still_see_it(world):
    thread = make_thread(world["community"], world["lid"])
    post = make_reply(thread, world["colleague"], "Toch maar niet")
    with pytest.raises(NotFound):
        services.delete_post(world["lid"], post.id)  # not hers
    services.delete_post(world["colleague"], post.id)
    assert post.deleted_at is not None
    assert access.get_post_for(world["coach"], post.id).body == "Toch maar niet"


def test_reporting_a_post_fills_the_moderation_queue_and_notifies_moderators(world):
    thread = make_thread(world["community"], world["lid"])
    post = make_reply(thread, world["colleague"], "Meneer Jansen uit de Kerkstraat 12 ...")
    with pytest.raises(Invalid):
        services.report_post(world["lid"], post.id, "")
    report = services.report_post(world["lid"], post.id, "Herleidbare gegevens van een cliënt")
    with pytest.raises(Invalid):
        services.report_post(world["lid"], post.id, "Nog een keer gemeld")
    assert services.open_reports(world["coach"], world["community"]) == [report]
    assert len(_notes(world["coach"], services.REPORTED)) == 1
    with pytest.raises(NotFound):
        services.open_reports(world["lid"], world["community"])
    services.resolve_report(world["coach"], report.id, remove=True)
    assert report.status == ReportStatus.REMOVED
    assert post.deleted_at is not None
    assert services.open_reports(world["coach"], world["community"]) == []


def test_the_read_mark_and_the_first_unread_post(world):
    thread = make_thread(world["community"], world["lid"])
    assert services.first_unread(world["lid"], thread) is None  # her own post counts as read
    second = make_reply(thread, world["coach"], "Twee")
    make_reply(thread, world["coach"], "Drie")
    assert services.first_unread(world["lid"], thread) == second.id
    services.mark_read(world["lid"], thread, second.id)
    services.mark_read(world["lid"], thread, 1)  # read state never moves back
    assert services.last_read(world["lid"], thread) == second.id


def test_a_post_longer_than_the_maximum_gets_a_clear_dutch_message(world, app, monkeypatch):
    thread = make_thread(world["community"], world["lid"])
    monkeypatch.setitem(app.config, "THREADS_MAX_POST_LENGTH", 50)
    with pytest.raises(Invalid) as err:
        services.reply(world["coach"], thread.id, "x" * 51)
    assert err.value.fields["body"] == [
        "Een bericht mag hoogstens 50 tekens lang zijn; dit bericht telt er 51. Maak het "
        "korter of verdeel het over twee berichten."
    ]


def test_a_thread_may_refer_to_a_shared_method_but_not_to_an_unseen_one(world):
    from reflectie.methods import services as methods

    community = world["community"]
    data = services.ThreadInput(
        title="Ervaringen", body="Wie gebruikt dit?", method="dilemmamethode"
    )
    assert services.create_thread(world["lid"], community, data).method.slug == "dilemmamethode"
    other_org_copy = methods.copy_method(
        world["outsider"], "dilemmamethode", world["outsider"].memberships[0].team.organisation_id
    )
    with pytest.raises(Invalid) as err:
        services.create_thread(
            world["lid"],
            community,
            services.ThreadInput(title="Ervaringen", body="x", method=other_org_copy.slug),
        )
    assert "method" in err.value.fields


def test_invitation_communities_grow_by_invitation_only(world):
    community = make_community(founder=world["coach"], access=CommunityAccess.INVITATION)
    with pytest.raises(NotFound):
        services.join(world["lid"], community)
    services.invite(world["coach"], community, world["outsider"].handle)
    assert access.may_read(world["outsider"], community)
    assert len(_notes(world["outsider"], services.INVITED)) == 1
    with pytest.raises(NotFound):
        services.invite(world["outsider"], community, world["lid"].handle)  # not a moderator
    with pytest.raises(Invalid):
        services.leave(world["coach"], community)  # the last moderator with members left
    services.leave(world["outsider"], community)
    assert not access.may_read(world["outsider"], community)
