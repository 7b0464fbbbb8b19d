"""Reflectie: case write-ups, intervisie and moreel beraad for sociale wijkteams."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

ROOT = Path(__file__).resolve().parent.parent  # repository root: templates/ and static/ live here


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a configured app. `config` wins over the instance file and the environment."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("REFLECTIE_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    if instance_path is None:
        app.instance_path = str(ROOT / "instance")
    # Ids in URLs fit the database's 64-bit integers; a larger one is simply not found.
    app.url_map.converters["int"] = BoundedInt
    app.config.from_object("reflectie.config.Defaults")
    app.config.from_pyfile("reflectie.cfg", silent=True)
    app.config.from_prefixed_env("REFLECTIE")
    app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _finish_config(app)

    from reflectie import cli, errors, extensions, search, security, templating
    from reflectie.accounts import sessions
    from reflectie.accounts.api import bp as accounts_api_bp
    from reflectie.accounts.views import bp as accounts_bp
    from reflectie.admin.views import bp as admin_bp
    from reflectie.api import bp as api_bp
    from reflectie.cases.api import bp as cases_api_bp
    from reflectie.cases.search import register_search as register_case_search
    from reflectie.cases.views import bp as cases_bp
    from reflectie.insights.views import bp as insights_bp
    from reflectie.main import bp as main_bp
    from reflectie.methods.api import bp as methods_api_bp
    from reflectie.methods.search import register_search as register_method_search
    from reflectie.methods.views import bp as methods_bp
    from reflectie.notifications.api import bp as notifications_api_bp
    from reflectie.notifications.views import bp as notifications_bp
    from reflectie.publishing.api import bp as publishing_api_bp
    from reflectie.publishing.search import register_search as register_publication_search
    from reflectie.publishing.views import bp as publishing_bp
    from reflectie.search.api import bp as search_api_bp
    from reflectie.search.views import bp as search_bp
    from reflectie.sessions.api import bp as sessions_api_bp
    from reflectie.sessions.search import register_search as register_meeting_search
    from reflectie.sessions.views import bp as sessions_bp
    from reflectie.teaching.api import bp as teaching_api_bp
    from reflectie.teaching.views import bp as teaching_bp
    from reflectie.threads.api import bp as threads_api_bp
    from reflectie.threads.search import register_search as register_thread_search
    from reflectie.threads.views import bp as threads_bp

    extensions.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    security.guard_input(app)
    templating.init_app(app)
    search.init_app(app)
    for register_search in (
        register_case_search,
        register_method_search,
        register_meeting_search,
        register_thread_search,
        register_publication_search,
    ):
        register_search(app)  # each feature's search document provider
    for blueprint in (
        main_bp,
        accounts_bp,
        admin_bp,
        cases_bp,
        methods_bp,
        sessions_bp,
        threads_bp,
        insights_bp,
        search_bp,
        publishing_bp,
        teaching_bp,
        notifications_bp,
        api_bp,
        accounts_api_bp,
        cases_api_bp,
        methods_api_bp,
        sessions_api_bp,
        threads_api_bp,
        search_api_bp,
        publishing_api_bp,
        teaching_api_bp,
        notifications_api_bp,
    ):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app


class BoundedInt(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def _finish_config(app: Flask) -> None:
    """Derive the settings that depend on others, and fill in safe defaults."""
    cfg = app.config
    instance = Path(app.instance_path)
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = cfg.get("DATABASE_URL") or (
            f"sqlite:///{instance / 'reflectie.sqlite3'}"
        )
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    if not cfg.get("RATELIMIT_STORAGE_URI"):
        cfg["RATELIMIT_STORAGE_URI"] = cfg.get("RATELIMIT_STORAGE") or (
            f"reflectie+sqlite://{instance / 'ratelimit.sqlite3'}"
        )
    cfg.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    if cfg["PREFERRED_URL_SCHEME"] == "https":
        # __Host- cookies must be Secure, Path=/ and carry no Domain.
        cfg.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-reflectie",
            REMEMBER_COOKIE_NAME="__Host-reflectie-remember",
        )


def _instance_secret(path: Path) -> str:
    """Read the per-install secret, creating it (mode 600) on first start."""
    if not path.exists():
        # Write aside, then link: several workers starting at once agree on one secret.
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
