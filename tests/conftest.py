"""Test fixtures: one migrated database per run, a SAVEPOINT per test (STYLE.md §6.6).

The suite runs on SQLite by default and on PostgreSQL when REFLECTIE_TEST_DATABASE_URL
names a server (`make test` does that when REFLECTIE_TEST_POSTGRES_URL is set). A test
database is created there and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from reflectie import create_app
from reflectie.cli import init_database
from reflectie.db import db

CI = bool(os.environ.get("REFLECTIE_CI"))

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,  # tests/test_csrf.py turns it back on
    "RATELIMIT_ENABLED": False,  # tests/accounts/test_ratelimit.py turns it back on
    # The index is a directory shared by the whole run: only tests/search (which gives each
    # test its own index) drains the outbox after commits.
    "SEARCH_DRAIN_AFTER_COMMIT": False,
    # A thread would share the test's one connection: a missing index is rebuilt in the request.
    "SEARCH_REBUILD_IN_BACKGROUND": False,
    # Argon2 at its cheapest: the production cost (~0.2 s a hash) would dominate the suite.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "ARGON2_PARALLELISM": 1,
}


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a developer's machine; fail in CI (REFLECTIE_CI)."""
    if not condition:
        if CI:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """Create a fresh database on the server for this test run and drop it afterwards."""
    name = f"reflectie_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as err:
        admin.dispose()
        require(False, f"PostgreSQL not reachable: {err}")
    url = sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """`make test` compiles the catalogues; a bare `pytest` run does it here."""
    root = Path(__file__).resolve().parent.parent / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("REFLECTIE_TEST_DATABASE_URL")
    if server:
        with postgres_database(server) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def make_app(database_url: str, instance_path: str) -> Callable[..., Flask]:
    """Build another app on the test database, with overrides (e.g. CSRF or limits on)."""

    def _make(**overrides: Any) -> Flask:
        return create_app(
            {
                **TEST_CONFIG,
                "DATABASE_URL": database_url,
                "INSTANCE_PATH": instance_path,
                **overrides,
            }
        )

    return _make


@pytest.fixture(scope="session")
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """One app and one schema per test run, built by the real migrations."""
    app = make_app()
    with app.app_context():
        init_database()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rollback(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test runs inside one outer transaction that is rolled back at the end.

    App code may commit freely: the session joins the outer transaction through a
    SAVEPOINT. Tests marked `real_commits` (several processes) skip this.
    """
    if request.node.get_closest_marker("real_commits") or "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        engines = db.engines  # the same dict object every context of this app sees
        connection = engines[None].connect()
        outer = connection.begin()
        monkeypatch.setitem(engines, None, connection)
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
    request.node.test_connection = connection
    yield
    with app.app_context():
        db.session.remove()
    outer.rollback()
    connection.close()


@pytest.fixture
def bind_app(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Flask], Flask]:
    """Make a second app (from make_app) share this test's rolled-back transaction."""

    def _bind(other: Flask) -> Flask:
        connection = request.node.test_connection
        with other.app_context():
            monkeypatch.setitem(db.engines, None, connection)
            db.session.remove()
            db.session.configure(join_transaction_mode="create_savepoint")
        return other

    return _bind


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """For service and model tests. Never combine with `client` in one test."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    """A logged-in beheerder (with the required second factor)."""
    import pyotp

    from tests.factories import PASSWORD, make_user, new_totp_secret

    secret = new_totp_secret()
    with app.app_context():
        email = make_user(admin=True, totp_secret=secret, name="Bea Beheer").email
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    response = client.post("/login/tweestaps", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return client


@pytest.fixture
def login(app: Flask) -> Callable[..., FlaskClient]:
    """`login(email)` returns a new client that is logged in as that user."""

    def _login(
        email: str, password: str = "wachtwoord-voor-tests", client: FlaskClient | None = None
    ) -> FlaskClient:
        client = client or app.test_client()
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.text
        return client

    return _login


@pytest.fixture
def count_queries() -> Callable[[], AbstractContextManager[list[str]]]:
    """`with count_queries() as sql: ...` collects SELECT/INSERT/UPDATE/DELETE, not SAVEPOINTs."""

    @contextmanager
    def _count() -> Iterator[list[str]]:
        statements: list[str] = []

        def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if (
                not statement.lstrip()
                .upper()
                .startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN"))
            ):
                statements.append(statement)

        event.listen(Engine, "before_cursor_execute", _record)
        try:
            yield statements
        finally:
            event.remove(Engine, "before_cursor_execute", _record)

    return _count
