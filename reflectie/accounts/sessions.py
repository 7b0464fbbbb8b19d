"""Session rules (R-12, R-13): generation check, idle and absolute lifetimes, required 2FA.

Sessions are signed cookies. Each carries the user's session generation (User.get_id);
logout, password change, deactivation and "log out everywhere" bump it, so every older
cookie, replayed or not, stops working on the next request.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie

from reflectie.accounts.models import User
from reflectie.accounts.services import normalise_email, note_login, requires_2fa
from reflectie.db import db

# Pages a user who still has to set up 2FA may reach.
SETUP_ENDPOINTS = {"accounts.setup_2fa", "accounts.logout", "static", "cases.kwesties"}


def log_in(user: User, *, remember: bool) -> None:
    """Start a session for `user` after the credentials (and second factor) were checked."""
    session.clear()  # nothing from before the login survives it (session fixation)
    login_user(user, remember=remember, fresh=True)
    start_session(remember=remember)
    note_login(user)


# Login throttling, shared by the login page and the re-login after an expired session.
def login_ip_limit() -> str:
    return str(current_app.config["RATELIMIT_LOGIN_IP"])


def login_account_limit() -> str:
    return str(current_app.config["RATELIMIT_LOGIN_ACCOUNT"])


def login_account_key() -> str:
    """One budget per account (e-mail), whichever form or address the attempts come from."""
    return "login-account:" + normalise_email(request.form.get("email", ""))[:254]


def failed_login(response: object) -> bool:
    """A password form answers a redirect on success; anything else counts as a failure."""
    return getattr(response, "status_code", 200) != 302


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user, if the cookie's generation is still the current one."""
    uid, _, generation = user_id.partition(":")
    if not uid.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def start_session(*, remember: bool) -> None:
    """Call right after login_user: stamps the times the lifetimes are measured from."""
    now = time.time()
    session.permanent = True
    session["login_at"] = session["seen_at"] = now
    session["remembered"] = remember


def _on_cookie_login(_app: Any, user: User) -> None:
    start_session(remember=True)


def _expired(now: float) -> bool:
    cfg = current_app.config
    started, seen = session.get("login_at"), session.get("seen_at")
    if started is None or seen is None:
        return True
    if session.get("remembered"):
        return now - started > cfg["REMEMBER_COOKIE_DURATION"].total_seconds()
    return (
        now - seen > cfg["SESSION_IDLE_MINUTES"] * 60
        or now - started > cfg["SESSION_ABSOLUTE_HOURS"] * 3600
    )


def check_session() -> Any:
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    now = time.time()
    if _expired(now):
        logout_user()
        session.clear()
        flash(_("Uw sessie is verlopen. Log opnieuw in."), "info")
        return None  # the route rule now sends the anonymous visitor to the login page
    if now - session.get("seen_at", 0) > 30:  # spare a Set-Cookie on every request
        session["seen_at"] = now
    if (
        not current_user.totp_enabled
        and request.endpoint not in SETUP_ENDPOINTS
        and requires_2fa(current_user)
    ):
        return redirect(url_for("accounts.setup_2fa"))
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_session)
    user_loaded_from_cookie.connect(_on_cookie_login, app)
