"""The only ways to get Team rows for a user. Missing and forbidden look the same (404)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from reflectie.accounts.confidentiality import ConfidentialityRequired
from reflectie.accounts.models import Membership, Team, User
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has

# The team-level ways to case text: writing one, importing, exporting. The team's case
# list (CASE_READ) shows titles only; single cases are gated in reflectie.cases.access.
CASE_TEXT_PERMS = frozenset({Perm.CASE_CREATE, Perm.CASE_IMPORT, Perm.CASE_EXPORT})


def get_team_for(user: User, slug: str, perm: Perm = Perm.TEAM_READ) -> Team:
    """The team `slug` if `user` holds `perm` in it; NotFound otherwise (also when missing).
    ConfidentialityRequired (403) for a case-text permission without clearance (R-28)."""
    team = db.session.scalar(select(Team).where(Team.slug == slug))
    if team is None:
        raise NotFound
    check_team_perm(user, team, perm)
    return team


def check_team_perm(user: User, team: Team, perm: Perm) -> None:
    """NotFound unless `user` holds `perm` in `team`; ConfidentialityRequired (403) for a
    case-text permission without clearance (R-28)."""
    if not has(user, perm, team_id=team.id):
        raise NotFound
    if perm in CASE_TEXT_PERMS and not user.may_read_case_text:
        raise ConfidentialityRequired(
            action=perm.replace(":", "."),
            actor=user,
            team_id=team.id,
            object_type="team",
            object_id=team.id,
        )


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
