"""Word-level differences between two revisions of a case, for the history pages.

Returns plain segments; the template wraps them in <del>/<ins> and Jinja escapes the text,
so no HTML is built here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    op: str  # "same", "del" or "ins"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    name: str
    segments: list[Segment]


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments that turn `old` into `new`, word by word (whitespace kept as it was)."""
    a, b = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("del", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("ins", "".join(b[j1:j2])))
    return segments


def as_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def diff_fields(old: dict[str, Any], new: dict[str, Any], names: list[str]) -> list[FieldDiff]:
    """A FieldDiff for each of `names` whose value differs between the two snapshots."""
    pairs = [(name, as_text(old.get(name)), as_text(new.get(name))) for name in names]
    return [FieldDiff(name, word_diff(a, b)) for name, a, b in pairs if a != b]
