"""A user's own data as JSON (AVG article 15 and 20; R-25).

Only what is about the user or by the user. What they wrote themselves (posts, reactions,
evaluations, answers, questions) is theirs to take along; what belongs to a team (case text,
meeting records, copies of cases) only while they are still in that team and may read it: a
member who left takes none of its text along, and one without a geheimhoudingsverklaring
(R-28) no case text. Nothing of another user's records is included.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import ApiToken, User
from reflectie.audit.models import AuditEvent
from reflectie.audit.services import record
from reflectie.cases.access import listed_cases, readable_team_ids, visible_cases
from reflectie.cases.models import Case, CaseComment, CaseDraft
from reflectie.cases.services import case_json
from reflectie.db import db
from reflectie.methods.models import Method
from reflectie.notifications.models import Notification
from reflectie.notifications.services import notifications_of, render_all
from reflectie.publishing import access as publishing_access
from reflectie.publishing.models import Publication
from reflectie.sessions.access import visible_meetings
from reflectie.sessions.models import (
    CalendarFeed,
    Meeting,
    MeetingEvaluation,
    MeetingOutcome,
    OutcomeKind,
)
from reflectie.teaching.models import Answer, Assignment, Collection
from reflectie.threads.access import visible_threads
from reflectie.threads.models import CommunityMember, Post, PostReport, PostRevision, Thread


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _all(query: Any) -> list[Any]:
    return list(db.session.scalars(query))


def export_personal_data(user: User) -> dict[str, Any]:
    """Everything the platform holds about `user` that they may see. The export is audited."""
    data = {
        "profile": _profile(user),
        "memberships": [
            {
                "team": m.team.name,
                "organisation": m.team.organisation.name,
                "role": str(m.role),
                "since": _iso(m.created_at),
            }
            for m in user.memberships
        ],
        **_cases(user),
        **_meetings(user),
        **_community(user),
        "notifications": _notifications(user),
        "publications": _publications(user),
        **_teaching(user),
        "methods": [
            {"slug": m.slug, "name": m.name, "created_at": _iso(m.created_at)}
            for m in _all(select(Method).where(Method.created_by_id == user.id).order_by(Method.id))
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in _all(select(ApiToken).where(ApiToken.user_id == user.id))
        ],
        "calendar_feeds": [
            {
                "series_id": f.series_id,
                "created_at": _iso(f.created_at),
                "last_used_at": _iso(f.last_used_at),
            }
            for f in _all(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
        ],
        **_audit(user),
    }
    record("account.export", actor=user, obj=user)
    return data


def _profile(user: User) -> dict[str, Any]:
    agreement = user.confidentiality_agreement
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "handle": user.handle,
        "locale": user.locale,
        "is_admin": user.is_admin,
        "two_step_verification": user.totp_enabled,
        "employment_status": str(user.employment_status),
        "confidentiality_agreement": (
            {
                "signed_on": _iso(agreement.signed_on),
                "version": agreement.version,
                "recorded_at": _iso(agreement.recorded_at),
            }
            if agreement is not None
            else None
        ),
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
    }


def _cases(user: User) -> dict[str, Any]:
    readable = visible_cases(user).with_only_columns(Case.id)
    # Cases they wrote in a team they are still in; the text only if they may read it.
    written = _all(listed_cases(user).where(Case.author_id == user.id).order_by(Case.id))
    text_ids = set(db.session.scalars(readable.where(Case.author_id == user.id)))
    # Reactions are their own words, on cases of the teams they are still in.
    comments = _all(
        select(CaseComment)
        .where(
            CaseComment.author_id == user.id,
            CaseComment.case_id.in_(listed_cases(user).with_only_columns(Case.id)),
        )
        .order_by(CaseComment.id)
    )
    drafts = _all(
        select(CaseDraft)
        .where(
            CaseDraft.user_id == user.id,
            CaseDraft.team_id.in_(readable_team_ids(user)),
            or_(CaseDraft.case_id.is_(None), CaseDraft.case_id.in_(readable)),
        )
        .order_by(CaseDraft.id)
    )
    return {
        "cases": [
            {
                "id": c.id,
                "team": c.team.name,
                "status": str(c.status),
                "created_at": _iso(c.created_at),
                **(case_json(c) if c.id in text_ids else {"title": c.title}),
            }
            for c in written
        ],
        "case_drafts": [
            {"case_id": d.case_id, "updated_at": _iso(d.updated_at), "text": d.data} for d in drafts
        ],
        "comments": [
            {"case_id": c.case_id, "body": c.body, "created_at": _iso(c.created_at)}
            for c in comments
        ],
    }


def _meetings(user: User) -> dict[str, Any]:
    # Action items are the team's record: only of the teams they are still in.
    meeting_ids = visible_meetings(user).with_only_columns(Meeting.id)
    actions = _all(
        select(MeetingOutcome)
        .where(
            MeetingOutcome.owner_id == user.id,
            MeetingOutcome.kind == OutcomeKind.ACTIEPUNT,
            MeetingOutcome.meeting_id.in_(meeting_ids),
        )
        .options(selectinload(MeetingOutcome.meeting))
        .order_by(MeetingOutcome.id)
    )
    evaluations = _all(
        select(MeetingEvaluation)
        .where(MeetingEvaluation.user_id == user.id)
        .order_by(MeetingEvaluation.id)
    )
    return {
        "action_items": [
            {
                "meeting_id": a.meeting_id,
                "meeting_starts_at": _iso(a.meeting.starts_at),
                "text": a.text,
                "due_on": _iso(a.due_on),
                "done_at": _iso(a.done_at),
                "done_note": a.done_note,
            }
            for a in actions
        ],
        "meeting_evaluations": [
            {
                "meeting_id": e.meeting_id,
                "scores": e.scores,
                "remark": e.remark,
                "created_at": _iso(e.created_at),
            }
            for e in evaluations
        ],
    }


def _community(user: User) -> dict[str, Any]:
    """Their posts and reports are their own words, wherever they wrote them; a thread's title
    only when the thread is theirs or they can still read it."""
    readable = set(db.session.scalars(visible_threads(user).with_only_columns(Thread.id)))
    own_threads = _all(select(Thread).where(Thread.author_id == user.id).order_by(Thread.id))
    posts = _all(
        select(Post)
        .where(Post.author_id == user.id)
        .options(selectinload(Post.thread))
        .order_by(Post.id)
    )
    revisions: dict[int, list[PostRevision]] = {}
    for revision in _all(
        select(PostRevision)
        .where(PostRevision.post_id.in_([p.id for p in posts]))
        .order_by(PostRevision.id)
    ):
        revisions.setdefault(revision.post_id, []).append(revision)
    memberships = _all(
        select(CommunityMember)
        .where(CommunityMember.user_id == user.id)
        .options(selectinload(CommunityMember.community))
        .order_by(CommunityMember.id)
    )
    reports = _all(
        select(PostReport).where(PostReport.reporter_id == user.id).order_by(PostReport.id)
    )

    def title(thread: Thread) -> str | None:
        return thread.title if thread.author_id == user.id or thread.id in readable else None

    return {
        "communities": [
            {
                "community": m.community.name,
                "role": str(m.role),
                "follows": m.follows,
                "since": _iso(m.created_at),
            }
            for m in memberships
        ],
        "threads": [
            {
                "id": t.id,
                "title": t.title,
                "tags": t.tags,
                "created_at": _iso(t.created_at),
                "deleted": t.deleted_at is not None,
            }
            for t in own_threads
        ],
        "posts": [
            {
                "id": p.id,
                "thread_id": p.thread_id,
                "thread": title(p.thread),
                "body": p.body,
                "created_at": _iso(p.created_at),
                "edited_at": _iso(p.edited_at),
                "deleted": p.deleted_at is not None,
                "earlier_versions": [
                    {"body": r.body, "replaced_at": _iso(r.created_at)}
                    for r in revisions.get(p.id, [])
                ],
            }
            for p in posts
        ],
        "post_reports": [
            {
                "post_id": r.post_id,
                "reason": r.reason,
                "status": str(r.status),
                "created_at": _iso(r.created_at),
            }
            for r in reports
        ],
    }


def _notifications(user: User) -> list[dict[str, Any]]:
    """Every notification of theirs; what it says only while they may still follow it (the
    same rule as their notification list)."""
    rows: list[Notification] = _all(notifications_of(user))
    shown = {n.id: s for n, s in render_all(rows, user)}
    return [
        {
            "kind": n.kind,
            "created_at": _iso(n.created_at),
            "read_at": _iso(n.read_at),
            "text": shown[n.id].text if n.id in shown else None,
            "url": shown[n.id].url if n.id in shown else None,
        }
        for n in rows
    ]


def _publications(user: User) -> list[dict[str, Any]]:
    """Anonymised copies they started, edited or reviewed, while they may still see them."""
    candidates = _all(
        select(Publication)
        .where(
            or_(
                Publication.author_id == user.id,
                Publication.reviewer_id == user.id,
                Publication.team_id.in_(user.team_ids),  # an editor (a JSON list) is a member
            )
        )
        .order_by(Publication.id)
    )
    out = []
    for pub in candidates:
        roles = [
            role
            for role, holds in (
                ("auteur", pub.author_id == user.id),
                ("bewerker", user.id in (pub.editor_ids or []) and pub.author_id != user.id),
                ("beoordelaar", pub.reviewer_id == user.id),
            )
            if holds
        ]
        if not roles or not (
            publishing_access.may(user, pub, publishing_access.PubAction.TEAM)
            or publishing_access.may(user, pub, publishing_access.PubAction.READ)
        ):
            continue
        out.append(
            {
                "id": pub.id,
                "roles": roles,
                "title": pub.title,
                "status": str(pub.status),
                "created_at": _iso(pub.created_at),
                "submitted_at": _iso(pub.submitted_at),
                "reviewed_at": _iso(pub.reviewed_at),
                "published_at": _iso(pub.published_at),
                "review_remarks": pub.review_remarks if pub.reviewer_id == user.id else None,
            }
        )
    return out


def _teaching(user: User) -> dict[str, Any]:
    collections = _all(
        select(Collection)
        .where(Collection.owner_id == user.id)
        .options(selectinload(Collection.items))
        .order_by(Collection.id)
    )
    answers = _all(select(Answer).where(Answer.user_id == user.id).order_by(Answer.id))
    assignments = {
        a.id: a
        for a in _all(
            select(Assignment)
            .where(Assignment.id.in_({a.assignment_id for a in answers}))
            .options(selectinload(Assignment.collection).selectinload(Collection.items))
        )
    }
    teams = set(user.team_ids)

    def question(answer: Answer) -> str | None:
        # The docent's question, for a student still in that class.
        assignment = assignments.get(answer.assignment_id)
        if assignment is None or assignment.team_id not in teams:
            return None
        item = next((i for i in assignment.collection.items if i.id == answer.item_id), None)
        questions = item.questions if item is not None else []
        return questions[answer.question] if 0 <= answer.question < len(questions) else None

    return {
        "collections": [
            {
                "id": c.id,
                "title": c.title,
                "description": c.description,
                "created_at": _iso(c.created_at),
                "archived": c.archived_at is not None,
                "items": [
                    {"publication_id": i.publication_id, "questions": i.questions} for i in c.items
                ],
            }
            for c in collections
        ],
        "answers": [
            {
                "assignment_id": a.assignment_id,
                "question": question(a),
                "text": a.text,
                "submitted_at": _iso(a.submitted_at),
                "updated_at": _iso(a.updated_at),
            }
            for a in answers
        ],
    }


def _audit(user: User) -> dict[str, Any]:
    """What they did (activity) and what others did to their account (about_you), never a
    row's details about someone else."""
    events = _all(select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id))
    about = _all(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "user",
            AuditEvent.object_id == user.id,
            or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != user.id),
        )
        .order_by(AuditEvent.id)
    )
    return {
        "activity": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "result": e.result,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "ip": e.ip,
            }
            for e in events
        ],
        "about_you": [
            {"at": _iso(e.at), "action": e.action, "result": e.result, "details": e.details}
            for e in about
        ],
    }
