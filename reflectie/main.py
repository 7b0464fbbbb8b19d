"""The home page and the team pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from reflectie.accounts import access
from reflectie.db import db
from reflectie.permissions import Perm, public, scoped

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    teams = db.session.scalars(access.visible_teams(current_user)).all()
    return render_template("main/home.html", teams=teams)


@bp.get("/teams/<slug>")
@scoped("team")
def team(slug: str) -> ResponseReturnValue:
    team = access.get_team_for(current_user, slug, Perm.TEAM_READ)
    return render_template("main/team.html", team=team, members=access.team_members(team))
