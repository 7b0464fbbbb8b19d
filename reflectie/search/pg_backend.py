"""PostgreSQL full text, for deployments with several app servers (SEARCH_BACKEND=postgres).

One table, `search_documents`, derived data like the Whoosh directory: created and filled by
`reflectie search reindex` (or the automatic rebuild when it is missing), never by a migration,
so SQLite installs carry no trace of it. It stores a weighted tsvector (title A, body B) with a
GIN index, and the principals as a text[] with a GIN index; every query carries the principal
filter (dependencies.md §2.4). The vector holds the terms of reflectie.search.analysis under the
`simple` configuration: the Dutch stemming (classic Snowball Dutch, the algorithm of the server's
`dutch` configuration, plus the gap rules of domain.md §4) and the accent folding happen in
Python, so the result does not depend on the server's Snowball version or on `unaccent`, and
both engines answer the same test suite identically. Snippets are made in Python from the
database's text for the shown page only (the role ts_headline would play).

At 100,000 documents (docs/performance.md, session 3): a search page is one statement over
the newest SEARCH_EXACT_LIMIT matches ("more than" beyond them), planned for its own words,
and a rebuild fills a new table beside the old one and swaps it in, indexed and analysed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy import text

from reflectie.db import db
from reflectie.search import analysis
from reflectie.search.backend import FACETS, Hits, IndexUnavailable, SearchRequest
from reflectie.search.query import Query
from reflectie.search.registry import Document

LOCK_KEY = 7_305_114_211  # pg_advisory lock id of the single drainer
_PRINCIPAL = re.compile(r"^[a-z]+(:\d+)*$")

COLUMNS = """(
    key varchar(80) PRIMARY KEY,
    doc_type varchar(32) NOT NULL,
    doc_id integer NOT NULL,
    principals text[] NOT NULL,
    kwesties text[] NOT NULL,
    tags text[] NOT NULL,
    method varchar(120) NOT NULL,
    year varchar(4) NOT NULL,
    date timestamptz NOT NULL,
    fingerprint varchar(32) NOT NULL,
    words tsvector NOT NULL,
    tsv tsvector NOT NULL
)"""
INDEXES = {  # name suffix: definition
    "tsv": "USING gin (tsv)",
    "principals": "USING gin (principals)",
    "date": "(date)",
    "kwesties": "USING gin (kwesties)",
    "tags": "USING gin (tags)",
}
BUILD = "search_documents_build"  # a rebuild fills this table, then swaps it in
PKEY = "search_documents_pkey"


def _indexes(table: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS ix_{table}_{name} ON {table} {how}"
        for name, how in INDEXES.items()
    ]


DDL = [f"CREATE TABLE IF NOT EXISTS search_documents {COLUMNS}", *_indexes("search_documents")]

UPSERT = """
INSERT INTO search_documents
    (key, doc_type, doc_id, principals, kwesties, tags, method, year, date, fingerprint,
     words, tsv)
VALUES (:key, :doc_type, :doc_id, :principals, :kwesties, :tags, :method, :year, :date,
        :fingerprint, to_tsvector('simple', :words),
        setweight(to_tsvector('simple', :title), 'A')
        || setweight(to_tsvector('simple', :body), 'B'))
ON CONFLICT (key) DO UPDATE SET
    principals = EXCLUDED.principals, kwesties = EXCLUDED.kwesties, tags = EXCLUDED.tags,
    method = EXCLUDED.method, year = EXCLUDED.year, date = EXCLUDED.date,
    fingerprint = EXCLUDED.fingerprint, words = EXCLUDED.words, tsv = EXCLUDED.tsv
"""


def _row(doc: Document) -> dict[str, Any]:
    return {
        "key": doc.key,
        "doc_type": doc.type,
        "doc_id": doc.id,
        "principals": sorted(doc.principals),
        "kwesties": [str(k) for k in doc.kwesties],
        "tags": [analysis.fold(t) for t in doc.tags],
        "method": doc.method,
        "year": str(doc.year),
        "date": doc.date,
        "fingerprint": doc.fingerprint(),
        "words": " ".join(sorted(analysis.spelling_words(f"{doc.title} {doc.body}"))),
        "title": " ".join(analysis.terms(doc.title)),
        "body": " ".join(analysis.terms(doc.body)),
    }


def _phrase(phrase: tuple[str, ...]) -> str:
    return " <-> ".join(phrase)


def tsquery(query: Query, *, any_terms: bool = False) -> str | None:
    """A to_tsquery('simple', …) string; the terms are [a-z0-9]+ by construction."""
    if not query.groups:
        return None
    groups = ["(" + " | ".join(_phrase(p) for p in group) + ")" for group in query.groups]
    out = (" | " if any_terms else " & ").join(groups)
    if query.exclude:
        out = f"({out}) & !(" + " | ".join(f"({_phrase(p)})" for p in query.exclude) + ")"
    return out


def _where(
    query: Query, principals: set[str], mask: set[str], any_terms: bool = False
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause: the reader's principals always, the cheap array and column tests
    next and the text match last (the order PostgreSQL evaluates filters of equal cost in)."""
    clauses = ["principals && CAST(:principals AS text[])"]
    params: dict[str, Any] = {"principals": sorted(principals)}
    columns = {"type": "doc_type", "method": "method", "year": "year"}
    for name, values in sorted(query.filters.items()):
        params[f"f_{name}"] = sorted(values)
        if name in columns:
            clauses.append(f"{columns[name]} = ANY(CAST(:f_{name} AS text[]))")
        else:
            array = "kwesties" if name == "kwestie" else "tags"
            clauses.append(f"{array} && CAST(:f_{name} AS text[])")
    if mask:
        clauses.append("NOT (key = ANY(CAST(:mask AS text[])))")
        params["mask"] = sorted(mask)
    tsq = tsquery(query, any_terms=any_terms)
    if tsq:
        clauses.append("tsv @@ to_tsquery('simple', :tsq)")
        params["tsq"] = tsq
    return " AND ".join(clauses), params


# One statement answers a search page: the newest `cap` + 1 matches are read once (the
# candidates, with their rank), and the page of hits, the total and the facet counts all come
# from them. Ranking, counting and faceting every match of a common word is what costs at
# 100,000 documents; reading the newest matches along the date index stops early.
PAGE = """
WITH c AS MATERIALIZED (
    SELECT doc_type, doc_id, key, date, kwesties, tags, method, year, {rank} AS score
    FROM search_documents WHERE {where}
    ORDER BY date DESC LIMIT :cap + 1
), s AS MATERIALIZED (
    SELECT * FROM c ORDER BY date DESC, key LIMIT :cap
)
(SELECT 'hit', doc_type::text, doc_id::bigint, score FROM s
    ORDER BY {order} LIMIT :limit OFFSET :offset)
UNION ALL SELECT 'total', '', count(*), 0 FROM c
UNION ALL SELECT 'type', doc_type::text, count(*), 0 FROM s GROUP BY doc_type
UNION ALL SELECT 'kwestie', k, count(*), 0 FROM s, unnest(s.kwesties) k GROUP BY k
UNION ALL SELECT 'tag', t, count(*), 0 FROM s, unnest(s.tags) t GROUP BY t
UNION ALL SELECT 'method', method::text, count(*), 0 FROM s WHERE method <> '' GROUP BY method
UNION ALL SELECT 'year', year::text, count(*), 0 FROM s GROUP BY year
"""
SPELLING_SAMPLE = 5000  # documents whose words may be suggested: the reader's newest


def _cap() -> int:
    return max(1, int(current_app.config.get("SEARCH_EXACT_LIMIT", 1000)))


class PostgresBackend:
    name = "postgres"

    def _exists(self) -> bool:
        return bool(db.session.scalar(text("SELECT to_regclass('search_documents') IS NOT NULL")))

    def _ready_to_read(self) -> bool:
        """`_exists()`, and plan this transaction's statements for their own values: psycopg
        prepares a statement after a few runs, and PostgreSQL's generic plan for it (made
        without knowing the query's words, so with guessed match counts) was 10-20 times
        slower at 100,000 documents."""
        return bool(
            db.session.scalar(
                text(
                    "SELECT to_regclass('search_documents') IS NOT NULL "
                    "AND set_config('plan_cache_mode', 'force_custom_plan', true) <> ''"
                )
            )
        )

    def usable(self) -> bool:
        return self._exists()

    def version(self) -> Any:
        return None  # other app servers write too: nothing is cached per process

    def search(self, request: SearchRequest) -> Hits:
        """Beyond SEARCH_EXACT_LIMIT matches the hits are ranked, and the facets counted,
        over the newest SEARCH_EXACT_LIMIT of them, and the total says "more than" (`more`).
        Never an estimate from table statistics: they are computed over every team's
        documents (dependencies.md §2.4)."""
        if not request.principals:
            return Hits(0, [], {})
        if not self._ready_to_read():
            raise IndexUnavailable("search_documents is missing")
        where, params = _where(request.query, request.principals, request.mask, request.any_terms)
        params["limit"] = request.per_page
        params["offset"] = (request.page - 1) * request.per_page
        if request.sort == "recent" or not request.facets:
            # The newest matches, unscored and uncounted (similar cases): the date index.
            rows = db.session.execute(
                text(
                    f"SELECT doc_type, doc_id FROM search_documents WHERE {where} "  # noqa: S608 - fixed fragments, values bound
                    "ORDER BY date DESC, key LIMIT :limit OFFSET :offset"
                ),
                params,
            ).all()
            newest = [(t, int(i), 0.0) for t, i in rows]
            return Hits(len(newest), newest, {})
        params["cap"] = cap = _cap()
        ranked = "tsq" in params and request.sort != "date"
        sql = PAGE.format(
            rank="ts_rank(tsv, to_tsquery('simple', :tsq))" if ranked else "0::real",
            where=where,
            order="date DESC, key" if request.sort == "date" else "score DESC, date DESC, key",
        )
        hits: list[tuple[str, int, float]] = []
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        matched = 0
        for kind, value, number, score in db.session.execute(text(sql), params):
            if kind == "hit":
                hits.append((str(value), int(number), float(score)))
            elif kind == "total":
                matched = int(number)
            else:
                facets[kind].append((str(value), int(number)))
        for name in facets:
            facets[name].sort(key=lambda vc: (-vc[1], vc[0]))
        return Hits(min(matched, cap), hits, facets, matched > cap)

    def count(self, query: Query, principals: set[str], mask: set[str]) -> int:
        """Matches the principals may read, counted up to SEARCH_EXACT_LIMIT (the spelling
        suggestion asks whether there is any)."""
        if not principals or not self._ready_to_read():
            return 0
        where, params = _where(query, principals, mask)
        params["cap"] = _cap()
        return int(
            db.session.scalar(
                text(
                    "SELECT count(*) FROM (SELECT 1 FROM search_documents "  # noqa: S608
                    f"WHERE {where} LIMIT :cap) m"
                ),
                params,
            )
            or 0
        )

    def spelling_candidates(self, word: str, principals: set[str]) -> list[str]:
        """Words near `word` from the documents the reader may read only."""
        safe = sorted(p for p in principals if _PRINCIPAL.match(p))
        if not safe or not self._exists():
            return []
        array = "ARRAY[" + ",".join(f"'{p}'" for p in safe) + "]::text[]"
        # ts_stat takes SQL text: the principals are checked against _PRINCIPAL above. The
        # words of the reader's newest documents only: all of them is seconds at 100,000.
        inner = (
            f"SELECT words FROM search_documents WHERE principals && {array} "  # noqa: S608
            f"ORDER BY date DESC LIMIT {SPELLING_SAMPLE}"
        )
        rows = db.session.execute(
            text(
                "SELECT word, ndoc FROM ts_stat(:inner) "
                "WHERE left(word, 1) = :first AND length(word) BETWEEN :low AND :high"
            ),
            {"inner": inner, "first": word[:1], "low": len(word) - 2, "high": len(word) + 2},
        ).all()
        near = [(analysis.distance(w, word), -n, w) for w, n in rows if w != word]
        return [w for d, _n, w in sorted(near) if d <= 2][:8]

    def doc_frequencies(self, terms: list[str]) -> dict[str, int]:
        return {}  # counting common terms in SQL costs more than it helps (similar cases)

    @contextmanager
    def writer_lock(self) -> Iterator[bool]:
        yield True  # the transaction-level advisory lock of begin_batch() decides

    def begin_batch(self) -> bool:
        return bool(
            db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        )

    def apply(self, upserts: list[Document], deletes: list[str]) -> None:
        if not self._exists():
            raise IndexUnavailable("search_documents is missing")
        if deletes:
            db.session.execute(
                text("DELETE FROM search_documents WHERE key = ANY(CAST(:keys AS text[]))"),
                {"keys": deletes},
            )
        if upserts:
            db.session.execute(text(UPSERT), [_row(d) for d in upserts])

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None]) -> int:
        """Fill a new table beside the old one (which keeps answering searches), index and
        analyse it in bulk, then swap it in: the caller's commit makes it visible at once.
        Deleting and re-inserting every row in place left the table at three times its
        size with no statistics until autovacuum came by, and searches 50 times slower."""
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        db.session.execute(text(f"DROP TABLE IF EXISTS {BUILD}"))
        db.session.execute(text(f"CREATE TABLE {BUILD} {COLUMNS}"))
        insert = text(UPSERT.replace("INSERT INTO search_documents", f"INSERT INTO {BUILD}"))
        count, batch = 0, []
        for doc in documents:
            batch.append(_row(doc))
            if len(batch) >= 500:
                db.session.execute(insert, batch)
                count += len(batch)
                progress(len(batch))
                batch = []
        if batch:
            db.session.execute(insert, batch)
            count += len(batch)
            progress(len(batch))
        for statement in _indexes(BUILD):
            db.session.execute(text(statement))
        db.session.execute(text(f"ANALYZE {BUILD}"))
        # The swap: a moment's exclusive lock on the old table, released by the commit.
        db.session.execute(text("DROP TABLE IF EXISTS search_documents"))
        db.session.execute(text(f"ALTER TABLE {BUILD} RENAME TO search_documents"))
        db.session.execute(
            text(f"ALTER TABLE search_documents RENAME CONSTRAINT {BUILD}_pkey TO {PKEY}")
        )
        for name in INDEXES:
            db.session.execute(
                text(f"ALTER INDEX ix_{BUILD}_{name} RENAME TO ix_search_documents_{name}")
            )
        return count

    def fingerprints(self) -> Iterator[tuple[str, str]]:
        if not self._exists():
            raise IndexUnavailable("search_documents is missing")
        yield from db.session.execute(text("SELECT key, fingerprint FROM search_documents"))

    def size_bytes(self) -> int:
        if not self._exists():
            return 0
        return int(
            db.session.scalar(text("SELECT pg_total_relation_size('search_documents')")) or 0
        )
