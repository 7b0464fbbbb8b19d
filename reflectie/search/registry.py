"""What a feature tells search: its document provider. The search package imports no feature.

A provider, registered at app creation (`register(app, provider)`), says which model classes
it watches, how one of its rows becomes a `Document` with the principals that may read it, and
how to re-check a list of hits against the database for one reader. A provider whose documents
show something of another model (a case shows its team's name, a meeting its method's name)
declares it in `dependents`, so that renaming the team re-indexes its cases.

Principals are plain strings: "team:12" (a member of the team who may read its meeting
records), "cases:12" (one who may read its case text, R-28), "author:12:5" (the author of a
private concept in team 12, while they may read that team's cases), "org:3" (everyone of an
organisation), "users" (every logged-in user), "library", "community:3".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flask import Flask, current_app


@dataclass
class Document:
    """One searchable thing, as the index sees it."""

    type: str
    id: int
    title: str
    body: str
    principals: set[str]
    date: datetime
    kwesties: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    method: str = ""
    group: str = ""  # the team or community it belongs to

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"

    @property
    def year(self) -> int:
        return self.date.year

    def fingerprint(self) -> str:
        """Changes whenever anything indexed changes; `search check` compares it."""
        data = [
            self.title,
            self.body,
            sorted(self.principals),
            self.date.isoformat(),
            self.kwesties,
            sorted(self.tags),
            self.method,
            self.group,
        ]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:32]


@dataclass
class Shown:
    """A hit the reader may see, with the database's current text for the result list."""

    title: str
    url: str
    text: str
    kwesties: list[int] = field(default_factory=list)
    group: str = ""
    date: datetime | None = None


@dataclass(frozen=True)
class Dependent:
    """Documents that show something of another model: when `attrs` of `model` rows change
    (any change, and new and deleted rows too, when `attrs` is empty), the outbox gets a row
    for every id `ids(rows)` selects. `ids` returns a one-column SELECT: the outbox fills it
    with INSERT ... SELECT in the same transaction, without loading the documents (a team
    with 20,000 cases is one statement, and so are all the rows of one flush)."""

    model: type[Any]
    ids: Callable[[list[Any]], Any]  # changed rows -> Select of one id column
    attrs: tuple[str, ...] = ()


class Provider(Protocol):
    doc_type: str
    label: str  # shown in facets and results (a lazy gettext string)
    models: tuple[type[Any], ...]
    dependents: tuple[Dependent, ...]  # optional: other models its documents show

    def keys_for(self, obj: Any) -> Iterable[int]:
        """Ids of this provider's documents that a change to `obj` may affect."""
        ...

    def load(self, ids: list[int]) -> dict[int, Document]:
        """Current documents; an id missing from the answer is deleted from the index."""
        ...

    def all_ids(self) -> Iterator[list[int]]:
        """Every indexable id, in batches (for reindex and check)."""
        ...

    def reader_principals(self, user: Any) -> set[str]: ...

    def visible(self, user: Any, ids: list[int]) -> dict[int, Shown]:
        """Of `ids`, those `user` may read now according to the database."""
        ...


ID_BATCH = 500


def id_batches(id_column: Any, *conditions: Any) -> Iterator[list[int]]:
    """Every id of a table that meets `conditions`, in ascending batches (for `all_ids`):
    keyset paging, so a reindex never holds one huge result set."""
    from sqlalchemy import select

    from reflectie.db import db

    last = 0
    while True:
        query = select(id_column).where(id_column > last, *conditions).order_by(id_column)
        ids = list(db.session.scalars(query.limit(ID_BATCH)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def ids_of(rows: list[Any], attr: str = "id") -> list[int]:
    """The distinct `attr` values of changed rows (for a Dependent's `ids`)."""
    return sorted({getattr(row, attr) for row in rows})


def register(app: Flask, provider: Provider) -> None:
    app.extensions.setdefault("search_providers", {})[provider.doc_type] = provider


def providers(app: Flask | None = None) -> dict[str, Provider]:
    app = app or current_app
    return app.extensions.get("search_providers", {})


def provider_for_model(app: Flask, obj: Any) -> list[Provider]:
    return [p for p in providers(app).values() if isinstance(obj, p.models)]


def dependents_for_model(app: Flask, obj: Any) -> list[tuple[Provider, Dependent]]:
    return [
        (p, d)
        for p in providers(app).values()
        for d in getattr(p, "dependents", ())
        if isinstance(obj, d.model)
    ]


def reader_principals(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    found: set[str] = set()
    for provider in providers().values():
        found |= provider.reader_principals(user)
    return found
