"""Two editors save the same case at the same moment: one wins, one gets a conflict (R-30).

Runs for real (own database, real commits, two threads) on SQLite and, when configured,
on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm.exc import StaleDataError

from reflectie import create_app
from reflectie.accounts.models import User
from reflectie.cases import services
from reflectie.cases.models import Case, CaseRevision
from reflectie.cases.services import CaseInput, StaleEdit
from reflectie.cli import init_database
from reflectie.db import db
from reflectie.permissions import Role
from tests.conftest import TEST_CONFIG, postgres_database

pytestmark = pytest.mark.real_commits


@pytest.fixture
def own_app(tmp_path) -> Iterator[Flask]:
    server = os.environ.get("REFLECTIE_TEST_DATABASE_URL")

    def build(url: str) -> Flask:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)})
        with app.app_context():
            init_database()
            db.session.commit()
        return app

    if server:
        with postgres_database(server) as url:
            app = build(url)
            yield app
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    else:
        app = build(f"sqlite:///{tmp_path / 'race.sqlite3'}")
        yield app
        with app.app_context():
            db.engine.dispose()


def test_two_simultaneous_saves_never_overwrite_each_other(own_app):
    from tests.factories import make_team, make_user

    with own_app.app_context():
        team = make_team()
        editors = [make_user(team=team, role=Role.LEERCOACH).id for _ in range(2)]
        case = services.create_case(
            db.session.get(User, editors[0]), team, CaseInput(title="Begin")
        )
        db.session.commit()
        case_id = case.id
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def save(editor_id: int) -> None:
        barrier.wait(timeout=20)  # before any query: both start their transaction together
        with own_app.app_context():
            try:
                editor = db.session.get(User, editor_id)
                services.update_case(
                    editor, case_id, CaseInput(title=f"Van {editor_id}"), expected_version=1
                )
                db.session.commit()
                outcomes[editor_id] = "saved"
            except (StaleEdit, StaleDataError):
                db.session.rollback()
                outcomes[editor_id] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(e,)) for e in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(e for e, outcome in outcomes.items() if outcome == "saved")
    with own_app.app_context():
        case = db.session.get(Case, case_id)
        assert case.title == f"Van {winner}"
        assert case.version == 2
        assert db.session.query(CaseRevision).filter_by(case_id=case_id).count() == 2
