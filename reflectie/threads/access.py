"""The only ways to get community, thread, post and report rows for a user.

Who may read a community (and everything in it):
- platform: every active user of the platform;
- organisation: every active user with a team in the community's organisation;
- invitation: its members only (a beheerder too only when invited).
Who moderates: appointed moderators (members with the moderator role) who may still read it;
for an organisation community also its organisation's leercoaches, teamleiders and docenten
(Perm.COMMUNITY_MODERATE); for a platform community also the beheerders.
Missing and forbidden look the same: NotFound. A deleted thread exists for moderators only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, false, or_, select

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has
from reflectie.threads.models import (
    Community,
    CommunityAccess,
    CommunityMember,
    MemberRole,
    Post,
    PostReport,
    Thread,
)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


def organisation_ids(user: User) -> set[int]:
    """Organisations the user works in (through any team)."""
    return {m.team.organisation_id for m in user.memberships}


def _membership(user: User, community_id: int) -> CommunityMember | None:
    return db.session.scalar(
        select(CommunityMember).where(
            CommunityMember.community_id == community_id, CommunityMember.user_id == user.id
        )
    )


def may_read(user: Any, community: Community) -> bool:
    if not _active(user) or community.archived_at is not None:
        return False
    if community.access == CommunityAccess.PLATFORM:
        return True
    if community.access == CommunityAccess.ORGANISATION:
        return community.organisation_id in organisation_ids(user)
    return _membership(user, community.id) is not None


def is_moderator(user: Any, community: Community) -> bool:
    if not may_read(user, community):
        return False
    if community.access == CommunityAccess.PLATFORM and user.is_admin:
        return True
    if community.access == CommunityAccess.ORGANISATION and any(
        m.team.organisation_id == community.organisation_id
        and has(user, Perm.COMMUNITY_MODERATE, team_id=m.team_id)
        for m in user.memberships
    ):
        return True
    membership = _membership(user, community.id)
    return membership is not None and membership.role == MemberRole.MODERATOR


def creatable_organisation_ids(user: Any) -> set[int]:
    """Organisations for which `user` may start an organisation or invitation community."""
    if not _active(user):
        return set()
    return {
        m.team.organisation_id
        for m in user.memberships
        if has(user, Perm.COMMUNITY_CREATE, team_id=m.team_id)
    }


def may_create(user: Any) -> bool:
    return bool(creatable_organisation_ids(user)) or (_active(user) and user.is_admin)


def _readable_clause(user: Any) -> Any:
    if not _active(user):
        return false()
    invited = select(CommunityMember.community_id).where(CommunityMember.user_id == user.id)
    return and_(
        Community.archived_at.is_(None),
        or_(
            Community.access == CommunityAccess.PLATFORM,
            and_(
                Community.access == CommunityAccess.ORGANISATION,
                Community.organisation_id.in_(organisation_ids(user)),
            ),
            and_(Community.access == CommunityAccess.INVITATION, Community.id.in_(invited)),
        ),
    )


def visible_communities(user: Any) -> Select[tuple[Community]]:
    return select(Community).where(_readable_clause(user))


def get_community_for(user: Any, slug: str, *, moderate: bool = False) -> Community:
    community = db.session.scalar(select(Community).where(Community.slug == slug))
    if community is None or not may_read(user, community):
        raise NotFound
    if moderate and not is_moderator(user, community):
        raise NotFound
    return community


def visible_threads(user: Any) -> Select[tuple[Thread]]:
    """Threads (not deleted) of every community the user may read."""
    return (
        select(Thread)
        .join(Community, Community.id == Thread.community_id)
        .where(Thread.deleted_at.is_(None), _readable_clause(user))
    )


def get_thread_for(user: Any, thread_id: int, *, moderate: bool = False) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None or not may_read(user, thread.community):
        raise NotFound
    if (moderate or thread.deleted_at is not None) and not is_moderator(user, thread.community):
        raise NotFound
    return thread


def may_read_thread(user: Any, thread: Thread) -> bool:
    try:
        get_thread_for(user, thread.id)
    except NotFound:
        return False
    return True


def get_post_for(user: Any, post_id: int) -> Post:
    """A post of a thread the user may read (a deleted post too: the caller decides what of
    it to show)."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound
    get_thread_for(user, post.thread_id)
    return post


def may_edit(user: Any, post: Post) -> bool:
    if post.deleted_at is not None:
        return False
    if post.author_id == user.id and post.thread.locked_at is None:
        return True
    return is_moderator(user, post.thread.community)


def get_report_for(user: Any, report_id: int) -> PostReport:
    report = db.session.get(PostReport, report_id)
    if report is None:
        raise NotFound
    get_thread_for(user, report.post.thread_id, moderate=True)
    return report
