"""Plain factory functions: keyword-only, sensible defaults.

They commit, like a request that happened before the test; the outer test
transaction (conftest._rollback) undoes it all.
"""

from __future__ import annotations

import itertools

import pyotp

from reflectie.accounts import services
from reflectie.accounts.models import Organisation, Team, User
from reflectie.db import db, utcnow
from reflectie.permissions import Role, TeamKind

PASSWORD = "wachtwoord-voor-tests"
_seq = itertools.count(1)


def make_org(*, slug: str | None = None, require_2fa: bool = False) -> Organisation:
    n = next(_seq)
    org = services.create_organisation(
        None, slug=slug or f"org-{n}", name=f"Organisatie {n}", require_2fa=require_2fa
    )
    db.session.commit()
    return org


def make_team(
    *,
    organisation: Organisation | None = None,
    slug: str | None = None,
    kind: TeamKind = TeamKind.WIJKTEAM,
) -> Team:
    n = next(_seq)
    team = services.create_team(
        None,
        organisation=organisation or make_org(),
        slug=slug or f"team-{n}",
        name=f"Wijkteam {n}",
        kind=kind,
    )
    db.session.commit()
    return team


def make_user(
    *,
    team: Team | None = None,
    role: Role = Role.LID,
    password: str = PASSWORD,
    email: str | None = None,
    name: str | None = None,
    admin: bool = False,
    totp_secret: str | None = None,
) -> User:
    n = next(_seq)
    user = services.create_user(
        email=email or f"gebruiker{n}@example.test",
        name=name or f"Gebruiker {n}",
        password=password,
        is_admin=admin,
    )
    if team is not None:
        services.set_membership(None, team=team, user=user, role=role)
    if totp_secret:
        user.totp_secret, user.totp_enabled_at = totp_secret, utcnow()
    db.session.commit()
    return user


def make_token(user: User, name: str = "test") -> str:
    _token, raw = services.create_token(user, name)
    db.session.commit()
    return raw


def new_totp_secret() -> str:
    return pyotp.random_base32()
