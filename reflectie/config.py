"""Defaults. Everything can be overridden by instance/reflectie.cfg or REFLECTIE_* variables."""

from __future__ import annotations

from datetime import timedelta


class Defaults:
    # Filled in by create_app when left empty: SQLite under instance/, a generated secret key.
    DATABASE_URL = ""
    SECRET_KEY = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    BASE_URL = "http://127.0.0.1:5000"  # where links in mails sent by scheduled jobs point
    PREFERRED_URL_SCHEME = "http"  # set to "https" behind TLS: Secure, __Host- cookies and HSTS
    PROXY_FIX = 0  # number of trusted reverse proxies in front (X-Forwarded-For/-Proto)

    # Sessions: signed cookies checked against the user's session generation.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "reflectie"
    REMEMBER_COOKIE_NAME = "reflectie-remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # Password hashing: Argon2id, RFC 9106 low-memory profile (above OWASP's 19 MiB/t=2/p=1).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536  # KiB
    ARGON2_PARALLELISM = 4
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MAX_LENGTH = 256

    # Login throttling. Storage: REFLECTIE_RATELIMIT_STORAGE=redis://... for several
    # machines; the default is a SQLite file under instance/ shared by all local workers.
    RATELIMIT_STORAGE = ""
    RATELIMIT_LOGIN_IP = "6/minute;30/hour"
    RATELIMIT_LOGIN_ACCOUNT = "10/15 minutes"
    RATELIMIT_HEADERS_ENABLED = True

    # Mail: without MAIL_SERVER messages are written to the log (single-machine installs).
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""  # set through the environment, never in the code
    MAIL_STARTTLS = True
    MAIL_FROM = "Reflectie <noreply@localhost>"
    PASSWORD_RESET_HOURS = 1

    # UI
    LANGUAGES = ("nl", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PAGE_SIZE = 25
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session (forms may take long)
