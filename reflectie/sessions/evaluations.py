"""Participants' short evaluation of a meeting (three 1-5 items and a free remark). Planners
see the aggregate only: averages once enough people answered, remarks without names and in
no telling order."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reflectie.accounts.models import User
from reflectie.audit.services import record
from reflectie.db import db, utcnow
from reflectie.errors import Invalid
from reflectie.permissions import Perm, has
from reflectie.sessions.access import get_meeting_for
from reflectie.sessions.models import Meeting, MeetingEvaluation, MeetingStatus

ITEMS = {
    "nuttig": _l("De bijeenkomst was nuttig voor mijn werk."),
    "veilig": _l("Ik kon vrijuit zeggen wat ik dacht."),
    "werkvorm": _l("De werkvorm paste bij de casus."),
}
MIN_SHOWN = 3  # fewer answers than this and averages could point at a person
MAX_REMARK = 1000


def may_evaluate(user: User, meeting: Meeting) -> bool:
    """Team members evaluate a meeting once it has started (and was not cancelled)."""
    return (
        meeting.status != MeetingStatus.CANCELLED
        and meeting.starts_at <= utcnow()
        and has(user, Perm.MEETING_READ, team_id=meeting.team_id)
    )


def own_evaluation(user: User, meeting: Meeting) -> MeetingEvaluation | None:
    return db.session.scalar(
        select(MeetingEvaluation).where(
            MeetingEvaluation.meeting_id == meeting.id, MeetingEvaluation.user_id == user.id
        )
    )


def evaluate(
    actor: User, meeting_id: int, scores: dict[str, int | None], remark: str = ""
) -> MeetingEvaluation:
    """Keep (or replace) the actor's evaluation of the meeting."""
    meeting = get_meeting_for(actor, meeting_id)
    if not may_evaluate(actor, meeting):
        raise Invalid(_l("Deze bijeenkomst kan (nog) niet worden geëvalueerd."))
    errors: dict[str, list[str]] = {}
    for key in ITEMS:
        value = scores.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors[key] = [str(_l("Kies een cijfer van 1 tot 5."))]
    remark = remark.strip()
    if len(remark) > MAX_REMARK:
        errors["remark"] = [str(_l("Houd de opmerking korter dan 1.000 tekens."))]
    if errors:
        raise Invalid(fields=errors)
    evaluation = own_evaluation(actor, meeting)
    if evaluation is None:
        evaluation = MeetingEvaluation(meeting_id=meeting.id, user_id=actor.id, scores={})
        db.session.add(evaluation)
    evaluation.scores = {key: scores[key] for key in ITEMS}
    evaluation.remark = remark
    db.session.flush()
    record("meeting.evaluated", actor=actor, obj=meeting)
    return evaluation


@dataclass(frozen=True)
class Summary:
    count: int
    averages: dict[str, float] | None  # None below MIN_SHOWN answers
    remarks: list[str]  # without names, sorted alphabetically (not by time)


def summary(actor: User, meeting_id: int) -> Summary:
    """The aggregate for planners (NotFound for anyone else)."""
    meeting = get_meeting_for(actor, meeting_id, Perm.MEETING_PLAN)
    rows = db.session.scalars(
        select(MeetingEvaluation).where(MeetingEvaluation.meeting_id == meeting.id)
    ).all()
    if len(rows) < MIN_SHOWN:
        return Summary(count=len(rows), averages=None, remarks=[])
    averages = {key: round(sum(r.scores[key] for r in rows) / len(rows), 1) for key in ITEMS}
    remarks = sorted((r.remark for r in rows if r.remark), key=str.casefold)
    return Summary(count=len(rows), averages=averages, remarks=remarks)
