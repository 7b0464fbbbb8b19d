"""Security headers on every response (R-20), CSRF on every form (R-19), and no text that a
database cannot keep as it was sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from reflectie.errors import DomainError
from reflectie.extensions import csrf

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def same_site_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`: no open redirects (R-18)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default


def _protect_forms() -> None:
    # The API authenticates with Bearer tokens only, never with the cookie, so forged
    # cross-site requests carry no credentials there; every other POST needs the token.
    if current_app.config["WTF_CSRF_ENABLED"] and not request.path.startswith("/api/"):
        csrf.protect()


class UnreadableText(DomainError):
    status = 400
    code = "unreadable_text"
    keeps_input = True
    message = _l(
        "Uw invoer bevat tekens die geen gewone tekst zijn (een nulteken of onleesbare bytes). "
        "Haal ze weg of typ die tekst opnieuw, en probeer het nog eens."
    )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _storable(text: str, *, decoded: bool) -> bool:
    """NUL, which PostgreSQL refuses (SQLite would keep it); a lone surrogate, which JSON can
    carry (as \\ud800) but UTF-8 cannot; and, in a multipart form, U+FFFD, which Werkzeug puts
    for bytes it could not decode, so the text would be stored with what was sent lost."""
    if "\x00" in text or (decoded and "\ufffd" in text):
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _refuse_unstorable_text() -> None:
    """Refuse the whole request, in the same way for every form and JSON body, before any
    view reads it: nothing is half written, and the error page shows what was typed."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.path.startswith("/api/") and "Authorization" not in request.headers:
        return  # the route answers 401 first, without reading the body
    decoded = request.mimetype == "multipart/form-data"
    try:
        values = (
            request.get_json(silent=True) if request.is_json else request.form.to_dict(flat=False)
        )
    except RecursionError:  # JSON nested thousands deep: no request of ours looks like that
        raise DomainError from None
    if not all(_storable(text, decoded=decoded) for text in _strings(values)):
        raise UnreadableText


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "same-origin")  # the search page says no-referrer
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.path.startswith("/static/") and (
        current_user.is_authenticated or request.path.startswith("/api/")
    ):
        # Pages with personal data stay out of shared caches and the back-button cache.
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(_protect_forms)


def guard_input(app: Flask) -> None:
    """After the session checks (an expired session ends first), before any view."""
    app.before_request(_refuse_unstorable_text)
    app.after_request(_headers)
