"""Migrations, not create_all, build production databases: prove they agree with the models."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from reflectie import create_app
from reflectie.db import db
from tests.conftest import TEST_CONFIG, postgres_database


def _check(url: str, instance: str) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": instance})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []
        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.session.remove()
        db.engine.dispose()


def test_migrations_match_models_and_downgrade(tmp_path):
    server = os.environ.get("REFLECTIE_TEST_DATABASE_URL")
    if server:
        with postgres_database(server) as url:
            _check(url, str(tmp_path))
    else:
        _check(f"sqlite:///{tmp_path / 'm.sqlite3'}", str(tmp_path))
