"""/api/v1 endpoints of meetings (called sessions in the API, as DESIGN.md names them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from reflectie.api import api_member, api_scoped, api_user, doc, json_body, paged
from reflectie.db import db
from reflectie.errors import Invalid
from reflectie.permissions import Perm, has
from reflectie.sessions import access, services
from reflectie.sessions.models import Meeting, MeetingOutcome

bp = Blueprint("sessions_api", __name__, url_prefix="/api/v1")

SESSION_BODY = {
    "type": "object",
    "required": ["team", "method", "starts_at", "duration_minutes"],
    "properties": {
        "team": {"type": "string"},
        "method": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 480},
        "case_ids": {"type": "array", "items": {"type": "integer"}},
        "location": {"type": "string"},
    },
}


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "url": url_for("sessions.show", meeting_id=meeting.id, _external=True),
        "team": meeting.team.slug,
        "method": meeting.method.slug,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "status": str(meeting.status),
        "series_id": meeting.series_id,
        "roles": {str(r.role): r.user.handle for r in meeting.roles},
    }


def outcome_out(outcome: MeetingOutcome) -> dict[str, Any]:
    return {
        "id": outcome.id,
        "kind": str(outcome.kind),
        "text": outcome.text,
        "owner": outcome.owner.handle if outcome.owner else None,
        "due_on": outcome.due_on.isoformat() if outcome.due_on else None,
        "done": outcome.done_at is not None,
        "done_note": outcome.done_note,
    }


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        **meeting_summary(meeting),
        "agenda": [{"case_id": item.case_id, "title": item.case.title} for item in meeting.agenda],
        "steps": [
            {
                "step": n + 1,
                "name": s.name,
                "minutes": s.minutes,
                "questions": s.questions,
                "who": s.who,
                "record_kind": str(s.record_kind),
                "notes": meeting.note_for(n),
                "record": meeting.record_for(n) or None,
            }
            for n, s in enumerate(meeting.method.steps)
        ],
        "outcomes": [outcome_out(o) for o in meeting.outcomes],
    }


@bp.get("/sessions")
@api_member
@doc("Meetings of the token user's teams, soonest first", tags=["sessions"])
def list_sessions() -> ResponseReturnValue:
    query = (
        access.visible_meetings(api_user())
        .options(selectinload(Meeting.team), selectinload(Meeting.method))
        .order_by(Meeting.starts_at)
    )
    return paged(query, meeting_summary)


@bp.post("/sessions")
@api_member
@doc(
    "Plan a meeting (leercoach or teamleider of the team)",
    tags=["sessions"],
    body=SESSION_BODY,
    responses={"201": {"description": "Created"}, "422": {"description": "Invalid fields"}},
)
def create_session() -> ResponseReturnValue:
    user = api_user()
    body = json_body()
    unknown = sorted(set(body) - set(SESSION_BODY["properties"]))
    if unknown:
        raise Invalid(fields={name: [str(_l("Dit veld bestaat niet."))] for name in unknown})
    team = next(
        (
            m.team
            for m in user.memberships
            if m.team.slug == body.get("team") and has(user, Perm.MEETING_PLAN, team_id=m.team_id)
        ),
        None,
    )
    if team is None:
        raise Invalid(fields={"team": [str(_l("Kies een team waarvoor u bijeenkomsten plant."))]})
    duration, case_ids = body.get("duration_minutes"), body.get("case_ids", [])
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise Invalid(fields={"duration_minutes": [str(_l("Geef de duur in minuten."))]})
    if not isinstance(case_ids, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in case_ids
    ):
        raise Invalid(fields={"case_ids": [str(_l("Geef een lijst met casusnummers."))]})
    if not isinstance(body.get("method"), str) or not isinstance(body.get("location", ""), str):
        raise Invalid(fields={"method": [str(_l("Kies een werkvorm uit de bibliotheek."))]})
    data = services.MeetingInput(
        method=body["method"],
        starts_at=services.parse_starts_at(body.get("starts_at")),
        duration_minutes=duration,
        case_ids=case_ids,
        location=body.get("location", ""),
    )
    meeting = services.create_meeting(user, team, data)
    db.session.commit()
    return jsonify(meeting_out(meeting)), 201


@bp.get("/sessions/<int:meeting_id>")
@api_scoped("meeting")
@doc("One meeting with its agenda and the method's steps", tags=["sessions"])
def get_session(meeting_id: int) -> ResponseReturnValue:
    return jsonify(meeting_out(access.get_meeting_for(api_user(), meeting_id)))


@bp.get("/sessions/<int:meeting_id>.ics")
@api_scoped("meeting")
@doc("The meeting as an iCalendar file", tags=["sessions"])
def session_ics(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(api_user(), meeting_id)
    url = url_for("sessions.show", meeting_id=meeting.id, _external=True)
    return Response(services.meeting_ics(meeting, url), mimetype="text/calendar")


@bp.post("/sessions/<int:meeting_id>/notes")
@api_scoped("meeting")
@doc(
    "Write the notes of one step (1-based) of the meeting's method: free text, or for a step "
    "with a structured record (record_kind dilemma, values_per_option, options, judgements, "
    'choice) a record: {field: text} or {"rows": [{field: text}, ...]}',
    tags=["sessions"],
    body={
        "type": "object",
        "required": ["step"],
        "properties": {
            "step": {"type": "integer", "minimum": 1},
            "text": {"type": "string"},
            "record": {"type": "object"},
        },
    },
)
def save_notes(meeting_id: int) -> ResponseReturnValue:
    user = api_user()
    access.get_meeting_for(user, meeting_id)  # 404 before any 400
    body = json_body()
    step, text, record = body.get("step"), body.get("text"), body.get("record")
    if not isinstance(step, int) or isinstance(step, bool) or step < 1:
        raise Invalid(fields={"step": [str(_l("Geef het nummer van de stap, vanaf 1."))]})
    if record is None and not isinstance(text, str):
        raise Invalid(fields={"text": [str(_l("Geef de aantekeningen als tekst."))]})
    if record is not None and not isinstance(record, dict):
        raise Invalid(fields={"record": [str(_l("Verwacht een object met tekstvelden."))]})
    services.save_note(user, meeting_id, step - 1, text, structured=record)
    db.session.commit()
    return jsonify(meeting_out(access.get_meeting_for(user, meeting_id)))


@bp.post("/sessions/<int:meeting_id>/actions")
@api_scoped("meeting")
@doc(
    "Add a leerpunt or an actiepunt (owner: a team member's handle; due_on: a date)",
    tags=["sessions"],
    body={
        "type": "object",
        "required": ["text"],
        "properties": {
            "kind": {"type": "string", "enum": ["actiepunt", "leerpunt"]},
            "text": {"type": "string"},
            "owner": {"type": "string"},
            "due_on": {"type": "string", "format": "date"},
        },
    },
    responses={"201": {"description": "Created"}, "422": {"description": "Invalid fields"}},
)
def add_action(meeting_id: int) -> ResponseReturnValue:
    user = api_user()
    meeting = access.get_meeting_for(user, meeting_id)
    body = json_body()
    owner = next(
        (m.user for m in meeting.team.memberships if m.user.handle == body.get("owner")), None
    )
    if body.get("owner") is not None and owner is None:
        raise Invalid(fields={"owner": [str(_l("Kies iemand uit het team."))]})
    due_on = None
    if body.get("due_on") is not None:
        try:
            due_on = date.fromisoformat(str(body["due_on"]))
        except ValueError as err:
            raise Invalid(fields={"due_on": [str(_l("Geef een datum als JJJJ-MM-DD."))]}) from err
    text = body.get("text")
    outcome = services.add_outcome(
        user,
        meeting_id,
        kind=str(body.get("kind", "actiepunt")),
        text=text if isinstance(text, str) else "",
        owner_id=owner.id if owner else None,
        due_on=due_on,
    )
    db.session.commit()
    return jsonify(outcome_out(outcome)), 201
