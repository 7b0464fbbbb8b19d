"""Browser tests: the real app over HTTP on loopback, driven by Debian's Chromium.

The per-test SAVEPOINT rollback of tests/conftest.py cannot reach a server thread, so these
tests get their own app with its own SQLite file and instance folder (one per run). Every
test makes its own users with unique e-mail addresses, so the tests do not depend on each
other. Every test gets a fresh browser context (pytest-playwright's `page`), so no cookies
carry over. Do not request the `app` fixture here.

Run: `.venv/bin/python -m pytest tests/browser -q`; `--headed` and `--tracing on` work too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from werkzeug.serving import make_server

from reflectie import create_app
from reflectie.cli import init_database
from reflectie.db import db
from reflectie.search.services import ensure_index
from tests.browser.support import Account, ConsoleWatch, LiveServer
from tests.conftest import TEST_CONFIG, postgres_database, require
from tests.factories import PASSWORD, make_org, make_team, make_user, new_totp_secret

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# --- Chromium -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium; installed with apt when missing and we are root. Never `playwright
    install`: the browser comes from the distribution."""
    if not Path(CHROMIUM).exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "chromium"],
        ):
            try:
                subprocess.run(command, env=env, check=False, capture_output=True, timeout=900)
            except (OSError, subprocess.SubprocessError):
                break
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium_executable: str
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": chromium_executable,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], live_server: LiveServer
) -> dict[str, Any]:
    return {**browser_context_args, "locale": "nl-NL", "base_url": live_server.url}


# --- the app over HTTP --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on 127.0.0.1 and a free port, with CSRF on (real forms carry the token):
    on SQLite with Whoosh, or in the PostgreSQL pass on a database of its own with the
    PostgreSQL search engine."""
    instance = tmp_path_factory.mktemp("browser-instance")
    server_url = os.environ.get("REFLECTIE_TEST_DATABASE_URL")
    with (
        postgres_database(server_url)
        if server_url
        else nullcontext(f"sqlite:///{instance / 'browser.sqlite3'}")
    ) as url:
        yield from _serve(instance, url, "postgres" if server_url else "whoosh")


def _serve(instance: Path, database_url: str, search_backend: str) -> Iterator[LiveServer]:
    app = create_app(
        {
            **TEST_CONFIG,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SEARCH_BACKEND": search_backend,
        }
    )
    with app.app_context():
        init_database()
        ensure_index()  # as `reflectie init` does
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def member(live_server: LiveServer) -> Account:
    """A fresh team member (role lid) in a fresh team and organisation."""
    with live_server.app.app_context():
        team = make_team()
        user = make_user(team=team)
        return Account(
            email=user.email,
            name=user.name,
            password=PASSWORD,
            team=team.name,
            organisation=team.organisation.name,
        )


@pytest.fixture
def admin_account(live_server: LiveServer) -> Account:
    """A beheerder with TOTP switched on (beheerders must use two-factor) and no team."""
    secret = new_totp_secret()
    with live_server.app.app_context():
        user = make_user(admin=True, totp_secret=secret)
        return Account(email=user.email, name=user.name, password=PASSWORD, totp_secret=secret)


@pytest.fixture
def organisation(live_server: LiveServer) -> str:
    """The name of a fresh organisation (a team needs one)."""
    with live_server.app.app_context():
        return make_org().name


# --- console errors and CSP violations ----------------------------------------------------------


@pytest.fixture
def console(page: Page) -> Iterator[ConsoleWatch]:
    """Watches `page`; a test fails at teardown when a console error or CSP violation occurred."""
    watch = ConsoleWatch()
    watch.watch(page)
    yield watch
    watch.assert_clean()


@pytest.fixture(autouse=True)
def _console_clean(request: pytest.FixtureRequest) -> None:
    """Every browser test that uses a page is watched, whether or not it asks for `console`."""
    if "page" in request.fixturenames:
        request.getfixturevalue("console")
