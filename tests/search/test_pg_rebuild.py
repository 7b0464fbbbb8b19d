"""A PostgreSQL rebuild fills a new table beside the old one, indexes and analyses it, and swaps
it in: what it leaves is one table under the usual names, with statistics, and nothing stale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from reflectie.db import db
from reflectie.search import services
from reflectie.search.backend import get_backend
from reflectie.search.pg_backend import INDEXES
from reflectie.search.registry import Document
from tests.search.conftest import make_teams, write_case

pytestmark = pytest.mark.parametrize("engine", ["postgres"], indirect=True)


def test_a_rebuild_swaps_in_a_fresh_analysed_table(app, engine):
    with app.test_request_context("/zoeken"):
        teams = make_teams()
        case = write_case(teams.colleague, teams.team_a, "Klokkenluider", "Een klokkenluider.")
        ghost = Document(
            type="case",
            id=case.id + 1000,
            title="Spook",
            body="Een klokkenluider die niet meer bestaat.",
            principals={f"cases:{teams.team_a.id}", f"team:{teams.team_a.id}"},
            date=datetime(2020, 1, 1, tzinfo=UTC),
        )
        get_backend().apply([ghost], [])
        db.session.commit()
        assert services.rebuild_index(locked=True) is not None

        def scalar(sql: str):
            return db.session.scalar(text(sql))

        assert scalar("SELECT to_regclass('search_documents_build')") is None
        indexes = set(
            db.session.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'search_documents'")
            )
        )
        assert indexes == {"search_documents_pkey"} | {
            f"ix_search_documents_{name}" for name in INDEXES
        }
        assert scalar("SELECT reltuples FROM pg_class WHERE relname = 'search_documents'") > 0
        keys = set(db.session.scalars(text("SELECT key FROM search_documents")))
        assert f"case:{case.id}" in keys
        assert f"case:{ghost.id}" not in keys
        page = services.search(teams.reader, "klokkenluider")
        assert [r.title for r in page.results] == ["Klokkenluider"]
        # A second rebuild finds no build table in its way and keeps the same shape.
        assert services.rebuild_index(locked=True) is not None
        assert scalar("SELECT count(*) FROM search_documents") == len(keys)
