"""Communities, their members, threads, posts, edit history, reports, follows and read state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflectie.accounts.models import Organisation, User
from reflectie.db import Base, Timestamped, created_at, intpk
from reflectie.methods.models import Method


class CommunityAccess(StrEnum):
    """Who may read and take part."""

    ORGANISATION = "organisation"  # everyone with a team in the community's organisation
    PLATFORM = "platform"  # every user of the platform
    INVITATION = "invitation"  # its members only; moderators invite


class MemberRole(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"  # appointed; leercoaches and beheerders moderate by their role


class Community(Timestamped, Base):
    __tablename__ = "communities"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    access: Mapped[CommunityAccess] = mapped_column(default=CommunityAccess.ORGANISATION)
    # The owning organisation: whose people may read an organisation community; for an
    # invitation community the organisation of its founder (members may come from anywhere).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    kwesties: Mapped[list[int]] = mapped_column(JSON, default=list)  # themes, numbers 1-7
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    archived_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<Community {self.slug}>"


class CommunityMember(Base):
    __tablename__ = "community_members"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", name="uq_community_members_user"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(default=MemberRole.MEMBER)
    follows: Mapped[bool] = mapped_column(Boolean, default=True)  # a note for every new thread
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    community: Mapped[Community] = relationship()


class Thread(Base):
    __tablename__ = "threads"
    # A community's list: pinned first, then the newest activity.
    __table_args__ = (
        Index("ix_threads_community_id_last_post_at", "community_id", "last_post_at"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the thread is about, besides its text: a method from the library, or (issue 7) a
    # published, anonymised case. Never a team's own case: there is no column for one.
    method_id: Mapped[int | None] = mapped_column(ForeignKey("methods.id", ondelete="SET NULL"))
    published_case_id: Mapped[int | None] = mapped_column(Integer)  # hook for publishing
    pinned_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    last_post_at: Mapped[created_at]
    last_post_id: Mapped[int] = mapped_column(Integer, default=0)
    post_count: Mapped[int] = mapped_column(Integer, default=0)

    community: Mapped[Community] = relationship()
    author: Mapped[User | None] = relationship()
    method: Mapped[Method | None] = relationship()
    kwestie_links: Mapped[list[ThreadKwestie]] = relationship(
        order_by="ThreadKwestie.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def kwesties(self) -> list[int]:
        return [link.kwestie_number for link in self.kwestie_links]

    def __repr__(self) -> str:
        return f"<Thread {self.id} community={self.community_id}>"


class ThreadKwestie(Base):
    __tablename__ = "thread_kwesties"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    kwestie_number: Mapped[int] = mapped_column(
        ForeignKey("kwesties.number", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_id_id", "thread_id", "id"),)

    id: Mapped[intpk]
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    edited_at: Mapped[datetime | None]  # shown as "bewerkt"
    deleted_at: Mapped[datetime | None]  # soft: moderators still see the text
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<Post {self.id} thread={self.thread_id}>"


class PostRevision(Base):
    """The text a post had before an edit (for moderators)."""

    __tablename__ = "post_revisions"

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]  # when it was replaced

    edited_by: Mapped[User | None] = relationship()


class ReportStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"  # the post stays
    REMOVED = "removed"  # the post was deleted


class PostReport(Base):
    __tablename__ = "post_reports"

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(default=ReportStatus.OPEN)
    created_at: Mapped[created_at]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    post: Mapped[Post] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


class ThreadFollow(Base):
    """A user follows a thread: a note for every reply (starting or answering one follows)."""

    __tablename__ = "thread_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[created_at]


class ThreadRead(Base):
    """How far a user has read a thread: every post with a higher id is unread."""

    __tablename__ = "thread_reads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_post_id: Mapped[int] = mapped_column(Integer, default=0)


class DigestSetting(Base):
    """The optional daily e-mail digest (off unless the user turns it on)."""

    __tablename__ = "thread_digest_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sent_at: Mapped[datetime | None]
