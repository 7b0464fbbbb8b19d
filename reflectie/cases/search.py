"""How cases appear in search: a document per case, readable by its team, or by its author
alone while it is private. The re-check goes through reflectie.cases.access, which also
decides (R-28) who reads case text at all."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import Team, User
from reflectie.cases import access
from reflectie.cases.models import Case, CaseKwestie, CaseTag, CaseValue, Visibility
from reflectie.db import db
from reflectie.search.registry import Dependent, Document, Shown, id_batches, ids_of, register


def _team_principal(team_id: int) -> str:
    # Not "team:N", which meeting records and published copies carry too: a member without a
    # geheimhoudingsverklaring reads those, never case text.
    return f"cases:{team_id}"


def _author_principal(team_id: int, author_id: int) -> str:
    # A private concept: its author, while they may read the team's cases. Not "user:N", which
    # would still let a former member's searches count it.
    return f"author:{team_id}:{author_id}"


def _text(case: Case) -> str:
    parts = [case.situation, case.help_question, case.dilemma, case.stakeholders, case.own_role]
    return "\n\n".join(p for p in parts if p)


class CaseProvider:
    doc_type = "case"
    label = _l("Casus")
    models = (Case, CaseKwestie, CaseTag, CaseValue)
    dependents = (  # a case shows its team's name
        Dependent(
            Team,
            lambda teams: select(Case.id).where(
                Case.team_id.in_(ids_of(teams)), Case.deleted_at.is_(None)
            ),
            ("name",),
        ),
    )

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
            principals={_author_principal(case.team_id, case.author_id)}
            if private
            else {_team_principal(case.team_id)},
            date=case.created_at,
            kwesties=case.kwesties,
            tags=case.tags,
            group=case.team.name,
        )

    def all_ids(self) -> Iterator[list[int]]:
        return id_batches(Case.id, Case.deleted_at.is_(None))

    def reader_principals(self, user: User) -> set[str]:
        if not access.reads_case_text(user):
            return set()  # no case text, so no case to find either
        teams = access.readable_team_ids(user)
        return {
            *(_team_principal(t) for t in teams),
            *(_author_principal(t, user.id) for t in teams),
        }

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
