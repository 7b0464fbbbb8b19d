"""PostgreSQL indexes both stemmers' output (pg_backend.py): our analysis terms and the server's
`dutch` lexemes. What only the server's stemmer conflates is found there too; the rest answers
as Whoosh does, so these tests run on both engines: phrases keep to neighbouring words, also
where the two halves of the stored vector meet, and the words classic Snowball Dutch keeps
apart (dependencies.md §1.3) stay apart on both."""

from __future__ import annotations

import pytest

from reflectie.search import services
from reflectie.search.analysis import terms
from reflectie.search.backend import get_backend
from reflectie.search.query import parse
from reflectie.search.registry import reader_principals
from tests.search.conftest import make_teams, write_case
from tests.search.test_analysis import APART

pytestmark = pytest.mark.usefixtures("rctx")


def _titles(q: str, user) -> list[str]:
    return sorted(r.title for r in services.search(user, q).results)


def test_a_word_only_the_servers_stemmer_conflates_is_found_on_postgres(engine):
    # Our exception list sends weigert to weigeren's term, away from (misspelt) weigerte; the
    # server's classic Snowball Dutch gives both 'weigert'.
    assert terms("weigerte") != terms("weigert")
    teams = make_teams()
    write_case(teams.colleague, teams.team_a, "Weigerde", "Hij weigerte de hulp.")
    write_case(teams.colleague, teams.team_a, "Weigert", "Zij weigert de hulp.")
    for _rebuilt in (False, True):
        if engine == "postgres":
            assert _titles("weigert", teams.reader) == ["Weigerde", "Weigert"]
            assert _titles("weigerte", teams.reader) == ["Weigerde", "Weigert"]
            hits = {r.title: r.snippet for r in services.search(teams.reader, "weigert").results}
            assert "<mark>weigerte</mark>" in hits["Weigerde"]
            assert "<mark>weigert</mark>" in hits["Weigert"]
            # Counting (the spelling suggestion asks it) uses the same query.
            principals = reader_principals(teams.reader)
            assert get_backend().count(parse("weigert"), principals, set()) == 2
        else:
            assert _titles("weigert", teams.reader) == ["Weigert"]
            assert _titles("weigerte", teams.reader) == ["Weigerde"]
        # The pairs our analysis joins still find each other, and a rebuild indexes the same.
        assert _titles("weigeren", teams.reader) == ["Weigert"]
        assert services.rebuild_index(locked=True) is not None


def test_words_classic_dutch_keeps_apart_stay_apart():
    teams = make_teams()
    for n, pair in enumerate(APART):
        for word in pair:
            write_case(teams.colleague, teams.team_a, f"{word} {n}", f"Over {word} gesproken.")
    for n, pair in enumerate(APART):
        for word in pair:
            assert _titles(f"{word} type:case", teams.reader) == [f"{word} {n}"], word


def test_a_phrase_keeps_to_neighbouring_words():
    """The stored vector is our terms, then the server's lexemes, and `||` numbers the second
    part on after the first: the body's last word must not meet the title's first there.
    Within one document title and body follow each other, as Whoosh pairs them."""
    teams = make_teams()
    a, t = teams.colleague, teams.team_a
    write_case(a, t, "Samen", "Met eigen kracht verder, ondanks de schulden.")
    write_case(a, t, "Eigen", "kracht van het netwerk")  # title, then body: neighbours
    write_case(a, t, "Kracht", "Het gezin zoekt het in eigen")  # body, then title: not
    write_case(a, t, "Buren", "De kracht van het eigen netwerk.")
    write_case(a, t, "Coördinatie", "De coördinator van het wijkteam belt de huisartsen.")
    reader = teams.reader
    assert _titles('"eigen kracht"', reader) == ["Eigen", "Samen"]
    assert _titles("eigen kracht", reader) == ["Buren", "Eigen", "Kracht", "Samen"]
    assert _titles('"kracht eigen"', reader) == ["Buren"]  # stop words between do not count
    assert _titles('"eigen kracht" -schulden', reader) == ["Eigen"]
    assert _titles('"coordinator wijkteams"', reader) == ["Coördinatie"]
    assert _titles('"wijkteam huisarts"', reader) == []
    assert _titles('"belt huisarts" OR "kracht netwerk"', reader) == ["Coördinatie", "Eigen"]
