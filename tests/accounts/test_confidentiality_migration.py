"""The R-28 migration keeps every existing account and what refers to it, makes them
medewerker (no agreement needed), and its downgrade keeps them too."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from reflectie import create_app
from reflectie.db import db
from tests.conftest import TEST_CONFIG
from tests.test_migrations import on_test_database

BEFORE, THIS = "e8c3a4b5d6f7", "f1a2b3c4d5e6"


def _insert(connection: sa.Connection, table: str, **values) -> int:
    t = sa.Table(table, sa.MetaData(), autoload_with=connection)
    return connection.execute(t.insert().values(**values).returning(t.c.id)).scalar_one()


def _check(url: str, instance: str) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": instance})
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            org = _insert(connection, "organisations", slug="o", name="O", require_2fa=False,
                          created_at=now)  # fmt: skip
            team = _insert(connection, "teams", organisation_id=org, slug="t", name="T",
                           kind="wijkteam", created_at=now)  # fmt: skip
            user = _insert(connection, "users", email="a@example.test", handle="a", name="A",
                           password_hash="x", is_admin=False, active=True, locale="nl",
                           session_generation=1, created_at=now)  # fmt: skip
            _insert(connection, "memberships", user_id=user, team_id=team, role="lid",
                    created_at=now)  # fmt: skip
        upgrade(revision=THIS)
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT employment_status FROM users")).all() == [
                ("medewerker",)
            ]
            assert connection.execute(sa.text("SELECT count(*) FROM memberships")).scalar() == 1
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM memberships")).scalar() == 1
            columns = {c["name"] for c in sa.inspect(connection).get_columns("users")}
            assert "employment_status" not in columns
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()


def test_existing_accounts_become_medewerker_and_keep_their_memberships(tmp_path):
    on_test_database(_check, tmp_path)
