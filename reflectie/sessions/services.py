"""Meeting rules shared by views, API and CLI. Services flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from reflectie.accounts.models import Team, User
from reflectie.audit.services import record
from reflectie.cases.access import get_case_for
from reflectie.cases.models import CaseStatus
from reflectie.cases.services import mark_discussed, missing_to_bring_in, set_status
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.mail import send_mail
from reflectie.methods.access import get_method_for
from reflectie.notifications.models import Notification
from reflectie.notifications.services import Shown, notify, register_kind
from reflectie.permissions import Perm, has
from reflectie.sessions import records
from reflectie.sessions.access import get_meeting_for, get_meeting_for_notes, get_meeting_to_lead
from reflectie.sessions.models import (
    Meeting,
    MeetingCase,
    MeetingNote,
    MeetingOutcome,
    MeetingRole,
    MeetingStatus,
    OutcomeKind,
    RoleInMeeting,
)

# Cases that can be on an agenda: brought in, or discussed before and brought back.
AGENDA_STATUSES = {CaseStatus.INGEBRACHT, CaseStatus.BESPROKEN}
MAX_AGENDA = 5


@dataclass(frozen=True)
class MeetingInput:
    method: str  # slug of a method the planner may use
    starts_at: datetime  # with a time zone
    duration_minutes: int
    case_ids: list[int] = field(default_factory=list)
    location: str = ""


def parse_starts_at(value: str) -> datetime:
    """An ISO 8601 moment with its offset ("2027-03-30T14:00:00+02:00"); Invalid otherwise."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as err:
        raise Invalid(
            fields={"starts_at": [str(_l("Geef datum en tijd als 2027-03-30T14:00:00+02:00."))]}
        ) from err
    if moment.tzinfo is None:
        raise Invalid(fields={"starts_at": [str(_l("Geef ook de tijdzone mee, zoals +01:00."))]})
    return moment


def _checked(actor: User, team: Team, data: MeetingInput, *, keep: frozenset[int] = frozenset()):
    """The method and agenda cases of `data`, or Invalid naming each bad field. Cases in `keep`
    (already on this meeting's agenda) may stay even when they moved on since."""
    errors: dict[str, list[str]] = {}
    method = None
    try:
        method = get_method_for(actor, data.method)
    except NotFound:
        errors["method"] = [str(_l("Kies een werkvorm uit de bibliotheek."))]
    if not 15 <= data.duration_minutes <= 480:
        errors["duration_minutes"] = [str(_l("Een bijeenkomst duurt 15 tot 480 minuten."))]
    if data.starts_at.tzinfo is None:
        errors["starts_at"] = [str(_l("Geef ook de tijdzone mee, zoals +01:00."))]
    cases = []
    for case_id in dict.fromkeys(data.case_ids):
        try:
            case = get_case_for(actor, case_id)
        except NotFound:
            case = None
        ready = case is not None and (
            case.id in keep
            or case.status in AGENDA_STATUSES
            or (case.status == CaseStatus.CONCEPT and not missing_to_bring_in(case))
        )
        if case is None or case.team_id != team.id or not ready:
            errors["case_ids"] = [
                str(_l("Zet alleen ingebrachte (of complete) casussen van dit team op de agenda."))
            ]
            break
        cases.append(case)
    if len(cases) > MAX_AGENDA:
        errors["case_ids"] = [str(_l("Zet hoogstens %(n)s casussen op de agenda.", n=MAX_AGENDA))]
    if len(data.location) > 200:
        errors["location"] = [str(_l("Houd de plaats korter dan 200 tekens."))]
    if errors:
        raise Invalid(fields=errors)
    for case in cases:
        if case.status == CaseStatus.CONCEPT:  # a complete concept is brought in by planning it
            set_status(actor, case.id, CaseStatus.INGEBRACHT, expected_version=case.version)
    return method, cases


def create_meeting(actor: User, team: Team, data: MeetingInput) -> Meeting:
    """Plan a meeting of `team` with a method and cases on the agenda.

    Raises NotFound when `actor` may not plan this team's meetings, Invalid for a method the
    actor cannot use, a case that is not the team's or not brought in, or bad times.
    """
    if not has(actor, Perm.MEETING_PLAN, team_id=team.id):
        raise NotFound
    method, cases = _checked(actor, team, data)
    meeting = Meeting(
        team_id=team.id,
        method_id=method.id,
        starts_at=data.starts_at,
        duration_minutes=data.duration_minutes,
        location=data.location.strip(),
        created_by_id=actor.id,
        agenda=[MeetingCase(case_id=c.id, position=n) for n, c in enumerate(cases)],
    )
    db.session.add(meeting)
    db.session.flush()
    record("meeting.create", actor=actor, obj=meeting, team_id=team.id)
    return meeting


def prepare_meeting(
    actor: User,
    meeting_id: int,
    data: MeetingInput,
    roles: dict[RoleInMeeting, int | None] | None = None,
) -> Meeting:
    """Change a planned meeting: move it, pick its method and agenda, and assign its roles.

    For planners and the meeting's gespreksleider. A moved meeting of a series keeps the date
    it stood for, so the series does not make that date again.
    """
    meeting = get_meeting_to_lead(actor, meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        raise Invalid(_l("Alleen een geplande bijeenkomst kan worden voorbereid."))
    on_agenda = frozenset(item.case_id for item in meeting.agenda)
    try:
        method, cases = _checked(actor, meeting.team, data, keep=on_agenda)
    except Invalid as err:
        role_errors = _role_errors(meeting, roles or {})
        raise Invalid(fields={**err.fields, **role_errors}) from err
    if role_errors := _role_errors(meeting, roles or {}):
        raise Invalid(fields=role_errors)
    moved = meeting.starts_at != data.starts_at
    meeting.method_id, meeting.starts_at = method.id, data.starts_at
    meeting.duration_minutes, meeting.location = data.duration_minutes, data.location.strip()
    if [item.case_id for item in meeting.agenda] != [c.id for c in cases]:
        meeting.agenda = [MeetingCase(case_id=c.id, position=n) for n, c in enumerate(cases)]
    if roles is not None:
        assign_roles(meeting, roles)
    if moved:
        meeting.reminded_at = None  # a moved meeting is reminded again the day before
    meeting.updated_at = utcnow()
    db.session.flush()
    record("meeting.prepare", actor=actor, obj=meeting, moved=moved)
    return meeting


def _role_errors(meeting: Meeting, roles: dict[RoleInMeeting, int | None]) -> dict[str, list[str]]:
    members = {m.user_id for m in meeting.team.memberships if m.user.active}
    return {
        f"role_{role.value}": [str(_l("Kies iemand uit het team."))]
        for role, user_id in roles.items()
        if user_id is not None and user_id not in members
    }


def assign_roles(meeting: Meeting, roles: dict[RoleInMeeting, int | None]) -> None:
    """Give each role to a team member (None leaves it open); the caller checked the users."""
    kept = [r for r in meeting.roles if r.role not in roles]
    given = [MeetingRole(role=role, user_id=u) for role, u in roles.items() if u is not None]
    meeting.roles = kept + given


def cancel_meeting(actor: User, meeting_id: int) -> Meeting:
    meeting = get_meeting_for(actor, meeting_id, Perm.MEETING_PLAN)
    if meeting.status == MeetingStatus.CLOSED:
        raise Invalid(_l("Een afgeronde bijeenkomst kan niet meer worden geannuleerd."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.updated_at = utcnow()
    record("meeting.cancel", actor=actor, obj=meeting)
    return meeting


def calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Reflectie//bijeenkomsten//NL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    return cal


def meeting_event(meeting: Meeting, url: str) -> Event:
    """One meeting as a calendar event. It names the method and the team, never the cases:
    calendars travel to other services."""
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@reflectie")
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", f"{meeting.method.name} · {meeting.team.name}")
    event.add("description", str(_l("Bijeenkomst in Reflectie: %(url)s", url=url)))
    event.add("url", url)
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.status == MeetingStatus.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def meeting_ics(meeting: Meeting, url: str) -> bytes:
    cal = calendar(f"{meeting.method.name} · {meeting.team.name}")
    cal.add_component(meeting_event(meeting, url))
    return cal.to_ical()


# --- in the room: notes per step, outcomes, closing --------------------------------------------

MAX_NOTE = 20_000


def save_note(
    actor: User,
    meeting_id: int,
    step: int,
    text: str | None = None,
    *,
    structured: dict[str, Any] | None = None,
) -> MeetingNote:
    """Keep what was written down in step `step` (0-based) of the meeting's method: free
    `text`, or for a structured step (dilemma, options, judgements …) a `structured` record
    (see records.SHAPES), of which a
    readable text is kept beside it.

    The notulist, the gespreksleider and planners write; a closed meeting's record changes only
    by a planner and the change is audited as such.
    """
    meeting = get_meeting_for_notes(actor, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        raise Invalid(_l("Deze bijeenkomst is geannuleerd."))
    if not 0 <= step < len(meeting.method.steps):
        raise NotFound
    kind = meeting.method.steps[step].record_kind
    shape = records.shape_for(kind)
    data = None
    if structured is not None:
        if shape is None:
            raise Invalid(fields={"record": [str(_l("Deze stap heeft geen vaste velden."))]})
        data = records.clean_record(shape, structured)
        text = records.record_text(kind, shape, data)
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_NOTE:
        raise Invalid(fields={"text": [str(_l("Houd de aantekeningen korter dan 20.000 tekens."))]})
    note = next((n for n in meeting.notes if n.step == step), None)
    if note is None:
        note = MeetingNote(meeting_id=meeting.id, step=step, updated_by_id=actor.id)
        meeting.notes.append(note)
    if note.text != text or note.data != data:
        note.text, note.data, note.updated_by_id = text, data, actor.id
    if meeting.status == MeetingStatus.CLOSED:
        record("meeting.record_changed", actor=actor, obj=meeting, step=step)
    db.session.flush()
    return note


def add_outcome(
    actor: User,
    meeting_id: int,
    *,
    kind: str,
    text: str,
    owner_id: int | None = None,
    due_on: date | None = None,
) -> MeetingOutcome:
    """A leerpunt, or an actiepunt with an owner from the team and a due date."""
    meeting = get_meeting_to_lead(actor, meeting_id)
    errors: dict[str, list[str]] = {}
    if kind not in {k.value for k in OutcomeKind}:
        errors["kind"] = [str(_l("Kies leerpunt of actiepunt."))]
    text = text.strip()
    if not text or len(text) > 2000:
        errors["text"] = [str(_l("Schrijf het punt op in hoogstens 2.000 tekens."))]
    if owner_id is not None and owner_id not in {m.user_id for m in meeting.team.memberships}:
        errors["owner_id"] = [str(_l("Kies iemand uit het team."))]
    if kind == OutcomeKind.ACTIEPUNT and owner_id is None:
        errors["owner_id"] = [str(_l("Een actiepunt heeft iemand die het oppakt."))]
    if errors:
        raise Invalid(fields=errors)
    outcome = MeetingOutcome(kind=OutcomeKind(kind), text=text, owner_id=owner_id, due_on=due_on)
    meeting.outcomes.append(outcome)
    db.session.flush()
    record("meeting.outcome", actor=actor, obj=meeting, kind=kind)
    return outcome


def close_meeting(actor: User, meeting_id: int) -> Meeting:
    """End the meeting: its cases move to besproken and its record is kept."""
    meeting = get_meeting_to_lead(actor, meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        raise Invalid(_l("Alleen een geplande bijeenkomst kan worden afgerond."))
    meeting.status, meeting.closed_at = MeetingStatus.CLOSED, utcnow()
    for item in meeting.agenda:
        mark_discussed(actor, item.case_id, meeting_id=meeting.id)
    db.session.flush()
    record("meeting.close", actor=actor, obj=meeting)
    return meeting


def open_actions(actor: User, team_id: int) -> list[MeetingOutcome]:
    """The team's actions not yet done, oldest first: each meeting opens with these."""
    if not has(actor, Perm.MEETING_READ, team_id=team_id):
        raise NotFound
    return list(
        db.session.scalars(
            select(MeetingOutcome)
            .join(Meeting)
            .where(
                Meeting.team_id == team_id,
                MeetingOutcome.kind == OutcomeKind.ACTIEPUNT,
                MeetingOutcome.done_at.is_(None),
            )
            .order_by(MeetingOutcome.id)
        )
    )


def my_open_actions(actor: User) -> list[MeetingOutcome]:
    """The actions `actor` still has to do, in the teams where they see meetings."""
    teams = [t for t in actor.team_ids if has(actor, Perm.MEETING_READ, team_id=t)]
    return list(
        db.session.scalars(
            select(MeetingOutcome)
            .join(Meeting)
            .where(
                Meeting.team_id.in_(teams),
                MeetingOutcome.owner_id == actor.id,
                MeetingOutcome.kind == OutcomeKind.ACTIEPUNT,
                MeetingOutcome.done_at.is_(None),
            )
            .order_by(MeetingOutcome.due_on, MeetingOutcome.id)
        )
    )


def complete_action(actor: User, outcome_id: int, note: str = "") -> MeetingOutcome:
    """Mark an action done (by its owner or a planner), with a short report back."""
    outcome = db.session.get(MeetingOutcome, outcome_id)
    if outcome is None or outcome.kind != OutcomeKind.ACTIEPUNT:
        raise NotFound
    team_id = outcome.meeting.team_id
    if not has(actor, Perm.MEETING_READ, team_id=team_id):
        raise NotFound
    if outcome.owner_id != actor.id and not has(actor, Perm.MEETING_PLAN, team_id=team_id):
        raise NotFound
    outcome.done_at, outcome.done_note = utcnow(), note.strip()[:2000]
    record("meeting.action_done", actor=actor, obj=outcome.meeting)
    return outcome


def meetings_of_case(actor: User, case_id: int) -> list[Meeting]:
    """The meetings of the case's team that had this case on the agenda (case page)."""
    case = get_case_for(actor, case_id)
    if not has(actor, Perm.MEETING_READ, team_id=case.team_id):
        return []
    return list(
        db.session.scalars(
            select(Meeting)
            .join(MeetingCase)
            .where(MeetingCase.case_id == case.id, Meeting.team_id == case.team_id)
            .order_by(Meeting.starts_at.desc())
        )
    )


# --- reminders --------------------------------------------------------------------------------


def due_reminders(now: datetime) -> list[Meeting]:
    """Planned meetings starting within the next 36 hours that were not reminded yet.

    Run daily (cron or a systemd timer), this reminds each meeting the day before; run more
    often, it still reminds each meeting once.
    """
    return list(
        db.session.scalars(
            select(Meeting).where(
                Meeting.status == MeetingStatus.PLANNED,
                Meeting.reminded_at.is_(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + timedelta(hours=36),
            )
        )
    )


ROLE_LABELS = {
    RoleInMeeting.GESPREKSLEIDER: _l("gespreksleider"),
    RoleInMeeting.NOTULIST: _l("notulist"),
    RoleInMeeting.TIJDBEWAKER: _l("tijdbewaker"),
}


def roles_text(meeting: Meeting, user_id: int) -> str:
    """The user's roles in the meeting, in words ("gespreksleider, casusinbrenger"), or ""."""
    names = [str(ROLE_LABELS[role]) for role in meeting.role_of(user_id)]
    if any(item.case.author_id == user_id for item in meeting.agenda):
        names.append(str(_l("casusinbrenger")))
    return ", ".join(names)


def send_reminder(meeting: Meeting, url: str, *, now: datetime) -> int:
    """Remind every team member who may see the meeting, in the app and by mail: when, which
    method, how many cases, their role and their own open actions. Case titles stay in the
    platform. Returns the number of people reminded."""
    open_by_owner: dict[int, int] = {}
    for action in db.session.scalars(
        select(MeetingOutcome)
        .join(Meeting)
        .where(
            Meeting.team_id == meeting.team_id,
            MeetingOutcome.kind == OutcomeKind.ACTIEPUNT,
            MeetingOutcome.done_at.is_(None),
        )
    ):
        if action.owner_id is not None:
            open_by_owner[action.owner_id] = open_by_owner.get(action.owner_id, 0) + 1
    reminded = []
    for membership in meeting.team.memberships:
        user = membership.user
        if not user.active or not has(user, Perm.MEETING_READ, team_id=meeting.team_id):
            continue
        role = roles_text(meeting, user.id)
        body = str(
            _l(
                "Beste %(name)s,\n\nMorgen is er een bijeenkomst van %(team)s: %(method)s, "
                "%(when)s, met %(cases)s casus(sen) op de agenda. U heeft %(actions)s open "
                "actiepunt(en) om over terug te koppelen.\n\nBekijk de bijeenkomst: %(url)s",
                name=user.name,
                team=meeting.team.name,
                method=meeting.method.name,
                when=format_datetime(meeting.starts_at, "EEEE d MMMM HH:mm"),
                cases=len(meeting.agenda),
                actions=open_by_owner.get(user.id, 0),
                url=url,
            )
        )
        if role:
            body += "\n\n" + str(_l("Uw rol: %(role)s.", role=role))
        send_mail(user.email, str(_l("Herinnering: bijeenkomst morgen")), body)
        reminded.append(user.id)
    notify(reminded, REMINDER, {"meeting_id": meeting.id})
    meeting.reminded_at = now
    record("meeting.remind", obj=meeting, mails=len(reminded))
    return len(reminded)


REMINDER = "meeting.reminder"


def _show_reminder(notification: Notification, reader: User) -> Shown | None:
    try:
        meeting = get_meeting_for(reader, int(notification.data["meeting_id"]))
    except (NotFound, KeyError, TypeError, ValueError):
        return None  # gone, or the reader left the team
    text = str(
        _l(
            "Herinnering: %(method)s van %(team)s, %(when)s.",
            method=meeting.method.name,
            team=meeting.team.name,
            when=format_datetime(meeting.starts_at, "EEEE d MMMM HH:mm"),
        )
    )
    if role := roles_text(meeting, reader.id):
        text += " " + str(_l("Uw rol: %(role)s.", role=role))
    return Shown(text=text, url=url_for("sessions.show", meeting_id=meeting.id))


register_kind(
    REMINDER,
    _show_reminder,
    refers_to=Meeting.id,
    key="meeting_id",
    options=[
        joinedload(Meeting.method),
        joinedload(Meeting.team),
        selectinload(Meeting.roles),
        selectinload(Meeting.agenda),
    ],
)
