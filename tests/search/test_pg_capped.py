"""Broad searches on PostgreSQL: beyond SEARCH_EXACT_LIMIT matches the page ranks, sorts and
counts facets over the newest SEARCH_EXACT_LIMIT of the reader's matches and says "more than".
The cap applies after the principal filter, so other teams' documents never take its places
(R-04), and the database re-check still drops what the reader may no longer see (R-05)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from reflectie.cases.models import Case, Visibility
from reflectie.db import db
from reflectie.search import services
from reflectie.search.backend import SearchRequest, get_backend
from reflectie.search.outbox import drain
from reflectie.search.query import parse
from reflectie.search.registry import reader_principals
from tests.factories import make_token, make_user
from tests.pages import get_page, text_of
from tests.search.conftest import make_teams, write_case

CAP = 3
pytestmark = pytest.mark.parametrize("engine", ["postgres"], indirect=True)  # Whoosh is exact


@pytest.fixture
def capped(app, engine, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_EXACT_LIMIT", CAP)
    return engine


def _titles(page) -> list[str]:
    return [r.title for r in page.results]


def _world():
    """Five matching cases in team A (oldest first; only 'Wilg 1' has the word in its title),
    and six newer ones in team B that would fill the cap if it came before the filter."""
    teams = make_teams()
    a, t = teams.colleague, teams.team_a
    write_case(a, t, "Wilg 1", "Een wilg in de tuin.", kwesties=[1], tags=["wonen"])
    for n in range(2, 6):
        write_case(a, t, f"Boom {n}", "Een wilg aan het water.", kwesties=[1 + n % 2])
    for n in range(6):
        write_case(teams.outsider, teams.team_b, f"Elders {n}", "Een wilg elders.")
    return teams


def test_a_broad_search_ranks_and_counts_the_newest_matches(app, capped):
    with app.test_request_context("/zoeken"):
        teams = _world()
        page = services.search(teams.reader, "wilg")
        assert page.more
        assert page.total == CAP
        assert sorted(_titles(page)) == ["Boom 3", "Boom 4", "Boom 5"]  # never team B's
        facets = {name: {f.value: f.count for f in fs} for name, fs in page.facets.items()}
        assert facets["type"] == {"case": 3}
        assert facets["kwestie"] == {"1": 1, "2": 2}
        assert "tag" not in facets or facets["tag"] == {}
        newest = services.search(teams.reader, "wilg", sort="date")
        assert _titles(newest) == ["Boom 5", "Boom 4", "Boom 3"]
        assert (newest.total, newest.more) == (CAP, True)
        # Narrower searches are counted and ranked over all their matches again.
        narrowed = services.search(teams.reader, "wilg tuin")
        assert (_titles(narrowed), narrowed.total, narrowed.more) == (["Wilg 1"], 1, False)
        tagged = services.search(teams.reader, "wilg", filters={"tag": {"wonen"}})
        assert (_titles(tagged), tagged.more) == (["Wilg 1"], False)


def test_the_cap_comes_after_the_principal_filter_and_the_recheck_still_drops(app, capped):
    with app.test_request_context("/zoeken"):
        teams = _world()
        outsider_page = services.search(teams.outsider, "wilg")
        assert (outsider_page.total, outsider_page.more) == (CAP, True)
        assert all(t.startswith("Elders") for t in _titles(outsider_page))
        # The index lags behind a case turned private: the re-check drops it from the page.
        newest = db.session.scalar(select(Case).where(Case.title == "Boom 5"))
        newest.visibility = Visibility.PRIVATE
        db.session.flush()  # in the database, not yet in the index
        page = services.search(teams.reader, "wilg", sort="date")
        assert "Boom 5" not in _titles(page)
        assert all(not t.startswith("Elders") for t in _titles(page))
        db.session.rollback()


def test_paging_stays_within_the_counted_matches(app, capped):
    with app.test_request_context("/zoeken"):
        teams = _world()
        first = services.search(teams.reader, "wilg", sort="date", per_page=2)
        second = services.search(teams.reader, "wilg", sort="date", per_page=2, page=2)
        assert first.pages == 2
        assert _titles(first) + _titles(second) == ["Boom 5", "Boom 4", "Boom 3"]


def test_count_stops_at_the_cap_and_the_spelling_suggestion_still_works(app, capped):
    with app.test_request_context("/zoeken"):
        teams = _world()
        drain()  # what the end of each of those requests does
        backend = get_backend()
        principals = reader_principals(teams.reader)
        assert backend.count(parse("wilg"), principals, set()) == CAP
        assert backend.count(parse("wilg tuin"), principals, set()) == 1
        assert backend.count(parse("eik"), principals, set()) == 0
        assert backend.count(parse("wilg"), set(), set()) == 0
        page = services.search(teams.reader, "wlig")
        assert page.total == 0
        assert page.suggestion == "wilg"


def test_the_page_and_the_api_say_more_than(app, capped, login, client):
    with app.test_request_context("/", method="POST"):
        teams = _world()
        member = make_user(team=teams.team_a)
        email, token = member.email, make_token(member)
    text = text_of(get_page(login(email), "/zoeken?q=wilg"))
    assert f"Meer dan {CAP} resultaten" in text
    assert "nieuwste" in text
    assert "Elders" not in text
    body = client.get("/api/v1/search?q=wilg", headers={"Authorization": f"Bearer {token}"})
    body = body.get_json()
    assert (body["total"], body["total_is_lower_bound"]) == (CAP, True)
    assert "Elders" not in str(body)


def test_a_search_is_planned_for_its_own_words(app, capped):
    """psycopg prepares a repeated statement; PostgreSQL's generic plan for it, made without
    the query's words, was 10-20 times slower at 100,000 documents."""
    with app.test_request_context("/zoeken"):
        teams = _world()
        drain()
        request = SearchRequest(query=parse("wilg"), principals=reader_principals(teams.reader))
        for _ in range(7):  # past psycopg's prepare threshold
            assert get_backend().search(request).total == CAP
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        db.session.rollback()
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "auto"  # this transaction only
