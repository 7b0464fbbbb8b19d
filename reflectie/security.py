"""Security headers on every response (R-20) and CSRF on every form (R-19)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response

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


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
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
    app.after_request(_headers)
