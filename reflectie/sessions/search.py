"""How meeting records appear in search: notes and outcomes of a meeting, readable by the
members of its team. The re-check goes through reflectie.sessions.access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import Team, User
from reflectie.cases.models import CaseKwestie
from reflectie.db import db
from reflectie.methods.models import Method
from reflectie.permissions import Perm, has
from reflectie.search.registry import Dependent, Document, Shown, ids_of, register
from reflectie.sessions import access
from reflectie.sessions.models import Meeting, MeetingCase, MeetingNote, MeetingOutcome


def _title(meeting: Meeting) -> str:
    return f"{meeting.method.name} {meeting.starts_at:%d-%m-%Y}"


def _text(meeting: Meeting) -> str:
    parts = [n.text for n in meeting.notes] + [o.text for o in meeting.outcomes]
    return "\n\n".join(p for p in parts if p)


def _kwesties(meeting: Meeting) -> list[int]:
    found: list[int] = []
    for item in meeting.agenda:
        found.extend(k for k in item.case.kwesties if k not in found)
    return found


class MeetingProvider:
    doc_type = "meeting"
    label = _l("Bijeenkomst")
    models = (Meeting, MeetingNote, MeetingOutcome, MeetingCase)
    dependents = (  # a meeting shows its team's and method's names and its cases' kwesties
        Dependent(
            Team, lambda t: select(Meeting.id).where(Meeting.team_id.in_(ids_of(t))), ("name",)
        ),
        Dependent(
            Method, lambda m: select(Meeting.id).where(Meeting.method_id.in_(ids_of(m))), ("name",)
        ),
        Dependent(
            CaseKwestie,
            lambda links: (
                select(MeetingCase.meeting_id)
                .where(MeetingCase.case_id.in_(ids_of(links, "case_id")))
                .distinct()
            ),
        ),
    )

    def keys_for(self, obj: Any) -> Iterable[int]:
        return [obj.id] if isinstance(obj, Meeting) else [obj.meeting_id]

    def load(self, ids: list[int]) -> dict[int, Document]:
        meetings = db.session.scalars(
            select(Meeting)
            .where(Meeting.id.in_(ids))
            .options(selectinload(Meeting.team), selectinload(Meeting.method))
        )
        return {m.id: self.document(m) for m in meetings}

    def document(self, meeting: Meeting) -> Document:
        return Document(
            type=self.doc_type,
            id=meeting.id,
            title=_title(meeting),
            body=f"{_text(meeting)}\n\n{meeting.location}",
            principals={f"team:{meeting.team_id}"},
            date=meeting.starts_at,
            kwesties=_kwesties(meeting),
            method=meeting.method.name,
            group=meeting.team.name,
        )

    def all_ids(self) -> Iterator[list[int]]:
        ids = list(db.session.scalars(select(Meeting.id).order_by(Meeting.id)))
        for start in range(0, len(ids), 500):
            yield ids[start : start + 500]

    def reader_principals(self, user: User) -> set[str]:
        return {f"team:{t}" for t in user.team_ids if has(user, Perm.MEETING_READ, team_id=t)}

    def visible(self, user: User, ids: list[int]) -> dict[int, Shown]:
        meetings = db.session.scalars(
            access.visible_meetings(user)
            .where(Meeting.id.in_(ids))
            .options(selectinload(Meeting.team), selectinload(Meeting.method))
        )
        return {
            m.id: Shown(
                title=_title(m),
                url=url_for("sessions.show", meeting_id=m.id),
                text=_text(m),
                kwesties=_kwesties(m),
                group=m.team.name,
                date=m.starts_at,
            )
            for m in meetings
        }


def register_search(app: Flask) -> None:
    register(app, MeetingProvider())
