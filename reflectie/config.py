"""Defaults. Everything can be overridden by instance/reflectie.cfg or REFLECTIE_* variables."""

from __future__ import annotations

from datetime import timedelta


class Defaults:
    # Filled in by create_app when left empty: SQLite under instance/, a generated secret key.
    DATABASE_URL = ""
    SECRET_KEY = ""
    # hide_parameters: a failing statement's values (case text, search words) stay out of
    # exceptions and so out of the log; the statement itself is still logged.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True, "hide_parameters": True}
    BASE_URL = "http://127.0.0.1:5000"  # where links in mails sent by scheduled jobs point
    ALLOW_RESTORE = False  # `reflectie restore` needs --allow-restore or this
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
    # Per user, against carrying data away in bulk: exports, prints and PDFs together,
    # and searches.
    RATELIMIT_EXPORTS = "10/hour"
    RATELIMIT_SEARCH = "30/minute"
    RATELIMIT_HEADERS_ENABLED = True
    # Communities: posts per user (shared by all workers through the rate-limit store), the
    # longest post, and posts per page of a thread.
    THREADS_POST_RATE_LIMIT = "6/minute;60/hour"
    THREADS_MAX_POST_LENGTH = 10_000
    THREADS_PAGE_SIZE = 20

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

    # Search: "whoosh" (embedded, index under instance/search/) or "postgres" (several app
    # servers; REFLECTIE_SEARCH_BACKEND=postgres). See README "Zoeken / Search".
    SEARCH_BACKEND = "whoosh"
    SEARCH_INDEX_PATH = ""  # default: instance/search/whoosh
    # Who indexes a request's changes after its commit: "background" (a drainer thread in each
    # worker; the response does not wait), "inline" (the end of the request, which waits) or
    # False (nobody: `reflectie search drain` or the next search). Commands always drain inline.
    SEARCH_DRAIN_AFTER_COMMIT: str | bool = "background"
    SEARCH_DRAIN_LIMIT = 2000  # rows per drain at the end of a request (reindex has no limit)
    SEARCH_CATCH_UP_WAIT = 1.0  # seconds a search waits for another drainer to index its changes
    SEARCH_REBUILD_IN_BACKGROUND = True  # a missing index is rebuilt in a thread
    SEARCH_EXACT_LIMIT = 1000  # PostgreSQL: beyond this many matches, "more than" (newest ranked)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session (forms may take long)
