"""The notifications page and the unread count in the header."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from reflectie.db import db
from reflectie.forms import EmptyForm
from reflectie.notifications import services
from reflectie.notifications.models import Notification
from reflectie.permissions import member, scoped
from reflectie.security import same_site_path

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def unread() -> dict[str, Any]:
    """`unread_notifications()` for the header; it queries only when a page asks, and not at
    all on the page that says the database is unavailable."""
    return {
        "unread_notifications": lambda: (
            0 if g.get("database_down") else services.unread_count(current_user)
        )
    }


def _page_number() -> int:
    raw = request.args.get("pagina", "1")
    return int(raw) if raw.isdecimal() and 0 < int(raw) < 10_000 else 1


@bp.get("/meldingen")
@member
def index() -> ResponseReturnValue:
    page, per_page = _page_number(), int(current_app.config["PAGE_SIZE"])
    rows = db.session.scalars(
        services.notifications_of(current_user).limit(per_page + 1).offset((page - 1) * per_page)
    ).all()
    return render_template(
        "notifications/index.html",
        items=services.render_all(rows[:per_page], current_user),
        page=page,
        more=len(rows) > per_page,
        form=EmptyForm(),
    )


@bp.post("/meldingen/<int:notification_id>")
@scoped("notification")
def open_one(notification_id: int) -> ResponseReturnValue:
    """Mark it read and go where it points (a same-site path only)."""
    form = EmptyForm()
    target = url_for(".index")
    if form.validate_on_submit():
        services.mark_read(current_user, notification_id)
        row = db.session.get(Notification, notification_id)
        shown = services.shown(row, current_user) if row is not None else None
        db.session.commit()
        if shown is not None:
            target = same_site_path(shown.url, target)
    return redirect(target)


@bp.post("/meldingen/gelezen")
@member
def read_all() -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        services.mark_read(current_user)
        db.session.commit()
    return redirect(url_for(".index"))
