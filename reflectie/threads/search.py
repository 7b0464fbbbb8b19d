"""How threads appear in search: one document per thread (its title and the text of its posts
that are not deleted). Principals: "users" for a platform community, "org:<id>" for an
organisation community, "community:<id>" for an invitation community (its members). The
re-check goes through reflectie.threads.access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.methods.models import Method
from reflectie.search.registry import Dependent, Document, Shown, id_batches, ids_of, register
from reflectie.threads import access
from reflectie.threads.models import (
    Community,
    CommunityAccess,
    CommunityMember,
    Post,
    Thread,
    ThreadKwestie,
)


def principal(community: Community) -> str:
    if community.access == CommunityAccess.PLATFORM:
        return "users"
    if community.access == CommunityAccess.ORGANISATION:
        return f"org:{community.organisation_id}"
    return f"community:{community.id}"


def _posts_text(thread_ids: list[int]) -> dict[int, str]:
    texts: dict[int, list[str]] = {}
    for thread_id, body in db.session.execute(
        select(Post.thread_id, Post.body)
        .where(Post.thread_id.in_(thread_ids), Post.deleted_at.is_(None))
        .order_by(Post.id)
    ):
        texts.setdefault(thread_id, []).append(body)
    return {k: "\n\n".join(v) for k, v in texts.items()}


class ThreadProvider:
    doc_type = "thread"
    label = _l("Discussie")
    models = (Thread, Post, ThreadKwestie)
    dependents = (
        # A thread shows its community's name; its access and archiving decide who reads it.
        Dependent(Community, lambda c: select(Thread.id).where(Thread.community_id.in_(ids_of(c)))),
        Dependent(
            Method, lambda m: select(Thread.id).where(Thread.method_id.in_(ids_of(m))), ("name",)
        ),
    )

    def keys_for(self, obj: Any) -> Iterable[int]:
        return [obj.id] if isinstance(obj, Thread) else [obj.thread_id]

    def load(self, ids: list[int]) -> dict[int, Document]:
        threads = db.session.scalars(
            select(Thread)
            .join(Community, Community.id == Thread.community_id)
            .where(Thread.id.in_(ids), Thread.deleted_at.is_(None), Community.archived_at.is_(None))
            .options(selectinload(Thread.community), selectinload(Thread.method))
        ).all()
        texts = _posts_text([t.id for t in threads])
        return {t.id: self.document(t, texts.get(t.id, "")) for t in threads}

    def document(self, thread: Thread, text: str) -> Document:
        return Document(
            type=self.doc_type,
            id=thread.id,
            title=thread.title,
            body=text,
            principals={principal(thread.community)},
            date=thread.created_at,
            kwesties=thread.kwesties,
            tags=thread.tags,
            method=thread.method.name if thread.method else "",
            group=thread.community.name,
        )

    def all_ids(self) -> Iterator[list[int]]:
        return id_batches(Thread.id, Thread.deleted_at.is_(None))

    def reader_principals(self, user: User) -> set[str]:
        invited = db.session.scalars(
            select(CommunityMember.community_id)
            .join(Community, Community.id == CommunityMember.community_id)
            .where(
                CommunityMember.user_id == user.id,
                Community.access == CommunityAccess.INVITATION,
            )
        )
        return {
            "users",
            *(f"org:{o}" for o in access.organisation_ids(user)),
            *(f"community:{c}" for c in invited),
        }

    def visible(self, user: User, ids: list[int]) -> dict[int, Shown]:
        threads = db.session.scalars(
            access.visible_threads(user)
            .where(Thread.id.in_(ids))
            .options(selectinload(Thread.community))
        ).all()
        texts = _posts_text([t.id for t in threads])
        return {
            t.id: Shown(
                title=t.title,
                url=url_for("threads.show", thread_id=t.id),
                text=texts.get(t.id, ""),
                kwesties=t.kwesties,
                group=t.community.name,
                date=t.created_at,
            )
            for t in threads
        }


def register_search(app: Flask) -> None:
    register(app, ThreadProvider())
