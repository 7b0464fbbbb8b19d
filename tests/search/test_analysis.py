"""Dutch analysis and the query language, without an engine."""

from __future__ import annotations

import pytest

from reflectie.search.analysis import fold, highlight, terms
from reflectie.search.query import parse

# ../shared/domain.md §4 plus the issue's own examples: each pair must find each other.
PAIRS = [
    ("schuld", "schulden"),
    ("gezin", "gezinnen"),
    ("herindicatie", "herindicaties"),
    ("moederorganisatie", "moederorganisaties"),
    ("maatje", "maatjes"),
    ("huisarts", "huisartsen"),
    ("boodschap", "boodschappen"),
    ("leergemeenschap", "leergemeenschappen"),
    ("wijkrestaurant", "wijkrestaurants"),
    ("verjaardag", "verjaardagen"),
    ("jongen", "jongens"),
    ("toets", "toetsen"),
    ("weigert", "weigeren"),
    ("teamlid", "teamleden"),
    ("wijkteam", "wijkteams"),
    ("vrijwilliger", "vrijwilligers"),
    ("cliënt", "client"),
    ("coördinator", "coordinator"),
    ("gesprek", "gesprekken"),
]
# Words the new Snowball Dutch conflates and that must stay apart (dependencies.md §1.3).
APART = [("gezin", "zin"), ("begeleiding", "beleid"), ("gebruik", "bruik")]


@pytest.mark.parametrize(("one", "other"), PAIRS)
def test_stemming_pairs_share_a_term(one, other):
    assert terms(one) == terms(other)
    assert len(terms(one)) == 1


@pytest.mark.parametrize(("one", "other"), APART)
def test_different_words_stay_apart(one, other):
    assert terms(one) != terms(other)


def test_accents_fold_and_stop_words_go():
    assert fold("Cliënt Coördinator café") == "client coordinator cafe"
    assert terms("de bewoners van het wijkteam") == ["bewoner", "wijkteam"]


def test_highlight_escapes_html_and_marks_matches():
    snippet = highlight(
        '<script>alert("x")</script> De cliënt heeft schulden', set(terms("schuld"))
    )
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>schulden</mark>" in snippet


def test_highlight_picks_a_window_around_the_match():
    text = "vulling " * 200 + "de huisartsen belden " + "vulling " * 50
    snippet = highlight(text, set(terms("huisarts")))
    assert "<mark>huisartsen</mark>" in snippet
    assert snippet.startswith("…")


def test_query_language():
    query = parse('"eigen kracht" schulden OR armoede -jeugd kwestie:5 tag:Schulden type:case')
    phrase, either, other = (
        tuple(terms("eigen kracht")),
        tuple(terms("schulden")),
        tuple(terms("armoede")),
    )
    assert query.groups == [[phrase], [either, other]]
    assert query.exclude == [("jeugd",)]
    assert query.filters == {"kwestie": {"5"}, "tag": {"schulden"}, "type": {"case"}}
    assert not query.fallback


@pytest.mark.parametrize(
    "text",
    [
        '"open quote',
        "OR schulden",
        "schulden OR",
        "schulden - jeugd",
        "kwestie:9 schuld",
        "-alleen",
    ],
)
def test_malformed_queries_fall_back_to_plain_words(text):
    query = parse(text)
    assert query.fallback
    assert all(len(group) == 1 for group in query.groups)  # plain AND of words, no operators
    assert not query.exclude


def test_a_plain_query_is_not_a_fallback():
    assert not parse("wijkteam schulden").fallback
    assert parse("").is_empty
    assert parse("de het een").is_empty  # stop words only
