"""Several worker processes write and drain at once (R-29, dependencies.md §1.4): nobody
sees a lock error, and afterwards every change is in the index. On both engines.

Each process is a gunicorn worker in miniature with its own app and connections, all on one
real database of this test (a SQLite file, or a fresh PostgreSQL database in the PostgreSQL
pass) and one real index: a Whoosh directory, or the search_documents table of that
database for the PostgreSQL engine, which needs the PostgreSQL pass.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import traceback
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from reflectie import create_app
from tests.conftest import TEST_CONFIG, postgres_database, require
from tests.search.conftest import ENGINES

pytestmark = pytest.mark.real_commits

ROUNDS = 8
WORKERS = 4


def _config(url: str, instance: str, engine: str) -> dict:
    return {
        **TEST_CONFIG,
        "DATABASE_URL": url,
        "INSTANCE_PATH": instance,
        "SEARCH_BACKEND": engine,
        "SEARCH_DRAIN_AFTER_COMMIT": True,
        "SEARCH_REBUILD_IN_BACKGROUND": False,
    }


@pytest.fixture(params=ENGINES)
def shared(request: pytest.FixtureRequest, database_url: str, tmp_path) -> Iterator[tuple]:
    """(database URL, instance folder, engine) for the workers: a database of this test."""
    name = request.param
    if name == "postgres" and not database_url.startswith("postgresql"):
        if os.environ.get("REFLECTIE_TEST_POSTGRES_URL"):
            pytest.skip("runs in the PostgreSQL pass of `make test`")
        require(False, "the PostgreSQL engine needs REFLECTIE_TEST_DATABASE_URL")
    if database_url.startswith("postgresql"):
        with postgres_database(os.environ["REFLECTIE_TEST_DATABASE_URL"]) as url:
            yield url, str(tmp_path), name
    else:
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}", str(tmp_path), name


class _Collect(logging.Handler):
    def __init__(self, queue) -> None:
        super().__init__(logging.WARNING)
        self.queue = queue

    def emit(self, record: logging.LogRecord) -> None:
        self.queue.put(f"log {record.levelname}: {record.getMessage()}")


def _worker(url: str, instance: str, engine: str, worker: int, errors) -> None:
    from reflectie.accounts.models import Team, User
    from reflectie.cases import services
    from reflectie.db import db
    from reflectie.search import services as search

    logging.getLogger("reflectie").addHandler(_Collect(errors))
    app = create_app(_config(url, instance, engine))
    try:
        me = select(User).where(User.email == "schrijver@example.test")
        for n in range(ROUNDS):
            with app.test_request_context("/", method="POST"):  # its end drains the outbox
                author, team = db.session.scalar(me), db.session.scalar(select(Team))
                case = services.create_case(
                    author, team, services.CaseInput(title=f"W{worker} casus {n}")
                )
                db.session.commit()
                if n % 3 == 0:
                    case.situation = f"Bijgewerkt door werker {worker}"
                    db.session.commit()
            with app.test_request_context("/zoeken", method="GET"):
                search.search(db.session.scalar(me), f"casus w{worker}")
                db.session.rollback()
    except Exception:  # reported to the parent, which fails the test with it
        errors.put(traceback.format_exc())


def test_parallel_writers_lose_nothing_and_see_no_lock_errors(shared):
    from reflectie.accounts.services import (
        create_organisation,
        create_team,
        create_user,
        set_membership,
    )
    from reflectie.cases.services import load_kwesties
    from reflectie.db import db
    from reflectie.permissions import Role
    from reflectie.search import services as search
    from reflectie.search.backend import get_backend
    from reflectie.search.outbox import pending_count

    url, instance, engine = shared
    app = create_app(_config(url, instance, engine))
    with app.test_request_context("/"):
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
        search.rebuild_index()
        db.session.remove()
        db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    processes = [
        context.Process(target=_worker, args=(url, instance, engine, w, errors))
        for w in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=180)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert all(p.exitcode == 0 for p in processes)
    with app.test_request_context("/"):
        assert get_backend().name == engine
        # No final drain here: whoever held the lock last looked again before letting go.
        assert pending_count() == 0
        report = search.check_index()
        assert report.clean, report
        indexed = {key for key, _ in get_backend().fingerprints() if key.startswith("case:")}
        assert len(indexed) == ROUNDS * WORKERS
        db.session.remove()  # no connection left open when the test's database is dropped
        db.engine.dispose()
