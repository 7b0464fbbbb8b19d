"""Methods (werkvormen) and their ordered steps."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Organisation
from reflectie.db import Base, Timestamped, intpk


class MethodKind(StrEnum):
    INTERVISIE = "intervisie"
    MOREEL_BERAAD = "moreel_beraad"
    REFLECTIE = "reflectie"


class RecordKind(StrEnum):
    """What the notulist writes down in a step."""

    TEXT = "text"
    LIST = "list"
    DILEMMA = "dilemma"  # "Moet ik A, met als gevolg X, of B, met als gevolg Y?"
    OPTIONS = "options"
    VALUES_PER_OPTION = "values_per_option"
    CHOICE = "choice"
    JUDGEMENTS = "judgements"  # each participant's choice and the value that decided it


class Method(Timestamped, Base):
    __tablename__ = "methods"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[MethodKind]
    purpose: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    group_min: Mapped[int] = mapped_column(Integer, default=3)
    group_max: Mapped[int] = mapped_column(Integer, default=12)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    minutes_note: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Adapted copies belong to one organisation; built-ins to none (everyone sees them).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("methods.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    archived_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()
    steps: Mapped[list[MethodStep]] = relationship(
        order_by="MethodStep.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def total_minutes(self) -> int:
        return sum(step.minutes for step in self.steps)

    def __repr__(self) -> str:
        return f"<Method {self.slug}>"


class MethodStep(Base):
    __tablename__ = "method_steps"
    __table_args__ = (UniqueConstraint("method_id", "position", name="uq_method_steps_position"),)

    id: Mapped[intpk]
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[int] = mapped_column(Integer, default=10)
    who: Mapped[str] = mapped_column(String(120), default="")
    record_kind: Mapped[RecordKind] = mapped_column(default=RecordKind.TEXT)
    record_label: Mapped[str] = mapped_column(String(200), default="")
