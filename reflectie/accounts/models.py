"""Accounts: users, organisations, teams, memberships, recovery codes, tokens, agreements."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.db import Base, created_at, intpk, str200
from reflectie.permissions import Role, TeamKind


class EmploymentStatus(StrEnum):
    """What a person is to the organisation (R-28). Everyone but a medewerker needs a recorded
    geheimhoudingsverklaring before they read a case's original text."""

    MEDEWERKER = "medewerker"  # employed professional: bound by their contract and code
    VRIJWILLIGER = "vrijwilliger"
    STAGIAIR = "stagiair"  # intern or student on a work placement
    EXTERN = "extern"  # hired in, seconded, a guest from another organisation


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str200]
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    teams: Mapped[list[Team]] = relationship(back_populates="organisation", order_by="Team.name")

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str200]
    kind: Mapped[TeamKind] = mapped_column(default=TeamKind.WIJKTEAM)
    created_at: Mapped[created_at]

    # Joined: the session check asks every request whether an organisation requires 2FA.
    organisation: Mapped[Organisation] = relationship(back_populates="teams", lazy="joined")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    @property
    def team_id(self) -> int:
        # A team is scoped to itself, so permissions.can(user, perm, team) works.
        return self.id

    def __repr__(self) -> str:
        return f"<Team {self.slug}>"


class User(Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str200]
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="nl")
    # Bumped by logout, password change and "log out everywhere": every cookie that carries an
    # older generation stops working.
    session_generation: Mapped[int] = mapped_column(Integer, default=1)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)  # no code is used twice
    created_at: Mapped[created_at]
    last_login_at: Mapped[datetime | None]
    # On the person, not the membership: a volunteer in two teams is one volunteer who
    # signed one agreement, and a new membership can never quietly make them a professional.
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        default=EmploymentStatus.MEDEWERKER, server_default=EmploymentStatus.MEDEWERKER.value
    )

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    # Loaded only when asked: a medewerker's case page never needs it.
    confidentiality_agreement: Mapped[ConfidentialityAgreement | None] = relationship(
        foreign_keys="ConfidentialityAgreement.user_id",
        back_populates="user",
        cascade="all, delete-orphan",
    )

    # Flask-Login's protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The generation travels in the session and the remember cookie (Flask-Login's
        # "alternative tokens"): bumping it ends every session at once.
        return f"{self.id}:{self.session_generation}"

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def may_read_case_text(self) -> bool:
        """R-28: a medewerker, or anyone else with a recorded geheimhoudingsverklaring. The
        team role decides which cases; reflectie.cases.access applies both."""
        return (
            self.employment_status == EmploymentStatus.MEDEWERKER
            or self.confidentiality_agreement is not None
        )

    @property
    def team_ids(self) -> list[int]:
        return [m.team_id for m in self.memberships]

    def role_in(self, team_id: int) -> Role | None:
        for membership in self.memberships:
            if membership.team_id == team_id:
                return membership.role
        return None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "team_id", name="uq_memberships_user_team"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(default=Role.LID)
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(back_populates="memberships", lazy="joined")


class ConfidentialityAgreement(Base):
    """A signed geheimhoudingsverklaring as a beheerder recorded it (R-28): one per person, for
    every team they are in. Revoking deletes the row; the audit log keeps both events."""

    __tablename__ = "confidentiality_agreements"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    signed_on: Mapped[date] = mapped_column(Date)
    version: Mapped[str] = mapped_column(String(40))  # of the agreement text, e.g. "2026-1"
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[created_at]

    user: Mapped[User] = relationship(
        foreign_keys=[user_id], back_populates="confidentiality_agreement"
    )
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of a 50-bit random code
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    created_at: Mapped[created_at]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
