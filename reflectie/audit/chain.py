"""Tamper evidence for the audit log (R-23): each event stores the hash of the one before it
and its own hash over its content and that link, so changing or deleting any row breaks the
chain from there on, and `reflectie audit verify` finds the first broken row.

Hashes are set when new events are flushed. On PostgreSQL a transaction-scoped advisory lock
makes the appends one at a time, so two transactions never link to the same predecessor; on
SQLite writing transactions are one at a time already.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from reflectie.audit.models import AuditEvent
from reflectie.db import db, utcnow

GENESIS = "0" * 64
LOCK_KEY = 0x52_45_46_4C  # "REFL": the advisory lock id of the audit chain


def canonical(row: AuditEvent, prev_hash: str) -> bytes:
    content: list[Any] = [
        prev_hash,
        row.at.isoformat(timespec="microseconds"),
        row.actor_id,
        row.action,
        row.result,
        row.object_type,
        row.object_id,
        row.team_id,
        row.ip,
        row.request_id,
        row.details or {},
    ]
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(row: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(canonical(row, prev_hash)).hexdigest()


@event.listens_for(Session, "before_flush")
def _chain_new_events(session: Session, _context: Any, _instances: Any) -> None:
    # In the order they were added: that is the order they are inserted (and get their ids).
    new = sorted(
        (obj for obj in session.new if isinstance(obj, AuditEvent)),
        key=lambda obj: inspect(obj).insert_order,
    )
    if not new:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    last = conn.execute(
        select(AuditEvent.hash)
        .where(AuditEvent.hash.is_not(None))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).scalar()
    prev = last or GENESIS
    for row in new:
        row.at = row.at or utcnow()
        row.prev_hash, row.hash = prev, digest(row, prev)
        prev = row.hash


@dataclass(frozen=True)
class Verdict:
    checked: int
    unchained: int  # events from before the chain was introduced
    broken_at: int | None  # id of the first event that does not fit


def verify() -> Verdict:
    rows = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    try:
        return _walk(rows)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL, also when stopping early


def _walk(rows: Iterable[AuditEvent]) -> Verdict:
    checked = unchained = 0
    prev: str | None = None
    for row in rows:
        if row.hash is None and prev is None:
            unchained += 1
            continue
        expected_prev = prev or GENESIS
        if row.prev_hash != expected_prev or row.hash != digest(row, expected_prev):
            return Verdict(checked, unchained, row.id)
        prev = row.hash
        checked += 1
    return Verdict(checked, unchained, None)
