"""Dutch text analysis shared by every engine: the same tokens go into Whoosh and PostgreSQL.

Classic Snowball Dutch (the algorithm of Whoosh and of PostgreSQL's `dutch` configuration)
leaves gaps between forms that must find each other (../shared/domain.md §4). They are closed
here, in one tested place, instead of per engine:

- accents are folded (cliënt = client) and only [a-z0-9] runs are tokens;
- a short list of irregular forms maps to their lemma (teamleden → teamlid, weigert → weiger);
- plural -ies/-jes loses its s before stemming (herindicaties, maatjes);
- the stemmer runs twice, so a plural of a word that ends in -s meets its singular
  (huisartsen → huisarts → huisart = huisarts → huisart; jongens → jongen → jong);
- a final doubled consonant is undoubled (gezinnen → gezinn → gezin, boodschappen).
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from functools import lru_cache

from markupsafe import Markup
from whoosh.lang import stopwords_for_language
from whoosh.lang.snowball.dutch import DutchStemmer

STOPWORDS = frozenset(stopwords_for_language("nl"))
_TOKEN = re.compile(r"[a-z0-9]+")
_VOWELS = frozenset("aeiouy")
_stemmer = DutchStemmer()

# Irregular forms the rules above cannot reach: word → lemma (before stemming).
EXCEPTIONS = {
    "kinderen": "kind",
    "weigert": "weigeren",
    "steden": "stad",
    "schepen": "schip",
    "gemeenten": "gemeente",
}
# Compound endings with an irregular plural: gezinsleden → gezinslid, teamleden → teamlid.
SUFFIX_EXCEPTIONS = (("leden", "lid"), ("kinderen", "kind"))


def fold(text: str) -> str:
    """Lowercase without accents: 'Cliënt' → 'client'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded words, stop words included (for phrases, spelling and highlighting)."""
    return _TOKEN.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The index term of one folded word."""
    word = EXCEPTIONS.get(word, word)
    for suffix, lemma in SUFFIX_EXCEPTIONS:
        if word.endswith(suffix) and len(word) > len(suffix):
            word = word[: -len(suffix)] + lemma
            break
    if len(word) > 4 and word.endswith(("ies", "jes")):
        word = word[:-1]
    result = _stemmer.stem(_stemmer.stem(word))
    if len(result) > 3 and result[-1] == result[-2] and result[-1] not in _VOWELS:
        result = result[:-1]
    return result


def terms(text: str) -> list[str]:
    """Index terms of a text, in order, without stop words (positions are renumbered)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def pairs(text: str) -> list[str]:
    """Neighbouring index terms joined ("eigen kracht" → "eig_kracht"): Whoosh answers a
    phrase as an AND of these, without reading positions."""
    found = terms(text)
    return [f"{a}_{b}" for a, b in itertools.pairwise(found)]


def spelling_words(text: str) -> set[str]:
    """Distinct unstemmed words a spelling suggestion may offer."""
    return {w for w in words(text) if len(w) > 2 and w not in STOPWORDS and not w.isdigit()}


def distance(a: str, b: str) -> int:
    """Levenshtein distance, for spelling suggestions."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_WORD_SPAN = re.compile(r"\w+", re.UNICODE)


def highlight(text: str, query_terms: set[str], *, size: int = 220) -> Markup:
    """Escaped HTML of the best window of `text` with matching words in <mark>.

    Works on the database's current text of a hit the reader may see, so a snippet can
    never show stale or foreign text from the index.
    """
    text = " ".join(text.split())
    spans = [
        (m.start(), m.end())
        for m in _WORD_SPAN.finditer(text)
        if query_terms and _matches(m.group(), query_terms)
    ]
    if spans:
        # The window with most matches among those starting near a match.
        best = max(
            (sum(1 for s, _e in spans if start <= s < start + size), -start)
            for start in {max(0, s - 40) for s, _e in spans}
        )
        start = max(0, min(-best[1], len(text) - size))
    else:
        start = 0
    end = min(len(text), start + size)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    out = ["…" if start > 0 else ""]
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    snippet = "".join(out)  # every piece of text above went through html.escape
    return Markup(snippet)  # noqa: S704 - escaped text and our own <mark> tags only


def matching_words(text: str, query_terms: set[str]) -> set[str]:
    """The distinct words of `text` (lowercased, accents kept) whose index term is one of
    `query_terms`: what highlight() marks. PostgreSQL's ts_headline marks them by their own
    lexemes, so accented words and the gap pairs above (teamleden for teamlid) mark too."""
    if not query_terms:
        return set()
    distinct = {m.group().lower() for m in _WORD_SPAN.finditer(text)}
    return {w for w in distinct if _matches(w, query_terms)}


def _matches(token: str, query_terms: set[str]) -> bool:
    folded = _TOKEN.findall(fold(token))
    return any(stem(w) in query_terms for w in folded)
