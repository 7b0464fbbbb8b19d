"""The only ways to get Case rows for a user. Do not query Case elsewhere in views.

Missing, deleted, private-to-someone-else and other-team cases all raise the same NotFound,
so an id never reveals that a case exists.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, or_, select

from reflectie.accounts.models import User
from reflectie.audit.services import record_denied
from reflectie.cases.models import Case, Visibility
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has


class CaseAction(StrEnum):
    READ = "read"
    EDIT = "edit"
    COMMENT = "comment"


def may(user: User, case: Case, action: CaseAction) -> bool:
    """The object-level rule for one case; views, API and templates all ask this."""
    own = case.author_id == user.id
    if case.visibility == Visibility.PRIVATE and not own:
        return False
    team = case.team_id
    if action == CaseAction.READ:
        return has(user, Perm.CASE_READ, team_id=team)
    if action == CaseAction.COMMENT:
        return has(user, Perm.CASE_COMMENT, team_id=team)
    return (own and has(user, Perm.CASE_CREATE, team_id=team)) or has(
        user, Perm.CASE_EDIT_ANY, team_id=team
    )


def get_case_for(user: User, case_id: int, action: CaseAction = CaseAction.READ) -> Case:
    """Return the case if `user` may do `action` to it; NotFound otherwise.

    A team member who may read but not edit gets NotFound for EDIT too: the edit page of a
    case they can read simply does not exist for them.
    """
    case = db.session.get(Case, case_id)
    if case is None or case.deleted_at is not None:
        raise NotFound
    if not may(user, case, action):
        record_denied(
            f"case.{action}",
            actor=user,
            object_type="case",
            object_id=case.id,
            team_id=case.team_id,
        )
        raise NotFound
    return case


def team_cases(team_id: int) -> Select[tuple[Case]]:
    """For jobs without a user (the operator's export, demo data): the cases the whole team
    can see; never anyone's private ones."""
    return select(Case).where(
        Case.team_id == team_id, Case.deleted_at.is_(None), Case.visibility == Visibility.TEAM
    )


def cases_of_teams(team_ids: list[int]) -> Select[tuple[Case]]:
    """For aggregates over several teams (insights): their team cases, never private ones."""
    return select(Case).where(
        Case.team_id.in_(team_ids), Case.deleted_at.is_(None), Case.visibility == Visibility.TEAM
    )


def visible_cases(user: User) -> Select[tuple[Case]]:
    """Base query for every case list; callers add filters, ordering and paging."""
    readable = [t for t in user.team_ids if has(user, Perm.CASE_READ, team_id=t)]
    return select(Case).where(
        Case.team_id.in_(readable),
        Case.deleted_at.is_(None),
        or_(Case.visibility == Visibility.TEAM, Case.author_id == user.id),
    )
