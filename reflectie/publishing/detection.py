"""Personal data in Dutch text: our own patterns, and the merge with deduce's findings.

Pure functions, cheap to import: the web workers use these when the detector process (which
adds deduce) is not running. A finding is a span of the text with a kind; the author replaces
it with a placeholder or the reviewer marks it as safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


class Kind:
    NAME = "naam"
    ADDRESS = "adres"
    POSTCODE = "postcode"
    PLACE = "plaats"
    PHONE = "telefoon"
    EMAIL = "email"
    BSN = "bsn"
    IBAN = "iban"
    BIRTHDATE = "geboortedatum"
    DATE = "datum"
    AGE = "leeftijd"
    PLATE = "kenteken"
    ORGANISATION = "organisatie"
    NUMBER = "nummer"  # other identifying numbers (client or patient numbers), from deduce
    URL = "url"


KINDS = (
    Kind.NAME,
    Kind.ADDRESS,
    Kind.POSTCODE,
    Kind.PLACE,
    Kind.PHONE,
    Kind.EMAIL,
    Kind.BSN,
    Kind.IBAN,
    Kind.BIRTHDATE,
    Kind.DATE,
    Kind.AGE,
    Kind.PLATE,
    Kind.ORGANISATION,
    Kind.NUMBER,
    Kind.URL,
)


@dataclass(frozen=True, slots=True)
class Finding:
    start: int
    end: int
    kind: str
    text: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --- checksums


def elfproef(digits: str) -> bool:
    """The BSN eleven test: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


def iban_valid(raw: str) -> bool:
    """ISO 13616 mod-97 check."""
    iban = re.sub(r"\s", "", raw).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


# --- word lists


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@cache
def _first_names() -> re.Pattern[str]:
    names = sorted(_lines("voornamen.txt"), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")


@cache
def _places() -> re.Pattern[str]:
    places = sorted(_lines("plaatsen.txt"), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, places)) + r")(?![\w-])")


# --- patterns

UPPER = "A-ZÀ-ÖØ-Þ"
NAMEWORD = rf"[{UPPER}][a-zà-öø-ÿ'\u2019]+(?:-[{UPPER}][a-zà-öø-ÿ'\u2019]+)?"
PARTICLE = (
    r"(?:van der|van den|van de|van 't|van|de|der|den|ter|te|ten|in 't|el|al|ben|bin|da|di|"
    r"dos|le|la)"
)
SURNAME = rf"(?:\s+{PARTICLE})*\s+{NAMEWORD}"
TITLE = (
    r"(?:[Mm]evrouw|[Mm]evr\.|[Mm]w\.|[Mm]eneer|[Dd]hr\.|[Dd]e heer|[Dd]okter|[Dd]r\.|[Jj]uf|"
    r"[Mm]eester|[Oo]ma|[Oo]pa|[Tt]ante|[Oo]om|[Zz]uster|[Bb]roeder)"
)
TITLED_NAME = re.compile(rf"\b{TITLE}\s+(?:{PARTICLE}\s+)*{NAMEWORD}(?:{SURNAME})*")
_TITLE_BEFORE = re.compile(rf"\b{TITLE}\s+$")
INITIALS_NAME = re.compile(rf"\b(?:[{UPPER}]\.\s?){{1,3}}(?:{PARTICLE}\s+)*{NAMEWORD}")

STREET = re.compile(
    rf"\b(?:[{UPPER}][\w'\u2019.-]*\s)?[{UPPER}]?[\w'\u2019-]*"
    r"(?:straat|laan|weg|plein|gracht|kade|singel|dijk|hof|pad|steeg|dreef|plantsoen|markt|"
    r"ring|baan|park|erf|hoven|lei|wal|veld|berg)"
    r"\s+\d{1,5}(?:\s?[a-zA-Z](?![\w]))?(?:\s?-\s?\d{1,4}|\s?(?:hs|bis|huis|[IVX]{1,3})\b)?"
)
POSTCODE = re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
URL = re.compile(r"\bhttps?://[^\s<>()]+|\bwww\.[\w-]+(?:\.[\w-]+)+[^\s<>()]*")
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)31[\s-]?(?:\(0\)[\s-]?)?|\(0\d{2,3}\)\s?|0)"
    r"\d(?:[\s-]?\d){7,9}(?!\d)"
)
BSN = re.compile(r"(?<![\d.-])(\d{3}[.\s]?\d{3}[.\s]?\d{3}|\d{9})(?![\d.-]?\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}\s?(?:[A-Z0-9]{4}\s?){2,7}[A-Z0-9]{1,4}\b")
MONTHS = (
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
    r"december|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?"
)
DATE = re.compile(
    rf"\b(?:\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"\d{{1,2}}\s+{MONTHS}(?:\s+\d{{4}})?)(?![\w])",
    re.IGNORECASE,
)
BIRTH_CUE = re.compile(r"(?:geboren\b[^.!?]{0,15}|geb\.\s*|geboortedatum\s*:?\s*)$", re.I)
AGE = re.compile(
    r"\b\d{1,3}(?:\s?(?:jaar|jr\.?)(?:\s+oud)?|-jarige?)\b|(?<=\()\d{1,3}(?=\))"
    r"|\b(?:leeftijd van|is|werd|wordt)\s+\d{1,3}(?=\s*(?:jaar|[,.;]|$))",
    re.IGNORECASE,
)
_PLATE_SHAPES = (
    "LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL",
    "DD-LLL-D", "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL",
    "D-LL-DDD", "DDD-LL-D",
)  # fmt: skip
PLATE = re.compile(
    r"\b(?:" + "|".join(s.replace("L", "[A-Z]").replace("D", r"\d") for s in _PLATE_SHAPES) + r")\b"
)
ORG_WORDS = (
    r"(?:[Bb]asisschool|[Ss]chool|[Ss]cholengemeenschap|[Ss]tichting|[Zz]iekenhuis|"
    r"[Vv]erpleeghuis|[Zz]orgcentrum|[Zz]orggroep|[Ww]oningcorporatie|[Ww]oonzorg|"
    r"[Kk]inderopvang|[Kk]indcentrum|[Hh]uisartsenpraktijk|[Ss]portclub|[Vv]oetbalclub|"
    r"[Mm]oskee|[Kk]erk|[Bb]edrijf|[Ff]irma|[Ww]ijkcentrum|[Bb]uurthuis)"
)
ORG_NAMED = re.compile(
    rf"\b{ORG_WORDS}\s+(?:(?:[Dd]e|[Hh]et|[Tt]')\s+)?{NAMEWORD}(?:\s+{NAMEWORD})*"
)
_ORG_SUFFIX = "(?:college|lyceum|gymnasium|academie|school|ziekenhuis|kliniek|gasthuis)"
ORG_SUFFIXED = re.compile(
    rf"\b(?:(?:{NAMEWORD}\s+)?[{UPPER}][\w-]*{_ORG_SUFFIX}"
    rf"|{NAMEWORD}\s+(?:College|Lyceum|Gymnasium|Academie|School|Ziekenhuis|Kliniek))\b"
)

_DIGITS = re.compile(r"\D")


def _phone_ok(text: str) -> bool:
    digits = _DIGITS.sub("", text)
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif text.lstrip().startswith("+31"):
        digits = "0" + digits[2:]
    digits = digits.replace("00", "0", 1) if digits.startswith("00") else digits
    return len(digits) == 10 and digits.startswith("0")


def _matches(pattern: re.Pattern[str], text: str, kind: str) -> Iterable[Finding]:
    for m in pattern.finditer(text):
        yield Finding(m.start(), m.end(), kind, m.group())


def _names(text: str) -> Iterable[Finding]:
    yield from _matches(TITLED_NAME, text, Kind.NAME)
    for m in INITIALS_NAME.finditer(text):
        # "mevrouw R. Ik heb ...": an initial after a title is already a pseudonym, and the
        # capital after it starts the next sentence.
        if not _TITLE_BEFORE.search(text, 0, m.start()):
            yield Finding(m.start(), m.end(), Kind.NAME, m.group())
    surname = re.compile(SURNAME)
    for m in _first_names().finditer(text):
        end = m.end()
        while (rest := surname.match(text, end)) is not None:
            end = rest.end()
        yield Finding(m.start(), end, Kind.NAME, text[m.start() : end])


def pattern_findings(text: str) -> list[Finding]:
    """Every span our own patterns recognise, overlaps resolved (see `merge`)."""
    found: list[Finding] = []
    found += _names(text)
    found += _matches(STREET, text, Kind.ADDRESS)
    found += _matches(POSTCODE, text, Kind.POSTCODE)
    found += _matches(_places(), text, Kind.PLACE)
    found += _matches(EMAIL, text, Kind.EMAIL)
    found += _matches(URL, text, Kind.URL)
    found += (f for f in _matches(PHONE, text, Kind.PHONE) if _phone_ok(f.text))
    for m in BSN.finditer(text):
        if elfproef(_DIGITS.sub("", m.group(1))):
            found.append(Finding(m.start(1), m.end(1), Kind.BSN, m.group(1)))
    found += (f for f in _matches(IBAN, text, Kind.IBAN) if iban_valid(f.text))
    for m in DATE.finditer(text):
        birth = BIRTH_CUE.search(text[max(0, m.start() - 30) : m.start()])
        found.append(Finding(m.start(), m.end(), Kind.BIRTHDATE if birth else Kind.DATE, m.group()))
    for m in AGE.finditer(text):
        number = re.search(r"\d{1,3}", m.group())
        assert number is not None  # noqa: S101 - the pattern always holds digits
        start = m.start() + number.start()
        if m.group()[: number.start()].strip().lower() in {"is", "werd", "wordt"}:
            found.append(Finding(start, m.start() + number.end(), Kind.AGE, number.group()))
        else:
            found.append(Finding(start, m.end(), Kind.AGE, text[start : m.end()]))
    found += _matches(PLATE, text, Kind.PLATE)
    found += _matches(ORG_NAMED, text, Kind.ORGANISATION)
    found += _matches(ORG_SUFFIXED, text, Kind.ORGANISATION)
    return merge(found)


# Which kind wins when two findings overlap on the same length (the more specific one).
_PRIORITY = {
    kind: n
    for n, kind in enumerate(
        (
            Kind.EMAIL, Kind.URL, Kind.IBAN, Kind.BSN, Kind.PHONE, Kind.PLATE, Kind.POSTCODE,
            Kind.BIRTHDATE, Kind.DATE, Kind.ADDRESS, Kind.ORGANISATION, Kind.NAME, Kind.PLACE,
            Kind.AGE, Kind.NUMBER,
        )
    )
}  # fmt: skip


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order: of overlapping ones the longest span wins, then
    the more specific kind."""
    ranked = sorted(
        {f for f in findings if f.end > f.start},
        key=lambda f: (-(f.end - f.start), _PRIORITY.get(f.kind, 99), f.start),
    )
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


# deduce's tags (deduce 3.x) mapped to our kinds.
DEDUCE_KINDS = {
    "persoon": Kind.NAME,
    "patient": Kind.NAME,
    "locatie": Kind.PLACE,
    "datum": Kind.DATE,
    "leeftijd": Kind.AGE,
    "telefoonnummer": Kind.PHONE,
    "emailadres": Kind.EMAIL,
    "bsn": Kind.BSN,
    "id": Kind.NUMBER,
    "patientnummer": Kind.NUMBER,
    "url": Kind.URL,
    "instelling": Kind.ORGANISATION,
    "ziekenhuis": Kind.ORGANISATION,
}


def deduce_kind(tag: str, text: str) -> str:
    kind = DEDUCE_KINDS.get(tag.split("-")[0].lower(), Kind.NUMBER)
    if kind == Kind.PLACE and re.search(r"\d", text):
        return Kind.ADDRESS
    return kind
