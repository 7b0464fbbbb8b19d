"""The outbox between the database and the index (DESIGN "Search design", R-29).

1. `after_flush`: every changed object a provider watches adds an outbox row (doc type + id)
   in the same transaction as the change. A rollback takes the rows with it; a commit makes
   them durable, so a crash before indexing loses nothing.
2. After the commit (the app context's teardown: requests and CLI commands alike) and before
   each search, `drain()` tries the drain lock without waiting. The holder is the only index
   writer: it reads a batch of rows, asks the providers for the current documents, writes
   them, then deletes exactly the rows it handled. Anyone who finds the lock taken leaves
   the rows for the holder, who looks again after releasing it. Nobody sees a lock error.
3. `reflectie search reindex` rebuilds everything and clears the rows it covered.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session

from reflectie.db import db, utcnow
from reflectie.search.backend import get_backend
from reflectie.search.models import OutboxEntry
from reflectie.search.registry import Document, provider_for_model, providers

log = logging.getLogger(__name__)
BATCH = 500
BULK = 5000  # pending rows after a command above which a rebuild beats draining
_listening = False


def install(app: Flask) -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        _listening = True
    app.teardown_appcontext(_drain_after_commit)


def _after_flush(session: Session, _context: Any) -> None:
    if not has_app_context() or not providers():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    keys: set[tuple[str, int]] = set()
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in (*session.new, *dirty, *session.deleted):
        for provider in provider_for_model(app, obj):
            keys.update((provider.doc_type, doc_id) for doc_id in provider.keys_for(obj))
    if keys:
        now = utcnow()
        session.connection().execute(
            insert(OutboxEntry),
            [{"doc_type": t, "doc_id": i, "created_at": now} for t, i in sorted(keys)],
        )
        session.info["search_outbox"] = True


def _after_commit(session: Session) -> None:
    if session.info.pop("search_outbox", False) and has_app_context():
        g.search_outbox_committed = True


def _drain_after_commit(error: BaseException | None) -> None:
    if error is not None or not g.pop("search_outbox_committed", False):
        return
    if not current_app.config.get("SEARCH_DRAIN_AFTER_COMMIT", True):
        return
    try:
        if has_request_context():
            drain(limit=int(current_app.config.get("SEARCH_DRAIN_LIMIT", 2000)), rebuild=False)
        elif pending_count() > BULK:
            # A command changed a lot (an import, `bench seed`): rebuilding is faster than
            # replaying the outbox row by row.
            from reflectie.search.services import rebuild_index

            if get_backend().usable():
                rebuild_index()
        else:
            drain(rebuild=False)
    except Exception:  # the change is committed and its rows wait in the outbox
        db.session.rollback()
        log.exception("search: drain after commit failed; the outbox keeps the changes")


@dataclass
class DrainResult:
    drained: int = 0
    skipped: bool = False  # someone else holds the lock
    unavailable: bool = False  # no usable index: a rebuild is needed


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEntry)) or 0


def pending_keys(limit: int = 1000) -> set[str]:
    rows = db.session.execute(
        select(OutboxEntry.doc_type, OutboxEntry.doc_id).distinct().limit(limit)
    )
    return {f"{t}:{i}" for t, i in rows}


def documents_for(keys: dict[str, set[int]]) -> tuple[list[Document], list[str]]:
    """Current documents for (type → ids); keys of rows that no longer index are deletes."""
    upserts: list[Document] = []
    deletes: list[str] = []
    registered = providers()
    for doc_type, ids in keys.items():
        provider = registered.get(doc_type)
        found = provider.load(sorted(ids)) if provider else {}
        upserts.extend(found.values())
        deletes.extend(f"{doc_type}:{i}" for i in ids if i not in found)
    return upserts, deletes


def drain(*, limit: int | None = None, rebuild: bool = True) -> DrainResult:
    """Move outbox rows into the index; never waits for the lock."""
    backend = get_backend()
    result = DrainResult()
    while True:
        needs_rebuild = False
        with backend.writer_lock() as acquired:
            if not acquired:
                result.skipped = True
                return result
            if not backend.usable():
                if not rebuild:
                    needs_rebuild = True
                else:
                    from reflectie.search.services import rebuild_index

                    rebuild_index(locked=True)
            while not needs_rebuild and (limit is None or result.drained < limit):
                handled = drain_batch(backend)
                if handled < 0:
                    result.skipped = True
                    return result
                if handled == 0:
                    break
                result.drained += handled
        if needs_rebuild:
            result.unavailable = True
            schedule_rebuild(current_app._get_current_object())  # type: ignore[attr-defined]
            return result
        # Rows committed while we held the lock were left to us by their writers: look again.
        if (limit is not None and result.drained >= limit) or pending_count() == 0:
            db.session.commit()
            return result


def drain_batch(backend: Any) -> int:
    """Index one batch of outbox rows; the caller holds the drain lock. -1: lock refused."""
    if not backend.begin_batch():
        db.session.rollback()
        return -1
    rows = db.session.execute(
        select(OutboxEntry.id, OutboxEntry.doc_type, OutboxEntry.doc_id)
        .order_by(OutboxEntry.id)
        .limit(BATCH)
    ).all()
    if not rows:
        db.session.commit()
        return 0
    keys: dict[str, set[int]] = defaultdict(set)
    for _id, doc_type, doc_id in rows:
        keys[doc_type].add(doc_id)
    upserts, deletes = documents_for(keys)
    if backend.name != "postgres":
        db.session.commit()  # end the read before the (slow) index commit
    backend.apply(upserts, deletes)
    _delete_rows([r[0] for r in rows])
    return len(rows)


def _delete_rows(ids: list[int]) -> None:
    sqlite_write = has_request_context() and not g.get("sqlite_write")
    if sqlite_write:
        g.sqlite_write = True  # BEGIN IMMEDIATE: take the write lock up front
    try:
        db.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(ids)))
        db.session.commit()
    finally:
        if sqlite_write:
            g.sqlite_write = False


_rebuilding: set[str] = set()
_rebuilding_mutex = threading.Lock()


def is_rebuilding(app: Flask) -> bool:
    return str(app.config.get("SEARCH_INDEX_PATH")) in _rebuilding


def schedule_rebuild(app: Flask) -> None:
    """Rebuild a missing or corrupt index without making the request wait (R-29)."""
    if not has_request_context():
        # A command ends right after this; `reflectie search reindex` or the next search
        # rebuilds, and the outbox keeps every change meanwhile.
        log.warning("search: the index is missing or unreadable; run `reflectie search reindex`")
        return
    path = str(app.config.get("SEARCH_INDEX_PATH"))
    with _rebuilding_mutex:
        if path in _rebuilding:
            return
        _rebuilding.add(path)

    background = bool(app.config.get("SEARCH_REBUILD_IN_BACKGROUND", True))

    def run() -> None:
        from reflectie.search.services import rebuild_index

        try:
            if background:
                with app.app_context():  # its own session and connection
                    rebuild_index()
            else:
                rebuild_index()  # in the request's own session (tests)
        except Exception:
            if not background:
                db.session.rollback()
            log.exception("search: rebuilding the index failed")
        finally:
            with _rebuilding_mutex:
                _rebuilding.discard(path)

    if background:
        threading.Thread(target=run, name="search-rebuild", daemon=True).start()
    else:
        run()
