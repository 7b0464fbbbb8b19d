"""Consistent placeholders: the same person is "mevrouw A." everywhere in one publication.

Placeholders are part of the (Dutch) case text, not of the interface: they stay Dutch whatever
language the person anonymising reads the app in."""

from __future__ import annotations

import re
import string

from reflectie.publishing.detection import Kind

_WOMAN = re.compile(r"^(?:mevrouw|mevr\.|mw\.|juf|tante|oma|zuster)\s", re.IGNORECASE)
_MAN = re.compile(r"^(?:meneer|dhr\.|de heer|meester|oom|opa|broeder)\s", re.IGNORECASE)


FIXED = {
    Kind.ADDRESS: "[adres]",
    Kind.POSTCODE: "[postcode]",
    Kind.PLACE: "[plaats]",
    Kind.PHONE: "[telefoonnummer]",
    Kind.EMAIL: "[e-mailadres]",
    Kind.BSN: "[BSN]",
    Kind.IBAN: "[rekeningnummer]",
    Kind.BIRTHDATE: "[geboortedatum]",
    Kind.DATE: "[datum]",
    Kind.AGE: "[leeftijd]",
    Kind.PLATE: "[kenteken]",
    Kind.ORGANISATION: "[organisatie]",
    Kind.NUMBER: "[nummer]",
    Kind.URL: "[website]",
}


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _letters_used(existing: dict[str, str]) -> set[str]:
    used = set()
    for value in existing.values():
        m = re.search(r"\b([A-Z])\.$", value)
        if m:
            used.add(m.group(1))
    return used


def placeholder_for(text: str, kind: str, existing: dict[str, str]) -> str:
    """The placeholder for `text`; `existing` (key -> placeholder) is updated in place, so the
    same text gets the same placeholder and each new person the next free letter."""
    key = _key(text)
    if key in existing:
        return existing[key]
    if kind == Kind.NAME:
        # The same surname under another title keeps its letter ("mevrouw De Vries", "De Vries").
        letter = next((c for c in string.ascii_uppercase if c not in _letters_used(existing)), "X")
        if _WOMAN.match(text):
            value = f"mevrouw {letter}."
        elif _MAN.match(text):
            value = f"meneer {letter}."
        else:
            value = f"persoon {letter}."
    else:
        value = FIXED.get(kind, "[weggelaten]")
    existing[key] = value
    return value
