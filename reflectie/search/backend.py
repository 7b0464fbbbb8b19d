"""The engine interface: every backend answers the same requests with the same shapes.

`get_backend()` picks the engine from SEARCH_BACKEND ("whoosh", the embedded default, or
"postgres"). Only the outbox drainer (reflectie.search.outbox) and reindex write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app
from markupsafe import Markup

from reflectie.search.query import Query
from reflectie.search.registry import Document

FACETS = ("type", "kwestie", "tag", "method", "year")


class IndexUnavailable(Exception):
    """The index is missing or unreadable; it is (being) rebuilt."""


@dataclass
class SearchRequest:
    query: Query
    principals: set[str]
    mask: set[str] = field(default_factory=set)  # keys never to count or return
    sort: str = "relevance"  # or "date", or "recent" (unscored: the newest matches, cheap)
    page: int = 1
    per_page: int = 10
    facets: bool = True
    any_terms: bool = False  # OR the groups instead of AND (similar cases)


@dataclass
class Hits:
    total: int
    hits: list[tuple[str, int, float]]  # (type, id, score)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    more: bool = False  # there are more matches than `total` (and the facets) counted


class Backend(Protocol):
    name: str

    def search(self, request: SearchRequest) -> Hits: ...

    def count(self, query: Query, principals: set[str], mask: set[str]) -> int: ...

    def spelling_candidates(self, word: str, principals: set[str]) -> list[str]: ...

    def doc_frequencies(self, terms: list[str]) -> dict[str, int]: ...

    def snippets(
        self, texts: list[str], terms: set[str], words: Sequence[str] = ()
    ) -> list[Markup]:
        """One escaped snippet per text, its words matching `terms` (index terms) in <mark>.
        `words`: the query's own folded words, for matches the engine makes beyond those
        terms. The texts are the database's current text of hits the reader may see (R-05),
        the shown page only; never text from the index."""
        ...

    def writer_lock(self) -> AbstractContextManager[bool]: ...

    def begin_batch(self) -> bool: ...

    def usable(self) -> bool: ...

    def version(self) -> Any:
        """Changes whenever the index does (None: unknown, nothing may be cached)."""
        ...

    def apply(self, upserts: list[Document], deletes: list[str]) -> None: ...

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None]) -> int: ...

    def fingerprints(self) -> Iterator[tuple[str, str]]: ...

    def size_bytes(self) -> int: ...


def get_backend(app: Flask | None = None) -> Backend:
    app = app or current_app
    name = str(app.config.get("SEARCH_BACKEND") or "whoosh").lower()
    path = str(app.config.get("SEARCH_INDEX_PATH") or "")
    cache: dict[tuple[str, str], Backend] = app.extensions.setdefault("search_backends", {})
    key = (name, path)
    if key not in cache:
        if name == "postgres":
            from reflectie.search.pg_backend import PostgresBackend

            cache[key] = PostgresBackend()
        else:
            from reflectie.search.whoosh_backend import WhooshBackend

            cache[key] = WhooshBackend(path)
    return cache[key]
