"""The search query language, parsed once into a plain structure every engine compiles.

    wijkteam schulden          both words (stemmed: wijkteams, schuld also match)
    "eigen kracht"             a phrase
    schulden OR armoede        either
    -jeugd  -"eigen kracht"    without
    kwestie:5 tag:schulden type:case method:dilemmamethode year:2025   filters

A query that cannot be read (an open quote, a dangling OR or -, a bad kwestie) is not an
error: it becomes a search for its plain words, and `fallback` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reflectie.search.analysis import fold, terms, words

FILTER_FIELDS = ("type", "kwestie", "tag", "method", "year")
Phrase = tuple[str, ...]  # index terms in order; one term is a plain term


@dataclass
class Query:
    """AND over `groups` (each an OR over phrases), minus anything matching `exclude`."""

    groups: list[list[Phrase]] = field(default_factory=list)
    exclude: list[Phrase] = field(default_factory=list)
    filters: dict[str, set[str]] = field(default_factory=dict)
    fallback: bool = False
    words: list[str] = field(default_factory=list)  # the positive words, for spelling

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.filters

    @property
    def highlight_terms(self) -> set[str]:
        return {term for group in self.groups for phrase in group for term in phrase}

    def with_filters(self, extra: dict[str, set[str]]) -> Query:
        merged = {k: set(v) for k, v in self.filters.items()}
        for name, values in extra.items():
            if values:
                merged[name] = merged.get(name, set()) | values
        return Query(self.groups, self.exclude, merged, self.fallback, self.words)


class Malformed(ValueError):
    pass


_FIELD = re.compile(r"^([a-z]+):(.+)$")


def normalise_filter(name: str, value: str) -> str | None:
    """The indexed form of a filter value, or None when it cannot be one."""
    value = value.strip()
    if name == "kwestie":
        return value if value.isdigit() and 1 <= int(value) <= 7 else None
    if name == "year":
        return value if value.isdigit() and len(value) == 4 else None
    if name == "tag":
        value = fold(value).strip()
        return value or None
    if name == "type":
        return value.lower() if re.fullmatch(r"[a-z_]{1,32}", value.lower()) else None
    return value[:120] or None


def _scan(text: str) -> list[tuple[bool, str, bool]]:
    """(negated, token, quoted) triples; raises Malformed on an open quote or a lone '-'."""
    out: list[tuple[bool, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-":
            negated = True
            i += 1
            if i >= n or text[i].isspace():
                raise Malformed("lone -")
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise Malformed("open quote")
            out.append((negated, text[i + 1 : end], True))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        out.append((negated, text[start:i], False))
    return out


def _strict(text: str) -> Query:
    query = Query()
    pending_or = False
    for negated, token, quoted in _scan(text):
        if not quoted and token == "OR":  # noqa: S105 - the OR operator, not a secret
            if negated or not query.groups or pending_or:
                raise Malformed("dangling OR")
            pending_or = True
            continue
        match = None if quoted else _FIELD.match(token)
        if match and match.group(1) in FILTER_FIELDS:
            name = match.group(1)
            value = normalise_filter(name, match.group(2))
            if value is None or negated or pending_or:
                raise Malformed(f"bad filter {token}")
            query.filters.setdefault(name, set()).add(value)
            continue
        phrase = tuple(terms(token))
        if not phrase:  # only stop words or punctuation
            if pending_or:
                raise Malformed("OR before nothing")
            continue
        if negated:
            query.exclude.append(phrase)
            continue
        query.words.extend(words(token))
        if pending_or:
            query.groups[-1].append(phrase)
            pending_or = False
        else:
            query.groups.append([phrase])
    if pending_or:
        raise Malformed("dangling OR")
    if query.exclude and not query.groups and not query.filters:
        raise Malformed("only exclusions")
    return query


def plain(text: str) -> Query:
    """Every word of `text` must match; no operators."""
    query = Query()
    for word in words(text):
        phrase = tuple(terms(word))
        if phrase:
            query.groups.append([phrase])
            query.words.append(word)
    return query


def parse(text: str) -> Query:
    text = text.strip()[:500]
    try:
        return _strict(text)
    except Malformed:
        query = plain(text)
        query.fallback = True
        return query
