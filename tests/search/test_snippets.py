"""Snippets on both engines: Whoosh's are made in Python (analysis.highlight), PostgreSQL's by
ts_headline. Either way they come from the database's current text of hits the reader may see
(R-05), mark the words the query matched (accented words and the gap pairs of domain.md §4
too), escape the text, and take no marks from it."""

from __future__ import annotations

import html
import secrets

import pytest
from markupsafe import Markup
from sqlalchemy import update

from reflectie.cases.models import Case
from reflectie.db import db
from reflectie.search import services
from reflectie.search.analysis import terms
from reflectie.search.backend import get_backend
from reflectie.search.outbox import drain
from tests.search.conftest import make_teams, write_case
from tests.search.test_analysis import PAIRS

pytestmark = pytest.mark.usefixtures("rctx")


def _plain(snippet: Markup | str) -> str:
    """The snippet's text as escaped HTML, without marks and the "…" of a cut."""
    return str(snippet).replace("<mark>", "").replace("</mark>", "").strip("…")


def _by_title(page) -> dict[str, Markup]:
    return {r.title: r.snippet for r in page.results}


def test_snippets_mark_accented_words_and_the_gap_pairs():
    teams = make_teams()
    write_case(
        teams.colleague, teams.team_a, "Accenten",
        "De coördinator sprak met de cliënt over een crème en over naïeve plannen.",
    )  # fmt: skip
    snippet = services.search(teams.reader, "coordinator client creme naieve").results[0].snippet
    for word in ("coördinator", "cliënt", "crème", "naïeve"):
        assert f"<mark>{word}</mark>" in snippet, word
    assert "<mark>sprak</mark>" not in snippet
    for n, (one, _other) in enumerate(PAIRS):
        write_case(teams.colleague, teams.team_a, f"Paar {n}", f"Hier staat {one} in de tekst.")
    for n, (one, other) in enumerate(PAIRS):
        snippets = _by_title(services.search(teams.reader, other))
        assert f"<mark>{one}</mark>" in snippets[f"Paar {n}"], (one, other)


def test_snippets_escape_the_text():
    teams = make_teams()
    write_case(
        teams.colleague, teams.team_a, "Opmaak",
        '<script>alert("x")</script> De <b>cliënt</b> heeft 3 < 4 & "schulden" <mark>nep</mark>.',
    )  # fmt: skip
    snippet = str(services.search(teams.reader, "schulden").results[0].snippet)
    assert "<script" not in snippet
    assert "<b>" not in snippet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in snippet
    assert "&lt;b&gt;cliënt&lt;/b&gt;" in snippet
    assert "3 &lt; 4 &amp; &quot;<mark>schulden</mark>&quot;" in snippet
    assert "&lt;mark&gt;nep&lt;/mark&gt;" in snippet
    assert snippet.count("<mark>") == 1


def test_control_characters_in_a_text_cannot_mark_anything(engine):
    """PostgreSQL's marks are \\x02 and \\x03 until they become <mark>: the same characters in
    a text are removed first, so it cannot mark (or unbalance) its own snippet. The case form
    refuses control characters; the engine does not rely on every form doing so."""
    text = "Een \x02geheim\x03 woord, \x03een\x02 losse en de <schulden> \x04\x02."
    snippet, bare = get_backend().snippets([text, "\x02geheim\x03"], set(terms("schulden")))
    assert str(snippet).count("<mark>") == str(snippet).count("</mark>") == 1
    assert "&lt;<mark>schulden</mark>&gt;" in snippet
    assert "<mark>geheim" not in snippet
    assert "geheim" in snippet
    assert "<mark>" not in bare


def test_a_long_text_is_cut_around_the_match():
    teams = make_teams()
    text = "vulling " * 200 + "de huisartsen belden terug " + "vulling " * 50
    write_case(teams.colleague, teams.team_a, "Lang", text)
    snippet = str(services.search(teams.reader, "huisarts").results[0].snippet)
    assert "<mark>huisartsen</mark>" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(_plain(snippet)) < 300  # about analysis.highlight()'s 220 characters
    short = "Kort: de huisarts belt."
    write_case(teams.colleague, teams.team_a, "Kort", short)
    snippet = _by_title(services.search(teams.reader, "huisarts"))["Kort"]
    assert str(snippet) == "Kort: de <mark>huisarts</mark> belt."


def test_each_snippet_is_its_own_hits_current_text_and_never_another_teams(engine, count_queries):
    canary = "kanarie" + secrets.token_hex(4)
    teams = make_teams()
    a, t = teams.colleague, teams.team_a
    cases = {
        f"Eigen {n}": write_case(a, t, f"Eigen {n}", f"Casus {n} over schulden, {'nr ' * n}{n}.")
        for n in range(1, 6)
    }
    write_case(teams.outsider, teams.team_b, "Elders", f"Ook schulden, en {canary}.")
    with count_queries() as statements:
        page = services.search(teams.reader, "schulden")
    assert sorted(_by_title(page)) == sorted(cases)
    # PostgreSQL makes the page's snippets in one statement.
    headlines = [s for s in statements if "ts_headline" in s]
    assert len(headlines) == (1 if engine == "postgres" else 0)
    for title, snippet in _by_title(page).items():
        assert canary not in snippet
        assert _plain(snippet) in html.escape(cases[title].situation), title
    assert services.search(teams.outsider, canary).total == 1  # the word is indexed
    # The database's text, not the index's: an UPDATE statement passes the outbox by, so the
    # index still has the old text and finds the case by it.
    db.session.execute(
        update(Case)
        .where(Case.id == cases["Eigen 1"].id)
        .values(situation="Casus 1, nu over de schuldhulpverlening.")
    )
    snippet = _by_title(services.search(teams.reader, "schulden"))["Eigen 1"]
    assert "schuldhulpverlening" in snippet
    assert "nr" not in snippet
    db.session.rollback()


def test_similar_cases_get_snippets_unless_asked_not_to(count_queries):
    teams = make_teams()
    a, t = teams.colleague, teams.team_a
    base = write_case(a, t, "Deurwaarder", "Schulden en een deurwaarder bij het gezin.")
    near = write_case(a, t, "Weer", "Weer een deurwaarder, weer schulden bij het gezin.")
    drain()  # what the end of each of those requests does
    found = services.similar(teams.reader, "case", base.id)
    assert [r.id for r in found] == [near.id]
    assert "<mark>deurwaarder</mark>" in found[0].snippet
    with count_queries() as statements:
        bare = services.similar(teams.reader, "case", base.id, snippets=False)
    assert [(r.id, r.snippet) for r in bare] == [(near.id, Markup(""))]
    assert not [s for s in statements if "ts_headline" in s]
