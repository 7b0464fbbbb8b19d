"""/api/v1 read endpoints of collections (casusbundels), for docenten."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for
from flask.typing import ResponseReturnValue

from reflectie.api import api_member, api_scoped, api_user, doc, paged
from reflectie.publishing.api import publication_out
from reflectie.teaching import access
from reflectie.teaching.models import Collection

bp = Blueprint("teaching_api", __name__, url_prefix="/api/v1")


def collection_out(collection: Collection, *, full: bool = False) -> dict[str, Any]:
    live = access.live_items(collection)
    out: dict[str, Any] = {
        "id": collection.id,
        "url": url_for("teaching.collection", collection_id=collection.id, _external=True),
        "title": collection.title,
        "description": collection.description,
        "owner": collection.owner.handle,
        "method": collection.method.slug if collection.method else None,
        "cases": len(live),
    }
    if full:
        out["items"] = [
            {
                "position": n,
                "published_case": publication_out(item.publication),
                "questions": list(item.questions or []),
                "method": item.method.slug if item.method else None,
            }
            for n, item in enumerate(live)
        ]
    return out


@bp.get("/collections")
@api_member
@doc("The token user's collections and those shared with them", tags=["teaching"])
def list_collections() -> ResponseReturnValue:
    query = access.usable_collections(api_user()).order_by(Collection.updated_at.desc())
    return paged(query, collection_out)


@bp.get("/collections/<int:collection_id>")
@api_scoped("collection")
@doc("One collection with its cases and discussion questions", tags=["teaching"])
def get_collection(collection_id: int) -> ResponseReturnValue:
    return jsonify(collection_out(access.get_collection_for(api_user(), collection_id), full=True))
