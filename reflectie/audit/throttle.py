"""Per-user limits on what could be used to carry data away in bulk (R-35): exports, prints
and PDFs, and searches. A refusal answers 429 in Dutch (or JSON) and is on the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask_limiter import RequestLimit
from flask_login import current_user

from reflectie.audit.services import record
from reflectie.errors import keep_after_rollback
from reflectie.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def _user_key() -> str:
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else "anonymous"


def _audit_breach(scope: str) -> Callable[[RequestLimit], None]:
    def on_breach(_limit: RequestLimit) -> None:
        actor = current_user._get_current_object() if current_user.is_authenticated else None
        path = request.path

        def write() -> None:
            record("rate_limited", actor=actor, result="denied", scope=scope, path=path)

        keep_after_rollback(write)

    return on_breach


def per_user(config_key: str, scope: str) -> Callable[[F], F]:
    """Limit a view per user, at the rate in `config_key` (e.g. "5/hour"), counted over every
    view with the same `scope`."""
    return limiter.shared_limit(
        lambda: str(current_app.config[config_key]),
        scope=scope,
        key_func=_user_key,
        on_breach=_audit_breach(scope),
    )
