"""GET /api/v1/notifications: the token user's notifications, newest first."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from reflectie.api import api_member, api_user, doc, page_arg
from reflectie.db import db
from reflectie.notifications import services

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")


@bp.get("/notifications")
@api_member
@doc(
    "My notifications, newest first (unread ones have read_at null)",
    tags=["notifications"],
    parameters=[{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
)
def index() -> ResponseReturnValue:
    user = api_user()
    page, per_page = page_arg(), int(current_app.config["PAGE_SIZE"])
    query = services.notifications_of(user)
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    results: list[dict[str, Any]] = []
    for row in rows:
        shown = services.shown(row, user)
        if shown is not None:
            results.append(
                {
                    "id": row.id,
                    "kind": row.kind,
                    "text": shown.text,
                    "url": shown.url,
                    "created_at": row.created_at.isoformat(),
                    "read_at": row.read_at.isoformat() if row.read_at else None,
                }
            )
    return jsonify(
        total=services.count_of(user),
        unread=services.unread_count(user),
        page=page,
        per_page=per_page,
        results=results,
    )
