"""Durability on kill (R-32): a process writing cases is killed with SIGKILL at an arbitrary
moment; afterwards the database is intact, every case it reported as committed is there with
its full text, and draining the outbox makes the search index complete again. On SQLite with
the Whoosh index, and in the PostgreSQL pass on PostgreSQL with its own search backend (the
scale-out deployment)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from reflectie import create_app
from reflectie.cli import init_database
from reflectie.db import db
from reflectie.permissions import Role
from tests.conftest import TEST_CONFIG, postgres_database
from tests.factories import make_team, make_user

pytestmark = pytest.mark.real_commits

WRITER = """
import json, sys
from reflectie import create_app
from reflectie.accounts.models import Team, User
from reflectie.cases import services
from reflectie.db import db
config = json.loads(sys.argv[1])
app = create_app(config)
n = 0
while True:
    with app.test_request_context("/", method="POST"):  # its end drains the outbox
        author = db.session.scalar(db.select(User).where(User.email == "schrijver@example.test"))
        team = db.session.scalar(db.select(Team))
        case = services.create_case(author, team, services.CaseInput(
            title=f"Doorschrijven {n}", situation=f"Volledige tekst {n} " * 200))
        db.session.commit()
        print(case.id, flush=True)
    n += 1
"""


@pytest.fixture
def config(tmp_path: Path) -> Iterator[dict]:
    config = {
        **TEST_CONFIG,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SEARCH_DRAIN_AFTER_COMMIT": True,
        "SEARCH_REBUILD_IN_BACKGROUND": False,
    }
    server = os.environ.get("REFLECTIE_TEST_DATABASE_URL")
    if server:
        with postgres_database(server) as url:
            yield {**config, "DATABASE_URL": url, "SEARCH_BACKEND": "postgres"}
    else:
        yield {**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'kill.sqlite3'}"}


def test_a_killed_writer_loses_no_committed_case_and_the_index_catches_up(config):
    """R-32: no committed case is lost when the writer is killed."""
    from reflectie.search.services import ensure_index

    app = create_app(config)
    with app.app_context():
        init_database()
        make_user(team=make_team(), role=Role.LID, email="schrijver@example.test")
        db.session.commit()
        ensure_index()  # as `reflectie init` does
        db.session.commit()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    committed: list[int] = []
    deadline = time.monotonic() + 60
    try:
        while len(committed) < 25 and time.monotonic() < deadline:
            line = writer.stdout.readline()
            if not line:
                break
            committed.append(int(line))
        time.sleep(0.013 * (len(committed) % 7))  # somewhere in the next write
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(timeout=10)
        writer.stdout.close()
    assert len(committed) >= 25, "the writer did not get going"
    assert writer.returncode == -signal.SIGKILL

    from reflectie.cases.models import Case
    from reflectie.search import outbox
    from reflectie.search.services import check_index

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        found = {
            case.id: case.situation
            for case in db.session.scalars(select(Case).where(Case.id.in_(committed)))
        }
        assert sorted(found) == sorted(committed)
        for case_id in committed:
            n = int(db.session.get(Case, case_id).title.split()[-1])
            assert found[case_id] == f"Volledige tekst {n} " * 200  # the whole text
        outbox.drain()
        db.session.commit()
        report = check_index()
        assert report.clean, report
        assert outbox.pending_count() == 0
        db.session.remove()
        db.engine.dispose()
