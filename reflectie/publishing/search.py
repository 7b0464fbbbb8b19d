"""How published cases appear in search: only while published, readable by the source team
("team:N"), by docenten when in the teaching library ("library"), and by a community's members
once linked ("community:N"). Withdrawal makes `load` leave the copy out, so the drain deletes it
from the index in the same step as every other target."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.methods.models import Method
from reflectie.permissions import Perm, has
from reflectie.publishing import access
from reflectie.publishing.models import Publication, PublicationStatus
from reflectie.search.registry import Dependent, Document, Shown, id_batches, ids_of, register

LIBRARY = "library"


def _text(pub: Publication) -> str:
    parts = [pub.situation, pub.help_question, pub.dilemma, pub.stakeholders, pub.own_role]
    if pub.show_outcome:
        parts += [pub.outcome_dilemma, pub.outcome_considerations, pub.outcome_conclusion]
    return "\n\n".join(p for p in parts if p)


class PublicationProvider:
    doc_type = "published_case"
    label = _l("Gepubliceerde casus")
    models = (Publication,)
    dependents = (  # a published case shows its method's name
        Dependent(
            Method,
            lambda m: select(Publication.id).where(
                Publication.method_id.in_(ids_of(m)),
                Publication.status == PublicationStatus.PUBLISHED,
            ),
            ("name",),
        ),
    )

    def keys_for(self, obj: Any) -> Iterable[int]:
        return [obj.id]

    def load(self, ids: list[int]) -> dict[int, Document]:
        pubs = db.session.scalars(
            select(Publication).where(
                Publication.id.in_(ids), Publication.status == PublicationStatus.PUBLISHED
            )
        )
        return {pub.id: self.document(pub) for pub in pubs}

    def document(self, pub: Publication) -> Document:
        principals = {f"team:{pub.team_id}"}
        if pub.to_library:
            principals.add(LIBRARY)
        if pub.community_id is not None:
            principals.add(f"community:{pub.community_id}")
        return Document(
            type=self.doc_type,
            id=pub.id,
            title=pub.title,
            body=f"{_text(pub)}\n\n{' '.join(pub.values or [])}",
            principals=principals,
            date=pub.published_at or pub.created_at,
            kwesties=list(pub.kwesties or []),
            tags=list(pub.themes or []),
            method=pub.method.name if pub.method else "",
            group=str(_l("Gepubliceerd")),  # never the team's name
        )

    def all_ids(self) -> Iterator[list[int]]:
        return id_batches(Publication.id, Publication.status == PublicationStatus.PUBLISHED)

    def reader_principals(self, user: User) -> set[str]:
        found = {f"team:{t}" for t in user.team_ids if has(user, Perm.CASE_READ, team_id=t)}
        if access.library_reader(user):
            found.add(LIBRARY)
        ids = db.session.scalars(access.readable_community_ids(user))
        return found | {f"community:{n}" for n in ids}

    def visible(self, user: User, ids: list[int]) -> dict[int, Shown]:
        pubs = db.session.scalars(access.published_for(user).where(Publication.id.in_(ids)))
        return {
            pub.id: Shown(
                title=pub.title,
                url=url_for("publishing.show", publication_id=pub.id),
                text=_text(pub),
                kwesties=list(pub.kwesties or []),
                group=str(_l("Gepubliceerd")),
                date=pub.published_at,
            )
            for pub in pubs
        }


def register_search(app: Flask) -> None:
    register(app, PublicationProvider())
