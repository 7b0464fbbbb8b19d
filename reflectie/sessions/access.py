"""The only ways to get Meeting rows for a user; another team's meeting is NotFound.

Leading a meeting (preparing, facilitating, closing) is for the team's planners (leercoach,
teamleider) and for that meeting's gespreksleider; its notulist also writes the notes. Once the
meeting is closed, only planners change its record (and every change is audited).
"""

from __future__ import annotations

from sqlalchemy import Select, select

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has
from reflectie.sessions.models import Meeting, MeetingSeries, MeetingStatus, RoleInMeeting


def get_meeting_for(user: User, meeting_id: int, perm: Perm = Perm.MEETING_READ) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not has(user, perm, team_id=meeting.team_id):
        raise NotFound
    return meeting


def visible_meetings(user: User) -> Select[tuple[Meeting]]:
    teams = [t for t in user.team_ids if has(user, Perm.MEETING_READ, team_id=t)]
    return select(Meeting).where(Meeting.team_id.in_(teams))


def may_lead(user: User, meeting: Meeting) -> bool:
    if has(user, Perm.MEETING_PLAN, team_id=meeting.team_id):
        return True
    return (
        meeting.status != MeetingStatus.CLOSED
        and RoleInMeeting.GESPREKSLEIDER in meeting.role_of(user.id)
        and has(user, Perm.MEETING_READ, team_id=meeting.team_id)
    )


def may_take_notes(user: User, meeting: Meeting) -> bool:
    if may_lead(user, meeting):
        return True
    return (
        meeting.status != MeetingStatus.CLOSED
        and RoleInMeeting.NOTULIST in meeting.role_of(user.id)
        and has(user, Perm.MEETING_READ, team_id=meeting.team_id)
    )


def get_meeting_to_lead(user: User, meeting_id: int) -> Meeting:
    meeting = get_meeting_for(user, meeting_id)
    if not may_lead(user, meeting):
        raise NotFound
    return meeting


def get_meeting_for_notes(user: User, meeting_id: int) -> Meeting:
    meeting = get_meeting_for(user, meeting_id)
    if not may_take_notes(user, meeting):
        raise NotFound
    return meeting


def get_series_for(user: User, series_id: int, perm: Perm = Perm.MEETING_READ) -> MeetingSeries:
    series = db.session.get(MeetingSeries, series_id)
    if series is None or not has(user, perm, team_id=series.team_id):
        raise NotFound
    return series
