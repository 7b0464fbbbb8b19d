"""Search for a reader: query → engine (filtered by the reader's principals) → database
re-check → snippets from the current text. Also the audit row of a search (without its words),
similar documents, reindex and check."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any

from flask import Flask, current_app, has_request_context
from markupsafe import Markup
from sqlalchemy import select

from reflectie.audit.services import record
from reflectie.db import db, read_only
from reflectie.search import analysis
from reflectie.search.backend import FACETS, IndexUnavailable, SearchRequest, get_backend
from reflectie.search.models import OutboxEntry
from reflectie.search.outbox import (
    PENDING_LIMIT,
    delete_rows,
    drain,
    drain_batch,
    drain_mode,
    drainer,
    is_rebuilding,
    own_keys,
    pending_count,
    pending_keys,
    requeue,
    wait_until_indexed,
)
from reflectie.search.outbox import schedule_rebuild as _schedule
from reflectie.search.query import Query, normalise_filter, parse
from reflectie.search.registry import Document, Shown, providers, reader_principals

log = logging.getLogger(__name__)
MAX_PAGE = 100


@dataclass
class Result:
    type: str
    type_label: str
    id: int
    title: str
    url: str
    snippet: Markup
    kwesties: list[int]
    group: str
    date: datetime | None
    score: float


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchPage:
    q: str
    query: Query
    total: int = 0
    results: list[Result] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    suggestion: str | None = None
    rebuilding: bool = False
    more: bool = False  # "more than total": counted and ranked over the first matches only
    # The index turned out to be behind the database for this reader (the re-check dropped
    # hits, or more changes wait than can be masked): counts, filters and suggestions are
    # withheld, since they come from the index; `total` is then what this page showed.
    behind: bool = False
    stale: set[str] = field(default_factory=set)  # the dropped hits, to be indexed again

    @property
    def pages(self) -> int:
        if self.behind and self.more:
            return min(MAX_PAGE, self.page + 1)
        return min(MAX_PAGE, max(1, math.ceil(self.total / self.per_page)))

    @property
    def fallback(self) -> bool:
        return self.query.fallback


def clean_filters(raw: dict[str, list[str]]) -> dict[str, set[str]]:
    """Filters from request arguments, invalid values dropped."""
    cleaned: dict[str, set[str]] = {}
    for name in FACETS:
        values = {v for v in (normalise_filter(name, r) for r in raw.get(name, [])) if v}
        if values:
            cleaned[name] = values
    return cleaned


RECHECK_PENDING = 50


def _stale_mask(user: Any, keys: set[str] | None = None) -> set[str]:
    """Keys with changes not yet in the index that the reader may not see now: never counted,
    suggested or shown until the drainer has indexed them. With many changes waiting (a bulk
    import, a rebuild holding the lock) all of them are masked, without asking the database."""
    keys = pending_keys() if keys is None else keys
    if not keys or len(keys) > RECHECK_PENDING:
        return keys
    by_type: dict[str, list[int]] = defaultdict(list)
    for key in keys:
        doc_type, _, doc_id = key.partition(":")
        by_type[doc_type].append(int(doc_id))
    mask = set()
    registered = providers()
    for doc_type, ids in by_type.items():
        provider = registered.get(doc_type)
        visible = provider.visible(user, ids) if provider else {}
        mask.update(f"{doc_type}:{i}" for i in ids if i not in visible)
    return mask


def _catch_up(user: Any) -> set[str]:
    """Read-your-writes: have what is pending indexed before searching. In a web request
    (SEARCH_DRAIN_AFTER_COMMIT "background") a drainer does it, and the search waits at most
    SEARCH_CATCH_UP_WAIT seconds for the reader's own pending changes (the case they just
    saved); other people's changes arrive a moment later and are masked meanwhile. Elsewhere
    (commands, "inline") it drains here, without waiting for the lock: when another drainer
    holds it, it waits the same way. Returns the keys still pending afterwards."""
    keys = pending_keys()
    if not keys:
        return keys
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if drain_mode(app) == "background" and has_request_context():
        # The machine's drainer process indexes them, or where none listens this worker's
        # drainer thread: never the request itself.
        drainer(app).wake()
        if len(keys) > RECHECK_PENDING:
            return keys  # a bulk change: masked meanwhile
        return _wait_for_own(app, user, keys)
    try:
        result = drain(limit=int(app.config.get("SEARCH_DRAIN_LIMIT", 2000)), rebuild=False)
    except Exception:
        db.session.rollback()
        log.exception("search: drain before search failed")
        return pending_keys()
    keys = pending_keys()
    if result.skipped and len(keys) <= RECHECK_PENDING:
        return _wait_for_own(app, user, keys)
    return keys


def _wait_for_own(app: Flask, user: Any, keys: set[str]) -> set[str]:
    """Wait up to SEARCH_CATCH_UP_WAIT seconds while the reader's own changes among the
    pending `keys` are indexed by someone else; returns the keys pending afterwards."""
    wait = float(app.config.get("SEARCH_CATCH_UP_WAIT", 1.0))
    mine = (keys & own_keys()) - _stale_mask(user, keys)
    if not mine or wait <= 0:
        return keys
    wait_until_indexed(mine, wait)
    return pending_keys()


Visible = tuple[str, int, float, Shown]  # a hit the re-check let through, and what to show


def _recheck(user: Any, hits: list[tuple[str, int, float]]) -> list[Visible]:
    """The hits the reader may see according to the database now, in the index's order,
    each with its current title and text; the rest are left out (R-05)."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for doc_type, doc_id, _score in hits:
        by_type[doc_type].append(doc_id)
    shown: dict[tuple[str, int], Shown] = {}
    registered = providers()
    for doc_type, ids in by_type.items():
        provider = registered.get(doc_type)
        if provider is None:
            continue
        for doc_id, item in provider.visible(user, ids).items():
            shown[(doc_type, doc_id)] = item
    return [(t, i, score, shown[(t, i)]) for t, i, score in hits if (t, i) in shown]


def _results(visible: list[Visible], snippets: list[Markup]) -> list[Result]:
    """Result rows of re-checked hits, each with its snippet (in the same order)."""
    registered = providers()
    return [
        Result(
            type=doc_type,
            type_label=str(registered[doc_type].label),
            id=doc_id,
            title=item.title,
            url=item.url,
            snippet=snippet,
            kwesties=item.kwesties,
            group=item.group,
            date=item.date,
            score=round(score, 4),
        )
        for (doc_type, doc_id, score, item), snippet in zip(visible, snippets, strict=True)
    ]


def _labels(name: str, values: list[str]) -> dict[str, str]:
    registered = providers()
    if name == "type":
        return {v: str(registered[v].label) if v in registered else v for v in values}
    labeller: Callable[[list[str]], dict[str, str]] | None = current_app.extensions.get(
        "search_facet_labels", {}
    ).get(name)
    return labeller(values) if labeller else {}


def search(
    user: Any,
    q: str,
    *,
    filters: dict[str, set[str]] | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 10,
) -> SearchPage:
    query = parse(q).with_filters(filters or {})
    page = max(1, min(page, MAX_PAGE))
    result = SearchPage(q=q, query=query, page=page, per_page=per_page, sort=sort)
    if query.is_empty:
        return result
    principals = reader_principals(user)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    backend = get_backend()
    pending = _catch_up(user)
    mask = _stale_mask(user, pending)
    request = SearchRequest(
        query=query,
        principals=principals,
        mask=mask,
        sort="date" if sort == "date" else "relevance",
        page=page,
        per_page=per_page,
    )
    try:
        hits = backend.search(request)
    except IndexUnavailable:
        db.session.rollback()
        _schedule(app)
        result.rebuilding = True
        return result
    if is_rebuilding(app):
        result.rebuilding = True
    visible = _recheck(user, hits.hits)
    # Snippets from the database's current text of the shown page only, in one engine call.
    snippets = backend.snippets(
        [item.text for *_hit, item in visible], query.highlight_terms, query.words
    )
    result.results.extend(_results(visible, snippets))
    shown = {(t, i) for t, i, _score, _item in visible}
    result.stale = {f"{t}:{i}" for t, i, _score in hits.hits if (t, i) not in shown}
    if result.stale or len(pending) >= PENDING_LIMIT:
        # The index holds what the database no longer says: its counts and facets
        # could tell of documents this reader may not see. Show only the checked page.
        result.behind = True
        result.total = (page - 1) * per_page + len(visible)
        result.more = hits.total > page * per_page
        return result
    result.total = hits.total
    result.more = hits.more
    for name, counts in hits.facets.items():
        labels = _labels(name, [v for v, _c in counts])
        selected = query.filters.get(name, set())
        result.facets[name] = [
            FacetValue(v, labels.get(v, v), c, v in selected) for v, c in counts if c > 0
        ]
    if result.total == 0 and query.words:
        result.suggestion = suggest(q, query, principals, mask)
    return result


# --- the audit row of a search (R-21, R-22) ------------------------------------------------------


def query_hash(q: str) -> str | None:
    """A keyed hash (HMAC-SHA-256 under a key derived from SECRET_KEY) of the normalised query:
    an officer can tell that two searches asked the same, or check one given query against the
    log (`reflectie search query-hash`), but a dictionary of names is no use without the key."""
    text = " ".join(q.casefold().split())
    if not text:
        return None
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    key = hmac.new(secret, b"reflectie search audit v1", hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


LISTED_FILTERS = frozenset({"type", "kwestie", "method", "year"})  # values from fixed lists


def record_search(
    user: Any, page: SearchPage, filters: dict[str, set[str]], *, channel: str
) -> None:
    """What a search writes, in the caller's write transaction: the documents the re-check
    found stale go back into the outbox, so that the index catches up with a change it never
    heard of (bulk SQL, a lost row); and one audit row: who, when, the filters chosen, how
    many results; of the words only their length and keyed hash, never the words themselves
    (they may name a client). A tag is typed text too, so it is kept as a keyed hash; kinds,
    kwesties, methods and years come from fixed lists. A page without a query searched
    nothing."""
    if page.query.is_empty:
        return
    requeue(page.stale)

    def shown(name: str, values: set[str]) -> list[str]:
        if name in LISTED_FILTERS:
            return sorted(values)
        return sorted(h for h in map(query_hash, values) if h)

    record(
        "search",
        actor=user,
        channel=channel,
        query_length=len(page.q),
        query_hash=query_hash(page.q),
        filters={name: shown(name, values) for name, values in sorted(filters.items())},
        results=page.total,
        page=page.page,
    )


def audit_similar(user: Any, doc_type: str, doc_id: int, found: int, *, channel: str) -> None:
    """Similar documents asked for directly (the API): the document and how many came back.
    The case page's own list is part of that page's read (`case.read`)."""
    event = record("search.similar", actor=user, channel=channel, results=found)
    event.object_type, event.object_id = doc_type, doc_id


def suggest(q: str, query: Query, principals: set[str], mask: set[str]) -> str | None:
    """ "Bedoelde u …": only words that find something this reader may read."""
    backend = get_backend()
    for word in dict.fromkeys(query.words):
        if len(word) < 3:
            continue
        for candidate in backend.spelling_candidates(word, principals):
            if candidate == word:
                continue
            text = " ".join(candidate if w == word else w for w in query.words)
            trial = parse(text).with_filters(query.filters)
            if backend.count(trial, principals, mask) > 0:
                return text
    return None


def _distinctive_terms(doc: Document, count: int = 4) -> list[str]:
    """The document's terms that say most about it: frequent here, rare elsewhere."""
    counts = Counter(
        t
        for t in analysis.terms(f"{doc.title} {doc.title} {doc.body}")
        if len(t) > 2 and not t.isdigit()
    )
    candidates = [t for t, _n in counts.most_common(30)]
    try:
        frequencies = get_backend().doc_frequencies(candidates)
    except IndexUnavailable:
        frequencies = {}

    def weight(term: str) -> float:
        return (
            counts[term] * math.log(1 + 1_000_000 / (1 + frequencies.get(term, 0)))
            + len(term) / 100
        )

    return sorted(candidates, key=weight, reverse=True)[:count]


_similar_cache: dict[tuple[Any, ...], tuple[list[tuple[str, int, float]], list[str]]] = {}


def similar(
    user: Any,
    doc_type: str,
    doc_id: int,
    *,
    limit: int = 5,
    checked: bool = False,
    snippets: bool = True,
) -> list[Result]:
    """The documents of the same type closest to one the reader may see: sharing most of its
    four most distinctive terms, and its kwesties. The strictest step first (all four terms
    and a kwestie), relaxed one step at a time; each step is an unscored set query, cheap on
    either engine, and the newest matches of a step come first.

    `checked`: the caller already loaded the document through its access function (the case
    page). The hits are cached per index version and reader principals; the database
    re-check runs on every call.
    """
    provider = providers().get(doc_type)
    if provider is None or not (checked or provider.visible(user, [doc_id])):
        return []
    pending = pending_keys()
    if len(pending) > RECHECK_PENDING:
        return []  # the index is far behind (a bulk change): the list waits for the drainer
    backend = get_backend()
    principals = reader_principals(user)
    mask = _stale_mask(user, pending) | {f"{doc_type}:{doc_id}"}
    version = backend.version()
    key = (backend.name, version, doc_type, doc_id, limit, frozenset(principals), frozenset(mask))
    cached = _similar_cache.get(key) if version is not None else None
    if cached is None:
        try:
            cached = _similar_hits(provider, doc_type, doc_id, principals, mask, limit)
        except IndexUnavailable:  # the search page starts the rebuild; a case page goes on
            db.session.rollback()
            return []
        if version is not None:
            if len(_similar_cache) > 1024:
                _similar_cache.clear()
            _similar_cache[key] = cached
    found, top = cached
    visible = _recheck(user, found)[:limit]
    if not snippets:
        return _results(visible, [Markup("")] * len(visible))
    return _results(visible, backend.snippets([item.text for *_hit, item in visible], set(top)))


def _similar_hits(
    provider: Any, doc_type: str, doc_id: int, principals: set[str], mask: set[str], limit: int
) -> tuple[list[tuple[str, int, float]], list[str]]:
    doc = provider.load([doc_id]).get(doc_id)
    if doc is None:
        return [], []
    top = _distinctive_terms(doc)
    kwesties = {str(k) for k in doc.kwesties}
    # "At least m of the top terms", as AND-of-ORs: every (k - m + 1) of them hold one.
    steps = []
    for shared in range(len(top), 0, -1):
        groups = [[(t,) for t in subset] for subset in combinations(top, len(top) - shared + 1)]
        if kwesties:
            steps.append((groups, {"kwestie": kwesties}))
        steps.append((groups, {}))
    found: list[tuple[str, int, float]] = []
    for groups, extra in steps:
        query = Query(groups=groups, filters={"type": {doc_type}, **extra})
        request = SearchRequest(
            query=query,
            principals=principals,
            mask=mask | {f"{t}:{i}" for t, i, _s in found},
            per_page=limit - len(found),
            facets=False,
            sort="recent",  # every step is already a close match: take the newest, unscored
        )
        found += get_backend().search(request).hits
        if len(found) >= limit:
            break
    return found, top


# --- the index as a whole: reindex and check -----------------------------------------------------


def all_documents(batch_done: Callable[[], None] | None = None) -> Iterator[Document]:
    for provider in providers().values():
        for ids in provider.all_ids():
            yield from provider.load(ids).values()
            if batch_done:
                batch_done()


def total_documents() -> int:
    return sum(len(ids) for p in providers().values() for ids in p.all_ids())


def rebuild_index(
    *, locked: bool = False, progress: Callable[[int], None] | None = None
) -> int | None:
    """Build the index from the database; None when another process holds the drain lock."""
    backend = get_backend()
    guard = nullcontext(True) if locked else backend.writer_lock()
    with guard as acquired:
        if not acquired:
            return None

        def release_rows() -> None:
            if not has_request_context():
                db.session.expunge_all()  # keep memory flat over 100,000 rows

        # On SQLite the long read takes no write lock (the app's writers go on meanwhile; a
        # command or thread would otherwise BEGIN IMMEDIATE), in a snapshot taken now that we
        # hold the lock. PostgreSQL's rebuild writes its table in this transaction, under its
        # advisory lock, until the rows are deleted. Exactly the rows seen before the build are
        # covered by it: not "every id up to the highest", since a transaction that took a
        # lower id may commit after it (PostgreSQL) and SQLite hands out deleted ids again.
        if backend.name != "postgres":
            db.session.commit()
        with read_only():
            covered = list(db.session.scalars(select(OutboxEntry.id)))
            count = backend.rebuild(all_documents(release_rows), progress or (lambda _n: None))
            if backend.name != "postgres":
                db.session.commit()
        delete_rows(covered)
        # Changes committed during the build wait in the outbox: index them before letting go.
        while drain_batch(backend) > 0:
            pass
        return count


def index_status() -> dict[str, Any]:
    """For monitoring (R-29), on public endpoints: usable or not, and whether changes wait in
    the outbox ("lagging"), never how many (that would tell outsiders when people write;
    `reflectie search check` says). "rebuilding" only from the process that rebuilds; the
    others say "unavailable" meanwhile."""
    backend = get_backend()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if is_rebuilding(app):
        state = "rebuilding"
    elif not backend.usable():
        state = "unavailable"
    else:
        state = "lagging" if pending_count() else "ok"
    db.session.rollback()
    return {"index": state, "backend": backend.name}


def ensure_index() -> bool:
    """Build the index when there is none (`reflectie init`); True when it built one."""
    if get_backend().usable():
        return False
    return rebuild_index() is not None


@dataclass
class CheckReport:
    usable: bool = True
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    pending: int = 0
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return self.usable and not (self.missing or self.stale or self.extra)


def check_index(*, repair: bool = False) -> CheckReport:
    backend = get_backend()
    expected: dict[str, Document] = {}
    with read_only():  # on SQLite: a long read that holds up no writer
        report = CheckReport(pending=pending_count())
        report.usable = backend.usable()
        if report.usable:
            indexed = dict(backend.fingerprints())
            for doc in all_documents():
                expected[doc.key] = doc
            for key, doc in expected.items():
                if key not in indexed:
                    report.missing.append(key)
                elif indexed[key] != doc.fingerprint():
                    report.stale.append(key)
            report.extra = sorted(set(indexed) - set(expected))
            report.missing.sort()
            report.stale.sort()
        db.session.commit()
    if not report.usable:
        if repair:
            report.repaired = rebuild_index() is not None
        return report
    if repair and not report.clean:
        with backend.writer_lock() as acquired:
            if acquired:
                backend.begin_batch()
                backend.apply(
                    [expected[k] for k in report.missing + report.stale], list(report.extra)
                )
                db.session.commit()
                report.repaired = True
    return report
