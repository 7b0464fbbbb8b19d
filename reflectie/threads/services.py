"""Community and thread rules shared by views, API, CLI and demo. Services flush; the caller
commits. Every notification goes only to people who may read what it is about, and its
renderer checks that again when it is shown."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import joinedload

from reflectie.accounts.models import Membership, Team, User
from reflectie.audit.services import record
from reflectie.db import db, utcnow
from reflectie.errors import DomainError, Invalid, NotFound
from reflectie.methods.access import get_method_for
from reflectie.methods.models import Method
from reflectie.notifications.models import Notification
from reflectie.notifications.services import Shown, notify, register_kind
from reflectie.permissions import GRANTS, Perm
from reflectie.threads.access import (
    creatable_organisation_ids,
    get_post_for,
    get_report_for,
    get_thread_for,
    is_moderator,
    may_edit,
    may_read,
    may_read_thread,
)
from reflectie.threads.models import (
    Community,
    CommunityAccess,
    CommunityMember,
    MemberRole,
    Post,
    PostReport,
    PostRevision,
    ReportStatus,
    Thread,
    ThreadFollow,
    ThreadKwestie,
    ThreadRead,
)

MAX_TITLE = 200
MAX_TAGS = 10
MAX_TAG = 40
MAX_MENTIONS = 20  # a post names at most this many people; more are ignored
MAX_REASON = 1000
MAX_DESCRIPTION = 2000

# @handle, not inside an e-mail address or a path; handles are lower-case letters and digits.
MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9]{1,40})\b")
_QUOTE_OR_CODE = re.compile(r"^(?:>.*|    .*|\t.*)$", re.MULTILINE)
_FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


class ThreadLocked(DomainError):
    status = 409
    code = "locked"
    message = _l("Deze discussie is gesloten: er kunnen geen reacties meer bij.")


def _msg(text: Any) -> list[str]:
    return [str(text)]


def max_post_length() -> int:
    return int(current_app.config["THREADS_MAX_POST_LENGTH"])


def page_size() -> int:
    return int(current_app.config["THREADS_PAGE_SIZE"])


def _dutch_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def body_errors(body: Any) -> list[str]:
    """Messages for a post's text: empty, or longer than the maximum (with both counts)."""
    if not isinstance(body, str) or not body.strip():
        return _msg(_l("Schrijf een bericht."))
    limit = max_post_length()
    if len(body) > limit:
        return _msg(
            _l(
                "Een bericht mag hoogstens %(max)s tekens lang zijn; dit bericht telt er "
                "%(n)s. Maak het korter of verdeel het over twee berichten.",
                max=_dutch_number(limit),
                n=_dutch_number(len(body)),
            )
        )
    return []


def _clean_body(body: str) -> str:
    return body.replace("\r\n", "\n").strip()


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "leergemeenschap"


RESERVED_SLUGS = {"nieuw", "instellingen"}  # paths of their own under /leergemeenschappen/


def _unique_slug(name: str) -> str:
    base, n = slugify(name), 1
    slug = base
    while (
        slug in RESERVED_SLUGS
        or db.session.scalar(select(Community.id).where(Community.slug == slug)) is not None
    ):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _kwestie_errors(kwesties: Any) -> list[str]:
    if not isinstance(kwesties, list) or not all(
        isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 7 for k in kwesties
    ):
        return _msg(_l("Kies kwesties uit de zeven (nummers 1 tot en met 7)."))
    return []


# --- communities ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityInput:
    name: str
    description: str = ""
    access: str = CommunityAccess.ORGANISATION.value
    organisation_id: int | None = None
    kwesties: list[int] = field(default_factory=list)


def create_community(actor: User, data: CommunityInput) -> Community:
    """Start a community; its founder becomes its first moderator.

    Platform communities are for beheerders; organisation and invitation communities for the
    leercoaches, teamleiders and docenten of that organisation (Perm.COMMUNITY_CREATE).
    """
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not 3 <= len(name) <= 120:
        errors["name"] = _msg(_l("Geef een naam van 3 tot 120 tekens."))
    if len(data.description or "") > MAX_DESCRIPTION:
        errors["description"] = _msg(_l("Houd de beschrijving korter dan 2.000 tekens."))
    if kwestie_errors := _kwestie_errors(data.kwesties):
        errors["kwesties"] = kwestie_errors
    organisation_id = data.organisation_id
    try:
        access = CommunityAccess(data.access)
    except ValueError:
        access = None
        errors["access"] = _msg(_l("Kies wie de leergemeenschap kan lezen."))
    if access == CommunityAccess.PLATFORM:
        organisation_id = None
        if not actor.is_admin:
            errors["access"] = _msg(
                _l("Alleen een beheerder start een leergemeenschap voor het hele platform.")
            )
    elif access is not None and organisation_id not in creatable_organisation_ids(actor):
        errors["organisation_id"] = _msg(
            _l("Kies een organisatie waarin u leercoach, teamleider of docent bent.")
        )
    if errors:
        raise Invalid(fields=errors)
    community = Community(
        slug=_unique_slug(name),
        name=name,
        description=(data.description or "").strip(),
        access=access,
        organisation_id=organisation_id,
        kwesties=sorted(set(data.kwesties)),
        created_by_id=actor.id,
    )
    db.session.add(community)
    db.session.flush()
    db.session.add(
        CommunityMember(community_id=community.id, user_id=actor.id, role=MemberRole.MODERATOR)
    )
    db.session.flush()
    record("community.create", actor=actor, obj=community, access=str(access))
    return community


def update_community(actor: User, community: Community, data: CommunityInput) -> Community:
    """A moderator changes name, description and kwesties. The access rule stays: changing it
    would show existing posts to people their authors did not write them for."""
    if not is_moderator(actor, community):
        raise NotFound
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not 3 <= len(name) <= 120:
        errors["name"] = _msg(_l("Geef een naam van 3 tot 120 tekens."))
    if len(data.description or "") > MAX_DESCRIPTION:
        errors["description"] = _msg(_l("Houd de beschrijving korter dan 2.000 tekens."))
    if kwestie_errors := _kwestie_errors(data.kwesties):
        errors["kwesties"] = kwestie_errors
    if errors:
        raise Invalid(fields=errors)
    community.name, community.description = name, (data.description or "").strip()
    community.kwesties = sorted(set(data.kwesties))
    db.session.flush()
    record("community.update", actor=actor, obj=community)
    return community


def archive_community(actor: User, community: Community) -> Community:
    """Close a community for good: nobody reads it any more (its rows stay)."""
    if not is_moderator(actor, community):
        raise NotFound
    community.archived_at = utcnow()
    db.session.flush()
    record("community.archive", actor=actor, obj=community)
    return community


def remove_member(actor: User, community: Community, handle: str) -> None:
    """A moderator takes someone out of an invitation community (or off an open one's list)."""
    if not is_moderator(actor, community):
        raise NotFound
    user = db.session.scalar(select(User).where(User.handle == handle.strip().lstrip("@").lower()))
    member = membership_of(user, community) if user is not None else None
    if member is None or user is None or user.id == actor.id:
        raise Invalid(fields={"handle": _msg(_l("Kies een ander lid van deze leergemeenschap."))})
    db.session.delete(member)
    db.session.flush()
    record("community.remove_member", actor=actor, obj=community, user_id=user.id)


def membership_of(user: User, community: Community) -> CommunityMember | None:
    return db.session.scalar(
        select(CommunityMember).where(
            CommunityMember.community_id == community.id, CommunityMember.user_id == user.id
        )
    )


def join(actor: User, community: Community) -> CommunityMember:
    """Join an open community (and follow its new threads). Invitation communities are
    joined by invitation only."""
    if not may_read(actor, community):
        raise NotFound
    existing = membership_of(actor, community)
    if existing is not None:
        return existing
    if community.access == CommunityAccess.INVITATION:
        raise NotFound  # unreachable: reading one means being a member
    member = CommunityMember(community_id=community.id, user_id=actor.id)
    db.session.add(member)
    db.session.flush()
    return member


def leave(actor: User, community: Community) -> None:
    member = membership_of(actor, community)
    if member is None:
        return
    if community.access == CommunityAccess.INVITATION and member.role == MemberRole.MODERATOR:
        others = db.session.scalar(
            select(func.count())
            .select_from(CommunityMember)
            .where(
                CommunityMember.community_id == community.id,
                CommunityMember.role == MemberRole.MODERATOR,
                CommunityMember.user_id != actor.id,
            )
        )
        members = db.session.scalar(
            select(func.count())
            .select_from(CommunityMember)
            .where(CommunityMember.community_id == community.id)
        )
        if not others and members > 1:
            raise Invalid(
                _l("Wijs eerst een andere moderator aan: zonder moderator kan niemand uitnodigen.")
            )
    db.session.delete(member)
    db.session.flush()


def set_follow_community(actor: User, community: Community, follows: bool) -> CommunityMember:
    member = join(actor, community)
    member.follows = follows
    db.session.flush()
    return member


def _active_user_by_handle(handle: str) -> User | None:
    user = db.session.scalar(select(User).where(User.handle == handle.strip().lstrip("@").lower()))
    return user if user is not None and user.active else None


def invite(actor: User, community: Community, handle: str) -> CommunityMember:
    """A moderator adds someone (by handle) to an invitation community; they get a note."""
    if not is_moderator(actor, community):
        raise NotFound
    if community.access != CommunityAccess.INVITATION:
        raise Invalid(_l("Alleen voor een leergemeenschap op uitnodiging nodigt u mensen uit."))
    user = _active_user_by_handle(handle)
    if user is None:
        raise Invalid(fields={"handle": _msg(_l("Er is geen actief account met die naam."))})
    existing = membership_of(user, community)
    if existing is not None:
        return existing
    member = CommunityMember(community_id=community.id, user_id=user.id, invited_by_id=actor.id)
    db.session.add(member)
    db.session.flush()
    notify([user.id], INVITED, {"community_id": community.id})
    record("community.invite", actor=actor, obj=community, user_id=user.id)
    return member


def set_moderator(actor: User, community: Community, handle: str, moderator: bool) -> None:
    """Appoint (or stand down) a moderator: someone who may read the community."""
    if not is_moderator(actor, community):
        raise NotFound
    user = _active_user_by_handle(handle)
    if user is None or not may_read(user, community):
        raise Invalid(
            fields={"handle": _msg(_l("Kies iemand die deze leergemeenschap kan lezen."))}
        )
    member = membership_of(user, community)
    if member is None:
        member = CommunityMember(community_id=community.id, user_id=user.id)
        db.session.add(member)
    member.role = MemberRole.MODERATOR if moderator else MemberRole.MEMBER
    db.session.flush()
    record("community.moderator", actor=actor, obj=community, user_id=user.id, on=moderator)


def members(community: Community) -> list[CommunityMember]:
    return list(
        db.session.scalars(
            select(CommunityMember)
            .join(User, User.id == CommunityMember.user_id)
            .where(CommunityMember.community_id == community.id, User.active.is_(True))
            .order_by(User.name)
        )
    )


def moderators_of(community: Community) -> list[User]:
    """Everyone who moderates the community now (appointed, or by role)."""
    candidates: dict[int, User] = {}
    appointed = select(User).join(CommunityMember, CommunityMember.user_id == User.id)
    for user in db.session.scalars(
        appointed.where(
            CommunityMember.community_id == community.id,
            CommunityMember.role == MemberRole.MODERATOR,
        )
    ):
        candidates[user.id] = user
    if community.access == CommunityAccess.ORGANISATION:
        roles = [role for role, perms in GRANTS.items() if Perm.COMMUNITY_MODERATE in perms]
        for user in db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Team, Team.id == Membership.team_id)
            .where(Team.organisation_id == community.organisation_id, Membership.role.in_(roles))
        ):
            candidates[user.id] = user
    if community.access == CommunityAccess.PLATFORM:
        for user in db.session.scalars(select(User).where(User.is_admin.is_(True))):
            candidates[user.id] = user
    return [u for u in candidates.values() if is_moderator(u, community)]


# --- threads and posts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadInput:
    title: str
    body: str
    kwesties: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    method: str | None = None  # slug of a method everyone in the community can see
    published_case: int | None = None  # a copy published to this community (issue 7)


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = unicodedata.normalize("NFC", " ".join(str(tag).split())).lower().lstrip("#")
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _method_for(actor: User, community: Community, slug: str) -> Method:
    """A method the actor can see and every reader of the community too: a built-in one, or
    (in an organisation community) one adapted by that organisation."""
    method = get_method_for(actor, slug)
    shared = method.builtin or (
        community.access == CommunityAccess.ORGANISATION
        and method.organisation_id == community.organisation_id
    )
    if not shared:
        raise NotFound
    return method


def _published_case(community: Community, publication_id: int) -> Any:
    """The published copy `publication_id` when it is published to this community."""
    from reflectie.publishing.access import published_in_community
    from reflectie.publishing.models import Publication

    return db.session.scalar(
        published_in_community(community.id).where(Publication.id == publication_id)
    )


def published_cases(community: Community) -> list[Any]:
    """The copies a thread in this community may refer to, newest first."""
    from reflectie.publishing.access import published_in_community
    from reflectie.publishing.models import Publication

    query = published_in_community(community.id).order_by(Publication.updated_at.desc())
    return list(db.session.scalars(query.limit(100)))


def published_case_of(thread: Thread) -> Any:
    """The copy the thread refers to, while it is still published to the thread's community
    (a withdrawn copy is not shown)."""
    if thread.published_case_id is None:
        return None
    return _published_case(thread.community, thread.published_case_id)


def create_thread(actor: User, community: Community, data: ThreadInput) -> Thread:
    if not may_read(actor, community):
        raise NotFound
    errors: dict[str, list[str]] = {}
    title = " ".join((data.title or "").split()) if isinstance(data.title, str) else ""
    if not 3 <= len(title) <= MAX_TITLE:
        errors["title"] = _msg(_l("Geef de discussie een titel van 3 tot 200 tekens."))
    if body_problems := body_errors(data.body):
        errors["body"] = body_problems
    if kwestie_errors := _kwestie_errors(data.kwesties):
        errors["kwesties"] = kwestie_errors
    tags = _clean_tags(data.tags) if isinstance(data.tags, list) else []
    if (
        not isinstance(data.tags, list)
        or len(tags) > MAX_TAGS
        or any(len(t) > MAX_TAG for t in tags)
    ):
        errors["tags"] = _msg(_l("Geef hoogstens 10 labels van elk hoogstens 40 tekens."))
    method = None
    if data.method:
        try:
            method = _method_for(actor, community, data.method)
        except NotFound:
            errors["method"] = _msg(
                _l("Kies een werkvorm die iedereen in deze leergemeenschap kan zien.")
            )
    if data.published_case is not None and _published_case(community, data.published_case) is None:
        errors["published_case"] = _msg(
            _l("Kies een geanonimiseerde casus die in deze leergemeenschap is gepubliceerd.")
        )
    if errors:
        raise Invalid(fields=errors)
    now = utcnow()
    thread = Thread(
        published_case_id=data.published_case,
        community_id=community.id,
        author_id=actor.id,
        title=title,
        tags=tags,
        method_id=method.id if method else None,
        created_at=now,
        last_post_at=now,
        kwestie_links=[
            ThreadKwestie(kwestie_number=k, position=n)
            for n, k in enumerate(dict.fromkeys(data.kwesties))
        ],
    )
    db.session.add(thread)
    db.session.flush()
    post = _add_post(actor, thread, _clean_body(data.body))
    mentioned = _notify_mentions(actor, post, mentions(post.body))
    followers = db.session.scalars(
        select(User)
        .join(CommunityMember, CommunityMember.user_id == User.id)
        .where(CommunityMember.community_id == community.id, CommunityMember.follows.is_(True))
    )
    notify(
        [
            u.id
            for u in followers
            if u.id != actor.id and u.id not in mentioned and may_read_thread(u, thread)
        ],
        NEW_THREAD,
        {"thread_id": thread.id},
    )
    return thread


def _add_post(actor: User, thread: Thread, body: str) -> Post:
    post = Post(thread_id=thread.id, author_id=actor.id, body=body)
    db.session.add(post)
    db.session.flush()
    thread.last_post_at, thread.last_post_id = post.created_at, post.id
    thread.post_count = (thread.post_count or 0) + 1
    follow(actor, thread)
    mark_read(actor, thread, post.id)
    return post


def reply(actor: User, thread_id: int, body: str) -> Post:
    """Add a reply. A locked thread refuses it (moderators may still answer); mentioned
    readers get a mention, the thread's followers a reply note."""
    thread = get_thread_for(actor, thread_id)
    if thread.locked_at is not None and not is_moderator(actor, thread.community):
        raise ThreadLocked
    if problems := body_errors(body):
        raise Invalid(fields={"body": problems})
    post = _add_post(actor, thread, _clean_body(body))
    mentioned = _notify_mentions(actor, post, mentions(post.body))
    followers = db.session.scalars(
        select(User)
        .join(ThreadFollow, ThreadFollow.user_id == User.id)
        .where(ThreadFollow.thread_id == thread.id, User.id != actor.id)
    )
    notify(
        [u.id for u in followers if u.id not in mentioned and may_read_thread(u, thread)],
        REPLY,
        {"post_id": post.id},
    )
    return post


def mentions(body: str) -> list[str]:
    """The handles a text names with @, leaving out quotes and code (a quoted mention does not
    notify again). Lower-case, in order, at most MAX_MENTIONS."""
    text = _FENCED.sub("", body)
    text = _QUOTE_OR_CODE.sub("", text)
    text = re.sub(r"`[^`]*`", "", text)
    found = [m.lower() for m in MENTION.findall(text)]
    return list(dict.fromkeys(found))[:MAX_MENTIONS]


def _notify_mentions(actor: User, post: Post, handles: list[str]) -> set[int]:
    """Notify every named user who may read the thread. Nobody else learns anything: the
    author is not told who was notified, and a handle of someone without access is just text."""
    if not handles:
        return set()
    users = db.session.scalars(select(User).where(User.handle.in_(handles)))
    readers = [
        u.id for u in users if u.id != actor.id and u.active and may_read_thread(u, post.thread)
    ]
    notify(readers, MENTION_KIND, {"post_id": post.id})
    return set(readers)


def edit_post(actor: User, post_id: int, body: str) -> Post:
    """Change a post: its author (while the thread is open) or a moderator. The old text is
    kept for moderators; the post shows "bewerkt". Newly mentioned readers are notified."""
    post = get_post_for(actor, post_id)
    if not may_edit(actor, post):
        raise NotFound
    if problems := body_errors(body):
        raise Invalid(fields={"body": problems})
    body = _clean_body(body)
    if body == post.body:
        return post
    before = set(mentions(post.body))
    db.session.add(PostRevision(post_id=post.id, body=post.body, edited_by_id=actor.id))
    post.body, post.edited_at = body, utcnow()
    db.session.flush()
    _notify_mentions(actor, post, [h for h in mentions(body) if h not in before])
    if post.author_id != actor.id:
        record("post.edit_by_moderator", actor=actor, obj=post, thread_id=post.thread_id)
    return post


def revisions(actor: User, post_id: int) -> list[PostRevision]:
    post = get_post_for(actor, post_id)
    if not is_moderator(actor, post.thread.community):
        raise NotFound
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.id.desc())
        )
    )


def delete_post(actor: User, post_id: int) -> Post:
    """Soft delete: others see "verwijderd", moderators still see the text."""
    post = get_post_for(actor, post_id)
    moderator = is_moderator(actor, post.thread.community)
    if post.deleted_at is not None or not (post.author_id == actor.id or moderator):
        raise NotFound
    _remove(actor, post)
    if post.author_id != actor.id:
        record("post.delete_by_moderator", actor=actor, obj=post, thread_id=post.thread_id)
    return post


def _remove(actor: User, post: Post) -> None:
    post.deleted_at, post.deleted_by_id = utcnow(), actor.id
    for report in db.session.scalars(
        select(PostReport).where(
            PostReport.post_id == post.id, PostReport.status == ReportStatus.OPEN
        )
    ):
        report.status, report.resolved_at, report.resolved_by_id = (
            ReportStatus.REMOVED,
            utcnow(),
            actor.id,
        )
    db.session.flush()


def set_pinned(actor: User, thread_id: int, pinned: bool) -> Thread:
    thread = get_thread_for(actor, thread_id, moderate=True)
    thread.pinned_at = utcnow() if pinned else None
    db.session.flush()
    record("thread.pin" if pinned else "thread.unpin", actor=actor, obj=thread)
    return thread


def set_locked(actor: User, thread_id: int, locked: bool) -> Thread:
    thread = get_thread_for(actor, thread_id, moderate=True)
    thread.locked_at = utcnow() if locked else None
    db.session.flush()
    record("thread.lock" if locked else "thread.unlock", actor=actor, obj=thread)
    return thread


def delete_thread(actor: User, thread_id: int) -> Thread:
    thread = get_thread_for(actor, thread_id, moderate=True)
    thread.deleted_at = thread.deleted_at or utcnow()
    db.session.flush()
    record("thread.delete", actor=actor, obj=thread)
    return thread


def report_post(actor: User, post_id: int, reason: str) -> PostReport:
    """Report a post to the community's moderators, with a reason; they get a note."""
    post = get_post_for(actor, post_id)
    if post.deleted_at is not None:
        raise NotFound
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= MAX_REASON:
        raise Invalid(
            fields={"reason": _msg(_l("Beschrijf in 5 tot 1.000 tekens waarom u dit meldt."))}
        )
    already = db.session.scalar(
        select(PostReport.id).where(
            PostReport.post_id == post.id,
            PostReport.reporter_id == actor.id,
            PostReport.status == ReportStatus.OPEN,
        )
    )
    if already:
        raise Invalid(fields={"reason": _msg(_l("U heeft dit bericht al gemeld."))})
    report = PostReport(post_id=post.id, reporter_id=actor.id, reason=reason)
    db.session.add(report)
    db.session.flush()
    moderators = [u.id for u in moderators_of(post.thread.community) if u.id != actor.id]
    notify(moderators, REPORTED, {"report_id": report.id})
    return report


def open_reports(actor: User, community: Community) -> list[PostReport]:
    if not is_moderator(actor, community):
        raise NotFound
    return list(
        db.session.scalars(
            select(PostReport)
            .join(Post, Post.id == PostReport.post_id)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Thread.community_id == community.id, PostReport.status == ReportStatus.OPEN)
            .order_by(PostReport.created_at, PostReport.id)
        )
    )


def resolve_report(actor: User, report_id: int, *, remove: bool) -> PostReport:
    report = get_report_for(actor, report_id)
    if report.status != ReportStatus.OPEN:
        return report
    if remove and report.post.deleted_at is None:
        _remove(actor, report.post)
        record("post.delete_by_moderator", actor=actor, obj=report.post, report_id=report.id)
    else:
        report.status = ReportStatus.REMOVED if remove else ReportStatus.DISMISSED
        report.resolved_at, report.resolved_by_id = utcnow(), actor.id
        record("report.dismiss", actor=actor, obj=report)
    db.session.flush()
    return report


# --- follows and read state ----------------------------------------------------------------------


def is_following(user: User, thread: Thread) -> bool:
    return db.session.get(ThreadFollow, (user.id, thread.id)) is not None


def follow(user: User, thread: Thread) -> None:
    if not is_following(user, thread):
        db.session.add(ThreadFollow(user_id=user.id, thread_id=thread.id))
        db.session.flush()


def unfollow(user: User, thread: Thread) -> None:
    row = db.session.get(ThreadFollow, (user.id, thread.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def last_read(user: User, thread: Thread) -> int:
    row = db.session.get(ThreadRead, (user.id, thread.id))
    return row.last_read_post_id if row else 0


def mark_read(user: User, thread: Thread, post_id: int) -> None:
    """Everything up to `post_id` is read (read state only moves forward)."""
    row = db.session.get(ThreadRead, (user.id, thread.id))
    if row is None:
        db.session.add(ThreadRead(user_id=user.id, thread_id=thread.id, last_read_post_id=post_id))
    elif post_id > row.last_read_post_id:
        row.last_read_post_id = post_id
    db.session.flush()


def community_threads(user: User, community: Community) -> Select[tuple[Thread, int | None]]:
    """The community's threads with the user's read mark: pinned first, newest activity next.
    Moderators also see deleted threads."""
    query = (
        select(Thread, ThreadRead.last_read_post_id)
        .outerjoin(
            ThreadRead, and_(ThreadRead.thread_id == Thread.id, ThreadRead.user_id == user.id)
        )
        .where(Thread.community_id == community.id)
        .order_by(Thread.pinned_at.is_(None), Thread.last_post_at.desc(), Thread.id.desc())
    )
    if not is_moderator(user, community):
        query = query.where(Thread.deleted_at.is_(None))
    return query


def posts_query(thread: Thread) -> Select[tuple[Post]]:
    return select(Post).where(Post.thread_id == thread.id).order_by(Post.id)


def page_of_post(thread: Thread, post_id: int) -> int:
    """The page of the thread on which the post stands."""
    before = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.thread_id == thread.id, Post.id < post_id)
    )
    return before // page_size() + 1


def first_unread(user: User, thread: Thread) -> int | None:
    return db.session.scalar(
        select(func.min(Post.id)).where(
            Post.thread_id == thread.id, Post.id > last_read(user, thread)
        )
    )


def quote(post: Post) -> str:
    """Markdown quoting a post, to start a reply with."""
    lines = post.body.splitlines() or [""]
    who = post.author.handle if post.author else ""
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"> **@{who}** schreef:\n>\n{quoted}\n\n" if who else f"{quoted}\n\n"


# --- notifications -------------------------------------------------------------------------------

MENTION_KIND = "thread.mention"
REPLY = "thread.reply"
NEW_THREAD = "thread.new"
REPORTED = "thread.report"
INVITED = "community.invite"
KINDS = (MENTION_KIND, REPLY, NEW_THREAD, REPORTED, INVITED)


def _readable_post(notification: Notification, reader: User) -> Post | None:
    try:
        post = get_post_for(reader, int(notification.data["post_id"]))
    except (NotFound, KeyError, TypeError, ValueError):
        return None  # gone, or the reader may no longer read it
    return None if post.deleted_at is not None else post


def _author_name(post: Post) -> str:
    return post.author.name if post.author else str(_l("Een voormalig lid"))


def _post_notice(message: Any) -> Callable[[Notification, User], Shown | None]:
    """A renderer for a notification about one post: `message` names the author, thread and
    community; nothing shows once the reader may no longer read the post."""

    def show(notification: Notification, reader: User) -> Shown | None:
        post = _readable_post(notification, reader)
        if post is None:
            return None
        text = str(message) % {
            "name": _author_name(post),
            "title": post.thread.title,
            "community": post.thread.community.name,
        }
        return Shown(text=text, url=url_for("threads.post", post_id=post.id))

    return show


def _show_new_thread(notification: Notification, reader: User) -> Shown | None:
    try:
        thread = get_thread_for(reader, int(notification.data["thread_id"]))
    except (NotFound, KeyError, TypeError, ValueError):
        return None
    text = _l(
        "Nieuwe discussie in %(community)s: „%(title)s”.",
        community=thread.community.name,
        title=thread.title,
    )
    return Shown(text=str(text), url=url_for("threads.show", thread_id=thread.id))


def _show_report(notification: Notification, reader: User) -> Shown | None:
    try:
        report = get_report_for(reader, int(notification.data["report_id"]))
    except (NotFound, KeyError, TypeError, ValueError):
        return None
    community = report.post.thread.community
    text = _l(
        "Een bericht in „%(title)s” is gemeld bij de moderatoren van %(community)s.",
        title=report.post.thread.title,
        community=community.name,
    )
    return Shown(text=str(text), url=url_for("threads.moderation", community_slug=community.slug))


def _show_invite(notification: Notification, reader: User) -> Shown | None:
    community = db.session.get(Community, notification.data.get("community_id", 0) or 0)
    if community is None or not may_read(reader, community):
        return None
    text = _l("U bent uitgenodigd voor de leergemeenschap %(community)s.", community=community.name)
    return Shown(text=str(text), url=url_for("threads.community", community_slug=community.slug))


_POST_LOADS = (
    joinedload(Post.author).lazyload(User.memberships),  # its name only, not its teams
    joinedload(Post.thread).joinedload(Thread.community),
)
for _kind, _message in (
    (MENTION_KIND, _l("%(name)s noemde u in „%(title)s” (%(community)s).")),
    (REPLY, _l("%(name)s reageerde in „%(title)s” (%(community)s).")),
):
    register_kind(
        _kind, _post_notice(_message), refers_to=Post.id, key="post_id", options=_POST_LOADS
    )
register_kind(
    NEW_THREAD,
    _show_new_thread,
    refers_to=Thread.id,
    key="thread_id",
    options=[joinedload(Thread.community)],
)
register_kind(
    REPORTED,
    _show_report,
    refers_to=PostReport.id,
    key="report_id",
    options=[joinedload(PostReport.post).joinedload(Post.thread).joinedload(Thread.community)],
)
register_kind(INVITED, _show_invite, refers_to=Community.id, key="community_id")
