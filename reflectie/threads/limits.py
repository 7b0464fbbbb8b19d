"""Posting limits: how often one person may post (through the app's Flask-Limiter storage,
so several workers and servers share the count). Views and API ask before they post; demo
data and CLI jobs are not limited."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many

from reflectie.audit.services import record
from reflectie.errors import DomainError, keep_after_rollback
from reflectie.extensions import limiter


class TooFast(DomainError):
    status = 429
    code = "rate_limited"
    message = _l(
        "U plaatst veel berichten kort na elkaar. Wacht een paar minuten en probeer het dan "
        "opnieuw."
    )


def audit_throttled(user: Any) -> None:
    """The refusal goes into the audit log (R-35); the caller commits after its rollback."""
    record("threads.post_throttled", actor=user)


def check_posting(user: Any) -> None:
    """Count one post for the user, or raise TooFast when a limit is used up (then nothing is
    counted). On the API the error handler writes the audit row after its rollback; a page
    that catches TooFast calls audit_throttled itself."""
    if not limiter.enabled:
        return
    items = parse_many(str(current_app.config["THREADS_POST_RATE_LIMIT"]))
    strategy = limiter.limiter
    if not all(strategy.test(item, "threads-post", str(user.id)) for item in items):
        keep_after_rollback(lambda: audit_throttled(user))
        raise TooFast
    for item in items:
        strategy.hit(item, "threads-post", str(user.id))
