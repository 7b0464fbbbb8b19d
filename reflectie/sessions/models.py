"""Meetings and their agenda. Named Meeting, not Session (sqlalchemy.orm.Session, flask.session)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Team, User
from reflectie.cases.models import Case
from reflectie.db import Base, Timestamped, created_at, intpk, utcnow
from reflectie.methods.models import Method


class MeetingStatus(StrEnum):
    PLANNED = "gepland"
    CANCELLED = "geannuleerd"
    CLOSED = "afgerond"


class Meeting(Timestamped, Base):
    __tablename__ = "meetings"

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[MeetingStatus] = mapped_column(default=MeetingStatus.PLANNED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()
    method: Mapped[Method] = relationship()
    created_by: Mapped[User | None] = relationship()
    agenda: Mapped[list[MeetingCase]] = relationship(
        order_by="MeetingCase.position", cascade="all, delete-orphan", lazy="selectin"
    )

    closed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the day-before reminder went out (never twice)

    notes: Mapped[list[MeetingNote]] = relationship(
        order_by="MeetingNote.step", cascade="all, delete-orphan", lazy="selectin"
    )
    outcomes: Mapped[list[MeetingOutcome]] = relationship(
        order_by="MeetingOutcome.id",
        cascade="all, delete-orphan",
        lazy="selectin",
        back_populates="meeting",
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def note_for(self, step: int) -> str:
        return next((n.text for n in self.notes if n.step == step), "")


class MeetingCase(Base):
    """A case on a meeting's agenda."""

    __tablename__ = "meeting_cases"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    case: Mapped[Case] = relationship(lazy="joined")  # the agenda always shows its titles


class MeetingNote(Base):
    """What the notulist wrote down in one step of the method."""

    __tablename__ = "meeting_notes"
    __table_args__ = (UniqueConstraint("meeting_id", "step", name="uq_meeting_notes_step"),)

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)  # position of the method's step, from 0
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OutcomeKind(StrEnum):
    LEERPUNT = "leerpunt"  # an insight
    ACTIEPUNT = "actiepunt"  # an agreed action, with an owner and a due date


class MeetingOutcome(Base):
    __tablename__ = "meeting_outcomes"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[OutcomeKind]
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]
    done_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    owner: Mapped[User | None] = relationship(lazy="joined")
    meeting: Mapped[Meeting] = relationship(back_populates="outcomes")
