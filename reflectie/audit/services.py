"""Writing audit events. Called by other features' services inside their transaction."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import g, has_request_context, request

from reflectie.audit import chain  # noqa: F401 - installs the hash chain on every flush
from reflectie.audit.models import AuditEvent
from reflectie.db import db
from reflectie.errors import keep_after_rollback


def record_denied(
    action: str, *, actor: Any, object_type: str, object_id: int, team_id: int
) -> None:
    """Log a refused attempt on an existing object; it is written after the request's
    rollback, so the refusal itself is on record while nothing else of the request is."""
    ip = request.remote_addr if has_request_context() else None

    def write() -> None:
        event = record(action, actor=actor, result="denied", team_id=team_id)
        event.object_type, event.object_id, event.ip = object_type, object_id, ip

    keep_after_rollback(write)


def record(
    action: str,
    *,
    actor: Any = None,
    result: str = "ok",
    obj: Any = None,
    team_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add one audit row to the current transaction (it commits or rolls back with the change).

    `details` must never carry passwords, tokens or case text.
    """
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        result=result,
        object_type=type(obj).__name__.lower() if obj is not None else None,
        object_id=getattr(obj, "id", None),
        team_id=team_id if team_id is not None else getattr(obj, "team_id", None),
        details=details,
    )
    if has_request_context():
        event.ip = request.remote_addr
        event.request_id = g.get("request_id")
        if agent := request.headers.get("User-Agent"):
            # Which browser, comparable between events without keeping the string.
            event.details = {**details, "ua": hashlib.sha256(agent.encode()).hexdigest()[:16]}
    db.session.add(event)
    return event
