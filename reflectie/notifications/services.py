"""Notifications are written by features and shown here. The package imports no feature: a
feature registers, per kind, how a notification reads (text and link) and whether its reader
may still follow it, so a notification never shows what its reader can no longer see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, update

from reflectie.accounts.models import User
from reflectie.db import db, utcnow
from reflectie.errors import NotFound
from reflectie.notifications.models import Notification


@dataclass(frozen=True)
class Shown:
    text: str
    url: str


# kind → (notification, reader) → how it reads, or None when the reader may no longer see it
Renderer = Callable[[Notification, User], Shown | None]
_renderers: dict[str, Renderer] = {}


def register_kind(kind: str, render: Renderer) -> None:
    _renderers[kind] = render


def notify(user_ids: Iterable[int], kind: str, data: dict[str, Any]) -> int:
    """Add a notification of `kind` for each user; returns how many. The caller checked that
    every user may see what it is about (and `render` checks again when it is shown)."""
    if kind not in _renderers:
        raise ValueError(f"unregistered notification kind {kind!r}")
    rows = [Notification(user_id=u, kind=kind, data=data) for u in dict.fromkeys(user_ids)]
    db.session.add_all(rows)
    return len(rows)


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def count_of(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
    )


def notifications_of(user: User) -> Select[tuple[Notification]]:
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def shown(notification: Notification, user: User) -> Shown | None:
    render = _renderers.get(notification.kind)
    return render(notification, user) if render else None


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; another user's is NotFound."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        own = db.session.get(Notification, notification_id)
        if own is None or own.user_id != user.id:
            raise NotFound
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount
