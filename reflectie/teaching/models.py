"""Collections (casusbundels) of published cases, their assignment to a class, and answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Team, User
from reflectie.db import Base, Timestamped, created_at, intpk, utcnow
from reflectie.methods.models import Method
from reflectie.publishing.models import Publication


class Collection(Timestamped, Base):
    """A docent's ordered set of published cases with discussion questions."""

    __tablename__ = "collections"

    id: Mapped[intpk]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    method_id: Mapped[int | None] = mapped_column(ForeignKey("methods.id", ondelete="SET NULL"))
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("collections.id", ondelete="SET NULL")
    )
    archived_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship()
    method: Mapped[Method | None] = relationship()
    items: Mapped[list[CollectionItem]] = relationship(
        order_by="CollectionItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
        back_populates="collection",
    )
    shares: Mapped[list[CollectionShare]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class CollectionItem(Base):
    """One published case in a collection, with its questions and optionally a method."""

    __tablename__ = "collection_items"

    id: Mapped[intpk]
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    method_id: Mapped[int | None] = mapped_column(ForeignKey("methods.id", ondelete="SET NULL"))

    collection: Mapped[Collection] = relationship(back_populates="items")
    publication: Mapped[Publication] = relationship(lazy="joined")
    method: Mapped[Method | None] = relationship()


class CollectionShare(Base):
    """Another docent who may use (read, copy, assign) the collection."""

    __tablename__ = "collection_shares"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(lazy="joined")


class Assignment(Base):
    """A collection given to a class (a team of kind klas) for a period."""

    __tablename__ = "assignments"

    id: Mapped[intpk]
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Students see each other's answers to a case once they submitted their own.
    share_answers: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    collection: Mapped[Collection] = relationship()
    team: Mapped[Team] = relationship()


class Answer(Base):
    """A student's answer to one question about one case of an assignment."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("assignment_id", "item_id", "question", "user_id", name="uq_answers_one"),
    )

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("collection_items.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[int] = mapped_column(Integer)  # index in the item's questions
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
