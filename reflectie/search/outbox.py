"""The outbox between the database and the index (DESIGN "Search design", R-29).

1. `after_flush`: every changed object a provider watches adds an outbox row (doc type + id)
   in the same transaction as the change. A rollback takes the rows with it; a commit makes
   them durable, so a crash before indexing loses nothing. Documents that only show another
   row's value (a case its team's name, a meeting its method's name) are the provider's
   `dependents`: a change to those attributes adds their rows with one INSERT ... SELECT.
   Bulk `update()`/`delete()` statements and SQL run outside the ORM pass no flush, so they
   add nothing: run `reflectie search check --repair` after them.
2. After the commit, SEARCH_DRAIN_AFTER_COMMIT decides who indexes the rows:
   - "background" (the default): the end of the request only wakes a drainer and the
     response does not wait for the index. Under `reflectie serve` that is the machine's
     drainer process, reached over a Unix datagram socket in the instance folder, so no
     index work runs in a web worker (Whoosh is pure Python: a commit that merges segments
     holds a worker's interpreter lock for a tenth of a second and more). Where none listens
     (gunicorn started by hand, `flask run`) it is this process's drainer thread, started
     lazily in the worker that needs it, never in gunicorn's master;
   - "inline" (tests that rely on it, commands): the end of the request or command drains;
   - False: nobody; the next search, `reflectie search drain` or a drainer elsewhere does.
   Before each search the pending rows are drained too (read-your-writes), and a search
   that finds another drainer at work waits briefly (SEARCH_CATCH_UP_WAIT) for the reader's
   own changes (remembered in the browser's session), never for other people's.
3. `drain()` tries the drain lock without waiting. The holder is the only index writer: it
   reads a batch of rows, asks the providers for the current documents, writes them, then
   deletes exactly the rows it handled. Anyone who finds the lock taken leaves the rows for
   the holder, who looks again after releasing it. Nobody sees a lock error. When writing
   the index fails (a full disk, R-33) the rows stay and the drainer tries again later.
4. `reflectie search reindex` rebuilds everything and clears the rows it covered.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
import weakref
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask import session as browser_session
from sqlalchemy import and_, delete, event, func, insert, inspect, literal, or_, select
from sqlalchemy.orm import Session

from reflectie.db import db, read_only, utcnow
from reflectie.search.backend import get_backend
from reflectie.search.models import OutboxEntry
from reflectie.search.registry import (
    Dependent,
    Document,
    dependents_for_model,
    provider_for_model,
    providers,
)

log = logging.getLogger(__name__)
BATCH = 500
BULK = 5000  # pending rows after a command above which a rebuild beats draining
RETRY_FIRST = 1.0  # seconds before the background drainer retries after a failure, doubling
RETRY_MAX = 60.0
_listening = False


def install(app: Flask) -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        _listening = True
    app.teardown_request(_drain_after_request)
    app.teardown_appcontext(_drain_after_command)


def _concerns(dependent: Dependent, obj: Any, how: str) -> bool:
    if not dependent.attrs:
        return True
    if how != "dirty":  # a new team has no cases yet; rows that refer to a deleted one go too
        return False
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in dependent.attrs)


def _after_flush(session: Session, _context: Any) -> None:
    if not has_app_context() or not providers():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    keys: set[tuple[str, int]] = set()
    dependents: dict[int, tuple[str, Dependent, list[Any]]] = {}
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    changed = [
        *((o, "new") for o in session.new),
        *((o, "dirty") for o in dirty),
        *((o, "deleted") for o in session.deleted),
    ]
    for obj, how in changed:
        for provider in provider_for_model(app, obj):
            keys.update((provider.doc_type, doc_id) for doc_id in provider.keys_for(obj))
        for provider, dependent in dependents_for_model(app, obj):
            if _concerns(dependent, obj, how):
                entry = dependents.setdefault(id(dependent), (provider.doc_type, dependent, []))
                entry[2].append(obj)
    if not keys and not dependents:
        return
    now = utcnow()
    conn = session.connection()
    queued = False
    if keys:
        conn.execute(
            insert(OutboxEntry),
            [{"doc_type": t, "doc_id": i, "created_at": now} for t, i in sorted(keys)],
        )
        queued = True
        _remember_own(keys)
    created_type = OutboxEntry.__table__.c.created_at.type
    for doc_type, dependent, objs in dependents.values():
        rows = dependent.ids(objs).add_columns(literal(doc_type), literal(now, created_type))
        result = conn.execute(
            insert(OutboxEntry).from_select(["doc_id", "doc_type", "created_at"], rows)
        )
        queued = queued or result.rowcount != 0  # -1: the driver does not say
    if queued:
        session.info["search_outbox"] = True


OWN_KEPT = 20  # the last documents a browser changed, remembered in its session


def _remember_own(keys: set[tuple[str, int]]) -> None:
    """The documents this browser's requests changed, so that its next search waits for
    them (read-your-writes) and for nobody else's changes. Not for API calls: no cookie."""
    if not has_request_context() or request.path.startswith("/api/"):
        return
    own = [k for k in browser_session.get("search_own", []) if isinstance(k, str)]
    new = [f"{t}:{i}" for t, i in sorted(keys)]
    browser_session["search_own"] = [*(k for k in own if k not in new), *new][-OWN_KEPT:]


def own_keys() -> set[str]:
    """What _remember_own kept for this browser (empty outside a request)."""
    if not has_request_context():
        return set()
    return {k for k in browser_session.get("search_own", []) if isinstance(k, str)}


def _after_commit(session: Session) -> None:
    if session.info.pop("search_outbox", False) and has_app_context():
        g.search_outbox_committed = True


def drain_mode(app: Flask) -> str | None:
    """SEARCH_DRAIN_AFTER_COMMIT as "inline", "background" or None (True means "inline")."""
    value = app.config.get("SEARCH_DRAIN_AFTER_COMMIT", "background")
    if isinstance(value, str):
        value = value.strip().lower()
    if value in (False, None, "", "false", "off", "no", "0"):
        return None
    if value == "background":
        return "background"
    if value not in (True, "inline", "true", "on", "yes", "1"):
        log.warning("search: unknown SEARCH_DRAIN_AFTER_COMMIT %r; draining inline", value)
    return "inline"


def _drain_after_request(error: BaseException | None) -> None:
    """The end of a request (its request context is still there; the app context's teardown
    comes after it, when has_request_context() is already False)."""
    if not g.pop("search_outbox_committed", False):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = drain_mode(app)
    if mode == "background":
        # The rows are committed whatever went wrong after the commit: wake the drainer.
        drainer(app).wake()
        return
    if error is not None or mode is None:
        return
    try:
        drain(limit=int(app.config.get("SEARCH_DRAIN_LIMIT", 2000)), rebuild=False)
    except Exception:  # the change is committed and its rows wait in the outbox
        db.session.rollback()
        log.exception("search: drain after commit failed; the outbox keeps the changes")


def _drain_after_command(error: BaseException | None) -> None:
    """The end of a command (or any app context without a request): always inline, since the
    process ends right after."""
    if error is not None or not g.pop("search_outbox_committed", False):
        return
    if drain_mode(current_app) is None:
        return
    try:
        if pending_count() > BULK:
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


# --- the background drainer ----------------------------------------------------------------------


class Drainer:
    """One app's drainer in one process (SEARCH_DRAIN_AFTER_COMMIT = "background").

    A wake goes to the machine's drainer process when one listens (see serve_process), and
    otherwise to a daemon thread of this process that sleeps on an Event until a request's
    commit wrote outbox rows, then drains everything pending in an app context (and so a
    database session) of its own. Wakes that arrive while it drains make it look again. A
    failure (the index's disk is full, the database is away) is logged; the rows stay in the
    outbox and it tries again after RETRY_FIRST seconds, doubling up to RETRY_MAX. The thread
    starts with the first wake it gets, so under gunicorn it lives in the worker that served
    the request, never in the master; a forked child starts its own. At exit it is given a
    moment to finish a batch. `local`: the drainer process's own, which never hands on.
    """

    def __init__(self, app: Flask, *, local: bool = False) -> None:
        self.app = app
        self.local = local
        self._fresh()
        _drainers.add(self)

    def _fresh(self) -> None:
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        if not self.local and nudge(self.app):
            return
        with self._mutex:
            if not self.running:
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="search-drain", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            failures = 0
            while not self.drain_once():
                failures += 1
                if self._stop.wait(min(RETRY_MAX, RETRY_FIRST * 2 ** (failures - 1))):
                    return
                self._wake.clear()  # this retry covers the wakes meanwhile

    def drain_once(self) -> bool:
        """Drain what is pending; False when that failed (the rows are still there)."""
        try:
            with self.app.app_context():
                g.search_drainer = True
                try:
                    drain(rebuild=False)  # a missing index: a rebuild thread is started
                except Exception:
                    log.exception("search: background drain failed; the outbox keeps the changes")
                    try:
                        db.session.rollback()
                    except Exception:  # the database itself may be what failed
                        log.warning("search: rollback after a failed drain failed", exc_info=True)
                    return False
            return True
        except Exception:  # pragma: no cover - the app context itself failed
            log.exception("search: background drainer")
            return False


def drainer_address(app: Flask) -> Path:
    """The Unix socket on which the machine's drainer process listens."""
    return Path(app.instance_path) / "search-drainer.sock"


def nudge(app: Flask) -> bool:
    """Tell the machine's drainer process that rows wait; False when none listens (a
    wake costs one datagram, some 20 µs)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        try:
            sock.sendto(b"1", str(drainer_address(app)))
        except BlockingIOError:
            return True  # its queue is full of earlier wakes: it will drain
        except OSError:
            return False  # no socket, nobody bound to it, or a path too long for one
    return True


def serve_process(app: Flask, *, parent: int | None = None) -> None:
    """The machine's drainer process: one for all web workers, so that they only commit and
    send a wake. It listens on drainer_address (a datagram per wake; wakes that arrive while
    it drains make one more drain, so a busy minute is indexed in batches) and drains in a
    Drainer thread of its own, with its retries. It stops when `parent` (gunicorn's master)
    has ended, or on Ctrl-C. While it does not listen the workers drain in their own threads."""
    address = drainer_address(app)
    worker = Drainer(app, local=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        address.unlink(missing_ok=True)  # left by a drainer process that died
        try:
            sock.bind(str(address))
        except OSError as err:
            log.warning("cannot listen on %s (%s); the web workers drain themselves", address, err)
            return
        address.chmod(0o600)
        sock.settimeout(1.0)
        worker.wake()  # what was committed before the workers could reach us
        try:
            while parent is None or os.getppid() == parent:
                try:
                    sock.recv(16)
                except TimeoutError:
                    continue  # look at the parent again
                worker.wake()
        except KeyboardInterrupt:  # Ctrl-C on `reflectie serve` reaches the whole group
            pass
        finally:
            address.unlink(missing_ok=True)
            worker.stop()


_drainers: weakref.WeakSet[Drainer] = weakref.WeakSet()
_drainers_mutex = threading.Lock()


def drainer(app: Flask) -> Drainer:
    found = app.extensions.get("search_drainer")
    if found is None:
        with _drainers_mutex:
            found = app.extensions.get("search_drainer")
            if found is None:
                found = app.extensions["search_drainer"] = Drainer(app)
    return found  # type: ignore[no-any-return]


def _after_fork_in_child() -> None:
    # The parent's thread did not come along (and its locks may be held): start afresh.
    global _drainers_mutex
    _drainers_mutex = threading.Lock()
    for each in list(_drainers):
        each._fresh()


@atexit.register
def _stop_drainers() -> None:
    for each in list(_drainers):
        each.stop()


os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass
class DrainResult:
    drained: int = 0
    skipped: bool = False  # someone else holds the lock
    unavailable: bool = False  # no usable index: a rebuild is needed


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEntry)) or 0


PENDING_LIMIT = 1000  # pending documents a search masks one by one; beyond, it is "behind"


def pending_keys(limit: int = PENDING_LIMIT) -> set[str]:
    rows = db.session.execute(
        select(OutboxEntry.doc_type, OutboxEntry.doc_id).distinct().limit(limit)
    )
    return {f"{t}:{i}" for t, i in rows}


def requeue(keys: set[str]) -> None:
    """Put documents ("type:id" keys) back into the outbox, in the caller's transaction: the
    drainer indexes them again after the commit (a search found them stale)."""
    if not keys:
        return
    now = utcnow()
    rows = []
    for key in sorted(keys):
        doc_type, _, doc_id = key.partition(":")
        rows.append({"doc_type": doc_type, "doc_id": int(doc_id), "created_at": now})
    db.session.execute(insert(OutboxEntry), rows)
    db.session.info["search_outbox"] = True


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
        with read_only():
            done = (limit is not None and result.drained >= limit) or pending_count() == 0
            db.session.commit()
        if done:
            return result


def drain_batch(backend: Any) -> int:
    """Index one batch of outbox rows; the caller holds the drain lock. -1: lock refused."""
    if backend.name != "postgres":
        # A snapshot taken now that we hold the lock. An older one (a search's transaction)
        # could still show rows another drainer deleted since, whose ids SQLite has handed
        # out again to new rows: deleting "our" ids would then drop changes never indexed.
        db.session.commit()
    if not backend.begin_batch():
        db.session.rollback()
        return -1
    # On SQLite the reading needs no write lock (a plain BEGIN, also in the drainer thread and
    # at the end of a POST): the writers of new cases go on meanwhile.
    with read_only():
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
    delete_rows([r[0] for r in rows])
    return len(rows)


def delete_rows(ids: list[int]) -> None:
    """Delete exactly the outbox rows that were indexed, and commit."""
    sqlite_write = has_request_context() and not g.get("sqlite_write")
    if sqlite_write:
        g.sqlite_write = True  # BEGIN IMMEDIATE: take the write lock up front
    try:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            db.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(chunk)))
        db.session.commit()
    finally:
        if sqlite_write:
            g.sqlite_write = False


def wait_until_indexed(keys: set[str], timeout: float) -> set[str]:
    """Give another drainer (the background thread, another worker) up to `timeout` seconds to
    index the outbox rows of `keys` pending now; returns the keys still waiting. Polls the
    outbox (a fresh snapshot each time) instead of waiting on the drain lock."""
    if not keys or timeout <= 0:
        return keys
    wanted: dict[str, list[int]] = defaultdict(list)
    for key in keys:
        doc_type, _, doc_id = key.partition(":")
        wanted[doc_type].append(int(doc_id))
    upto = db.session.scalar(select(func.max(OutboxEntry.id))) or 0
    of_keys = or_(
        *(and_(OutboxEntry.doc_type == t, OutboxEntry.doc_id.in_(ids)) for t, ids in wanted.items())
    )
    query = select(OutboxEntry.doc_type, OutboxEntry.doc_id).where(OutboxEntry.id <= upto, of_keys)
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        waiting = {f"{t}:{i}" for t, i in db.session.execute(query.distinct())}
        left = deadline - time.monotonic()
        if not waiting or left <= 0:
            return waiting
        db.session.rollback()  # hold no snapshot (nor SQLite's WAL) while waiting
        _pause(min(pause, left))
        pause = min(pause * 2, 0.1)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


_rebuilding: set[str] = set()
_rebuilding_mutex = threading.Lock()


def is_rebuilding(app: Flask) -> bool:
    return str(app.config.get("SEARCH_INDEX_PATH")) in _rebuilding


def schedule_rebuild(app: Flask) -> None:
    """Rebuild a missing or corrupt index without making the request wait (R-29)."""
    if not has_request_context() and not g.get("search_drainer"):
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
