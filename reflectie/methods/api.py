"""/api/v1 endpoints of the method library."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from reflectie.api import api_member, api_scoped, api_user, doc, paged
from reflectie.methods import access
from reflectie.methods.models import Method, MethodKind

bp = Blueprint("methods_api", __name__, url_prefix="/api/v1")


def method_summary(method: Method) -> dict[str, Any]:
    return {
        "slug": method.slug,
        "name": method.name,
        "kind": str(method.kind),
        "purpose": method.purpose,
        "total_minutes": method.total_minutes,
        "steps_count": len(method.steps),
        "builtin": method.builtin,
        "organisation": method.organisation.slug if method.organisation else None,
    }


def method_out(method: Method) -> dict[str, Any]:
    return {
        **method_summary(method),
        "when_to_use": method.when_to_use,
        "group_size": {"min": method.group_min, "max": method.group_max},
        "roles": method.roles,
        "source": method.source,
        "minutes_note": method.minutes_note,
        "steps": [
            {
                "position": step.position + 1,
                "name": step.name,
                "purpose": step.purpose,
                "questions": step.questions,
                "minutes": step.minutes,
                "who": step.who,
                "record": {"kind": str(step.record_kind), "label": step.record_label},
            }
            for step in method.steps
        ],
    }


@bp.get("/methods")
@api_member
@doc(
    "The methods the token user may use: built-ins and their organisation's adaptations",
    tags=["methods"],
    params=[
        {"name": "kind", "in": "query", "required": False,
         "schema": {"type": "string", "enum": [k.value for k in MethodKind]}},
        {"name": "page", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1}},
    ],
)  # fmt: skip
def list_methods() -> ResponseReturnValue:
    query = access.visible_methods(api_user()).order_by(Method.builtin.desc(), Method.name)
    kind = request.args.get("kind")
    if kind in {k.value for k in MethodKind}:
        query = query.where(Method.kind == kind)
    return paged(query, method_summary)


@bp.get("/methods/<method_slug>")
@api_scoped("method")
@doc("One method with its steps", tags=["methods"])
def get_method(method_slug: str) -> ResponseReturnValue:
    return jsonify(method_out(access.get_method_for(api_user(), method_slug)))
