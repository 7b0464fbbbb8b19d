"""Several processes read and write one SQLite file: no "database is locked" (R-31).

Each process is a gunicorn worker in miniature: its own app, its own connections. They
write cases and read lists at the same time for a bounded number of rounds.
"""

from __future__ import annotations

import multiprocessing
import traceback

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from reflectie import create_app
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.real_commits

ROUNDS = 25
WORKERS = 4


def _config(path: str, instance: str) -> dict:
    return {**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}", "INSTANCE_PATH": instance}


def _worker(path: str, instance: str, worker: int, errors) -> None:
    from reflectie.accounts.models import Team, User
    from reflectie.audit.services import record
    from reflectie.cases import services
    from reflectie.cases.access import visible_cases
    from reflectie.db import db, short_write

    app = create_app(_config(path, instance))
    try:
        me = select(User).where(User.email == "schrijver@example.test")
        for n in range(ROUNDS):
            # As in a worker: a POST writes (BEGIN IMMEDIATE), a GET reads (plain BEGIN).
            with app.test_request_context("/", method="POST"):
                author, team = db.session.scalar(me), db.session.scalar(select(Team))
                services.create_case(author, team, services.CaseInput(title=f"W{worker} casus {n}"))
                db.session.commit()
            with app.test_request_context("/", method="GET"):
                db.session.scalars(visible_cases(db.session.scalar(me)).limit(20)).all()
                db.session.rollback()
            # A GET that reads and then writes (an audited read), marked with db.writes.
            with app.test_request_context("/account/mijn-gegevens.json", method="GET"):
                author = db.session.scalar(me)
                db.session.scalars(visible_cases(author).limit(20)).all()
                record("case.read", actor=author)
                db.session.commit()
            # A page that reads, then writes its audit row in a short transaction of its own.
            with app.test_request_context("/casussen/1", method="GET"):
                author = db.session.scalar(me)
                db.session.scalars(visible_cases(author).limit(20)).all()
                with short_write():
                    record("case.read", actor=author)
    except Exception:  # reported to the parent, which fails the test with it
        errors.put(traceback.format_exc())


def test_four_processes_write_and_read_without_lock_errors(tmp_path):
    """R-31: several processes on one SQLite file, without lock errors."""
    from reflectie.accounts.services import (
        create_organisation,
        create_team,
        create_user,
        set_membership,
    )
    from reflectie.cases.models import Case
    from reflectie.cases.services import load_kwesties
    from reflectie.db import db
    from reflectie.permissions import Role

    path, instance = str(tmp_path / "shared.sqlite3"), str(tmp_path)
    app = create_app(_config(path, instance))
    with app.app_context():
        upgrade()
        load_kwesties()
        team = create_team(
            None,
            organisation=create_organisation(None, slug="org", name="Org"),
            slug="team-t",
            name="T",
        )
        user = create_user(email="schrijver@example.test", name="S", password="een lang wachtwoord")
        set_membership(None, team=team, user=user, role=Role.LID)
        db.session.commit()
        db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    processes = [
        context.Process(target=_worker, args=(path, instance, w, errors)) for w in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert all(p.exitcode == 0 for p in processes)
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == ROUNDS * WORKERS
        db.engine.dispose()
