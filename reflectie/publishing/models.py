"""The published case: an anonymised copy of a case with the same structure.

It is a record of its own. `case_id` and `team_id` say where it came from, for the team's own
pages only: nothing a reader outside the team sees is built from them (DESIGN.md, data rules).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Team, User
from reflectie.db import Base, Timestamped, intpk
from reflectie.methods.models import Method


class PublicationStatus(StrEnum):
    CONCEPT = "concept"  # being anonymised by the team
    IN_REVIEW = "ter_beoordeling"  # waiting for a second person
    SENT_BACK = "teruggestuurd"  # the reviewer asked for changes
    PUBLISHED = "gepubliceerd"  # approved: visible in its targets
    WITHDRAWN = "ingetrokken"  # removed from every target at once


EDITABLE = (PublicationStatus.CONCEPT, PublicationStatus.SENT_BACK)

# The copied text fields, in the order of the case form.
TEXT_FIELDS = ("situation", "help_question", "dilemma", "stakeholders", "own_role")
OUTCOME_FIELDS = ("outcome_dilemma", "outcome_considerations", "outcome_conclusion")
ALL_FIELDS = ("title", *TEXT_FIELDS, *OUTCOME_FIELDS)
LIST_FIELDS = ("values", "themes")  # short lists; a theme (a case's tag) can name someone too
SCANNED_FIELDS = (*ALL_FIELDS, *LIST_FIELDS)


class Publication(Timestamped, Base):
    __tablename__ = "publications"
    __table_args__ = {"sqlite_autoincrement": True}  # an erased copy's number is never reused

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    # The original; emptied when the original is erased, never shown outside the team.
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[PublicationStatus] = mapped_column(default=PublicationStatus.CONCEPT, index=True)

    title: Mapped[str] = mapped_column(String(200))
    situation: Mapped[str] = mapped_column(Text, default="")
    help_question: Mapped[str] = mapped_column(Text, default="")
    dilemma: Mapped[str] = mapped_column(Text, default="")
    stakeholders: Mapped[str] = mapped_column(Text, default="")
    own_role: Mapped[str] = mapped_column(Text, default="")
    kwesties: Mapped[list[int]] = mapped_column(JSON, default=list)  # the primary one first
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)  # the case's tags
    method_id: Mapped[int | None] = mapped_column(ForeignKey("methods.id", ondelete="SET NULL"))

    # The anonymised outcome of the moreel beraad, shown only when the team chooses.
    outcome_dilemma: Mapped[str] = mapped_column(Text, default="")
    outcome_considerations: Mapped[str] = mapped_column(Text, default="")
    outcome_conclusion: Mapped[str] = mapped_column(Text, default="")
    show_outcome: Mapped[bool] = mapped_column(Boolean, default=False)
    # The colophon may name the organisation (never the team) when the team allows it.
    show_source: Mapped[bool] = mapped_column(Boolean, default=False)

    # Placeholders handed out so far: original text -> placeholder, the same everywhere.
    placeholders: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Everyone who wrote in the copy: none of them may review it (four eyes).
    editor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Texts the reviewer explicitly marked as not identifying (lower-cased).
    safe_texts: Mapped[list[str]] = mapped_column(JSON, default=list)

    submitted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_remarks: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    # Targets of an approved copy. Communities live in reflectie/threads; the id is kept
    # without a foreign key until that table exists in every deployment.
    to_library: Mapped[bool] = mapped_column(Boolean, default=False)
    community_id: Mapped[int | None] = mapped_column(Integer, index=True)

    team: Mapped[Team] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    method: Mapped[Method | None] = relationship()

    # Two editors of one copy: the second save with an old version is a conflict, never a
    # silent overwrite (DESIGN.md, data rules); UPDATE ... WHERE version closes the race.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED

    @property
    def primary_kwestie(self) -> int | None:
        return self.kwesties[0] if self.kwesties else None

    def __repr__(self) -> str:
        return f"<Publication {self.id} team={self.team_id} {self.status}>"
