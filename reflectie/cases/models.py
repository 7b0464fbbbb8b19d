"""Cases and their reference data: the seven kwesties and the seeded values."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Team, User
from reflectie.db import Base, Timestamped, created_at, intpk, utcnow


class Kwestie(Base):
    """One of the seven kwesties of wijkgericht werken (reference data, loaded from seed/)."""

    __tablename__ = "kwesties"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<Kwestie {self.number} {self.slug}>"


class Value(Base):
    """A value that can be at stake in a case (seeded list; cases may add free values)."""

    __tablename__ = "value_choices"

    slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")


class CaseStatus(StrEnum):
    CONCEPT = "concept"
    INGEBRACHT = "ingebracht"  # brought in for a meeting: the required fields are filled
    BESPROKEN = "besproken"
    AFGEROND = "afgerond"


class Visibility(StrEnum):
    TEAM = "team"  # the original never leaves its team (DESIGN.md, Data rules)
    PRIVATE = "private"  # the author only


class Case(Timestamped, Base):
    __tablename__ = "cases"

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    situation: Mapped[str] = mapped_column(Text, default="")
    help_question: Mapped[str] = mapped_column(Text, default="")
    dilemma: Mapped[str] = mapped_column(Text, default="")
    stakeholders: Mapped[str] = mapped_column(Text, default="")
    own_role: Mapped[str] = mapped_column(Text, default="")  # own role and what was tried
    status: Mapped[CaseStatus] = mapped_column(default=CaseStatus.CONCEPT, index=True)
    visibility: Mapped[Visibility] = mapped_column(default=Visibility.TEAM)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship()
    author: Mapped[User] = relationship()
    kwestie_links: Mapped[list[CaseKwestie]] = relationship(
        order_by="CaseKwestie.position", cascade="all, delete-orphan", lazy="selectin"
    )
    value_links: Mapped[list[CaseValue]] = relationship(
        order_by="CaseValue.position", cascade="all, delete-orphan", lazy="selectin"
    )
    tag_links: Mapped[list[CaseTag]] = relationship(
        order_by="CaseTag.name", cascade="all, delete-orphan", lazy="selectin"
    )

    # UPDATE ... WHERE version = :old closes the race between the service's check and the flush.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The team's case list: newest changes first.
        Index("ix_cases_team_id_updated_at", "team_id", "updated_at"),
        # An erased case's number is never given to a new one (SQLite would reuse the
        # highest), so the audit log's "case 12" stays that case.
        {"sqlite_autoincrement": True},
    )

    @property
    def kwesties(self) -> list[int]:
        """Kwestie numbers, the primary one first."""
        return [link.kwestie_number for link in self.kwestie_links]

    @property
    def primary_kwestie(self) -> int | None:
        return self.kwestie_links[0].kwestie_number if self.kwestie_links else None

    @property
    def values(self) -> list[str]:
        return [link.name for link in self.value_links]

    @property
    def tags(self) -> list[str]:
        return [link.name for link in self.tag_links]

    def __repr__(self) -> str:
        return f"<Case {self.id} team={self.team_id} v{self.version}>"


class CaseKwestie(Base):
    __tablename__ = "case_kwesties"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    kwestie_number: Mapped[int] = mapped_column(
        ForeignKey("kwesties.number", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)  # 0 is the primary kwestie


class CaseValue(Base):
    __tablename__ = "case_values"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CaseTag(Base):
    __tablename__ = "case_tags"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class CaseRevision(Base):
    """The text of a case after one save (every save that changed text keeps one)."""

    __tablename__ = "case_revisions"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_case_revisions_case_number"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    note: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    editor: Mapped[User | None] = relationship()


class CaseComment(Base):
    __tablename__ = "case_comments"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    deleted_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(lazy="joined")


class CaseDraft(Base):
    """Unsaved form text of one user (autosave, or a save refused by an expired session).

    `case_id` is empty for a case not yet created; the draft then belongs to `team_id`.
    """

    __tablename__ = "case_drafts"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
