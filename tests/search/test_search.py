"""Search behaviour on both engines: Dutch matching, the query language, facets, paging,
sorting, snippets, suggestions and similar cases."""

from __future__ import annotations

import pytest

from reflectie.cases.models import Visibility
from reflectie.db import db
from reflectie.search import services
from reflectie.search.outbox import drain
from tests.search.conftest import make_teams, write_case
from tests.search.test_analysis import PAIRS

pytestmark = pytest.mark.usefixtures("rctx")


def _titles(page) -> list[str]:
    return [r.title for r in page.results]


def test_every_stemming_pair_finds_each_other():
    teams = make_teams()
    for n, (one, _other) in enumerate(PAIRS):
        write_case(teams.colleague, teams.team_a, f"Paar {n}", f"Hier staat {one} in de tekst.")
    for n, (one, other) in enumerate(PAIRS):
        for word in (one, other):
            found = _titles(services.search(teams.reader, word))
            assert f"Paar {n}" in found, (word, found)


def test_a_search_finds_case_title_and_text_and_ranks_the_title_higher():
    teams = make_teams()
    write_case(teams.colleague, teams.team_a, "Over het weer", "De vrijwilligers van de buurt.")
    write_case(teams.colleague, teams.team_a, "Vrijwilliger gezocht", "Iemand voor de tuin.")
    page = services.search(teams.reader, "vrijwilliger")
    assert page.total == 2
    assert _titles(page)[0] == "Vrijwilliger gezocht"


def test_query_language_phrases_or_exclusions_and_filters():
    teams = make_teams()
    a, b = teams.colleague, teams.team_a
    write_case(a, b, "Een", "Eigen kracht van het gezin.", kwesties=[5], tags=["schulden"])
    write_case(a, b, "Twee", "De kracht van het eigen netwerk.", kwesties=[2], tags=["jeugd"])
    write_case(a, b, "Drie", "Armoede in de wijk.", kwesties=[5])
    reader = teams.reader
    assert _titles(services.search(reader, '"eigen kracht"')) == ["Een"]
    assert sorted(_titles(services.search(reader, "kracht"))) == ["Een", "Twee"]
    assert sorted(_titles(services.search(reader, "gezin OR armoede"))) == ["Drie", "Een"]
    assert _titles(services.search(reader, "kracht -netwerk")) == ["Een"]
    assert sorted(_titles(services.search(reader, "kwestie:5"))) == ["Drie", "Een"]
    assert _titles(services.search(reader, "kracht tag:jeugd")) == ["Twee"]
    assert _titles(services.search(reader, "kracht", filters={"kwestie": {"2"}})) == ["Twee"]
    assert services.search(reader, "type:meeting kracht").total == 0


def test_a_malformed_query_falls_back_to_its_words_and_says_so():
    teams = make_teams()
    write_case(teams.colleague, teams.team_a, "Schulden", "Een gezin met schulden.")
    page = services.search(teams.reader, '"gezin schulden')
    assert page.fallback
    assert _titles(page) == ["Schulden"]


def test_facets_count_paging_and_sorting_by_date():
    teams = make_teams()
    cases = [
        write_case(
            teams.colleague,
            teams.team_a,
            f"Keukentafelronde {n}",
            "Een keukentafelronde bij de familie.",
            kwesties=[1 + n % 2],
            tags=["wonen"] if n % 3 == 0 else [],
        )
        for n in range(12)
    ]
    page = services.search(teams.reader, "keukentafelronde")
    assert page.total == 12
    assert len(page.results) == 10
    assert page.pages == 2
    facets = {name: {f.value: f.count for f in values} for name, values in page.facets.items()}
    assert facets["type"] == {"case": 12}
    assert facets["kwestie"] == {"1": 6, "2": 6}
    assert facets["tag"] == {"wonen": 4}
    assert next(f.label for f in page.facets["kwestie"]).startswith(("1.", "2."))
    second = services.search(teams.reader, "keukentafelronde", page=2)
    assert len(second.results) == 2
    assert not {r.id for r in second.results} & {r.id for r in page.results}
    newest_first = services.search(teams.reader, "keukentafelronde", sort="date")
    dates = [r.date for r in newest_first.results]
    assert dates == sorted(dates, reverse=True)
    assert newest_first.results[0].id == cases[-1].id


def test_snippets_are_escaped_with_marks():
    teams = make_teams()
    write_case(teams.colleague, teams.team_a, "Veilig", "<b>Let op</b>: de cliënt heeft schulden.")
    result = services.search(teams.reader, "client").results[0]
    assert "<mark>cliënt</mark>" in result.snippet
    assert "<b>" not in result.snippet
    assert "&lt;b&gt;" in result.snippet


def test_a_spelling_suggestion_when_nothing_is_found():
    teams = make_teams()
    write_case(teams.colleague, teams.team_a, "Mantelzorg", "De mantelzorger is uitgeput.")
    page = services.search(teams.reader, "mamtelzorger")
    assert page.total == 0
    assert page.suggestion == "mantelzorger"


def test_similar_cases_come_from_text_and_kwesties():
    teams = make_teams()
    a, t = teams.colleague, teams.team_a
    base = write_case(
        a, t, "Schulden gezin", "Gezin met schulden en een deurwaarder.", kwesties=[5]
    )
    near = write_case(a, t, "Deurwaarder", "Weer een deurwaarder en schulden.", kwesties=[5])
    write_case(a, t, "Tuin", "Vrijwilligers in de tuin.", kwesties=[2])
    drain()  # what the end of each of those requests does
    found = services.similar(teams.reader, "case", base.id)
    assert [r.id for r in found][:1] == [near.id]
    assert base.id not in [r.id for r in found]


def test_meeting_records_and_methods_are_found():
    from datetime import UTC, datetime

    from reflectie.sessions import services as meeting_services

    teams = make_teams()
    meeting = meeting_services.create_meeting(
        teams.colleague,
        teams.team_a,
        meeting_services.MeetingInput(
            method="dilemmamethode",
            starts_at=datetime(2026, 3, 30, 14, tzinfo=UTC),
            duration_minutes=60,
        ),
    )
    meeting_services.add_outcome(
        teams.colleague, meeting.id, kind="leerpunt", text="Betrek de huisarts eerder."
    )
    db.session.commit()
    page = services.search(teams.reader, "huisartsen")
    assert [(r.type, r.id) for r in page.results] == [("meeting", meeting.id)]
    methods = services.search(teams.reader, "dilemmamethode type:method")
    assert methods.total >= 1
    assert all(r.type == "method" for r in methods.results)


def test_private_concepts_are_found_by_their_author_only():
    teams = make_teams()
    write_case(
        teams.reader, teams.team_a, "Eigen concept", "Een geheime overweging.", visibility="private"
    )
    assert _titles(services.search(teams.reader, "overweging")) == ["Eigen concept"]
    assert services.search(teams.colleague, "overweging").total == 0
    assert services.search(teams.colleague, "overweging").suggestion is None


def test_making_a_case_private_hides_it_at_once():
    teams = make_teams()
    case = write_case(teams.reader, teams.team_a, "Straks prive", "Een zilvervos in de tuin.")
    assert services.search(teams.colleague, "zilvervos").total == 1
    case.visibility = Visibility.PRIVATE
    db.session.commit()
    assert services.search(teams.colleague, "zilvervos").total == 0
    assert services.search(teams.reader, "zilvervos").total == 1


def test_very_broad_searches_may_say_more_than(app, engine, monkeypatch):
    """PostgreSQL ranks and counts facets over the newest SEARCH_EXACT_LIMIT matches only and
    then says "more than"; Whoosh counts exactly. Both show only what the reader may see."""
    monkeypatch.setitem(app.config, "SEARCH_EXACT_LIMIT", 2)
    teams = make_teams()
    for n in range(3):
        write_case(teams.colleague, teams.team_a, f"Breed {n}", "Een brede zoekvraag.")
    write_case(teams.outsider, teams.team_b, "Breed elders", "Een brede zoekvraag.")
    page = services.search(teams.reader, "brede")
    if engine == "postgres":
        assert page.more
        assert page.total == 2
        assert sum(f.count for f in page.facets["type"]) == 2
    else:
        assert not page.more
        assert page.total == 3
    assert "Breed elders" not in _titles(page)
    newest = services.search(teams.reader, "brede", sort="date")
    assert _titles(newest)[:2] == ["Breed 2", "Breed 1"]
    assert (newest.total, newest.more) == ((2, True) if engine == "postgres" else (3, False))
