"""Meetings and their agenda. Named Meeting, not Session (sqlalchemy.orm.Session, flask.session)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Team, User
from reflectie.cases.models import Case
from reflectie.db import Base, Timestamped, created_at, intpk, utcnow
from reflectie.methods.models import Method


class MeetingStatus(StrEnum):
    PLANNED = "gepland"
    CANCELLED = "geannuleerd"
    CLOSED = "afgerond"


class MeetingSeries(Timestamped, Base):
    """A team's rhythm: every `interval_weeks` weeks on a weekday at a local time.

    Meetings are generated from it ahead of time; each one can then be moved, prepared or
    cancelled on its own. `rotation` is the order in which members lead and take notes.
    """

    __tablename__ = "meeting_series"

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id", ondelete="RESTRICT"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # Monday 0 … Sunday 6
    start_time: Mapped[time] = mapped_column(Time)  # wall-clock time in `timezone`
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    interval_weeks: Mapped[int] = mapped_column(SmallInteger, default=2)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    rotation: Mapped[list[int]] = mapped_column(JSON, default=list)  # user ids, in turn
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()
    method: Mapped[Method] = relationship()


class Meeting(Timestamped, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("series_id", "occurrence", name="uq_meetings_series_occurrence"),
    )

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[MeetingStatus] = mapped_column(default=MeetingStatus.PLANNED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Generated from a series: the series date it stands for, kept when the meeting is moved,
    # so the series never makes that date again.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True
    )
    occurrence: Mapped[date | None] = mapped_column(Date)

    team: Mapped[Team] = relationship()
    method: Mapped[Method] = relationship()
    created_by: Mapped[User | None] = relationship()
    series: Mapped[MeetingSeries | None] = relationship()
    roles: Mapped[list[MeetingRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MeetingRole.role"
    )
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

    def record_for(self, step: int) -> dict[str, Any]:
        """The structured record of a step (dilemma, options, judgements …), or {}."""
        return next((n.data or {} for n in self.notes if n.step == step), {})

    def holder(self, role: RoleInMeeting) -> User | None:
        return next((r.user for r in self.roles if r.role == role), None)

    def role_of(self, user_id: int) -> list[RoleInMeeting]:
        return [r.role for r in self.roles if r.user_id == user_id]


class RoleInMeeting(StrEnum):
    GESPREKSLEIDER = "gespreksleider"
    NOTULIST = "notulist"
    TIJDBEWAKER = "tijdbewaker"


class MeetingRole(Base):
    """Who leads, who takes notes, who keeps time in one meeting (casusinbrengers are the
    authors of the cases on the agenda)."""

    __tablename__ = "meeting_roles"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[RoleInMeeting] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(lazy="joined")


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
    text: Mapped[str] = mapped_column(Text, default="")  # structured records: a readable copy
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # structured records only
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


class MeetingEvaluation(Base):
    """One participant's short evaluation; leercoaches only ever see the aggregate."""

    __tablename__ = "meeting_evaluations"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_meeting_evaluations"),)

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scores: Mapped[dict[str, int]] = mapped_column(JSON)  # item key → 1..5
    remark: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]


class CalendarFeed(Base):
    """A private link to subscribe to a series in a calendar app. Only the hash is kept; the
    link is shown once. It answers only while its user may still see the team's meetings."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("user_id", "series_id", name="uq_calendar_feeds_user"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    series: Mapped[MeetingSeries] = relationship()
