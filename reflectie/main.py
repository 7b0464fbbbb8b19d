"""The home page and the team pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload

from reflectie.accounts import access
from reflectie.db import db, utcnow
from reflectie.permissions import Perm, public, scoped
from reflectie.sessions.access import visible_meetings
from reflectie.sessions.models import Meeting, MeetingStatus
from reflectie.sessions.services import my_open_actions

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    teams = db.session.scalars(access.visible_teams(current_user)).all()
    upcoming = db.session.scalars(
        visible_meetings(current_user)
        .where(Meeting.starts_at >= utcnow(), Meeting.status == MeetingStatus.PLANNED)
        .options(selectinload(Meeting.method), selectinload(Meeting.team))
        .order_by(Meeting.starts_at)
        .limit(5)
    ).all()
    return render_template(
        "main/home.html", teams=teams, upcoming=upcoming, actions=my_open_actions(current_user)
    )


@bp.get("/teams/<slug>")
@scoped("team")
def team(slug: str) -> ResponseReturnValue:
    team = access.get_team_for(current_user, slug, Perm.TEAM_READ)
    return render_template("main/team.html", team=team, members=access.team_members(team))
