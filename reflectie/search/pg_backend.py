"""PostgreSQL full text, for deployments with several app servers (SEARCH_BACKEND=postgres).

One table, `search_documents`, derived data like the Whoosh directory: created and filled by
`reflectie search reindex` (or the automatic rebuild when it is missing), never by a migration,
so SQLite installs carry no trace of it. It stores a weighted tsvector (title A, body B) with a
GIN index, and the principals as a text[] with a GIN index; every query carries the principal
filter (dependencies.md §2.4).

The vector indexes both stemmers' output (the issue's own way out of the Dutch stemming gaps,
domain.md §4). First the terms of reflectie.search.analysis under the `simple` configuration:
classic Snowball Dutch plus the gap rules and accent folding, done in Python, so every pair of
domain.md §4 finds each other whatever the server's Snowball version, and both engines answer
the shared test suite identically. Then the same folded words under the server's `dutch`
configuration, so the words its stemmer conflates and ours does not (weigerte = weigert) are
found too. A query term becomes (our term | the server's lexeme of the query word) where the two
differ; the lexemes come with the statement a search or count starts with, so they cost no
extra round trip. Phrases and exclusions stay our terms: `||` numbers the second part's
positions after the first's, so the `dutch` part starts one position late (a stop word) and no
phrase can join the last word of the body to the first of the title.

Snippets come from ts_headline under the `dutch` configuration, for the shown page only and
in one statement, over the database's current text of each hit the reader may see (R-05),
never over the index. Its query is each text's own words whose analysis term matches, so
accented words and the gap pairs are marked; see PostgresBackend.snippets.

At 100,000 documents (docs/performance.md, session 3): a search page is one statement over
the newest SEARCH_EXACT_LIMIT matches ("more than" beyond them), planned for its own words,
and a rebuild fills a new table beside the old one and swaps it in, indexed and analysed.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from flask import current_app
from markupsafe import Markup
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
        || setweight(to_tsvector('simple', :body), 'B')
        || setweight(to_tsvector('dutch', 'de ' || :title_words), 'A')
        || setweight(to_tsvector('dutch', 'de ' || :body_words), 'B'))
ON CONFLICT (key) DO UPDATE SET
    principals = EXCLUDED.principals, kwesties = EXCLUDED.kwesties, tags = EXCLUDED.tags,
    method = EXCLUDED.method, year = EXCLUDED.year, date = EXCLUDED.date,
    fingerprint = EXCLUDED.fingerprint, words = EXCLUDED.words, tsv = EXCLUDED.tsv
"""
# The `dutch` parts above start with a stop word: it takes a position but gives no lexeme, so
# the last term of the `simple` part and the first `dutch` lexeme are never neighbours (a
# phrase query must not join them).


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
        # The folded words, stop words included: the server's `dutch` configuration stems the
        # very words our analysis saw, as it does the query's words (`lexemes` in search()).
        "title_words": " ".join(analysis.words(doc.title)),
        "body_words": " ".join(analysis.words(doc.body)),
    }


def _phrase(phrase: tuple[str, ...]) -> str:
    return " <-> ".join(phrase)


_LEXEME = re.compile(r"^[a-z0-9]+$")


def alternatives(lexemes: Mapping[str, str]) -> dict[str, set[str]]:
    """Our term of each query word → the server's `dutch` lexemes of the words, where they
    differ. `lexemes` maps a folded query word to its lexeme ('' for a stop word there)."""
    out: dict[str, set[str]] = defaultdict(set)
    for word, lexeme in lexemes.items():
        found = analysis.terms(word)
        if len(found) == 1 and lexeme != found[0] and _LEXEME.match(lexeme):
            out[found[0]].add(lexeme)
    return out


def tsquery(
    query: Query, *, any_terms: bool = False, lexemes: Mapping[str, str] | None = None
) -> str | None:
    """A to_tsquery('simple', …) string; the terms are [a-z0-9]+ by construction.

    A one-word phrase matches our term or the server's `dutch` lexeme of the query word
    (`lexemes`, see alternatives()); longer phrases and exclusions are our terms only. Words
    come from the query text alone (query.words): similar cases, built from terms, have none.
    """
    if not query.groups:
        return None
    others = alternatives(lexemes or {})

    def positive(phrase: tuple[str, ...]) -> str:
        if len(phrase) > 1:
            return _phrase(phrase)
        extra = others.get(phrase[0])
        return "(" + " | ".join([phrase[0], *sorted(extra)]) + ")" if extra else phrase[0]

    groups = ["(" + " | ".join(positive(p) for p in group) + ")" for group in query.groups]
    out = (" | " if any_terms else " & ").join(groups)
    if query.exclude:
        out = f"({out}) & !(" + " | ".join(f"({_phrase(p)})" for p in query.exclude) + ")"
    return out


def _where(
    query: Query,
    principals: set[str],
    mask: set[str],
    any_terms: bool = False,
    lexemes: Mapping[str, str] | None = None,
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
    tsq = tsquery(query, any_terms=any_terms, lexemes=lexemes)
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

# A search or count starts here: is the table there, plan this transaction's statements for
# their own values, and the server's `dutch` lexeme of each query word (in order; '' for a
# stop word), so the alternatives cost no round trip of their own.
READY = """
SELECT to_regclass('search_documents') IS NOT NULL
       AND set_config('plan_cache_mode', 'force_custom_plan', true) <> '',
       ARRAY(SELECT array_to_string(tsvector_to_array(to_tsvector('dutch', w)), ' ')
             FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS u(w, n) ORDER BY n)
"""

# Snippets: ts_headline over each shown text with its own query, the page in one statement.
# Its marks are control characters no text can bring along (they are removed from it first),
# turned into <mark> after escaping; `<` is swapped for another such character meanwhile, or
# the parser would take "<b>" for a tag and drop it from the snippet.
MARK, UNMARK, LESS_THAN = "\x02", "\x03", "\x04"
_UNSAFE = str.maketrans("", "", "\x00" + MARK + UNMARK + LESS_THAN)
# About analysis.highlight()'s 220 characters: 35 words, one fragment around the best match
# (the first 34 words when none); MaxWords counts words, so a text of long words runs longer.
# ShortWord=2: a fragment may start or end at a three-letter word ("Let op", "het"), but not
# at "de" or at the "b" of "<b>" (the default, 3, cut "<b>Let op</b>: de" off a match).
HEADLINE_OPTIONS = (
    f'StartSel="{MARK}", StopSel="{UNMARK}", MaxWords=35, MinWords=34, MaxFragments=1, ShortWord=2'
)
HEADLINE = """
SELECT n, ts_headline('dutch', body, to_tsquery('dutch', q), :options)
FROM unnest(CAST(:texts AS text[]), CAST(:queries AS text[])) WITH ORDINALITY AS u(body, q, n)
ORDER BY n
"""
EXTEND = 30  # a snippet cut inside a run of non-spaces reaches back (or on) this far to a space


def _headline_query(text: str, terms: set[str], words: Sequence[str]) -> str:
    """to_tsquery('dutch', …) text: the text's words whose analysis term matches, as written
    (cliënt, teamleden: the server stems them as it stems the text), and the query's words
    for what only the server's stemmer conflates (weigert marks weigerte)."""
    found = analysis.matching_words(text, terms)
    found.update(w for w in words if (t := analysis.terms(w)) and t[0] in terms)
    # \w+ runs and [a-z0-9]+ words: no quote or backslash to escape, but be safe anyway.
    return " | ".join("'" + w.replace("\\", "").replace("'", "''") + "'" for w in sorted(found))


def _snippet(prepared: str, headline: str) -> Markup:
    """Escaped HTML of ts_headline's fragment of `prepared`, with "…" where text was cut."""
    headline = headline.strip(" ")
    plain = headline.replace(MARK, "").replace(UNMARK, "")
    at = prepared.find(plain)
    if at < 0:  # ts_headline returns a piece of its input; should it not, say it was cut
        start, stop, raw = 1, 0, headline
    else:
        end = at + len(plain)
        # ts_headline starts and stops at words: take in what touches them up to a space.
        start = prepared.rfind(" ", 0, at) + 1
        start = start if at - start <= EXTEND else at
        stop = prepared.find(" ", end)
        stop = len(prepared) if stop < 0 else stop
        stop = stop if stop - end <= EXTEND else end
        raw = prepared[start:at] + headline + prepared[end:stop]
    body = (
        html.escape(raw)
        .replace(MARK, "<mark>")
        .replace(UNMARK, "</mark>")
        .replace(LESS_THAN, "&lt;")
    )
    snippet = ("…" if start > 0 else "") + body + ("…" if stop < len(prepared) else "")
    return Markup(snippet)  # noqa: S704 - escaped text and our own <mark> tags only


def _cap() -> int:
    return max(1, int(current_app.config.get("SEARCH_EXACT_LIMIT", 1000)))


class PostgresBackend:
    name = "postgres"

    def _exists(self) -> bool:
        return bool(db.session.scalar(text("SELECT to_regclass('search_documents') IS NOT NULL")))

    def _ready_to_read(self, words: Sequence[str] = ()) -> tuple[bool, dict[str, str]]:
        """`_exists()`, and plan this transaction's statements for their own values: psycopg
        prepares a statement after a few runs, and PostgreSQL's generic plan for it (made
        without knowing the query's words, so with guessed match counts) was 10-20 times
        slower at 100,000 documents. Also the `dutch` lexeme of each of `words`."""
        distinct = list(dict.fromkeys(words))
        ready, lexemes = db.session.execute(text(READY), {"words": distinct}).one()
        return bool(ready), dict(zip(distinct, lexemes, strict=True))

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
        ready, lexemes = self._ready_to_read(request.query.words)
        if not ready:
            raise IndexUnavailable("search_documents is missing")
        where, params = _where(
            request.query, request.principals, request.mask, request.any_terms, lexemes
        )
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
        if not principals:
            return 0
        ready, lexemes = self._ready_to_read(query.words)
        if not ready:
            return 0
        where, params = _where(query, principals, mask, lexemes=lexemes)
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

    def snippets(
        self, texts: list[str], terms: set[str], words: Sequence[str] = ()
    ) -> list[Markup]:
        """ts_headline under the `dutch` configuration, the page in one statement. A text
        with no matching word is not sent: it gets its first 220 characters (from
        analysis.highlight(), which has nothing to mark then)."""
        prepared = [" ".join(t.translate(_UNSAFE).split()).replace("<", LESS_THAN) for t in texts]
        queries = [_headline_query(t, terms, words) for t in prepared]
        asked = [i for i, q in enumerate(queries) if q]
        out: list[Markup] = [
            Markup("") if q else analysis.highlight(t.replace(LESS_THAN, "<"), set())
            for t, q in zip(prepared, queries, strict=True)
        ]
        if asked:
            rows = db.session.execute(
                text(HEADLINE),
                {
                    "texts": [prepared[i] for i in asked],
                    "queries": [queries[i] for i in asked],
                    "options": HEADLINE_OPTIONS,
                },
            )
            for n, headline in rows:
                i = asked[int(n) - 1]
                out[i] = _snippet(prepared[i], headline)
        return out

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
