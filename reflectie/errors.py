"""Domain errors (raised by services) and the one error path for HTML and JSON (R-36)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from reflectie.db import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base for errors a service raises on purpose. Views never catch bare Exception."""

    status = 400
    code = "bad_request"
    message: Any = _l("Dit verzoek kan niet worden verwerkt.")
    keeps_input = False  # the error page shows what was typed (as after a failed save)

    def __init__(self, message: Any = None, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.fields = fields or {}

    def details(self) -> dict[str, Any]:
        """More members for the JSON error object (e.g. the current version on a conflict)."""
        return {}


class NotFound(DomainError):
    """Also used for 'exists, but not yours': the answer must not reveal which."""

    status = 404
    code = "not_found"
    message = _l("Deze pagina bestaat niet of u heeft er geen toegang toe.")


class Invalid(DomainError):
    """Input that fails a rule; `fields` maps each field name to its messages."""

    status = 422
    code = "invalid"
    message = _l("Niet alle velden zijn goed ingevuld.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = _l("Iemand anders heeft dit intussen gewijzigd.")


CSRF_MESSAGE = _l(
    "Het formulier is verlopen of ongeldig. Ga terug, vernieuw de pagina en "
    "probeer het opnieuw; uw tekst staat nog in het vorige scherm."
)

# Messages for HTTP errors, in Dutch; the template shows title and text.
HTTP_MESSAGES: dict[int, tuple[Any, Any]] = {
    400: (_l("Ongeldig verzoek"), _l("Dit verzoek kan niet worden verwerkt.")),
    401: (_l("Niet ingelogd"), _l("Log in om verder te gaan.")),
    403: (_l("Geen toegang"), _l("U heeft geen toegang tot deze pagina.")),
    404: (_l("Niet gevonden"), _l("Deze pagina bestaat niet of u heeft er geen toegang toe.")),
    405: (_l("Niet toegestaan"), _l("Deze actie is hier niet mogelijk.")),
    409: (_l("Conflict"), _l("Iemand anders heeft dit intussen gewijzigd.")),
    413: (_l("Te groot"), _l("Wat u verstuurt is te groot.")),
    422: (_l("Onjuiste invoer"), _l("Niet alle velden zijn goed ingevuld.")),
    429: (
        _l("Te veel pogingen"),
        _l("U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
    ),
    500: (
        _l("Er ging iets mis"),
        _l("Er ging aan onze kant iets mis. Uw gegevens zijn niet half opgeslagen."),
    ),
    503: (
        _l("Tijdelijk niet beschikbaar"),
        _l("Reflectie is even niet bereikbaar. Probeer het over een paar minuten opnieuw."),
    ),
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def keep_after_rollback(write: Callable[[], None]) -> None:
    """Run `write` in a fresh transaction after a refused request was rolled back.

    For records that must survive the refusal they describe (a denied read in the audit
    log, R-22). Outside a request nothing is kept.
    """
    if has_request_context():
        g.setdefault("after_rollback", []).append(write)


def _run_after_rollback() -> None:
    writes = g.pop("after_rollback", [])
    if writes:
        for write in writes:
            write()
        db.session.commit()


def wants_json() -> bool:
    """The API, and a page's script that sent JSON (an autosave), get the JSON error object."""
    return request.path.startswith("/api/") or request.is_json


def error_response(
    status: int,
    *,
    code: str | None = None,
    message: Any = None,
    fields: dict[str, list[str]] | None = None,
    details: dict[str, Any] | None = None,
    keeps_input: bool = False,
) -> ResponseReturnValue:
    """Render the Dutch error page or the JSON error object, with the request id. The page
    shows what was typed after a server error, or when `keeps_input` says so."""
    title, default_message = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500 if status >= 500 else 400])
    message = str(message or default_message)
    request_id = g.get("request_id", "")
    if wants_json():
        body: dict[str, Any] = {
            "error": code or CODES.get(status, "error"),
            "message": message,
            "request_id": request_id,
        }
        if fields:
            body["fields"] = fields
        body.update(details or {})
        return jsonify(body), status
    page = render_template(
        "errors/error.html",
        status=status,
        title=title,
        message=message,
        request_id=request_id,
        carried=_typed_text() if status >= 500 or keeps_input else [],
    )
    return page, status


SECRET_FIELDS = ("csrf_token", "password", "wachtwoord", "confirm", "code", "token", "secret")


def _typed_text() -> list[tuple[str, str]]:
    """What the user typed into a form that could not be saved (the database failed, or the
    disk was full): shown on the error page, read-only, so that nothing is lost. Never a
    password, code or token."""
    if request.method != "POST" or wants_json():
        return []
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if value.strip() and len(value) > 1 and not any(s in name.lower() for s in SECRET_FIELDS)
    ][:20]


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        log.warning("rollback failed [request_id=%s]", g.get("request_id", ""), exc_info=True)


def init_app(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)

    @app.after_request
    def _echo_request_id(response: Any) -> Any:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError) -> ResponseReturnValue:
        details = err.details()
        db.session.rollback()  # nothing half-written survives a refused request
        _run_after_rollback()
        return error_response(
            err.status,
            code=err.code,
            message=err.message,
            fields=err.fields,
            details=details,
            keeps_input=err.keeps_input,
        )

    @app.errorhandler(StaleDataError)
    def _lost_race(err: StaleDataError) -> ResponseReturnValue:
        # Two saves passed the version check at once; the database let only one through.
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(400, code="csrf", message=CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> ResponseReturnValue:
        db.session.rollback()
        _run_after_rollback()  # e.g. the audit row of a refused (rate-limited) request
        status = err.code or 500
        response = error_response(status)
        if status == 429 and hasattr(err, "get_headers"):
            # Flask-Limiter's RateLimitExceeded carries Retry-After and X-RateLimit-* headers.
            page, code = response  # type: ignore[misc]
            return page, code, [(k, v) for k, v in err.get_headers() if k != "Content-Type"]
        return response

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(err: Exception) -> ResponseReturnValue:
        # A number too large for the database (or a value it cannot store): bad input, not a
        # fault of ours. Nothing was written.
        _safe_rollback()
        log.info("value out of range [request_id=%s]: %s", g.get("request_id", ""), type(err))
        return error_response(400, message=_l("Een getal of waarde in het verzoek is te groot."))

    @app.errorhandler(OperationalError)
    def _database_down(err: OperationalError) -> ResponseReturnValue:
        _safe_rollback()
        # The error page asks the database nothing: no unread count, and a user who could not
        # be loaded is shown the page as a visitor (language from the browser).
        g.database_down = True
        if "_login_user" not in g:
            g._login_user = current_app.login_manager.anonymous_user()
        log.error("database unavailable [request_id=%s]", g.get("request_id", ""), exc_info=err)
        return error_response(503)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> ResponseReturnValue:
        _safe_rollback()
        # The traceback goes to the log only, under the id the user sees.
        log.error("unhandled error [request_id=%s]", g.get("request_id", ""), exc_info=err)
        return error_response(500)
