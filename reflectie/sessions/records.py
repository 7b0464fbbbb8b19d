"""Structured records of a moreel beraad: the shape of what is written down in a step whose
method asks for more than free text (the dilemma sentence, values and norms per option,
alternatives, each participant's judgement, the conclusion), how such a record is checked, and
its readable text (kept beside the data so the record prints, exports and is found by search).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from reflectie.errors import Invalid
from reflectie.methods.models import RecordKind

MAX_FIELD = 2000
MAX_ROWS = 30


@dataclass(frozen=True)
class RecordField:
    key: str
    label: LazyString
    long: bool = False  # a text area rather than one line


@dataclass(frozen=True)
class RecordShape:
    fields: tuple[RecordField, ...]
    repeats: bool  # a table of rows (one per option, perspective or participant)

    @property
    def names(self) -> list[str]:
        return [f.key for f in self.fields]


SHAPES: dict[RecordKind, RecordShape] = {
    RecordKind.DILEMMA: RecordShape(
        (
            RecordField("question", _l("De morele vraag"), long=True),
            RecordField("option_a", _l("Optie A: moet ik …")),
            RecordField("consequence_a", _l("met als gevolg (A)")),
            RecordField("option_b", _l("of optie B: …")),
            RecordField("consequence_b", _l("met als gevolg (B)")),
        ),
        repeats=False,
    ),
    RecordKind.VALUES_PER_OPTION: RecordShape(
        (
            RecordField("party", _l("Betrokkene (perspectief)")),
            RecordField("option", _l("Optie")),
            RecordField("values", _l("Waarden")),
            RecordField("norms", _l("Normen (handelregels)")),
        ),
        repeats=True,
    ),
    RecordKind.OPTIONS: RecordShape(
        (
            RecordField("option", _l("Alternatief")),
            RecordField("considerations", _l("Voor- en nadelen")),
        ),
        repeats=True,
    ),
    RecordKind.JUDGEMENTS: RecordShape(
        (
            RecordField("participant", _l("Deelnemer")),
            RecordField("option", _l("Gekozen optie")),
            RecordField("value", _l("Doorslaggevende waarde")),
            RecordField("reason", _l("Nadelen en hoe die te beperken")),
        ),
        repeats=True,
    ),
    RecordKind.CHOICE: RecordShape(
        (
            RecordField("decision", _l("Conclusie"), long=True),
            RecordField("reasons", _l("Doorslaggevende argumenten"), long=True),
            RecordField("agreements", _l("Afspraken: wie doet wat, en wanneer"), long=True),
        ),
        repeats=False,
    ),
}


def shape_for(kind: RecordKind) -> RecordShape | None:
    return SHAPES.get(kind)


def _clean_fields(shape: RecordShape, raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise Invalid(fields={where: [str(_l("Verwacht een object met tekstvelden."))]})
    unknown = sorted(set(raw) - set(shape.names))
    if unknown:
        raise Invalid(
            fields={where: [str(_l("Onbekende velden: %(names)s.", names=", ".join(unknown)))]}
        )
    cleaned: dict[str, str] = {}
    for key in shape.names:
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise Invalid(fields={f"{where}.{key}": [str(_l("Verwacht tekst."))]})
        value = value.replace("\r\n", "\n").strip()
        if len(value) > MAX_FIELD:
            raise Invalid(
                fields={f"{where}.{key}": [str(_l("Houd elk veld korter dan 2.000 tekens."))]}
            )
        cleaned[key] = value
    return cleaned


def clean_record(shape: RecordShape, raw: Any) -> dict[str, Any]:
    """The record as stored: known text fields only, trimmed, empty rows left out.

    A single record is `{field: text}`; a table is `{"rows": [{field: text}, ...]}`.
    """
    if not shape.repeats:
        return _clean_fields(shape, raw, "record")
    rows = raw.get("rows") if isinstance(raw, dict) else None
    if not isinstance(rows, list):
        raise Invalid(fields={"record": [str(_l("Verwacht een lijst met rijen (rows)."))]})
    cleaned = [_clean_fields(shape, row, f"record.rows.{n}") for n, row in enumerate(rows)]
    kept = [row for row in cleaned if any(row.values())]
    if len(kept) > MAX_ROWS:
        raise Invalid(fields={"record": [str(_l("Hoogstens 30 rijen per stap."))]})
    return {"rows": kept}


def record_text(kind: RecordKind, shape: RecordShape, data: dict[str, Any]) -> str:
    """A readable plain-text version of the record, in the language of the request."""
    if kind == RecordKind.DILEMMA and data.get("option_a") and data.get("option_b"):
        sentence = str(
            _l(
                "Moet ik %(a)s, met als gevolg %(x)s, of %(b)s, met als gevolg %(y)s?",
                a=data["option_a"],
                x=data.get("consequence_a") or "…",
                b=data["option_b"],
                y=data.get("consequence_b") or "…",
            )
        )
        return "\n".join(part for part in (data.get("question", ""), sentence) if part)
    rows = data.get("rows", []) if shape.repeats else [data]
    joiner, bullet = ("; ", "- ") if shape.repeats else ("\n", "")
    lines = []
    for row in rows:
        parts = [f"{field.label}: {row[field.key]}" for field in shape.fields if row.get(field.key)]
        lines.append(bullet + joiner.join(parts))
    return "\n".join(lines)
