"""The app factory, configuration, error pages and security headers (R-12, R-20, R-36)."""

from __future__ import annotations

import logging
import os
import stat
from datetime import UTC, date, datetime

import pytest
from flask import Blueprint
from sqlalchemy.exc import OperationalError

from reflectie import create_app
from reflectie.permissions import public
from tests.factories import make_team, make_user
from tests.pages import parse, text_of


def test_defaults_put_sqlite_and_a_generated_secret_under_the_instance_folder(
    tmp_path, monkeypatch
):
    for name in ("REFLECTIE_DATABASE_URL", "REFLECTIE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    secret_file = tmp_path / "inst" / "secret_key"
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == f"sqlite:///{tmp_path / 'inst' / 'reflectie.sqlite3'}"
    )
    assert app.config["SECRET_KEY"] == secret_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    again = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert app.debug is False


def test_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("REFLECTIE_INSTANCE_PATH", str(tmp_path / "env-inst"))
    monkeypatch.setenv("REFLECTIE_DATABASE_URL", "sqlite:///" + str(tmp_path / "x.db"))
    monkeypatch.setenv("REFLECTIE_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("REFLECTIE_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/3")
    app = create_app()
    assert app.instance_path == str(tmp_path / "env-inst")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "x.db")
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert not (tmp_path / "env-inst" / "secret_key").exists()


def test_https_deployments_get_secure_host_cookies(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PREFERRED_URL_SCHEME": "https"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-reflectie"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def _app_with_failing_route(make_app):
    app = make_app()
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals /home/x/file.py SELECT * FROM users")

    @bp.get("/api/v1/boom")
    @public
    def api_boom():
        raise RuntimeError("secret internals")

    app.register_blueprint(bp)
    return app


def test_an_unexpected_error_shows_a_dutch_page_with_request_id_and_logs_the_traceback(
    make_app, caplog
):
    """R-36: a Dutch page with the request id; the traceback only in the log."""
    app = _app_with_failing_route(make_app)
    with caplog.at_level(logging.ERROR, logger="reflectie.errors"):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = parse(response.text)
    body = text_of(page)
    assert "Er ging iets mis" in body
    for leak in ("Traceback", "SELECT", "/home/x", "RuntimeError"):
        assert leak not in response.text
    request_id = response.headers["X-Request-Id"]
    assert request_id in body
    record = next(r for r in caplog.records if request_id in r.getMessage())
    assert record.exc_info is not None
    assert "secret internals" in str(record.exc_info[1])


def test_an_unexpected_api_error_is_json_with_request_id(make_app):
    app = _app_with_failing_route(make_app)
    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json["error"] == "server_error"
    assert response.json["request_id"] == response.headers["X-Request-Id"]
    assert "secret" not in response.text


def test_not_found_is_dutch_html_or_json(client):
    page = client.get("/bestaat-niet")
    assert page.status_code == 404
    assert "Niet gevonden" in text_of(parse(page.text))
    api = client.get("/api/v1/bestaat-niet")
    assert api.status_code == 404
    assert api.json["error"] == "not_found"
    assert api.json["message"]


def test_a_database_outage_gives_503_not_a_stack_trace(app, client, monkeypatch):
    from reflectie.main import access

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        email = make_user(team=make_team()).email
    client.post("/login", data={"email": email, "password": "wachtwoord-voor-tests"})
    monkeypatch.setattr(access, "visible_teams", down)
    response = client.get("/")
    assert response.status_code == 503
    assert "Tijdelijk niet beschikbaar" in response.text
    assert "connection refused" not in response.text


def test_health_reports_the_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


@pytest.mark.parametrize(
    "path", ["/login", "/kwesties", "/api/v1/health", "/bestaat-niet", "/static/css/app.css"]
)
def test_security_headers_on_every_kind_of_response(client, path):
    """R-20: the security headers on HTML, JSON, error and static responses."""
    response = client.get(path)
    response.close()  # a static file is streamed from an open file
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_pages_of_logged_in_users_are_not_cached(app, login):
    with app.app_context():
        email = make_user(team=make_team()).email
    client = login(email)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    """R-12: the session cookie's flags."""
    with app.app_context():
        email = make_user(team=make_team()).email
    response = client.post("/login", data={"email": email, "password": "wachtwoord-voor-tests"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("reflectie="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_no_template_has_an_inline_script_or_handler():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+=", path.read_text())
    ]
    assert offenders == []


def test_today_is_the_date_in_amsterdam_not_in_utc(app):
    import time_machine

    from reflectie.db import local_today

    with time_machine.travel(datetime(2027, 3, 30, 22, 30, tzinfo=UTC), tick=False):
        with app.app_context():
            assert local_today() == date(2027, 3, 31)  # 00:30 in Amsterdam (summer time)
        assert local_today() == date(2027, 3, 31)  # outside the app too (CLI, demo data)
    winter = time_machine.travel(datetime(2027, 1, 10, 22, 30, tzinfo=UTC), tick=False)
    with winter, app.app_context():
        assert local_today() == date(2027, 1, 10)  # 23:30 in winter
