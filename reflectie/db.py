"""Declarative base, naming convention, column shapes and engine settings for every feature."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, String, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


DEFAULT_ZONE = "Europe/Amsterdam"


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date where the users are (BABEL_DEFAULT_TIMEZONE, Europe/Amsterdam): between
    midnight and 01:00 or 02:00 there the UTC date is still yesterday."""
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return utcnow().astimezone(ZoneInfo(zone)).date()


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use reflectie.db.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    # One registry carries both settings (SQLAlchemy 2.1 rejects a per-base
    # type_annotation_map once Flask-SQLAlchemy subclasses this base).
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            # Persist the value ("lid"), not the name ("LID"), as VARCHAR: no PG ENUM to alter.
            enum.Enum: sa.Enum(
                enum.Enum,
                native_enum=False,
                values_callable=lambda e: [m.value for m in e],
                length=32,
            ),
        },
    )


db = SQLAlchemy(model_class=Base)

intpk = Annotated[int, mapped_column(primary_key=True)]
str200 = Annotated[str, mapped_column(String(200))]
created_at = Annotated[datetime, mapped_column(default=utcnow)]


class Timestamped:
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite settings for several workers (R-31) and durable commits (R-32).

    SQLAlchemy, not pysqlite, emits BEGIN (see _sqlite_begin), so SAVEPOINTs and
    BEGIN IMMEDIATE work.
    """
    if dbapi_connection.__class__.__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # case text must survive power loss too
        cursor.close()


V = TypeVar("V", bound=Callable[..., Any])


def writes(view: V) -> V:
    """Mark a GET view that writes (an audit row for a read, a token's last use): on SQLite
    its transaction then takes the write lock at the start, see _sqlite_begin."""
    view.writes_db = True  # type: ignore[attr-defined]
    return view


@contextmanager
def short_write() -> Iterator[None]:
    """For a page that reads and then writes a small row (an audited read): end the read
    transaction, then write in a short one of its own, which on SQLite takes the write lock at
    its start. The page is rendered before, outside any lock; the caller commits nothing."""
    session = db.session()
    session.expire_on_commit = False  # the rows already read stay usable for the write
    try:
        session.commit()
        g.sqlite_write = True
        yield
        session.commit()
    finally:
        g.sqlite_write = False
        session.expire_on_commit = True


_READ_ONLY: ContextVar[bool] = ContextVar("read_only", default=False)


@contextmanager
def read_only() -> Iterator[None]:
    """Transactions begun inside read without taking SQLite's write lock (a plain BEGIN, one
    consistent snapshot in WAL mode), outside a request too: for long reads such as a backup,
    which must not block the app's writers."""
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def _read_only_request() -> bool:
    if _READ_ONLY.get():
        return True
    if not has_request_context() or request.method not in {"GET", "HEAD", "OPTIONS"}:
        return False
    if g.get("sqlite_write"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "writes_db", False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    # A transaction that may write takes the write lock at the start (BEGIN IMMEDIATE, which
    # waits out the busy timeout). A read transaction that later writes would instead have to
    # upgrade, and SQLite refuses that at once ("database is locked") when another worker
    # committed in between. Read-only requests stay concurrent with a plain BEGIN.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")
