"""Notifications are written by features and shown here. The package imports no feature: a
feature registers, per kind, how a notification reads (text and link) and whether its reader
may still follow it, so a notification never shows what its reader can no longer see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import LoaderOption

from reflectie.accounts.models import User
from reflectie.db import db, utcnow
from reflectie.errors import NotFound
from reflectie.notifications.models import Notification


@dataclass(frozen=True)
class Shown:
    text: str
    url: str


# (notification, reader) → how it reads, or None when the reader may no longer see it
Renderer = Callable[[Notification, User], Shown | None]


@dataclass(frozen=True)
class _Kind:
    render: Renderer
    # What `data[key]` names, loaded for a whole page of notifications in one query (with
    # `options`) so that each render finds its row in the session instead of querying.
    refers_to: InstrumentedAttribute[int] | None
    key: str
    options: tuple[LoaderOption, ...]


_kinds: dict[str, _Kind] = {}
UNREAD_CHECKED = 20  # the newest unread notifications checked for the header's count


def register_kind(
    kind: str,
    render: Renderer,
    *,
    refers_to: InstrumentedAttribute[int] | None = None,
    key: str = "",
    options: Sequence[LoaderOption] = (),
) -> None:
    """`render` tells how a notification of `kind` reads. `refers_to` (a model's id column)
    and `key` (the data field holding that id) let a list of them load in one query."""
    _kinds[kind] = _Kind(render, refers_to, key, tuple(options))


def notify(user_ids: Iterable[int], kind: str, data: dict[str, Any]) -> int:
    """Add a notification of `kind` for each user; returns how many. The caller checked that
    every user may see what it is about (and `render` checks again when it is shown).

    One INSERT for all of them (a reply notifies every follower of the thread), without
    loading the new rows into the session."""
    if kind not in _kinds:
        raise ValueError(f"unregistered notification kind {kind!r}")
    rows = [{"user_id": u, "kind": kind, "data": data} for u in dict.fromkeys(user_ids)]
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


def _unread(user: User) -> Select[tuple[Notification]]:
    return notifications_of(user).where(Notification.read_at.is_(None))


def unread_count(user: User) -> int:
    """Unread notifications the user may still follow. The newest few are checked; any beyond
    them are counted as they are (checking them all on every page would cost too much)."""
    total = db.session.scalar(select(func.count()).select_from(_unread(user).subquery())) or 0
    if not total:
        return 0
    newest = db.session.scalars(_unread(user).limit(UNREAD_CHECKED)).all()
    return len(render_all(newest, user)) + max(total - UNREAD_CHECKED, 0)


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
    kind = _kinds.get(notification.kind)
    return kind.render(notification, user) if kind else None


def _referred_id(notification: Notification, key: str) -> int | None:
    value = notification.data.get(key) if isinstance(notification.data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def render_all(rows: Sequence[Notification], user: User) -> list[tuple[Notification, Shown]]:
    """The rows the user may still follow, with how each reads; what they refer to is loaded
    per kind in one query first."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        kind = _kinds.get(row.kind)
        ref = _referred_id(row, kind.key) if kind is not None else None
        if ref is not None:
            wanted[row.kind].add(ref)
    loaded = []  # held while rendering: the session keeps its rows only weakly
    for name, ids in wanted.items():
        kind = _kinds[name]
        if kind.refers_to is not None:
            model = kind.refers_to.class_
            loaded += db.session.scalars(
                select(model).where(kind.refers_to.in_(ids)).options(*kind.options)
            ).all()
    return [(row, s) for row in rows if (s := shown(row, user)) is not None]


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
