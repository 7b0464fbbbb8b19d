"""/api/v1/search and /api/v1/cases/<id>/similar, over the same services as the page; both are
on the audit log (a search without its words, R-21)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from reflectie.api import api_member, api_public, api_scoped, api_user, doc, page_arg
from reflectie.audit.throttle import per_user
from reflectie.errors import NotFound
from reflectie.search import services
from reflectie.search.registry import providers
from reflectie.search.views import request_filters

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")

REBUILDING = _l("Zoeken is tijdelijk niet beschikbaar: de zoekindex wordt opnieuw opgebouwd.")

RESULT_SCHEMA = {
    "type": "object",
    "properties": {
        "total": {"type": "integer"},
        "total_is_lower_bound": {"type": "boolean", "description": "more matches than total"},
        "index_behind": {
            "type": "boolean",
            "description": "the index lags the database: total counts this page, no facets",
        },
        "page": {"type": "integer"},
        "rebuilding": {"type": "boolean"},
        "fallback": {"type": "boolean"},
        "suggestion": {"type": ["string", "null"]},
        "facets": {"type": "object"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "url": {"type": "string"},
                    "snippet": {"type": "string", "description": "escaped HTML with <mark>"},
                    "kwesties": {"type": "array", "items": {"type": "integer"}},
                    "score": {"type": "number"},
                },
            },
        },
    },
}
SEARCH_PARAMS = [
    {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
    for name, schema, text in [
        ("q", {"type": "string"}, 'words, "phrases", OR, -exclude, kwestie:5, tag:x, type:case'),
        ("kwestie", {"type": "integer", "minimum": 1, "maximum": 7}, "kwestie number"),
        ("type", {"type": "string"}, "document type: case, meeting, method, thread, …"),
        ("tag", {"type": "string"}, "label"),
        ("method", {"type": "string"}, "method name"),
        ("year", {"type": "integer"}, "year"),
        ("sort", {"type": "string", "enum": ["relevance", "date"]}, "order"),
        ("page", {"type": "integer", "minimum": 1}, "page (10 results each)"),
    ]
]


def _result(r: services.Result) -> dict[str, Any]:
    return {
        "type": r.type,
        "id": r.id,
        "title": r.title,
        "url": request.host_url.rstrip("/") + r.url,
        "snippet": str(r.snippet),
        "kwesties": r.kwesties,
        "group": r.group,
        "date": r.date.isoformat() if r.date else None,
        "score": r.score,
    }


@bp.get("/search")
@api_member
@per_user("RATELIMIT_SEARCH", "search")  # one budget with the search page
@doc(
    "Search what the token user may read",
    tags=["search"],
    params=SEARCH_PARAMS,
    responses={
        "200": {
            "description": "One page of results",
            "content": {"application/json": {"schema": RESULT_SCHEMA}},
        },
        "503": {"description": "The index is being rebuilt"},
    },
)
def search() -> ResponseReturnValue:
    filters = request_filters()
    page = services.search(
        api_user(),
        request.args.get("q", "")[:500],
        filters=filters,
        sort="date" if request.args.get("sort") == "date" else "relevance",
        page=page_arg(),
    )
    services.record_search(api_user(), page, filters, channel="api")  # committed by api_member
    body = {
        "total": page.total,
        "total_is_lower_bound": page.more,
        "index_behind": page.behind,
        "page": page.page,
        "per_page": page.per_page,
        "fallback": page.fallback,
        "suggestion": page.suggestion,
        "rebuilding": page.rebuilding,
        "facets": {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in values]
            for name, values in page.facets.items()
        },
        "results": [_result(r) for r in page.results],
    }
    if page.rebuilding and not page.results:
        return jsonify(
            error="search_rebuilding",
            message=str(REBUILDING),
            **body,
        ), 503
    return jsonify(body)


@bp.get("/search/health")
@api_public
@doc("Is the search index usable and up to date? (lagging: changes wait in the outbox)",
     tags=["meta"])  # fmt: skip
def health() -> ResponseReturnValue:
    status = services.index_status()
    return jsonify(status), 200 if status["index"] != "unavailable" else 503


@bp.get("/cases/<int:case_id>/similar")
@api_scoped("case")
@doc("The cases closest to this one that the token user may read", tags=["search"])
def similar_cases(case_id: int) -> ResponseReturnValue:
    provider = providers().get("case")
    if provider is None or not provider.visible(api_user(), [case_id]):
        raise NotFound
    found = services.similar(api_user(), "case", case_id)
    services.audit_similar(api_user(), "case", case_id, len(found), channel="api")
    return jsonify(total=len(found), results=[_result(r) for r in found])
