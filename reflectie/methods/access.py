"""The only ways to get Method rows for a user: built-ins for everyone, adapted copies for
the people of their organisation. Missing and someone else's both raise NotFound."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.methods.models import Method
from reflectie.permissions import Perm, has


def organisation_ids(user: User) -> set[int]:
    return {m.team.organisation_id for m in user.memberships}


def adaptable_organisation_ids(user: User) -> set[int]:
    """Organisations where `user` may copy and adapt methods."""
    return {
        m.team.organisation_id
        for m in user.memberships
        if has(user, Perm.METHOD_ADAPT, team_id=m.team_id)
    }


def visible_methods(user: User) -> Select[tuple[Method]]:
    return select(Method).where(
        Method.archived_at.is_(None),
        or_(Method.builtin.is_(True), Method.organisation_id.in_(organisation_ids(user))),
    )


def get_method_for(user: User, slug: str, *, adapt: bool = False) -> Method:
    """The method `slug` if `user` may see it (with `adapt`: may change it, which a built-in
    never is); NotFound otherwise."""
    method = db.session.scalar(visible_methods(user).where(Method.slug == slug))
    if method is None:
        raise NotFound
    if adapt and (method.builtin or method.organisation_id not in adaptable_organisation_ids(user)):
        raise NotFound
    return method
