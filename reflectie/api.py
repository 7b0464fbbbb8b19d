"""/api/v1 plumbing: Bearer-token auth, JSON errors, paging and the OpenAPI document.

The API never accepts the session cookie as authentication (R-19): only a token in the
Authorization header, never in the query string (R-14).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, text

from reflectie.db import db
from reflectie.errors import DomainError, Invalid

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    message = _l("Geef een geldig API-token mee: Authorization: Bearer <token>.")


class BadJson(DomainError):
    status = 400
    code = "bad_json"
    message = _l("De inhoud van het verzoek is geen geldig JSON-object.")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or BadJson (400) for anything else."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadJson
    return body


def _token_user() -> Any:
    from reflectie.accounts.services import user_for_token  # plumbing may not import features

    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized
    user = user_for_token(raw.strip())
    if user is None:
        raise Unauthorized
    return user


def api_user() -> Any:
    """The user of the token of this API request (set by the route rule)."""
    return g.api_user


def doc(summary: str, **operation: Any) -> Callable[[F], F]:
    """Attach an OpenAPI operation to a view; the document is assembled from these."""

    def decorate(view: F) -> F:
        view.openapi = {"summary": summary, **operation}  # type: ignore[attr-defined]
        return view

    return decorate


def api_public(view: F) -> F:
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def _with_token(view: F, rule: str, kind: str | None = None) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.api_user = _token_user()
        response = view(*args, **kwargs)
        db.session.commit()  # the token's last use (already flushed), on views that write nothing
        return response

    wrapped.access_rule = rule  # type: ignore[attr-defined]
    wrapped.writes_db = True  # type: ignore[attr-defined]  # the token's last use (db.writes)
    if kind:
        wrapped.object_kind = kind  # type: ignore[attr-defined]
    return cast(F, wrapped)


def api_member(view: F) -> F:
    """A valid token; rows are then limited to the token user's teams by access functions."""
    return _with_token(view, "member")


def api_scoped(kind: str) -> Callable[[F], F]:
    """A valid token, and the `kind` object in the URL is loaded through its access function."""
    return lambda view: _with_token(view, "scoped", kind)


def page_arg() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise Invalid(fields={"page": [str(_l("Geef een paginanummer van 1 of hoger."))]})
    return int(raw)


def paged(query: Select[Any], serialise: Callable[[Any], dict[str, Any]]) -> ResponseReturnValue:
    """`{"total", "page", "per_page", "results"}` for one page of `query`."""
    page, per_page = page_arg(), int(current_app.config["PAGE_SIZE"])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return jsonify(total=total, page=page, per_page=per_page, results=[serialise(r) for r in rows])


@bp.get("/health")
@api_public
@doc(
    "Is the service up? The database, and what features report (the search index: ok, "
    "lagging with changes waiting in the outbox, rebuilding or unavailable)",
    tags=["meta"],
)
def health() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready"
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    # A lagging or rebuilding index is reported, not a failure: pages and writes still work.
    checks = current_app.extensions.get("health_checks", {})
    return jsonify(status="ok", database="ok", **{name: check() for name, check in checks.items()})


@bp.get("/openapi.json")
@api_public
@doc("This document", tags=["meta"])
def openapi() -> ResponseReturnValue:
    return jsonify(build_openapi(current_app))


def build_openapi(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec = getattr(view, "openapi", None)
        if spec is None or not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if "Integer" in type(conv).__name__ else "string"},
            }
            for name, conv in rule._converters.items()
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = {k: v for k, v in spec.items() if k not in {"body", "params"}}
            operation["parameters"] = params + spec.get("params", [])
            if getattr(view, "access_rule", "public") != "public":
                operation["security"] = [{"bearer": []}]
            if spec.get("body") and method in {"POST", "PATCH", "PUT"}:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": spec["body"]}},
                }
            operation.setdefault("responses", {"200": {"description": "OK"}})
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Reflectie API", "version": "1"},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    }
