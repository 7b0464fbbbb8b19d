"""Case rules shared by views, API and CLI. Services flush; the caller commits."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from reflectie import ROOT
from reflectie.accounts.access import check_team_perm
from reflectie.accounts.confidentiality import ConfidentialityRequired
from reflectie.accounts.models import Team, User
from reflectie.audit.services import record
from reflectie.cases.access import CaseAction, get_case_for
from reflectie.cases.models import (
    Case,
    CaseComment,
    CaseDraft,
    CaseKwestie,
    CaseRevision,
    CaseStatus,
    CaseTag,
    CaseValue,
    Kwestie,
    Value,
    Visibility,
)
from reflectie.db import db, utcnow
from reflectie.errors import Conflict, Invalid, NotFound
from reflectie.permissions import Perm, has

KWESTIES_FILE = ROOT / "seed" / "kwesties.json"
VALUES_FILE = ROOT / "seed" / "values.json"

TEXT_FIELDS = ("situation", "help_question", "dilemma", "stakeholders", "own_role")
MAX_TEXT = 50_000  # characters per text field: a long case is ~3,000 words
MAX_TITLE = 200
MAX_LIST = 20
MAX_COMMENT = 5_000
TAG = re.compile(r"^[\w][\w -]{0,39}$")
# Control characters other than tab and newline have no place in a case (NUL breaks PostgreSQL).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bringing a case in (ingebracht) needs these on top of the title.
REQUIRED_TO_BRING_IN = ("situation", "help_question", "dilemma", "kwesties")


class StaleEdit(Conflict):
    """Someone saved the case after this editor loaded it; `current` is their version."""

    def __init__(self, current: Case):
        super().__init__()
        self.current = current
        self.current_version = current.version

    def details(self) -> dict[str, Any]:
        return {"current_version": self.current_version}


@dataclass(frozen=True, slots=True)
class CaseInput:
    """A case's writable fields, as the form, the API and the import give them."""

    title: str
    situation: str = ""
    help_question: str = ""
    dilemma: str = ""
    stakeholders: str = ""
    own_role: str = ""
    values: list[str] = field(default_factory=list)
    kwesties: list[int] = field(default_factory=list)  # the primary one first
    tags: list[str] = field(default_factory=list)
    visibility: str = Visibility.TEAM


FIELD_NAMES = tuple(f.name for f in fields(CaseInput))


def _msg(text: Any) -> list[str]:
    return [str(text)]


def _clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def normalise_tag(tag: str) -> str:
    return unicodedata.normalize("NFC", " ".join(tag.split())).lower()


def _unique(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def parse_input(raw: dict[str, Any], *, base: CaseInput | None = None) -> CaseInput:
    """Build a CaseInput from JSON-like data, checking types and shapes.

    With `base`, fields missing from `raw` keep the base's value (PATCH). Raises Invalid with
    a Dutch message per bad field; nothing is half-checked.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = asdict(base) if base else {}
    unknown = sorted(set(raw) - set(FIELD_NAMES))
    for name in unknown:
        errors[name] = _msg(_l("Dit veld bestaat niet."))
    for name in ("title", *TEXT_FIELDS):
        if name not in raw:
            continue
        value = raw[name]
        if value is None and name != "title":
            value = ""
        if not isinstance(value, str):
            errors[name] = _msg(_l("Geef hier tekst op."))
            continue
        values[name] = _clean_text(value)
    for name in ("values", "tags"):
        if name not in raw:
            continue
        value = raw[name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[name] = _msg(_l("Geef een lijst met woorden op."))
            continue
        values[name] = value
    if "kwesties" in raw:
        value = raw["kwesties"]
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            errors["kwesties"] = _msg(
                _l("Geef de kwesties als een lijst van nummers 1 tot en met 7.")
            )
        else:
            values["kwesties"] = value
    if "visibility" in raw:
        if isinstance(raw["visibility"], str):
            values["visibility"] = raw["visibility"]
        else:
            errors["visibility"] = _msg(_l("Kies wie de casus mag zien: het team of alleen u."))
    if errors:
        raise Invalid(fields=errors)
    if "title" not in values:
        raise Invalid(fields={"title": _msg(_l("Geef de casus een titel."))})
    return CaseInput(**values)


def check_input(data: CaseInput) -> CaseInput:
    """Check the rules every saved case obeys (drafts too) and return the tidied input."""
    errors: dict[str, list[str]] = {}
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = _msg(_l("Geef de casus een titel."))
    elif len(title) > MAX_TITLE:
        errors["title"] = _msg(_l("Houd de titel korter dan %(n)s tekens.", n=MAX_TITLE))
    for name in ("title", *TEXT_FIELDS):
        value = getattr(data, name)
        if name != "title" and len(value) > MAX_TEXT:
            errors[name] = _msg(
                _l(
                    "Deze tekst is te lang: hoogstens %(n)s tekens.",
                    n=f"{MAX_TEXT:,}".replace(",", "."),
                )
            )
        elif CONTROL.search(value):
            errors[name] = _msg(_l("Deze tekst bevat onzichtbare stuurtekens; haal die weg."))
    kwesties = data.kwesties
    if any(not 1 <= k <= 7 for k in kwesties):
        errors["kwesties"] = _msg(_l("Kies kwesties met een nummer van 1 tot en met 7."))
    elif len(set(kwesties)) != len(kwesties):
        errors["kwesties"] = _msg(_l("Kies elke kwestie maar één keer."))
    values = _unique([" ".join(v.split()).lower() for v in data.values if v.strip()])
    if len(values) > MAX_LIST or any(len(v) > 60 for v in values):
        errors["values"] = _msg(
            _l("Kies hoogstens %(n)s waarden van elk hoogstens 60 tekens.", n=MAX_LIST)
        )
    elif any(CONTROL.search(v) for v in values):
        errors["values"] = _msg(_l("Deze tekst bevat onzichtbare stuurtekens; haal die weg."))
    tags = _unique([normalise_tag(t) for t in data.tags if t.strip()])
    if len(tags) > MAX_LIST or not all(TAG.match(t) for t in tags):
        errors["tags"] = _msg(
            _l(
                "Gebruik hoogstens %(n)s labels van letters, cijfers, spaties of streepjes "
                "(elk hoogstens 40 tekens).",
                n=MAX_LIST,
            )
        )
    if data.visibility not in {v.value for v in Visibility}:
        errors["visibility"] = _msg(_l("Kies wie de casus mag zien: het team of alleen u."))
    if errors:
        raise Invalid(fields=errors)
    texts = {name: _clean_text(getattr(data, name)) for name in TEXT_FIELDS}
    return replace(data, title=title, values=values, tags=tags, **texts)


def missing_to_bring_in(case: Case) -> list[str]:
    """Names of the fields that still need filling before the case can be brought in."""
    missing = [
        name
        for name in REQUIRED_TO_BRING_IN
        if name != "kwesties" and not getattr(case, name).strip()
    ]
    if not case.kwestie_links:
        missing.append("kwesties")
    return missing


def snapshot(case: Case) -> dict[str, Any]:
    """The case's text as a revision keeps it (and the case JSON carries it)."""
    return {
        "title": case.title,
        **{name: getattr(case, name) for name in TEXT_FIELDS},
        "values": case.values,
        "kwesties": case.kwesties,
        "tags": case.tags,
        "visibility": str(case.visibility),
    }


def _apply(case: Case, data: CaseInput) -> None:
    case.title = data.title
    for name in TEXT_FIELDS:
        setattr(case, name, getattr(data, name))
    case.visibility = Visibility(data.visibility)
    if case.kwesties != data.kwesties:
        case.kwestie_links = [
            CaseKwestie(kwestie_number=k, position=n) for n, k in enumerate(data.kwesties)
        ]
    if case.values != data.values:
        case.value_links = [CaseValue(name=v, position=n) for n, v in enumerate(data.values)]
    if case.tags != sorted(data.tags):
        case.tag_links = [CaseTag(name=t) for t in sorted(data.tags)]


def _add_revision(case: Case, editor: User, note: str = "") -> CaseRevision:
    number = (
        db.session.scalar(
            select(func.max(CaseRevision.number)).where(CaseRevision.case_id == case.id)
        )
        or 0
    ) + 1
    revision = CaseRevision(
        case_id=case.id, number=number, editor_id=editor.id, note=note, data=snapshot(case)
    )
    db.session.add(revision)
    return revision


def create_case(
    actor: User, team: Team, data: CaseInput, *, status: CaseStatus = CaseStatus.CONCEPT
) -> Case:
    """Write a new case in `team` by `actor`. Raises NotFound when the actor may not write
    cases there (ConfidentialityRequired without clearance for case text, R-28), Invalid for
    bad fields (and for bringing in an incomplete case)."""
    check_team_perm(actor, team, Perm.CASE_CREATE)
    data = check_input(data)
    case = Case(team_id=team.id, author_id=actor.id, title=data.title)
    _apply(case, data)
    db.session.add(case)
    db.session.flush()  # assigns case.id for the revision and audit rows
    if status != CaseStatus.CONCEPT:
        _set_status(case, status)
    _add_revision(case, actor)
    _discard_draft(actor, team_id=team.id, case_id=None)
    record("case.create", actor=actor, obj=case)
    return case


def update_case(actor: User, case_id: int, data: CaseInput, *, expected_version: int) -> Case:
    """Save new text over the case the actor loaded at `expected_version`.

    Raises StaleEdit (with the current case) when someone saved in between: never a silent
    overwrite. A save that changes text adds a revision; one that changes nothing adds none.
    """
    case = get_case_for(actor, case_id, CaseAction.EDIT)
    if case.version != expected_version:
        raise StaleEdit(current=case)
    data = check_input(data)
    if case.status != CaseStatus.CONCEPT and any(
        not getattr(data, name) for name in REQUIRED_TO_BRING_IN
    ):
        _missing_error([n for n in REQUIRED_TO_BRING_IN if not getattr(data, n)])
    if actor.id != case.author_id:
        # Who sees a case is the author's choice alone: an editor cannot hide it or open it.
        data = replace(data, visibility=case.visibility)
    before = snapshot(case)
    _apply(case, data)
    if snapshot(case) != before:
        case.updated_at = utcnow()
        db.session.flush()
        _add_revision(case, actor)
        record("case.update", actor=actor, obj=case)
    _discard_draft(actor, team_id=case.team_id, case_id=case.id)
    return case


def _missing_error(missing: list[str]) -> None:
    raise Invalid(
        _l("Vul eerst alle verplichte velden in; daarna kunt u de casus inbrengen."),
        fields={name: _msg(_l("Nodig om de casus in te brengen.")) for name in missing},
    )


def _set_status(case: Case, status: CaseStatus) -> None:
    if status != CaseStatus.CONCEPT:
        missing = missing_to_bring_in(case)
        if missing:
            _missing_error(missing)
    case.status = status


def set_status(actor: User, case_id: int, status: str, *, expected_version: int) -> Case:
    """Move a case to another status; anything past concept needs the required fields."""
    case = get_case_for(actor, case_id, CaseAction.EDIT)
    if case.version != expected_version:
        raise StaleEdit(current=case)
    try:
        new = CaseStatus(status)
    except ValueError as err:
        raise Invalid(fields={"status": _msg(_l("Kies een status uit de lijst."))}) from err
    if new != case.status:
        _set_status(case, new)
        db.session.flush()
        record("case.status", actor=actor, obj=case, status=str(new))
    return case


def mark_discussed(actor: User, case_id: int, *, meeting_id: int) -> Case:
    """A brought-in case moves to besproken when the meeting that discussed it closes. The
    person closing it (a planner or the meeting's gespreksleider) may read the case but need
    not be allowed to edit it: this move is the meeting's, not an edit of the write-up. Nor
    need they have clearance for case text (R-28): the move shows none."""
    try:
        case = get_case_for(actor, case_id)
    except ConfidentialityRequired as refused:  # a team member: only the text is closed
        case = db.session.get_one(Case, refused.object_id)
    if case.status == CaseStatus.INGEBRACHT:
        case.status = CaseStatus.BESPROKEN
        db.session.flush()
        record("case.status", actor=actor, obj=case, status=str(case.status), meeting=meeting_id)
    return case


def _shown_to(actor: User, case: Case, revision: CaseRevision) -> bool:
    # What was written while the case was private stays the author's, also after the case
    # was opened to the team.
    return case.author_id == actor.id or revision.data.get("visibility") != Visibility.PRIVATE


def revisions(actor: User, case_id: int) -> list[CaseRevision]:
    """The case's revisions that `actor` may see, newest first."""
    case = get_case_for(actor, case_id)
    rows = db.session.scalars(
        select(CaseRevision)
        .where(CaseRevision.case_id == case.id)
        .options(selectinload(CaseRevision.editor))
        .order_by(CaseRevision.number.desc())
    )
    return [r for r in rows if _shown_to(actor, case, r)]


def get_revision(actor: User, case_id: int, number: int) -> CaseRevision:
    """One revision; NotFound when missing or written while the case was private to another."""
    case = get_case_for(actor, case_id)
    revision = db.session.scalar(
        select(CaseRevision).where(CaseRevision.case_id == case.id, CaseRevision.number == number)
    )
    if revision is None or not _shown_to(actor, case, revision):
        raise NotFound
    return revision


def restore_revision(actor: User, case_id: int, number: int, *, expected_version: int) -> Case:
    """Put an earlier revision's text back; this is itself a new revision."""
    revision = get_revision(actor, case_id, number)
    data = CaseInput(**{k: v for k, v in revision.data.items() if k in FIELD_NAMES})
    newest = select(func.max(CaseRevision.number)).where(CaseRevision.case_id == case_id)
    before = db.session.scalar(newest)
    case = update_case(actor, case_id, data, expected_version=expected_version)
    latest = db.session.scalar(
        select(CaseRevision).where(
            CaseRevision.case_id == case.id, CaseRevision.number == db.session.scalar(newest)
        )
    )
    if latest is not None and latest.number != before:  # only when the restore changed text
        latest.note = str(_l("teruggezet naar versie %(n)s", n=number))
        record("case.restore", actor=actor, obj=case, revision=number)
    return case


def delete_case(actor: User, case_id: int) -> Case:
    """Soft-delete: the case disappears from every list and page; its rows stay."""
    case = get_case_for(actor, case_id, CaseAction.EDIT)
    case.deleted_at = utcnow()
    db.session.flush()
    record("case.delete", actor=actor, obj=case)
    return case


def add_comment(actor: User, case_id: int, body: str) -> CaseComment:
    case = get_case_for(actor, case_id, CaseAction.COMMENT)
    body = _clean_text(body).strip()
    if not body:
        raise Invalid(fields={"body": _msg(_l("Schrijf eerst een reactie."))})
    if len(body) > MAX_COMMENT:
        raise Invalid(
            fields={"body": _msg(_l("Houd een reactie korter dan %(n)s tekens.", n=MAX_COMMENT))}
        )
    if CONTROL.search(body):
        raise Invalid(
            fields={"body": _msg(_l("Deze tekst bevat onzichtbare stuurtekens; haal die weg."))}
        )
    comment = CaseComment(case_id=case.id, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    record("case.comment", actor=actor, obj=case)
    return comment


def comments(actor: User, case_id: int) -> list[CaseComment]:
    case = get_case_for(actor, case_id)
    return list(
        db.session.scalars(
            select(CaseComment)
            .where(CaseComment.case_id == case.id, CaseComment.deleted_at.is_(None))
            .order_by(CaseComment.created_at)
        )
    )


def delete_comment(actor: User, comment_id: int) -> None:
    """Authors remove their own reactions (soft); the case must still be readable to them."""
    comment = db.session.get(CaseComment, comment_id)
    if comment is None or comment.deleted_at is not None or comment.author_id != actor.id:
        raise NotFound
    get_case_for(actor, comment.case_id, CaseAction.COMMENT)
    comment.deleted_at = utcnow()


# --- drafts: autosave and text kept through an expired session ---------------------------------


def _draft(user: User, *, team_id: int, case_id: int | None) -> CaseDraft | None:
    query = select(CaseDraft).where(CaseDraft.user_id == user.id, CaseDraft.team_id == team_id)
    query = query.where(
        CaseDraft.case_id == case_id if case_id is not None else CaseDraft.case_id.is_(None)
    )
    return db.session.scalar(query)


def save_draft(user: User, *, team: Team, case_id: int | None, data: dict[str, Any]) -> CaseDraft:
    """Keep unsaved form text for `user` (one draft per case, one for a new case per team)."""
    if case_id is not None:
        get_case_for(user, case_id, CaseAction.EDIT)
    elif not has(user, Perm.CASE_CREATE, team_id=team.id):
        raise NotFound
    clean = {k: v for k, v in data.items() if k in FIELD_NAMES or k == "version"}
    if len(json.dumps(clean)) > 6 * MAX_TEXT:
        raise Invalid(_l("Deze tekst is te lang om tussentijds te bewaren."))
    draft = _draft(user, team_id=team.id, case_id=case_id)
    if draft is None:
        draft = CaseDraft(user_id=user.id, team_id=team.id, case_id=case_id, data=clean)
        db.session.add(draft)
    else:
        draft.data, draft.updated_at = clean, utcnow()
    db.session.flush()
    return draft


def get_draft(user: User, *, team_id: int, case_id: int | None) -> CaseDraft | None:
    return _draft(user, team_id=team_id, case_id=case_id)


def _discard_draft(user: User, *, team_id: int, case_id: int | None) -> None:
    draft = _draft(user, team_id=team_id, case_id=case_id)
    if draft is not None:
        db.session.delete(draft)


def discard_draft(user: User, *, team_id: int, case_id: int | None) -> None:
    _discard_draft(user, team_id=team_id, case_id=case_id)


# --- JSON, team data, reference data ------------------------------------------------------------


def case_json(case: Case) -> dict[str, Any]:
    """The case JSON of DESIGN.md (import, export, API)."""
    return snapshot(case)


def team_tags(team_id: int) -> list[str]:
    """Tags in use in the team's cases, most used first (suggestions on the form)."""
    rows = db.session.execute(
        select(CaseTag.name, func.count())
        .join(Case, Case.id == CaseTag.case_id)
        .where(
            Case.team_id == team_id, Case.deleted_at.is_(None), Case.visibility == Visibility.TEAM
        )
        .group_by(CaseTag.name)
        .order_by(func.count().desc(), CaseTag.name)
        .limit(100)
    )
    return [name for name, _count in rows]


def all_kwesties() -> list[Kwestie]:
    return list(db.session.scalars(select(Kwestie).order_by(Kwestie.number)))


def all_values() -> list[Value]:
    return list(db.session.scalars(select(Value).order_by(Value.name)))


def _load(model: type[Any], key: str, path: Path, columns: tuple[str, ...]) -> int:
    changed = 0
    for record_ in json.loads(path.read_text(encoding="utf-8")):
        row = db.session.get(model, record_[key]) or model(**{key: record_[key]})
        values = {c: record_[c] for c in columns}
        if any(getattr(row, c) != v for c, v in values.items()):
            for column, value in values.items():
                setattr(row, column, value)
            db.session.add(row)
            changed += 1
    db.session.flush()
    return changed


def load_kwesties(path: Path = KWESTIES_FILE) -> int:
    """Insert or update the seven kwesties from the seed file; returns how many changed."""
    return _load(Kwestie, "number", path, ("slug", "name", "description", "questions"))


def load_values(path: Path = VALUES_FILE) -> int:
    """Insert or update the seeded values; returns how many changed."""
    return _load(Value, "slug", path, ("name", "description"))
