"""Hard delete for AVG erasure requests (R-26) and the retention run (R-27).

Everything else deletes softly; this is the one path that removes a case's text from the
database for good. What goes, and why:

- the case, its revisions, comments, drafts and kwestie/value/tag links;
- its place on meeting agendas. A meeting that had only this case on its agenda was about this
  case: its notes, outcomes (leerpunten, actiepunten) and the free-text remarks of its
  evaluations go too; the meeting itself (date, method, roles, scores) stays for the team's
  planning and insights. A meeting shared with other cases keeps its record, minus every
  occurrence of the identifying texts we know (the erasure request's text, and the originals
  that the case's anonymised copies replaced by placeholders);
- anonymised copies that were never approved (concept, in review, sent back, withdrawn), and
  approved ones that still contain an identifying text: deleted, and a community thread that
  referred to one keeps its posts but loses the reference. An approved copy that contains none
  of them was reviewed by a second person as anonymous (no personal data, AVG recital 26): it
  stays where it was published, with its link to the original and everything it kept of the
  original (the placeholder map, texts marked safe, review remarks) removed;
- notifications that point at a removed copy (no notification kind points at a case);
- the search documents: the deletes go through the outbox like any change, and
  `purge_search_index()` (run after the commit) makes sure the text also leaves the index
  files, not just the results.

Identifying texts are matched case-insensitively by one regular expression, for finding and
replacing alike (so what is found is also what is replaced).

Audit rows stay: they hold ids, never text. The erasure adds one, with the case id, the team
and the length of the reason only. Services flush; the caller commits.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from reflectie.accounts.models import User
from reflectie.audit.models import AuditEvent
from reflectie.audit.services import record
from reflectie.cases.models import Case, CaseComment, CaseDraft, CaseRevision, Value
from reflectie.db import db
from reflectie.errors import DomainError, Invalid, NotFound
from reflectie.notifications.models import Notification
from reflectie.publishing.models import SCANNED_FIELDS, Publication, PublicationStatus
from reflectie.sessions.models import Meeting, MeetingCase, MeetingEvaluation
from reflectie.threads.models import Thread

log = logging.getLogger(__name__)
MAX_REASON = 1000
MIN_IDENTIFIER = 3  # "Jo" would match half the team's cases
SCRUBBED = "[gewist]"
# What an anonymised case (retention action "anonymise") is called from then on; stored data,
# so not translated. The retention run recognises these skeletons by it.
ANONYMISED_TITLE = "Geanonimiseerde casus"
TEXT_FIELDS = ("situation", "help_question", "dilemma", "stakeholders", "own_role")


class AlreadyErased(DomainError):
    status = 409
    code = "already_erased"
    message = _l("Deze casus is al gewist.")

    def __init__(self, case_id: int, at: datetime):
        super().__init__(
            _l("Casus %(id)s is al gewist op %(date)s.", id=case_id, date=f"{at:%d-%m-%Y}")
        )
        self.case_id = case_id
        self.at = at


@dataclass
class Erasure:
    """What one erasure removed (counts only: this is printed and shown, never the text)."""

    case_id: int
    team_id: int
    anonymised: bool = False
    revisions: int = 0
    comments: int = 0
    drafts: int = 0
    meetings_cleared: int = 0  # meetings about this case alone: record removed
    meetings_scrubbed: int = 0  # meetings shared with other cases: identifying texts removed
    publications_kept: int = 0  # approved anonymous copies, unlinked from the original
    publications_removed: int = 0
    threads_unlinked: int = 0
    notifications: int = 0


@dataclass
class Match:
    """A case that contains an identifier, and where (field names, never the text)."""

    case: Case
    places: list[str] = field(default_factory=list)


# --- who may, and which case ---------------------------------------------------------------------


def _check_actor(actor: User | None) -> None:
    # None: the operator's command line or the retention run (they have the server already).
    if actor is not None and not actor.is_admin:
        raise NotFound


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(fields={"reason": [str(_l("Geef de reden of het kenmerk van het verzoek."))]})
    if len(reason) > MAX_REASON:
        raise Invalid(
            fields={"reason": [str(_l("Houd de reden korter dan %(n)s tekens.", n=MAX_REASON))]}
        )
    return reason


def erased_at(case_id: int) -> datetime | None:
    """When case `case_id` was erased (from the audit log), or None."""
    return db.session.scalar(
        select(AuditEvent.at)
        .where(
            AuditEvent.action == "case.erase",
            AuditEvent.object_type == "case",
            AuditEvent.object_id == case_id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def case_for_erasure(actor: User | None, case_id: int) -> Case:
    """Any case, deleted or private included, for a beheerder (or the operator).

    Raises NotFound for anyone else and for a case that never existed, AlreadyErased for one
    that was erased before. The beheerder sees only counts and dates of it, never its text.
    """
    _check_actor(actor)
    case = db.session.get(Case, case_id)
    if case is None:
        when = erased_at(case_id)
        if when is not None:
            raise AlreadyErased(case_id, when)
        raise NotFound
    return case


def summary(case: Case) -> dict[str, int]:
    """Counts for the confirmation page: how much the erasure will touch."""

    def count(model: Any, *where: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "revisions": count(CaseRevision, CaseRevision.case_id == case.id),
        "comments": count(CaseComment, CaseComment.case_id == case.id),
        "meetings": count(MeetingCase, MeetingCase.case_id == case.id),
        "publications": count(Publication, Publication.case_id == case.id),
    }


# --- the erasure ---------------------------------------------------------------------------------


def erase_case(
    actor: User | None, case_id: int, *, reason: str, identifiers: Iterable[str] = ()
) -> Erasure:
    """Remove case `case_id` and everything that quotes it (see the module docstring).

    `identifiers`: texts that identify the person the request is about (erase_matching passes
    its search text); they are also removed from meeting records shared with other cases and
    decide whether an approved copy may stay. Raises NotFound (not a beheerder, no such case),
    AlreadyErased, Invalid (no reason). Writes one audit row without content; the caller
    commits and then calls purge_search_index().
    """
    _check_actor(actor)
    reason = _check_reason(reason)
    case = case_for_erasure(actor, case_id)
    result = Erasure(case_id=case.id, team_id=case.team_id)
    _remove_text(case, result, identifiers, keep_agenda=False)
    # The ORM delete (not a bulk one): the links go with it and the search outbox sees it.
    db.session.delete(case)
    db.session.flush()
    _audit("case.erase", actor, result, reason)
    return result


def anonymise_case(actor: User | None, case_id: int, *, reason: str) -> Erasure:
    """Keep a skeleton of the case for the team's statistics (kwesties, seeded values, status,
    dates, its place on meeting agendas) and remove all of its text as erase_case does.

    For the retention action "anonymise". Raises as erase_case does.
    """
    _check_actor(actor)
    reason = _check_reason(reason)
    case = case_for_erasure(actor, case_id)
    result = Erasure(case_id=case.id, team_id=case.team_id, anonymised=True)
    _remove_text(case, result, (), keep_agenda=True)
    case.title = ANONYMISED_TITLE
    for name in TEXT_FIELDS:
        setattr(case, name, "")
    case.tag_links = []  # a tag can name someone (publishing treats themes the same way)
    seeded = {name.casefold() for row in db.session.execute(select(Value.slug, Value.name))
              for name in row}  # fmt: skip
    case.value_links = [link for link in case.value_links if link.name.casefold() in seeded]
    db.session.flush()
    _audit("case.anonymise", actor, result, reason)
    return result


def _audit(action: str, actor: User | None, result: Erasure, reason: str) -> None:
    """One row without content: the case id, its team and how long the reason was."""
    event = record(action, actor=actor, team_id=result.team_id, reason_length=len(reason))
    event.object_type, event.object_id = "case", result.case_id
    db.session.flush()


def _delete(model: Any, *where: Any) -> int:
    return db.session.execute(delete(model).where(*where)).rowcount or 0


def _remove_text(
    case: Case, result: Erasure, identifiers: Iterable[str], *, keep_agenda: bool
) -> None:
    """Everything of the case except its own row: revisions, comments, drafts, copies,
    meeting records and notifications (see the module docstring)."""
    result.revisions = _delete(CaseRevision, CaseRevision.case_id == case.id)
    result.comments = _delete(CaseComment, CaseComment.case_id == case.id)
    result.drafts = _delete(CaseDraft, CaseDraft.case_id == case.id)
    pubs = list(db.session.scalars(select(Publication).where(Publication.case_id == case.id)))
    # The originals the anonymiser replaced are, by definition, texts that identify someone.
    needles = _needles([*identifiers, *(k for p in pubs for k in (p.placeholders or {}))])
    removed: list[int] = []
    for pub in pubs:
        if pub.status == PublicationStatus.PUBLISHED and not _publication_contains(pub, needles):
            pub.case_id = None
            pub.placeholders, pub.safe_texts, pub.review_remarks = {}, [], ""
            result.publications_kept += 1
        else:
            removed.append(pub.id)
            result.threads_unlinked += _delete_publication(pub)
            result.publications_removed += 1
    _clear_meetings(case.id, needles, result, keep_agenda=keep_agenda)
    result.notifications = _delete_notifications(removed)


def _needles(texts: Iterable[str]) -> list[str]:
    found: dict[str, str] = {}
    for text in texts:
        text = (text or "").strip()
        if len(text) >= MIN_IDENTIFIER:
            found.setdefault(text.lower(), text)
    return sorted(found.values(), key=len, reverse=True)  # longest first: no half-replaced names


def _pattern(needles: list[str]) -> re.Pattern[str]:
    # One expression for _contains and _scrub alike (str.casefold() would find "STRASSE" for
    # "Straße", which re.IGNORECASE then does not replace).
    return _compiled(tuple(needles))


@functools.lru_cache(maxsize=64)
def _compiled(needles: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _contains(value: Any, needles: list[str]) -> bool:
    if not needles:
        return False
    pattern = _pattern(needles)
    return any(pattern.search(s) for s in _strings(value))


def _publication_contains(pub: Publication, needles: list[str]) -> bool:
    return bool(needles) and _contains([getattr(pub, n) for n in SCANNED_FIELDS], needles)


def _delete_publication(pub: Publication) -> int:
    """Delete a copy; threads that referred to it keep their posts. Returns threads unlinked."""
    threads = list(db.session.scalars(select(Thread).where(Thread.published_case_id == pub.id)))
    for thread in threads:
        thread.published_case_id = None
    db.session.delete(pub)  # collection items (and their answers) cascade in the database
    return len(threads)


def _scrub(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        return _pattern(needles).sub(SCRUBBED, value) if needles else value
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    return value


def _clear_meetings(
    case_id: int, needles: list[str], result: Erasure, *, keep_agenda: bool
) -> None:
    items = list(db.session.scalars(select(MeetingCase).where(MeetingCase.case_id == case_id)))
    for item in items:
        meeting = db.session.get(Meeting, item.meeting_id)
        if meeting is None:  # pragma: no cover - the foreign key makes this impossible
            continue
        alone = all(other.case_id == case_id for other in meeting.agenda)
        if not keep_agenda:
            meeting.agenda.remove(item)  # delete-orphan: the agenda row goes
        evaluations = list(
            db.session.scalars(
                select(MeetingEvaluation).where(MeetingEvaluation.meeting_id == meeting.id)
            )
        )
        if alone:
            meeting.notes.clear()
            meeting.outcomes.clear()
            for evaluation in evaluations:
                evaluation.remark = ""
            result.meetings_cleared += 1
        elif needles:
            for note in meeting.notes:
                note.text = _scrub(note.text, needles)
                note.data = _scrub(note.data, needles) if note.data else note.data
            for outcome in meeting.outcomes:
                outcome.text = _scrub(outcome.text, needles)
                outcome.done_note = _scrub(outcome.done_note, needles)
            for evaluation in evaluations:
                evaluation.remark = _scrub(evaluation.remark, needles)
            result.meetings_scrubbed += 1


def _delete_notifications(publication_ids: list[int]) -> int:
    """Notifications about removed copies (to review, reviewed). None of the kinds points at
    a case; meeting reminders and thread notifications name no case text."""
    if not publication_ids:
        return 0
    return _delete(
        Notification, Notification.data["publication_id"].as_integer().in_(publication_ids)
    )


# --- erasing by identifier -----------------------------------------------------------------------


def _case_places(case: Case, needles: list[str]) -> list[str]:
    places = [name for name in ("title", *TEXT_FIELDS) if _contains(getattr(case, name), needles)]
    if _contains([*case.tags, *case.values], needles):
        places.append("tags")
    return places


def find_matching(actor: User | None, team_id: int, text: str) -> list[Match]:
    """Every case of the team (deleted and private ones too) whose text, revisions or
    comments contain `text` (case-insensitive), with where it was found.

    Raises NotFound for anyone but a beheerder, Invalid for a text shorter than 3 characters.
    """
    _check_actor(actor)
    needles = _identifier(text)
    matches: dict[int, Match] = {}
    cases = db.session.scalars(select(Case).where(Case.team_id == team_id).order_by(Case.id)).all()
    by_id = {case.id: case for case in cases}
    for case in cases:
        places = _case_places(case, needles)
        if places:
            matches[case.id] = Match(case, places)
    for model, label, column in (
        (CaseRevision, "revisions", CaseRevision.data),
        (CaseComment, "comments", CaseComment.body),
    ):
        rows = db.session.execute(
            select(model.case_id, column).where(model.case_id.in_(list(by_id)))
        )
        for case_id, value in rows:
            if _contains(value, needles):
                match = matches.setdefault(case_id, Match(by_id[case_id]))
                if label not in match.places:
                    match.places.append(label)
    return [matches[k] for k in sorted(matches)]


def _identifier(text: str) -> list[str]:
    needles = _needles([text])
    if not needles:
        raise Invalid(
            fields={
                "text": [str(_l("Geef minstens %(n)s tekens om op te zoeken.", n=MIN_IDENTIFIER))]
            }
        )
    return needles


def erase_matching(actor: User | None, team_id: int, text: str, *, reason: str) -> list[Erasure]:
    """Erase every case of the team that contains `text` (find_matching), remove the text
    from the team's other meeting records and drafts, and delete the team's anonymised copies
    that still contain it. One audit row per erased case; the text itself is never logged."""
    reason = _check_reason(reason)
    needles = _identifier(text)
    done = [
        erase_case(actor, match.case.id, reason=reason, identifiers=needles)
        for match in find_matching(actor, team_id, text)
    ]
    # Drafts of the team that hold the text: of new cases (no case yet) and unsaved edits of
    # cases that stay (the erased cases' drafts went with them).
    for draft in db.session.scalars(select(CaseDraft).where(CaseDraft.team_id == team_id)):
        if _contains(draft.data, needles):
            db.session.delete(draft)
    # Copies whose original is gone already, or whose original does not contain the text.
    removed = []
    for pub in db.session.scalars(select(Publication).where(Publication.team_id == team_id)):
        if _publication_contains(pub, needles):
            removed.append(pub.id)
            _delete_publication(pub)
    _delete_notifications(removed)
    # Meeting records of the team that mention the text without a matching case on the agenda.
    for meeting in db.session.scalars(select(Meeting).where(Meeting.team_id == team_id)):
        for note in meeting.notes:
            if _contains([note.text, note.data], needles):
                note.text = _scrub(note.text, needles)
                note.data = _scrub(note.data, needles) if note.data else note.data
        for outcome in meeting.outcomes:
            if _contains([outcome.text, outcome.done_note], needles):
                outcome.text = _scrub(outcome.text, needles)
                outcome.done_note = _scrub(outcome.done_note, needles)
    evaluations = db.session.scalars(
        select(MeetingEvaluation)
        .join(Meeting, Meeting.id == MeetingEvaluation.meeting_id)
        .where(Meeting.team_id == team_id)
    )
    for evaluation in evaluations:
        if _contains(evaluation.remark, needles):
            evaluation.remark = _scrub(evaluation.remark, needles)
    db.session.flush()
    return done


# --- the search index ----------------------------------------------------------------------------

PURGE_RETRY = 1.0  # seconds between attempts of a background purge to get the index
PURGE_PATIENCE = 15 * 60.0  # after this long it logs an error and leaves it to `search reindex`


def purge_search_index(*, background: bool = False) -> bool:
    """After the commit: make the erased documents leave the index, results and files alike.

    The outbox drain deletes them from the index. On PostgreSQL that removes the rows (a
    VACUUM later frees their space). Whoosh only marks a deleted document and keeps its terms
    in the segment files until they are merged, so on Whoosh the index is rebuilt from the
    database (a fresh directory swapped in; the old one is removed). Returns False when
    another process held the index and the rebuild has to be run later
    (`reflectie search reindex`).

    `background`: in a request, rebuild in a thread instead of making the beheerder wait
    (returns True: it is on its way). The thread waits for the drain lock as long as another
    rebuild or drain holds it, and is done only when a rebuild that started after this
    erasure's commit finished (a rebuild already running may have read the case before);
    it logs the outcome, and an error after PURGE_PATIENCE seconds without the lock.
    """
    from reflectie.search.backend import get_backend
    from reflectie.search.outbox import drain
    from reflectie.search.services import rebuild_index

    _forget_cached_text()
    drain()
    if get_backend().name == "postgres":
        return True
    if background and has_request_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        ticket = _purges.request(app)
        if app.config.get("SEARCH_REBUILD_IN_BACKGROUND", True):
            threading.Thread(
                target=_purge_in_thread, args=(app, ticket), name="search-purge", daemon=True
            ).start()
            return True
        return _purge(app, ticket, patience=0.0)  # tests: in the request's own session
    return rebuild_index() is not None


class _Purges:
    """Per index path: the number of the last erasure that asked for a purge, and of the last
    one that a finished rebuild covers (it started after that erasure's commit)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._asked: dict[str, int] = {}
        self._covered: dict[str, int] = {}

    @staticmethod
    def _key(app: Flask) -> str:
        return str(app.config.get("SEARCH_INDEX_PATH"))

    def request(self, app: Flask) -> int:
        """Called after the erasure's commit: its ticket."""
        with self._mutex:
            key = self._key(app)
            self._asked[key] = self._asked.get(key, 0) + 1
            return self._asked[key]

    def starting(self, app: Flask) -> int:
        """A rebuild starts (its snapshot comes after this): the tickets it will cover."""
        with self._mutex:
            return self._asked.get(self._key(app), 0)

    def finished(self, app: Flask, upto: int) -> None:
        with self._mutex:
            key = self._key(app)
            self._covered[key] = max(self._covered.get(key, 0), upto)

    def covered(self, app: Flask, ticket: int) -> bool:
        with self._mutex:
            return self._covered.get(self._key(app), 0) >= ticket


_purges = _Purges()


def _purge_in_thread(app: Flask, ticket: int) -> None:
    with app.app_context():  # its own session and connection
        _purge(app, ticket, patience=PURGE_PATIENCE)


def _purge(app: Flask, ticket: int, *, patience: float) -> bool:
    """Rebuild until a rebuild that started after erasure `ticket` finished. Another rebuild or
    a drain holding the lock (in this process or another) is waited for, up to `patience`
    seconds; a failing rebuild is retried as long. Logs the outcome."""
    from reflectie.search.services import rebuild_index

    deadline = time.monotonic() + patience
    while True:
        if _purges.covered(app, ticket):  # another erasure's rebuild started after ours
            log.info("search: erased text purged from the index files (erasure %s)", ticket)
            return True
        upto = _purges.starting(app)
        try:
            built = rebuild_index()
        except Exception:
            db.session.rollback()
            log.exception("search: rebuilding the index after an erasure failed")
            built = None
        if built is not None:
            _purges.finished(app, upto)
            log.info("search: erased text purged from the index files (erasure %s)", ticket)
            return True
        if time.monotonic() >= deadline:
            log.error(
                "search: no rebuild of the index after an erasure (it stayed busy or the "
                "rebuild failed); the erased text may still be in its files: run "
                "`reflectie search reindex`"
            )
            return False
        _pause(PURGE_RETRY)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _forget_cached_text() -> None:
    """This process's caches of rendered text and similar-case hits (other workers' caches
    are keyed by text or index version and are never shown without a database re-check)."""
    from reflectie import markup
    from reflectie.search import services as search_services

    markup._render.cache_clear()
    search_services._similar_cache.clear()


# --- selections for the retention run (reflectie.retention) --------------------------------------


def cases_inactive_since(
    team_ids: list[int],
    cutoff: datetime,
    *,
    skip_anonymised: bool = False,
    only: list[int] | None = None,
) -> list[int]:
    """Ids of the teams' live cases that nobody edited, commented on or had on a meeting's
    agenda since `cutoff` (a meeting planned after it keeps the case); `only`: of these."""
    last_comment = (
        select(func.max(CaseComment.created_at))
        .where(CaseComment.case_id == Case.id)
        .scalar_subquery()
    )
    last_meeting = (
        select(func.max(Meeting.starts_at))
        .join(MeetingCase, MeetingCase.meeting_id == Meeting.id)
        .where(MeetingCase.case_id == Case.id)
        .scalar_subquery()
    )
    query = select(Case.id).where(
        Case.team_id.in_(team_ids),
        Case.deleted_at.is_(None),
        Case.updated_at < cutoff,
        or_(last_comment.is_(None), last_comment < cutoff),
        or_(last_meeting.is_(None), last_meeting < cutoff),
    )
    if skip_anonymised:
        query = query.where(Case.title != ANONYMISED_TITLE)
    if only is not None:
        query = query.where(Case.id.in_(only))
    return list(db.session.scalars(query.order_by(Case.id)))


def cases_deleted_before(
    team_ids: list[int], cutoff: datetime, *, only: list[int] | None = None
) -> list[int]:
    """Ids of the teams' soft-deleted cases deleted before `cutoff`; `only`: of these."""
    query = select(Case.id).where(Case.team_id.in_(team_ids), Case.deleted_at < cutoff)
    if only is not None:
        query = query.where(Case.id.in_(only))
    return list(db.session.scalars(query.order_by(Case.id)))
