"""The only ways to get Meeting rows for a user; another team's meeting is NotFound."""

from __future__ import annotations

from sqlalchemy import Select, select

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has
from reflectie.sessions.models import Meeting


def get_meeting_for(user: User, meeting_id: int, perm: Perm = Perm.MEETING_READ) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not has(user, perm, team_id=meeting.team_id):
        raise NotFound
    return meeting


def visible_meetings(user: User) -> Select[tuple[Meeting]]:
    teams = [t for t in user.team_ids if has(user, Perm.MEETING_READ, team_id=t)]
    return select(Meeting).where(Meeting.team_id.in_(teams))
