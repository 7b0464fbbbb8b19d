"""A user's own data as JSON (AVG article 15 and 20; R-25).

Only what is about the user or by the user, and of their cases only those they can still
read: someone who left a team takes none of its case text along.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from reflectie.accounts.models import ApiToken, User
from reflectie.audit.models import AuditEvent
from reflectie.audit.services import record
from reflectie.cases.access import visible_cases
from reflectie.cases.models import Case, CaseComment
from reflectie.cases.services import case_json
from reflectie.db import db


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(user: User) -> dict[str, Any]:
    """Everything the platform holds about `user` that they may see. The export is audited."""
    cases = db.session.scalars(
        visible_cases(user).where(Case.author_id == user.id).order_by(Case.id)
    ).all()
    readable = visible_cases(user).with_only_columns(Case.id)
    comments = db.session.scalars(
        select(CaseComment)
        .where(CaseComment.author_id == user.id, CaseComment.case_id.in_(readable))
        .order_by(CaseComment.id)
    ).all()
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
    ).all()
    record("account.export", actor=user, obj=user)
    return {
        "profile": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "handle": user.handle,
            "locale": user.locale,
            "is_admin": user.is_admin,
            "two_step_verification": user.totp_enabled,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "memberships": [
            {
                "team": m.team.name,
                "organisation": m.team.organisation.name,
                "role": str(m.role),
                "since": _iso(m.created_at),
            }
            for m in user.memberships
        ],
        "cases": [
            {
                "id": c.id,
                "team": c.team.name,
                "status": str(c.status),
                "created_at": _iso(c.created_at),
                **case_json(c),
            }
            for c in cases
        ],
        "comments": [
            {"case_id": c.case_id, "body": c.body, "created_at": _iso(c.created_at)}
            for c in comments
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in tokens
        ],
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
    }
