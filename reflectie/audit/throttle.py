"""Per-user limits on what could be used to carry data away in bulk (R-35): exports, prints
and PDFs, and searches. A refusal answers 429 in Dutch (or JSON) and is on the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_limiter import RequestLimit
from flask_login import current_user

from reflectie.audit.services import record
from reflectie.errors import keep_after_rollback
from reflectie.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def _actor() -> Any:
    """The token's user on an API route (set before the limit is checked), whatever cookie
    came along; else the browser's user."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


def _user_key() -> str:
    actor = _actor()
    return f"user:{actor.id}" if actor is not None else "anonymous"


def _audit_breach(scope: str) -> Callable[[RequestLimit], None]:
    def on_breach(_limit: RequestLimit) -> None:
        actor = _actor()
        path = request.path

        def write() -> None:
            record("rate_limited", actor=actor, result="denied", scope=scope, path=path)

        keep_after_rollback(write)

    return on_breach


def per_user(config_key: str, scope: str) -> Callable[[F], F]:
    """Limit a view per user, at the rate in `config_key` (e.g. "5/hour"), counted over every
    view with the same `scope`, pages and API alike. On an API route, put it below the token
    rule (`api_member`, ...), which finds the user first."""
    return limiter.shared_limit(
        lambda: str(current_app.config[config_key]),
        scope=scope,
        key_func=_user_key,
        on_breach=_audit_breach(scope),
    )
