"""The only ways to get Case rows for a user. Do not query Case elsewhere in views.

Missing, deleted, private-to-someone-else and other-team cases all raise the same NotFound,
so an id never reveals that a case exists.

R-28: a member without clearance to read case text (a vrijwilliger, stagiair or extern
without a recorded geheimhoudingsverklaring) gets ConfidentialityRequired (403, with an
explanation) for a case of their own team, and no case at all from visible_cases(): every
page, API call, export, search result and copy that shows a case's text starts here. Only
listed_cases() still names the team's cases (titles and kwesties) for them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Select, false, or_, select

from reflectie.accounts.confidentiality import ConfidentialityRequired
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


def reads_case_text(user: User | Any) -> bool:
    """R-28, the one gate for original case text: a medewerker, or a member with a recorded
    geheimhoudingsverklaring. Which cases is then up to the team role (may, visible_cases)."""
    return bool(getattr(user, "is_authenticated", False)) and bool(
        getattr(user, "may_read_case_text", False)
    )


def _team_may(user: User, case: Case, action: CaseAction) -> bool:
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


def may(user: User, case: Case, action: CaseAction) -> bool:
    """The object-level rule for one case; views, API and templates all ask this."""
    return _team_may(user, case, action) and reads_case_text(user)


def get_case_for(user: User, case_id: int, action: CaseAction = CaseAction.READ) -> Case:
    """Return the case if `user` may do `action` to it; NotFound otherwise.

    A team member who may read but not edit gets NotFound for EDIT too: the edit page of a
    case they can read simply does not exist for them. A member of the team without clearance
    for case text (R-28) gets ConfidentialityRequired, a NotFound that answers 403 and says
    why; its handler writes the denied read to the audit log.
    """
    case = db.session.get(Case, case_id)
    if case is None or case.deleted_at is not None:
        raise NotFound
    if not _team_may(user, case, action):
        record_denied(
            f"case.{action}",
            actor=user,
            object_type="case",
            object_id=case.id,
            team_id=case.team_id,
        )
        raise NotFound
    if not reads_case_text(user):
        raise ConfidentialityRequired(
            action=f"case.{action}",
            actor=user,
            team_id=case.team_id,
            object_type="case",
            object_id=case.id,
        )
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


def readable_team_ids(user: User) -> list[int]:
    """Teams whose case text `user` may read: their role there, and R-28. Search filters its
    index on these (reflectie.cases.search)."""
    if not reads_case_text(user):
        return []
    return [t for t in user.team_ids if has(user, Perm.CASE_READ, team_id=t)]


def _listed(user: User, team_ids: list[int]) -> Select[tuple[Case]]:
    return select(Case).where(
        Case.team_id.in_(team_ids) if team_ids else false(),
        Case.deleted_at.is_(None),
        or_(Case.visibility == Visibility.TEAM, Case.author_id == user.id),
    )


def visible_cases(user: User) -> Select[tuple[Case]]:
    """Base query for everything that shows, exports or searches case text; callers add
    filters, ordering and paging. Empty for a member without clearance (R-28)."""
    return _listed(user, readable_team_ids(user))


def listed_cases(user: User) -> Select[tuple[Case]]:
    """The cases a member may know exist, for a list of titles and kwesties that shows no
    text (the team's case list). Unlike visible_cases(), this includes the cases of a member
    without clearance (R-28): opening one then explains why it stays closed."""
    return _listed(user, [t for t in user.team_ids if has(user, Perm.CASE_READ, team_id=t)])
