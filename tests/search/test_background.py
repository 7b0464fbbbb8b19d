"""The background drainer (SEARCH_DRAIN_AFTER_COMMIT = "background", the production default):
the end of a request only wakes a thread, which indexes the outbox in a session of its own.

The thread needs a connection of its own, which the rolled-back test transaction cannot give,
so these tests commit for real, in a database of this module (a SQLite file, or a fresh
PostgreSQL database in the PostgreSQL pass). They wait for the thread by polling with a
deadline, never by sleeping a fixed time.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import session as flask_session

from reflectie import cli, create_app
from reflectie.accounts.models import User
from reflectie.cases.models import Case
from reflectie.cli import init_database
from reflectie.db import db
from reflectie.search import outbox, services
from reflectie.search.backend import get_backend
from reflectie.search.outbox import drain_mode, drainer, pending_count
from tests.conftest import TEST_CONFIG, postgres_database, require
from tests.search.conftest import ENGINES, make_teams, write_case

pytestmark = pytest.mark.real_commits


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("background")

    def prepared(url: str) -> str:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "INSTANCE_PATH": str(folder)})
        with app.app_context():
            init_database()
            db.session.commit()
            db.engine.dispose()
        return url

    if database_url.startswith("postgresql"):
        with postgres_database(os.environ["REFLECTIE_TEST_DATABASE_URL"]) as url:
            yield prepared(url)
    else:
        yield prepared(f"sqlite:///{folder / 'background.sqlite3'}")


@pytest.fixture(params=ENGINES)
def bg_app(
    request: pytest.FixtureRequest, own_database: str, database_url: str, tmp_path: Path
) -> Iterator[Flask]:
    name = request.param
    if name == "postgres" and not database_url.startswith("postgresql"):
        if os.environ.get("REFLECTIE_TEST_POSTGRES_URL"):
            pytest.skip("runs in the PostgreSQL pass of `make test`")
        require(False, "the PostgreSQL engine needs REFLECTIE_TEST_DATABASE_URL")
    app = create_app(
        {
            **TEST_CONFIG,
            "DATABASE_URL": own_database,
            "INSTANCE_PATH": str(tmp_path),
            "SEARCH_BACKEND": name,
            "SEARCH_INDEX_PATH": str(tmp_path / "index"),
            "SEARCH_DRAIN_AFTER_COMMIT": "background",
            "SEARCH_CATCH_UP_WAIT": 10.0,
            "SEARCH_REBUILD_IN_BACKGROUND": False,
        }
    )
    with app.test_request_context("/"):
        services.rebuild_index()
    yield app
    drainer(app).stop(timeout=20)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def gate(bg_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, threading.Event]]:
    """Index writes wait at a gate until the test opens it; `entered` says one is waiting."""
    events = {"entered": threading.Event(), "open": threading.Event()}
    backend_type = type(get_backend(bg_app))
    real = backend_type.apply

    def gated(self, upserts, deletes):
        events["entered"].set()
        events["open"].wait(30)
        real(self, upserts, deletes)

    monkeypatch.setattr(backend_type, "apply", gated)
    yield events
    events["open"].set()  # never leave the thread stuck


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def pending(app: Flask) -> int:
    with app.app_context():
        return pending_count()


def saved_case(app: Flask, title: str, text: str) -> tuple[int, int, list[str]]:
    """A request that saves a case: (case id, id of a team member who may find it, what the
    browser's session remembers of its own changes)."""
    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        case = write_case(teams.colleague, teams.team_a, title, text)
        return case.id, teams.reader.id, list(flask_session.get("search_own", []))


def found(app: Flask, reader_id: int, q: str, own: list[str] | None = None) -> list[int]:
    """A search request; `own`: the session of the browser that saved, if it is the same."""
    with app.test_request_context("/zoeken"):
        if own is not None:
            flask_session["search_own"] = own
        reader = db.session.get(User, reader_id)
        return [r.id for r in services.search(reader, q).results]


def test_the_request_does_not_wait_for_the_index_and_the_thread_catches_up(bg_app, gate):
    case_id, reader_id, _own = saved_case(bg_app, "Voedselbank", "Een gezin bij de voedselbank.")
    # The request has ended; the thread is writing the index, held at the gate.
    assert gate["entered"].wait(20)
    assert pending(bg_app) > 0
    gate["open"].set()
    assert eventually(lambda: pending(bg_app) == 0)
    assert found(bg_app, reader_id, "voedselbank") == [case_id]


def test_a_search_right_after_saving_waits_briefly_for_the_thread(bg_app, gate, monkeypatch):
    """Read-your-writes: the thread holds the drain lock, so the search cannot drain itself;
    it waits (polling the outbox, at most SEARCH_CATCH_UP_WAIT) and then finds the case."""
    waits = []

    def pause(seconds: float) -> None:
        waits.append(seconds)
        gate["open"].set()  # the thread finishes while the search waits
        time.sleep(seconds)

    monkeypatch.setattr(outbox, "_pause", pause)
    case_id, reader_id, own = saved_case(bg_app, "Wachtkamer", "Lang in de wachtkamer.")
    assert own == [f"case:{case_id}"]
    assert gate["entered"].wait(20)
    assert found(bg_app, reader_id, "wachtkamer", own) == [case_id]
    assert waits  # it did wait for the thread


def test_without_a_drainer_process_the_index_is_written_by_the_thread_never_a_request(
    bg_app, monkeypatch
):
    """Gunicorn started by hand: no drainer process listens, so the worker's drainer thread
    indexes, also what a search catches up on (the only index writer is a drainer)."""
    writers = []
    backend_type = type(get_backend(bg_app))
    real = backend_type.apply

    def recorded(self, upserts, deletes):
        writers.append(threading.current_thread().name)
        real(self, upserts, deletes)

    monkeypatch.setattr(backend_type, "apply", recorded)
    monkeypatch.setattr(outbox, "nudge", lambda _app: False)
    case_id, reader_id, own = saved_case(bg_app, "Speeltuin", "Een nieuwe speeltuin.")
    assert found(bg_app, reader_id, "speeltuin", own) == [case_id]
    assert writers
    assert set(writers) == {"search-drain"}


def test_a_search_does_not_wait_for_someone_elses_change(bg_app, gate, monkeypatch):
    """Another browser's change is not this reader's write: the search answers at once from
    the index as it is, and finds the change once the thread has indexed it."""
    waits = []
    monkeypatch.setattr(outbox, "_pause", waits.append)
    case_id, reader_id, _own = saved_case(bg_app, "Buurthuis", "Koffie in het buurthuis.")
    assert gate["entered"].wait(20)
    assert found(bg_app, reader_id, "buurthuis", own=[]) == []
    assert waits == []
    gate["open"].set()
    assert eventually(lambda: pending(bg_app) == 0)
    assert found(bg_app, reader_id, "buurthuis", own=[]) == [case_id]


def test_a_full_disk_keeps_the_case_and_the_outbox_rows_until_a_retry_works(
    bg_app, monkeypatch, caplog
):
    """R-33 and R-29 in the background: the index write fails with ENOSPC; the case is
    committed, the rows stay, the failure is logged, and the thread retries by itself."""
    monkeypatch.setattr(outbox, "RETRY_FIRST", 0.05)
    backend_type = type(get_backend(bg_app))
    real = backend_type.apply
    disk_full = threading.Event()
    disk_full.set()

    def apply(self, upserts, deletes):
        if disk_full.is_set():
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, upserts, deletes)

    monkeypatch.setattr(backend_type, "apply", apply)
    with caplog.at_level(logging.ERROR, logger="reflectie.search.outbox"):
        case_id, reader_id, _own = saved_case(bg_app, "Schijf vol", "De schijf is vol.")
        assert eventually(lambda: "background drain failed" in caplog.text)
    assert "No space left on device" in caplog.text
    with bg_app.app_context():
        assert db.session.get(Case, case_id) is not None
        assert pending_count() > 0
    disk_full.clear()
    assert eventually(lambda: pending(bg_app) == 0)
    assert found(bg_app, reader_id, "schijf") == [case_id]
    with bg_app.test_request_context("/"):
        assert services.check_index().clean


def test_a_missing_index_is_rebuilt_by_the_thread(bg_app):
    with bg_app.app_context():
        if bg_app.config["SEARCH_BACKEND"] == "postgres":
            db.session.execute(sa.text("DROP TABLE search_documents"))
            db.session.commit()
        else:
            shutil.rmtree(bg_app.config["SEARCH_INDEX_PATH"])
    case_id, reader_id, _own = saved_case(bg_app, "Herstel", "Een index die herstelt.")
    assert eventually(lambda: pending(bg_app) == 0)  # rebuilt, then drained
    with bg_app.app_context():
        assert get_backend().usable()
    assert found(bg_app, reader_id, "herstel") == [case_id]


def test_the_thread_starts_with_the_first_change_and_not_in_a_forked_child(bg_app):
    with bg_app.test_request_context("/"):
        pass  # a request that changed nothing
    assert not drainer(bg_app).running  # as in gunicorn's master: no thread before a change
    saved_case(bg_app, "Eerste", "De eerste wijziging.")
    assert drainer(bg_app).running
    assert eventually(lambda: pending(bg_app) == 0)
    child = os.fork()
    if child == 0:  # a worker forked after the thread started: it starts its own later
        os._exit(0 if not drainer(bg_app).running else 1)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.fixture
def server(bg_app: Flask) -> Iterator[dict]:
    """A stand-in for `reflectie serve`: a process that starts the drainer process, as serve
    does before it becomes gunicorn, and then waits; `stop()` ends it like a server that
    stops. The drainer process makes its app from the environment, as under serve."""
    config = bg_app.config
    env = {
        **os.environ,
        "REFLECTIE_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REFLECTIE_INSTANCE_PATH": bg_app.instance_path,
        "REFLECTIE_SECRET_KEY": config["SECRET_KEY"],
        "REFLECTIE_SEARCH_BACKEND": config["SEARCH_BACKEND"],
        "REFLECTIE_SEARCH_INDEX_PATH": config["SEARCH_INDEX_PATH"],
    }
    parent = subprocess.Popen(
        [sys.executable, "-c", "import sys; from reflectie.cli import start_beside; "
         "start_beside('search', 'drainer'); sys.stdin.read()"],
        stdin=subprocess.PIPE, env=env,
    )  # fmt: skip
    address = outbox.drainer_address(bg_app)

    def stop() -> None:
        if parent.poll() is None:
            parent.stdin.close()
            parent.wait(20)

    try:
        assert eventually(address.exists, timeout=60), "the drainer process did not start"
        yield {"address": address, "stop": stop}
    finally:
        stop()  # the drainer process follows within a second


def test_under_reflectie_serve_the_drainer_process_indexes_and_the_worker_does_not(bg_app, server):
    """One process for the machine does the index work (Whoosh holds the interpreter lock
    while it writes): a request only commits and wakes it, and starts no thread of its own.
    When the server stops, the process stops, and a worker would drain in its own thread."""
    case_id, reader_id, _own = saved_case(bg_app, "Mantelzorg", "Een zoon zorgt voor zijn vader.")
    assert eventually(lambda: pending(bg_app) == 0)
    assert not drainer(bg_app).running
    assert found(bg_app, reader_id, "mantelzorg") == [case_id]
    server["stop"]()
    assert eventually(lambda: not server["address"].exists())
    case_id, reader_id, _own = saved_case(bg_app, "Zonder proces", "Een vuurtoren zonder wachter.")
    assert drainer(bg_app).running
    assert eventually(lambda: pending(bg_app) == 0)
    assert found(bg_app, reader_id, "vuurtoren") == [case_id]


def test_a_search_leaves_the_index_work_to_the_drainer_process(bg_app, server, monkeypatch):
    """A search that finds changes pending wakes the drainer process and waits for the
    reader's own changes only; it indexes nothing in the web worker."""
    monkeypatch.setitem(bg_app.config, "SEARCH_DRAIN_AFTER_COMMIT", False)  # no wake on save
    case_id, reader_id, own = saved_case(bg_app, "Buurthuis", "Een buurthuis zonder vrijwilligers.")
    assert pending(bg_app) > 0
    monkeypatch.setitem(bg_app.config, "SEARCH_DRAIN_AFTER_COMMIT", "background")

    def no_drain_here(**_kwargs):
        raise AssertionError("the web worker drained")

    monkeypatch.setattr(services, "drain", no_drain_here)
    assert found(bg_app, reader_id, "buurthuis", own) == [case_id]
    assert not drainer(bg_app).running


@pytest.mark.parametrize(("mode", "started"), [("background", 1), ("inline", 0), (False, 0)])
def test_reflectie_serve_starts_the_drainer_process_in_background_mode(
    app, monkeypatch, mode, started
):
    starts = []
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_AFTER_COMMIT", mode)
    monkeypatch.setattr(cli, "start_beside", lambda *command: starts.append(command))

    def no_exec(_path, _args):
        raise SystemExit(0)

    monkeypatch.setattr(os, "execv", no_exec)
    result = app.test_cli_runner().invoke(args=["serve", "--no-detector"])
    assert result.exit_code == 0, result.output
    assert starts.count(("search", "drainer")) == started


def test_the_drain_mode_setting():
    app = Flask(__name__)
    for value, mode in [
        ("background", "background"),
        ("inline", "inline"),
        (True, "inline"),
        ("true", "inline"),
        (False, None),
        ("false", None),
        ("", None),
        (None, None),
        ("later", "inline"),  # unknown: logged, and safe
    ]:
        app.config["SEARCH_DRAIN_AFTER_COMMIT"] = value
        assert drain_mode(app) == mode, value
    del app.config["SEARCH_DRAIN_AFTER_COMMIT"]
    assert drain_mode(app) == "background"
