"""A rate-limit store for one machine: a SQLite file that every gunicorn worker shares.

Flask-Limiter's memory store counts per process, so with several workers an attacker gets
a fresh budget from each. Redis (REFLECTIE_RATELIMIT_STORAGE=redis://...) is the store for
several machines; this one keeps a single-machine install free of extra services.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

from limits.storage import Storage

_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, hits INTEGER, expires REAL)"


class SQLiteStorage(Storage):
    """Fixed-window counters in SQLite; each call is its own short transaction."""

    STORAGE_SCHEME = ["reflectie+sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: object):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.path = (uri or "").split("://", 1)[-1]
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # A connection per call: cheap for SQLite, and safe across gunicorn's fork.
        return sqlite3.connect(self.path, timeout=5, isolation_level=None)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                "SELECT hits, expires FROM counters WHERE key = ?", (key,)
            ).fetchone()
            if row is not None and row[1] > now:
                hits, expires = row[0] + amount, row[1]
            else:
                hits, expires = amount, now + expiry
            conn.execute(
                "INSERT OR REPLACE INTO counters (key, hits, expires) VALUES (?, ?, ?)",
                (key, hits, expires),
            )
            conn.execute("COMMIT")
        return int(hits)

    def _row(self, key: str) -> tuple[int, float] | None:
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT hits, expires FROM counters WHERE key = ? AND expires > ?",
                (key, time.time()),
            ).fetchone()
        return (int(row[0]), float(row[1])) if row else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        with closing(self._connect()) as conn:
            conn.execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        with closing(self._connect()) as conn:
            return conn.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
