"""/api/v1 endpoints of communities, threads and posts. The same rules as the pages: a
community the token user may not read is 404, like one that does not exist."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from reflectie.api import api_member, api_scoped, api_user, doc, json_body, page_arg, paged
from reflectie.db import db
from reflectie.errors import Invalid
from reflectie.threads import access, services
from reflectie.threads.limits import check_posting
from reflectie.threads.models import Community, CommunityMember, Post, Thread

bp = Blueprint("threads_api", __name__, url_prefix="/api/v1")

PAGE_PARAM = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}]
THREAD_BODY = {
    "type": "object",
    "required": ["title", "body"],
    "properties": {
        "title": {"type": "string", "maxLength": services.MAX_TITLE},
        "body": {"type": "string", "description": "Markdown"},
        "kwesties": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "method": {"type": "string", "description": "slug of a method"},
        "published_case": {
            "type": "integer",
            "description": "id of an anonymised case published to this community",
        },
    },
}
POST_BODY = {
    "type": "object",
    "required": ["body"],
    "properties": {"body": {"type": "string", "description": "Markdown; @handle mentions"}},
}
CREATED = {
    "201": {"description": "Created"},
    "404": {"description": "Not found (or not readable)"},
    "422": {"description": "Invalid fields"},
    "429": {"description": "Posting too fast"},
}


def community_out(community: Community, *, member: bool) -> dict[str, Any]:
    return {
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "access": str(community.access),
        "organisation": community.organisation.name if community.organisation else None,
        "kwesties": community.kwesties,
        "member": member,
        "url": url_for("threads.community", community_slug=community.slug, _external=True),
    }


def thread_out(thread: Thread, *, unread: bool | None = None) -> dict[str, Any]:
    return {
        "id": thread.id,
        "community": thread.community.slug,
        "title": thread.title,
        "author": thread.author.handle if thread.author else None,
        "kwesties": thread.kwesties,
        "tags": thread.tags,
        "method": thread.method.slug if thread.method else None,
        "published_case_id": thread.published_case_id,
        "pinned": thread.pinned_at is not None,
        "locked": thread.locked_at is not None,
        "post_count": thread.post_count,
        "created_at": thread.created_at.isoformat(),
        "last_post_at": thread.last_post_at.isoformat(),
        "unread": unread,
        "url": url_for("threads.show", thread_id=thread.id, _external=True),
    }


def post_out(post: Post, *, moderator: bool) -> dict[str, Any]:
    hidden = post.deleted_at is not None and not moderator
    return {
        "id": post.id,
        "thread_id": post.thread_id,
        "author": post.author.handle if post.author else None,
        "body": None if hidden else post.body,
        "created_at": post.created_at.isoformat(),
        "edited": post.edited_at is not None,
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "deleted": post.deleted_at is not None,
        "url": url_for("threads.post", post_id=post.id, _external=True),
    }


def _unknown_fields(body: dict[str, Any], schema: dict[str, Any]) -> None:
    unknown = sorted(set(body) - set(schema["properties"]))
    if unknown:
        raise Invalid(fields={name: [str(_l("Dit veld bestaat niet."))] for name in unknown})


@bp.get("/communities")
@api_member
@doc("Communities the token user may read, by name", tags=["communities"], params=PAGE_PARAM)
def list_communities() -> ResponseReturnValue:
    user = api_user()
    mine = set(
        db.session.scalars(
            select(CommunityMember.community_id).where(CommunityMember.user_id == user.id)
        )
    )
    query = access.visible_communities(user).order_by(Community.name, Community.id)
    return paged(query, lambda c: community_out(c, member=c.id in mine))


@bp.get("/communities/<community_slug>/threads")
@api_scoped("community")
@doc(
    "Threads of a community: pinned first, then the newest activity; `unread` per thread",
    tags=["communities"],
    params=PAGE_PARAM,
)
def list_threads(community_slug: str) -> ResponseReturnValue:
    user = api_user()
    community = access.get_community_for(user, community_slug)
    query = services.community_threads(user, community).options(
        selectinload(Thread.author), selectinload(Thread.method)
    )
    page, per_page = page_arg(), int(current_app.config["PAGE_SIZE"])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    results = [thread_out(t, unread=read is None or t.last_post_id > read) for t, read in rows]
    return jsonify(total=total, page=page, per_page=per_page, results=results)


@bp.post("/communities/<community_slug>/threads")
@api_scoped("community")
@doc(
    "Start a thread with its first post (Markdown; @handle mentions notify readers only)",
    tags=["communities"],
    body=THREAD_BODY,
    responses=CREATED,
)
def create_thread(community_slug: str) -> ResponseReturnValue:
    user = api_user()
    community = access.get_community_for(user, community_slug)  # 404 before any 400
    body = json_body()
    _unknown_fields(body, THREAD_BODY)
    errors: dict[str, list[str]] = {}
    for name in ("title", "body"):
        if not isinstance(body.get(name), str):
            errors[name] = [str(_l("Geef tekst op."))]
    if not isinstance(body.get("kwesties", []), list):
        errors["kwesties"] = [str(_l("Geef een lijst met kwestienummers (1 tot en met 7)."))]
    tags = body.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = [str(_l("Geef een lijst met labels."))]
    if body.get("method") is not None and not isinstance(body.get("method"), str):
        errors["method"] = [str(_l("Geef de code van een werkvorm."))]
    published = body.get("published_case")
    if published is not None and (not isinstance(published, int) or isinstance(published, bool)):
        errors["published_case"] = [str(_l("Geef het nummer van een gepubliceerde casus."))]
    if errors:
        raise Invalid(fields=errors)
    data = services.ThreadInput(
        title=body["title"],
        body=body["body"],
        kwesties=body.get("kwesties", []),
        tags=tags,
        method=body.get("method") or None,
        published_case=published,
    )
    thread = services.create_thread(user, community, data)
    check_posting(user)  # after the checks; TooFast rolls the thread back (errors.py)
    db.session.commit()
    return jsonify(thread_out(thread, unread=False)), 201


@bp.get("/threads/<int:thread_id>/posts")
@api_scoped("thread")
@doc("Posts of a thread, oldest first (a deleted post has body null)", tags=["communities"],
     params=PAGE_PARAM)  # fmt: skip
def list_posts(thread_id: int) -> ResponseReturnValue:
    user = api_user()
    thread = access.get_thread_for(user, thread_id)
    moderator = access.is_moderator(user, thread.community)
    query = services.posts_query(thread).options(selectinload(Post.author))
    return paged(query, lambda p: post_out(p, moderator=moderator))


@bp.post("/threads/<int:thread_id>/posts")
@api_scoped("thread")
@doc(
    "Reply to a thread (a locked thread answers 409)",
    tags=["communities"],
    body=POST_BODY,
    responses={**CREATED, "409": {"description": "The thread is locked"}},
)
def create_post(thread_id: int) -> ResponseReturnValue:
    user = api_user()
    thread = access.get_thread_for(user, thread_id)
    body = json_body()
    _unknown_fields(body, POST_BODY)
    if not isinstance(body.get("body"), str):
        raise Invalid(fields={"body": [str(_l("Geef tekst op."))]})
    if thread.locked_at is not None and not access.is_moderator(user, thread.community):
        raise services.ThreadLocked
    post = services.reply(user, thread.id, body["body"])
    check_posting(user)  # after the checks; TooFast rolls the post back (errors.py)
    db.session.commit()
    return jsonify(post_out(post, moderator=False)), 201
