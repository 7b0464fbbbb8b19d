"""The only ways to get Team rows for a user. Missing and forbidden look the same (404)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import Membership, Team, User
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has


def get_team_for(user: User, slug: str, perm: Perm = Perm.TEAM_READ) -> Team:
    """The team `slug` if `user` holds `perm` in it; NotFound otherwise (also when missing)."""
    team = db.session.scalar(select(Team).where(Team.slug == slug))
    if team is None or not has(user, perm, team_id=team.id):
        raise NotFound
    return team


def visible_teams(user: User) -> Select[tuple[Team]]:
    return select(Team).where(Team.id.in_(user.team_ids)).order_by(Team.name)


def team_members(team: Team) -> list[Membership]:
    """Members of a team the caller already loaded through get_team_for."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.team_id == team.id)
            .options(selectinload(Membership.user))
            .join(User)
            .order_by(User.name)
        )
    )
