"""The one place that says who may do what. Views, services, API and templates ask here.

Team roles grant permissions inside one team (GRANTS); a beheerder (User.is_admin) manages
the platform through the admin area. Route rules (public, member, admin, scoped) mark every
endpoint; tests/test_architecture.py fails when one is missing (R-01).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from flask import abort
from flask_login import current_user, login_required

if TYPE_CHECKING:
    from reflectie.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])


class Perm(StrEnum):
    """`<resource>:<action>`; keep sorted."""

    ASSIGNMENT_ANSWER = "assignment:answer"  # a student answers the questions of a class
    ASSIGNMENT_MANAGE = "assignment:manage"  # give a collection to a class, read its answers
    CASE_COMMENT = "case:comment"
    CASE_CREATE = "case:create"
    CASE_EDIT_ANY = "case:edit_any"  # edit another member's case (authors edit their own)
    CASE_EXPORT = "case:export"
    CASE_IMPORT = "case:import"
    CASE_READ = "case:read"
    COMMUNITY_CREATE = "community:create"  # start a community for the organisation
    COMMUNITY_MODERATE = "community:moderate"  # moderate the organisation's communities
    INSIGHTS_READ = "insights:read"  # the team's insights: kwesties over time, actions, methods
    LIBRARY_READ = "library:read"  # the teaching library of published cases; collections
    MEETING_PLAN = "meeting:plan"  # plan, move and cancel the team's meetings
    MEETING_READ = "meeting:read"
    METHOD_ADAPT = "method:adapt"  # copy a built-in method and adapt it for the organisation
    PUBLICATION_CREATE = "publication:create"  # start and edit an anonymised copy of a case
    PUBLICATION_REVIEW = "publication:review"  # approve or send back a copy (never one's own)
    TEAM_READ = "team:read"
    TEAM_VIEW_MEMBERS = "team:view_members"


class Role(StrEnum):
    LID = "lid"
    LEERCOACH = "leercoach"
    TEAMLEIDER = "teamleider"
    DOCENT = "docent"
    STUDENT = "student"


class TeamKind(StrEnum):
    WIJKTEAM = "wijkteam"
    INTERVISIEGROEP = "intervisiegroep"
    KLAS = "klas"


_MEMBER = frozenset(
    {
        Perm.TEAM_READ,
        Perm.TEAM_VIEW_MEMBERS,
        Perm.CASE_READ,
        Perm.CASE_CREATE,
        Perm.CASE_COMMENT,
        Perm.MEETING_READ,
        Perm.PUBLICATION_CREATE,
    }
)
_COACH = _MEMBER | {
    Perm.CASE_EDIT_ANY,
    Perm.COMMUNITY_CREATE,
    Perm.COMMUNITY_MODERATE,
    Perm.CASE_IMPORT,
    Perm.CASE_EXPORT,
    Perm.METHOD_ADAPT,
    Perm.MEETING_PLAN,
    Perm.INSIGHTS_READ,
    Perm.PUBLICATION_REVIEW,
}

GRANTS: dict[Role, frozenset[Perm]] = {
    Role.LID: _MEMBER,
    Role.LEERCOACH: _COACH,
    Role.TEAMLEIDER: _COACH,
    Role.DOCENT: frozenset(
        {
            Perm.TEAM_READ,
            Perm.TEAM_VIEW_MEMBERS,
            Perm.COMMUNITY_CREATE,
            Perm.COMMUNITY_MODERATE,
            # Docenten read published copies only (the library; a copy they review), never an
            # original: that needs CASE_READ.
            Perm.LIBRARY_READ,
            Perm.ASSIGNMENT_MANAGE,
            Perm.PUBLICATION_REVIEW,
        }
    ),
    # Students see their class, never a wijkteam's original case text.
    Role.STUDENT: frozenset({Perm.TEAM_READ, Perm.ASSIGNMENT_ANSWER}),
}


class TeamScoped(Protocol):
    team_id: int


def has(user: User | Any, perm: Perm, *, team_id: int) -> bool:
    """Whether `user` holds `perm` in team `team_id`. The only role check in the code base."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = user.role_in(team_id)
    return role is not None and perm in GRANTS[role]


def can(user: User | Any, perm: Perm, obj: TeamScoped) -> bool:
    """May `user` do `perm` to `obj` (anything that belongs to a team)?"""
    return has(user, perm, team_id=obj.team_id)


# Route rules. Every view carries exactly one.
RULES = ("public", "member", "admin", "scoped")


def public(view: F) -> F:
    """Anyone, logged in or not."""
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def member(view: F) -> F:
    """Logged in; what they see is limited to their own teams by the access functions."""
    wrapped = login_required(view)
    wrapped.access_rule = "member"
    return cast(F, wrapped)


def admin(view: F) -> F:
    """Beheerders only; anyone else gets 404, as if the page did not exist."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_required(view)(*args, **kwargs)
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    wrapped.access_rule = "admin"  # type: ignore[attr-defined]
    return cast(F, wrapped)


def scoped(kind: str) -> Callable[[F], F]:
    """Logged in, and the object of `kind` in the URL is loaded through its access function
    (missing and forbidden both answer 404)."""

    def decorate(view: F) -> F:
        wrapped = login_required(view)
        wrapped.access_rule = "scoped"
        wrapped.object_kind = kind
        return cast(F, wrapped)

    return decorate
