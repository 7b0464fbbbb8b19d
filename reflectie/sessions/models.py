"""Meetings and their agenda. Named Meeting, not Session (sqlalchemy.orm.Session, flask.session)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Team, User
from reflectie.cases.models import Case
from reflectie.db import Base, Timestamped, intpk
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

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


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

    case: Mapped[Case] = relationship()
