"""Publication rules shared by views, API and CLI. Services flush; the caller commits.

The life of a copy: start (from a case the user may read) → edit and replace findings →
submit → a second person approves (with targets) or sends back → published → withdrawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from reflectie.accounts.models import Membership, User
from reflectie.audit.services import record
from reflectie.cases.access import get_case_for
from reflectie.db import db, utcnow
from reflectie.errors import Conflict, Invalid, NotFound
from reflectie.methods.models import RecordKind
from reflectie.notifications.models import Notification
from reflectie.notifications.services import Shown, notify, register_kind
from reflectie.permissions import GRANTS, Perm, has
from reflectie.publishing import detector
from reflectie.publishing.access import PubAction, get_publication_for
from reflectie.publishing.detection import Finding
from reflectie.publishing.models import (
    ALL_FIELDS,
    LIST_FIELDS,
    OUTCOME_FIELDS,
    SCANNED_FIELDS,
    TEXT_FIELDS,
    Publication,
    PublicationStatus,
)
from reflectie.publishing.placeholders import placeholder_for

MAX_TITLE = 200
MAX_TEXT = 50_000
MAX_LIST = 20
SEPARATOR = "\n\n\u2029\n\n"  # between fields in one detector request; never in a field


# Called with the publication after it was withdrawn (e.g. communities removing their links).
_withdraw_hooks: list[Callable[[Publication], None]] = []


def on_withdraw(hook: Callable[[Publication], None]) -> None:
    _withdraw_hooks.append(hook)


def detector_address() -> str:
    configured = current_app.config.get("PUBLISHING_DETECTOR")
    return str(configured or Path(current_app.instance_path) / "detector.sock")


def detect_text(text: str) -> detector.Detection:
    timeout = float(current_app.config.get("PUBLISHING_DETECTOR_TIMEOUT", 2.0))
    return detector.detect(text, address=detector_address(), timeout=timeout)


# --- detection over a whole copy


@dataclass
class FieldFinding:
    field: str
    finding: Finding
    safe: bool
    placeholder: str = ""


@dataclass
class Report:
    findings: list[FieldFinding]
    engine: str
    texts: dict[str, str]  # the scanned text of each field (lists joined by ", ")

    @property
    def fallback(self) -> bool:
        return self.engine == "fallback"

    @property
    def open(self) -> list[FieldFinding]:
        return [f for f in self.findings if not f.safe]

    def for_field(self, name: str) -> list[FieldFinding]:
        return [f for f in self.findings if f.field == name]


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def field_texts(pub: Publication) -> dict[str, str]:
    texts = {name: getattr(pub, name) or "" for name in ALL_FIELDS}
    texts.update({name: ", ".join(getattr(pub, name) or []) for name in LIST_FIELDS})
    return texts


def _list(value: str, name: str) -> list[str]:
    items = [part.strip() for part in value.split(",") if part.strip()]
    if len(items) > MAX_LIST or any(len(item) > 60 for item in items):
        raise Invalid(fields={name: [str(_l("Hoogstens 20 woorden van elk 60 tekens."))]})
    return list(dict.fromkeys(items))


def scan(pub: Publication) -> Report:
    """All findings in the copy, in one detector request; marked-safe texts flagged."""
    texts = field_texts(pub)
    names = list(SCANNED_FIELDS)
    joined = SEPARATOR.join(texts[n] for n in names)
    result = detect_text(joined)
    offsets, at = [], 0
    for name in names:
        offsets.append((name, at, at + len(texts[name])))
        at += len(texts[name]) + len(SEPARATOR)
    safe = set(pub.safe_texts or [])
    placeholders = dict(pub.placeholders or {})
    found = []
    for f in result.findings:
        for name, start, end in offsets:
            if start <= f.start and f.end <= end:
                local = Finding(f.start - start, f.end - start, f.kind, f.text)
                found.append(
                    FieldFinding(
                        name,
                        local,
                        _key(f.text) in safe,
                        placeholder_for(f.text, f.kind, placeholders),
                    )
                )
                break
    return Report(found, result.engine, texts)


# --- starting and editing


def _outcome_from_meetings(meetings: list[Any]) -> dict[str, str]:
    """The structured record of the latest closed moreel beraad about the case, as text."""
    from reflectie.sessions import records

    for meeting in meetings:
        parts: dict[str, list[str]] = {n: [] for n in OUTCOME_FIELDS}
        for position, step in enumerate(meeting.method.steps):
            data = meeting.record_for(position)
            shape = records.shape_for(step.record_kind)
            if not data or shape is None:
                continue
            if step.record_kind == RecordKind.JUDGEMENTS:
                # Who judged what stays in the team: only the values that decided.
                rows = [{**row, "participant": ""} for row in data.get("rows", [])]
                data = {"rows": rows}
            text = records.record_text(step.record_kind, shape, data)
            target = {
                RecordKind.DILEMMA: "outcome_dilemma",
                RecordKind.CHOICE: "outcome_conclusion",
            }.get(step.record_kind, "outcome_considerations")
            parts[target].append(text)
        if any(parts.values()):
            return {name: "\n\n".join(p for p in texts if p) for name, texts in parts.items()}
    return {}


def start_publication(actor: User, case_id: int) -> Publication:
    """A new anonymised copy of a case the actor may read, with the same structure."""
    case = get_case_for(actor, case_id)
    if not has(actor, Perm.PUBLICATION_CREATE, team_id=case.team_id):
        raise NotFound
    from reflectie.sessions.models import MeetingStatus
    from reflectie.sessions.services import meetings_of_case

    meetings = [m for m in meetings_of_case(actor, case.id) if m.status == MeetingStatus.CLOSED]
    pub = Publication(
        team_id=case.team_id,
        case_id=case.id,
        author_id=actor.id,
        title=case.title,
        **{name: getattr(case, name) or "" for name in TEXT_FIELDS},
        kwesties=list(case.kwesties),
        values=list(case.values),
        themes=list(case.tags),
        method_id=meetings[0].method_id if meetings else None,
        editor_ids=[actor.id],
        placeholders={},
        safe_texts=[],
        **_outcome_from_meetings(meetings),
    )
    db.session.add(pub)
    db.session.flush()
    record("publication.start", actor=actor, obj=pub, case_id=case.id)
    return pub


def _note_editor(pub: Publication, actor: User) -> None:
    if actor.id not in (pub.editor_ids or []):
        pub.editor_ids = [*(pub.editor_ids or []), actor.id]


def update_publication(
    actor: User,
    publication_id: int,
    texts: dict[str, str],
    *,
    show_outcome: bool | None = None,
    show_source: bool | None = None,
    method_id: int | bool | None = False,  # False: leave as it is
    expected_version: int | None = None,
) -> Publication:
    pub = get_publication_for(actor, publication_id, PubAction.EDIT)
    if expected_version is not None and expected_version != pub.version:
        raise StaleCopy(pub)
    errors: dict[str, list[str]] = {}
    for name, value in texts.items():
        if name in LIST_FIELDS:
            try:
                setattr(pub, name, _list(value, name))
            except Invalid as err:
                errors.update(err.fields)
            continue
        if name not in ALL_FIELDS:
            continue
        value = value.replace("\r\n", "\n")
        limit = MAX_TITLE if name == "title" else MAX_TEXT
        if len(value) > limit:
            errors[name] = [str(_l("Deze tekst is te lang."))]
        elif name == "title" and not value.strip():
            errors[name] = [str(_l("Geef de gepubliceerde casus een titel."))]
        else:
            setattr(pub, name, value.strip() if name == "title" else value)
    if method_id is not False:
        pub.method_id = _method(actor, method_id, errors)
    if errors:
        raise Invalid(fields=errors)
    if show_outcome is not None:
        pub.show_outcome = show_outcome
    if show_source is not None:
        pub.show_source = show_source
    _note_editor(pub, actor)
    db.session.flush()
    record("publication.edit", actor=actor, obj=pub)
    return pub


class StaleCopy(Conflict):
    """Someone changed the copy after this editor loaded it."""

    def __init__(self, current: Publication):
        super().__init__()
        self.current = current

    def details(self) -> dict[str, Any]:
        return {"current_version": self.current.version}


def _method(actor: User, method_id: Any, errors: dict[str, list[str]]) -> int | None:
    from reflectie.methods.access import visible_methods
    from reflectie.methods.models import Method

    if not method_id:
        return None
    found = db.session.scalar(visible_methods(actor).where(Method.id == method_id))
    if found is None:
        errors["method_id"] = [str(_l("Kies een werkvorm uit de lijst."))]
        return None
    return found.id


def replace_text(actor: User, publication_id: int, text: str, kind: str) -> tuple[str, int]:
    """Replace every occurrence of `text` (as a whole word) in every field of the copy by its
    placeholder; the same text always gets the same placeholder. Returns it and the count."""
    pub = get_publication_for(actor, publication_id, PubAction.EDIT)
    if not text.strip() or len(text) > 200:
        raise Invalid(fields={"text": [str(_l("Kies een gevonden gegeven om te vervangen."))]})
    placeholders = dict(pub.placeholders or {})
    placeholder = placeholder_for(text, kind, placeholders)
    pattern = re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)")
    count = 0
    for name in ALL_FIELDS:
        value = getattr(pub, name) or ""
        new, n = pattern.subn(placeholder, value)
        if n:
            setattr(pub, name, new)
            count += n
    for name in LIST_FIELDS:
        items = [pattern.subn(placeholder, item) for item in getattr(pub, name) or []]
        if any(n for _item, n in items):
            setattr(pub, name, [item for item, _n in items])
            count += sum(n for _item, n in items)
    pub.placeholders = placeholders
    _note_editor(pub, actor)
    db.session.flush()
    record("publication.replace", actor=actor, obj=pub, kind=kind, count=count)
    return placeholder, count


def submit(actor: User, publication_id: int) -> Publication:
    pub = get_publication_for(actor, publication_id, PubAction.EDIT)
    if not pub.title.strip():
        raise Invalid(fields={"title": [str(_l("Geef de gepubliceerde casus een titel."))]})
    pub.status = PublicationStatus.IN_REVIEW
    pub.submitted_at = utcnow()
    db.session.flush()
    record("publication.submit", actor=actor, obj=pub)
    reviewers = [
        m.user_id
        for m in db.session.scalars(
            select(Membership).where(
                Membership.team_id == pub.team_id,
                Membership.role.in_(
                    [r for r, perms in GRANTS.items() if Perm.PUBLICATION_REVIEW in perms]
                ),
            )
        )
        if m.user_id not in (pub.editor_ids or []) and m.user_id != pub.author_id
    ]
    notify(reviewers, TO_REVIEW, {"publication_id": pub.id})
    return pub


# --- review


class StillIdentifying(Invalid):
    message = _l("Er staan nog gegevens in die iemand kunnen herkennen.")


def mark_safe(actor: User, publication_id: int, text: str) -> Publication:
    """The reviewer says a finding does not identify anyone (e.g. a public place name)."""
    pub = get_publication_for(actor, publication_id, PubAction.REVIEW)
    key = _key(text)
    if not key or len(key) > 200:
        raise Invalid(fields={"text": [str(_l("Kies een gevonden gegeven."))]})
    if key not in (pub.safe_texts or []):
        pub.safe_texts = [*(pub.safe_texts or []), key]
    db.session.flush()
    record("publication.mark_safe", actor=actor, obj=pub)
    return pub


def approve(
    actor: User,
    publication_id: int,
    *,
    to_library: bool,
    community_id: int | None = None,
) -> Publication:
    """Publish the copy. Refused while the detector finds anything the reviewer did not mark
    as safe, and without a target."""
    pub = get_publication_for(actor, publication_id, PubAction.REVIEW)
    if not to_library and community_id is None:
        raise Invalid(
            fields={
                "targets": [str(_l("Kies waar de casus verschijnt: bibliotheek of community."))]
            }
        )
    if community_id is not None:
        from reflectie.publishing.access import community_reader

        if not community_reader(actor, community_id):
            raise Invalid(
                fields={"community_id": [str(_l("Kies een community waarin u zelf meeleest."))]}
            )
    report = scan(pub)
    if report.open:
        count = len(report.open)
        raise StillIdentifying(
            ngettext(
                "Er staat nog %(num)d gegeven in dat niet als veilig is gemarkeerd.",
                "Er staan nog %(num)d gegevens in die niet als veilig zijn gemarkeerd.",
                count,
            )
        )
    now = utcnow()
    pub.status = PublicationStatus.PUBLISHED
    pub.reviewer_id, pub.reviewed_at, pub.published_at = actor.id, now, now
    pub.to_library, pub.community_id = to_library, community_id
    pub.review_remarks = ""
    pub.withdrawn_at = None
    db.session.flush()
    notify(_authors(pub), REVIEWED, {"publication_id": pub.id, "approved": True})
    record(
        "publication.approve",
        actor=actor,
        obj=pub,
        detector=report.engine,
        to_library=to_library,
        community_id=community_id,
    )
    return pub


def send_back(actor: User, publication_id: int, remarks: str) -> Publication:
    pub = get_publication_for(actor, publication_id, PubAction.REVIEW)
    remarks = remarks.strip()
    if not remarks:
        raise Invalid(fields={"remarks": [str(_l("Schrijf wat er nog moet veranderen."))]})
    if len(remarks) > 5000:
        raise Invalid(fields={"remarks": [str(_l("Deze tekst is te lang."))]})
    pub.status = PublicationStatus.SENT_BACK
    pub.review_remarks = remarks
    pub.reviewer_id, pub.reviewed_at = actor.id, utcnow()
    db.session.flush()
    notify(_authors(pub), REVIEWED, {"publication_id": pub.id, "approved": False})
    record("publication.send_back", actor=actor, obj=pub)
    return pub


def withdraw(actor: User, publication_id: int) -> Publication:
    """Take the copy out of every target at once: library, collections and classes, search and
    communities all show only published copies."""
    pub = get_publication_for(actor, publication_id, PubAction.WITHDRAW)
    pub.status = PublicationStatus.WITHDRAWN
    pub.withdrawn_at = utcnow()
    db.session.flush()
    for hook in _withdraw_hooks:
        hook(pub)
    record("publication.withdraw", actor=actor, obj=pub)
    return pub


def record_original_read(actor: User, pub: Publication) -> None:
    """The side-by-side view shows the original: that read is on record like any other."""
    record("publication.read_original", actor=actor, obj=pub, case_id=pub.case_id)


def colophon(pub: Publication) -> dict[str, Any]:
    """What a reader may know about where a copy comes from: the organisation, if allowed."""
    return {
        "anonymised": True,
        "source": pub.team.organisation.name if pub.show_source else None,
        "published_at": pub.published_at,
    }


# --- notifications ----------------------------------------------------------------------------

TO_REVIEW = "publication.to_review"
REVIEWED = "publication.reviewed"


def _authors(pub: Publication) -> list[int]:
    return list(dict.fromkeys([*([pub.author_id] if pub.author_id else []), *pub.editor_ids]))


def _show(notification: Notification, reader: User) -> Shown | None:
    from reflectie.publishing.access import may

    try:
        pub = get_publication_for(reader, int(notification.data["publication_id"]), PubAction.TEAM)
    except (NotFound, KeyError, TypeError, ValueError):
        return None  # gone, or the reader left the team
    if notification.kind == TO_REVIEW:
        if not may(reader, pub, PubAction.REVIEW):
            return None  # someone else reviewed it already
        text = _l("Een geanonimiseerde kopie wacht op uw beoordeling: %(title)s", title=pub.title)
        return Shown(str(text), url_for("publishing.review", publication_id=pub.id))
    if notification.data.get("approved"):
        text = _l("Uw geanonimiseerde kopie is gepubliceerd: %(title)s", title=pub.title)
    else:
        text = _l("Uw geanonimiseerde kopie is teruggestuurd: %(title)s", title=pub.title)
    return Shown(str(text), url_for("publishing.edit", publication_id=pub.id))


register_kind(TO_REVIEW, _show, refers_to=Publication.id, key="publication_id")
register_kind(REVIEWED, _show, refers_to=Publication.id, key="publication_id")
