"""The retention policy of one organisation. Without a row the defaults below apply."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Organisation
from reflectie.db import Base, intpk, utcnow


class RetentionAction(StrEnum):
    DELETE = "delete"  # erase the case as an AVG erasure would (reflectie.cases.erasure)
    ANONYMISE = "anonymise"  # keep a skeleton without text for the statistics


# Reflectie holds reflection write-ups, not the client file: the dossier's legal terms
# (Jeugdwet and WGBO: 20 years since 2020) belong to the municipality's case system. For a
# learning tool the AVG's storage limitation (art. 5(1)(e)) asks for "no longer than needed":
# five years after the last time anyone worked on the case covers finding "that case from last
# year" and several years of a team's insights. Organisations choose 1 to 20 years.
DEFAULT_CASE_YEARS = 5
MIN_CASE_YEARS, MAX_CASE_YEARS = 1, 20
# Cases a team deleted (soft, no undo in the app) are erased after this many days.
DEFAULT_DELETED_CASE_DAYS = 30
MAX_DELETED_CASE_DAYS = 365


class RetentionPolicy(Base):
    __tablename__ = "retention_policies"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    case_years: Mapped[int] = mapped_column(Integer, default=DEFAULT_CASE_YEARS)
    action: Mapped[RetentionAction] = mapped_column(default=RetentionAction.DELETE)
    deleted_case_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_DELETED_CASE_DAYS)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<RetentionPolicy org={self.organisation_id} {self.case_years}y {self.action}>"
