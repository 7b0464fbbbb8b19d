"""Search fixtures: every engine test runs on Whoosh and on PostgreSQL full text.

`engine` gives each test its own empty index (a Whoosh directory under tmp_path, or the
search_documents table inside the test's rolled-back transaction) and turns on draining
after commits, inline (test_background.py tries the drainer thread, on a database of its
own). The PostgreSQL engine needs the PostgreSQL test database (REFLECTIE_TEST_DATABASE_URL,
as `make test` sets it in its second pass).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import delete, text

from reflectie.accounts.models import Team, User
from reflectie.cases import services as case_services
from reflectie.cases.models import Case
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.search.backend import get_backend
from reflectie.search.models import OutboxEntry
from reflectie.search.pg_backend import DDL
from reflectie.search.services import all_documents, rebuild_index
from tests.conftest import require
from tests.factories import make_team, make_user

ENGINES = ["whoosh", "postgres"]


@pytest.fixture(params=ENGINES)
def engine(
    request: pytest.FixtureRequest,
    app: Flask,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> str:
    name = request.param
    if name == "postgres" and not database_url.startswith("postgresql"):
        if os.environ.get("REFLECTIE_TEST_POSTGRES_URL"):
            pytest.skip("runs in the PostgreSQL pass of `make test`")
        require(False, "the PostgreSQL engine needs REFLECTIE_TEST_DATABASE_URL")
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", name)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "index"))
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_AFTER_COMMIT", "inline")  # read-your-writes
    monkeypatch.setitem(app.config, "SEARCH_CATCH_UP_WAIT", 0.2)
    monkeypatch.setitem(app.config, "SEARCH_REBUILD_IN_BACKGROUND", False)
    with app.test_request_context("/"):
        if name == "postgres":
            # Not rebuild_index(): its transaction-level advisory lock would stay with the
            # test's connection until the final rollback (see test_consistency's lock test).
            for statement in DDL:
                db.session.execute(text(statement))
            get_backend().apply(list(all_documents()), [])
            db.session.execute(delete(OutboxEntry))  # all of it is in the index now
            db.session.commit()
        else:
            rebuild_index()
    return name


@pytest.fixture
def rctx(app: Flask, engine: str) -> Iterator[None]:
    """A request context (providers build URLs) on the chosen engine."""
    with app.test_request_context("/zoeken"):
        yield


@dataclass
class Teams:
    team_a: Team
    team_b: Team
    reader: User  # lid of team A
    colleague: User  # lid of team A too
    outsider: User  # lid of team B


def make_teams() -> Teams:
    team_a, team_b = make_team(), make_team()
    return Teams(
        team_a=team_a,
        team_b=team_b,
        reader=make_user(team=team_a, role=Role.LID),
        colleague=make_user(team=team_a, role=Role.LEERCOACH),
        outsider=make_user(team=team_b, role=Role.LEERCOACH),
    )


def write_case(author: User, team: Team, title: str, text: str = "", **fields) -> Case:
    case = case_services.create_case(
        author, team, case_services.CaseInput(title=title, situation=text, **fields)
    )
    db.session.commit()
    return case
