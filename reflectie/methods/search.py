"""How methods appear in search: built-ins for every user, an organisation's adapted copies
for the people of that organisation. The re-check goes through reflectie.methods.access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import Organisation, User
from reflectie.db import db
from reflectie.methods import access
from reflectie.methods.models import Method, MethodStep
from reflectie.search.registry import Dependent, Document, Shown, ids_of, register


def _text(method: Method) -> str:
    parts = [method.purpose, method.when_to_use]
    for step in method.steps:
        parts.extend([step.name, step.purpose, *step.questions])
    return "\n\n".join(p for p in parts if p)


class MethodProvider:
    doc_type = "method"
    label = _l("Werkvorm")
    models = (Method, MethodStep)
    dependents = (  # an adapted method shows its organisation's name
        Dependent(
            Organisation,
            lambda orgs: select(Method.id).where(Method.organisation_id.in_(ids_of(orgs))),
            ("name",),
        ),
    )

    def keys_for(self, obj: Any) -> Iterable[int]:
        return [obj.id] if isinstance(obj, Method) else [obj.method_id]

    def load(self, ids: list[int]) -> dict[int, Document]:
        methods = db.session.scalars(
            select(Method)
            .where(Method.id.in_(ids), Method.archived_at.is_(None))
            .options(selectinload(Method.organisation))
        )
        return {m.id: self.document(m) for m in methods}

    def document(self, method: Method) -> Document:
        return Document(
            type=self.doc_type,
            id=method.id,
            title=method.name,
            body=_text(method),
            principals={"users"} if method.builtin else {f"org:{method.organisation_id}"},
            date=method.created_at,
            method=method.name,
            group=method.organisation.name if method.organisation else "",
        )

    def all_ids(self) -> Iterator[list[int]]:
        ids = list(
            db.session.scalars(
                select(Method.id).where(Method.archived_at.is_(None)).order_by(Method.id)
            )
        )
        for start in range(0, len(ids), 500):
            yield ids[start : start + 500]

    def reader_principals(self, user: User) -> set[str]:
        return {"users", *(f"org:{o}" for o in access.organisation_ids(user))}

    def visible(self, user: User, ids: list[int]) -> dict[int, Shown]:
        methods = db.session.scalars(access.visible_methods(user).where(Method.id.in_(ids)))
        return {
            m.id: Shown(
                title=m.name,
                url=url_for("methods.show", method_slug=m.slug),
                text=_text(m),
                group=m.organisation.name if m.organisation else "",
                date=m.created_at,
            )
            for m in methods
        }


def register_search(app: Flask) -> None:
    register(app, MethodProvider())
