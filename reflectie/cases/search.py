"""How cases appear in search: a document per case, readable by its team, or by its author
alone while it is private. The re-check goes through reflectie.cases.access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import User
from reflectie.cases import access
from reflectie.cases.models import Case, CaseKwestie, CaseTag, CaseValue, Visibility
from reflectie.db import db
from reflectie.permissions import Perm, has
from reflectie.search.registry import Document, Shown, id_batches, register


def _text(case: Case) -> str:
    parts = [case.situation, case.help_question, case.dilemma, case.stakeholders, case.own_role]
    return "\n\n".join(p for p in parts if p)


class CaseProvider:
    doc_type = "case"
    label = _l("Casus")
    models = (Case, CaseKwestie, CaseTag, CaseValue)

    def keys_for(self, obj: Any) -> Iterable[int]:
        return [obj.id] if isinstance(obj, Case) else [obj.case_id]

    def load(self, ids: list[int]) -> dict[int, Document]:
        cases = db.session.scalars(
            select(Case)
            .where(Case.id.in_(ids), Case.deleted_at.is_(None))
            .options(selectinload(Case.team))
        )
        return {case.id: self.document(case) for case in cases}

    def document(self, case: Case) -> Document:
        private = case.visibility == Visibility.PRIVATE
        return Document(
            type=self.doc_type,
            id=case.id,
            title=case.title,
            body=f"{_text(case)}\n\n{' '.join(case.values)}",
            principals={f"user:{case.author_id}"} if private else {f"team:{case.team_id}"},
            date=case.created_at,
            kwesties=case.kwesties,
            tags=case.tags,
            group=case.team.name,
        )

    def all_ids(self) -> Iterator[list[int]]:
        return id_batches(Case.id, Case.deleted_at.is_(None))

    def reader_principals(self, user: User) -> set[str]:
        teams = {f"team:{t}" for t in user.team_ids if has(user, Perm.CASE_READ, team_id=t)}
        return {f"user:{user.id}", *teams}

    def visible(self, user: User, ids: list[int]) -> dict[int, Shown]:
        cases = db.session.scalars(
            access.visible_cases(user).where(Case.id.in_(ids)).options(selectinload(Case.team))
        )
        return {
            case.id: Shown(
                title=case.title,
                url=url_for("cases.show", case_id=case.id),
                text=_text(case),
                kwesties=case.kwesties,
                group=case.team.name,
                date=case.created_at,
            )
            for case in cases
        }


def _kwestie_labels(values: list[str]) -> dict[str, str]:
    from reflectie.cases.services import all_kwesties

    return {str(k.number): f"{k.number}. {k.name}" for k in all_kwesties()}


def register_search(app: Flask) -> None:
    register(app, CaseProvider())
    app.extensions.setdefault("search_facet_labels", {})["kwestie"] = _kwestie_labels
