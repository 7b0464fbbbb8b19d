"""Who may read and who moderates each kind of community, for every role (issue 6, R-03)."""

from __future__ import annotations

import pytest

from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Role
from reflectie.threads import access, services
from reflectie.threads.models import CommunityAccess
from tests.factories import make_org, make_team, make_user
from tests.threads.factories import make_community, make_thread

pytestmark = pytest.mark.usefixtures("ctx")

KINDS = list(CommunityAccess)

# (who) -> {kind: (may read, moderates)}; the community belongs to organisation "own".
EXPECTED = {
    "lid": {"organisation": (True, False), "platform": (True, False), "invitation": (False, False)},
    "leercoach": {
        "organisation": (True, True), "platform": (True, False), "invitation": (False, False),
    },
    "teamleider": {
        "organisation": (True, True), "platform": (True, False), "invitation": (False, False),
    },
    "docent": {
        "organisation": (True, True), "platform": (True, False), "invitation": (False, False),
    },
    "student": {
        "organisation": (True, False), "platform": (True, False), "invitation": (False, False),
    },
    "other_org_leercoach": {
        "organisation": (False, False), "platform": (True, False), "invitation": (False, False),
    },
    "beheerder": {
        "organisation": (False, False), "platform": (True, True), "invitation": (False, False),
    },
    "invited_lid_of_other_org": {
        "organisation": (False, False), "platform": (True, False), "invitation": (True, False),
    },
    "appointed_moderator": {
        "organisation": (True, True), "platform": (True, True), "invitation": (True, True),
    },
    "deactivated_leercoach": {
        "organisation": (False, False), "platform": (False, False), "invitation": (False, False),
    },
}  # fmt: skip


def _person(who: str, own_org, community):
    if who in {"lid", "leercoach", "teamleider", "docent", "student"}:
        return make_user(team=make_team(organisation=own_org), role=Role(who))
    if who == "other_org_leercoach":
        return make_user(team=make_team(), role=Role.LEERCOACH)
    if who == "beheerder":
        return make_user(admin=True)
    if who == "invited_lid_of_other_org":
        user = make_user(team=make_team(), role=Role.LID)
        if community.access == CommunityAccess.INVITATION:
            founder = community_founder(community)
            services.invite(founder, community, user.handle)
        return user
    if who == "appointed_moderator":
        user = make_user(team=make_team(organisation=own_org), role=Role.LID)
        if community.access == CommunityAccess.INVITATION:
            services.invite(community_founder(community), community, user.handle)
        services.set_moderator(community_founder(community), community, user.handle, True)
        return user
    if who == "deactivated_leercoach":
        user = make_user(team=make_team(organisation=own_org), role=Role.LEERCOACH)
        if community.access == CommunityAccess.INVITATION:
            services.invite(community_founder(community), community, user.handle)
        user.active = False
        return user
    raise AssertionError(who)


def community_founder(community):
    from reflectie.accounts.models import User

    return db.session.get(User, community.created_by_id)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_reads_and_moderates_exactly_as_documented(who, kind):
    own_org = make_org()
    founder = (
        make_user(admin=True)
        if kind == CommunityAccess.PLATFORM
        else make_user(team=make_team(organisation=own_org), role=Role.LEERCOACH)
    )
    community = make_community(founder=founder, organisation=own_org, access=kind)
    thread = make_thread(community, founder)
    user = _person(who, own_org, community)
    db.session.flush()
    may_read, moderates = EXPECTED[who][kind.value]
    assert access.may_read(user, community) is may_read
    assert access.is_moderator(user, community) is moderates
    # The row loaders agree with the rule, and list queries too.
    visible = db.session.scalars(access.visible_communities(user)).all()
    assert (community in visible) is may_read
    assert (thread in db.session.scalars(access.visible_threads(user)).all()) is may_read
    if may_read:
        assert access.get_thread_for(user, thread.id) == thread
    else:
        with pytest.raises(NotFound):
            access.get_community_for(user, community.slug)
        with pytest.raises(NotFound):
            access.get_thread_for(user, thread.id)
        with pytest.raises(NotFound):
            services.reply(user, thread.id, "Mag ik meedoen?")


def test_only_beheerders_start_platform_communities_and_coaches_their_organisations():
    org = make_org()
    lid = make_user(team=make_team(organisation=org), role=Role.LID)
    coach = make_user(team=make_team(organisation=org), role=Role.LEERCOACH)
    admin = make_user(admin=True)
    assert not access.may_create(lid)
    assert access.may_create(coach)
    assert access.may_create(admin)
    data = services.CommunityInput(name="Landelijk", access="platform")
    with pytest.raises(services.Invalid) as err:
        services.create_community(coach, data)
    assert "access" in err.value.fields
    assert services.create_community(admin, data).organisation_id is None
    other = make_org()
    with pytest.raises(services.Invalid) as err:
        services.create_community(
            coach, services.CommunityInput(name="Elders", organisation_id=other.id)
        )
    assert "organisation_id" in err.value.fields


def test_a_user_who_leaves_the_organisation_loses_the_community():
    org = make_org()
    team = make_team(organisation=org)
    user = make_user(team=team, role=Role.LID)
    community = make_community(organisation=org)
    assert access.may_read(user, community)
    from reflectie.accounts import services as accounts

    accounts.remove_membership(make_user(admin=True), user.memberships[0])
    db.session.flush()
    db.session.expire(user)
    assert not access.may_read(user, community)


def test_an_archived_community_is_gone_for_everyone():
    from reflectie.db import utcnow

    community = make_community(access=CommunityAccess.PLATFORM)
    community.archived_at = utcnow()
    db.session.flush()
    assert not access.may_read(make_user(admin=True), community)
