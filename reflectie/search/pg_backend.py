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
_PRINCIPAL = re.compile(r"^[a-z]+(:\d+)?$")

DDL = [
    """CREATE TABLE IF NOT EXISTS search_documents (
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
    )""",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv ON search_documents USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_principals "
    "ON search_documents USING gin (principals)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_date ON search_documents (date)",
]

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
    clauses = ["principals && CAST(:principals AS text[])"]
    params: dict[str, Any] = {"principals": sorted(principals)}
    tsq = tsquery(query, any_terms=any_terms)
    if tsq:
        clauses.append("tsv @@ to_tsquery('simple', :tsq)")
        params["tsq"] = tsq
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
    return " AND ".join(clauses), params


class PostgresBackend:
    name = "postgres"

    def _exists(self) -> bool:
        return bool(db.session.scalar(text("SELECT to_regclass('search_documents') IS NOT NULL")))

    def usable(self) -> bool:
        return self._exists()

    def version(self) -> Any:
        return None  # other app servers write too: nothing is cached per process

    def search(self, request: SearchRequest) -> Hits:
        if not request.principals:
            return Hits(0, [], {})
        if not self._exists():
            raise IndexUnavailable("search_documents is missing")
        where, params = _where(request.query, request.principals, request.mask, request.any_terms)
        ranked = "tsq" in params and request.sort != "recent"
        rank = "ts_rank(tsv, to_tsquery('simple', :tsq))" if ranked else "0"
        order = (
            "date DESC, key" if request.sort in {"date", "recent"} else "score DESC, date DESC, key"
        )
        params["limit"] = request.per_page
        params["offset"] = (request.page - 1) * request.per_page
        params["cap"] = cap = int(current_app.config.get("SEARCH_EXACT_LIMIT", 2000))
        # Beyond `cap` matches, rank and count facets over the first `cap` of them only, and
        # say the total is "more than cap" (ranking and counting every match of a common word
        # is what costs; dependencies.md §2.4). Never an estimate from table statistics: they
        # are computed over every team's documents.
        capped = (
            request.sort != "date"
            and (
                db.session.scalar(
                    text(
                        f"SELECT count(*) FROM (SELECT 1 FROM search_documents "  # noqa: S608
                        f"WHERE {where} LIMIT :cap + 1) s"
                    ),
                    params,
                )
                or 0
            )
            > cap
        )
        source = (
            f"(SELECT * FROM search_documents WHERE {where} LIMIT :cap) c"  # noqa: S608
            if capped
            else f"search_documents WHERE {where}"
        )
        rows = db.session.execute(
            text(
                f"SELECT doc_type, doc_id, {rank} AS score FROM {source} "  # noqa: S608 - fixed fragments, values bound
                f"ORDER BY {order} LIMIT :limit OFFSET :offset"
            ),
            params,
        ).all()
        hits = [(t, int(i), float(s)) for t, i, s in rows]
        if not request.facets:
            return Hits(cap if capped else self._count(where, params), hits, {}, capped)
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        facet_rows = db.session.execute(
            text(
                f"WITH m AS (SELECT doc_type, kwesties, tags, method, year FROM {source}) "  # noqa: S608
                "SELECT 'type', doc_type, count(*) FROM m GROUP BY doc_type "
                "UNION ALL SELECT 'kwestie', k, count(*) FROM m, unnest(m.kwesties) k "
                "GROUP BY k "
                "UNION ALL SELECT 'tag', t, count(*) FROM m, unnest(m.tags) t GROUP BY t "
                "UNION ALL SELECT 'method', method, count(*) FROM m WHERE method <> '' "
                "GROUP BY method "
                "UNION ALL SELECT 'year', year, count(*) FROM m GROUP BY year"
            ),
            params,
        ).all()
        for name, value, count in facet_rows:
            facets[name].append((str(value), int(count)))
        for name in facets:
            facets[name].sort(key=lambda vc: (-vc[1], vc[0]))
        total = sum(c for _v, c in facets["type"])
        return Hits(total, hits, facets, capped)

    def _count(self, where: str, params: dict[str, Any]) -> int:
        return int(
            db.session.scalar(
                text(f"SELECT count(*) FROM search_documents WHERE {where}"),  # noqa: S608
                params,
            )
            or 0
        )

    def count(self, query: Query, principals: set[str], mask: set[str]) -> int:
        if not principals or not self._exists():
            return 0
        where, params = _where(query, principals, mask)
        return self._count(where, params)

    def spelling_candidates(self, word: str, principals: set[str]) -> list[str]:
        """Words near `word` from the documents the reader may read only."""
        safe = sorted(p for p in principals if _PRINCIPAL.match(p))
        if not safe or not self._exists():
            return []
        array = "ARRAY[" + ",".join(f"'{p}'" for p in safe) + "]::text[]"
        # ts_stat takes SQL text: the principals are checked against _PRINCIPAL above.
        inner = f"SELECT words FROM search_documents WHERE principals && {array}"  # noqa: S608
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
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        for statement in DDL:
            db.session.execute(text(statement))
        db.session.execute(text("DELETE FROM search_documents"))
        count, batch = 0, []
        for doc in documents:
            batch.append(_row(doc))
            if len(batch) >= 500:
                db.session.execute(text(UPSERT), batch)
                count += len(batch)
                progress(len(batch))
                batch = []
        if batch:
            db.session.execute(text(UPSERT), batch)
            count += len(batch)
            progress(len(batch))
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
