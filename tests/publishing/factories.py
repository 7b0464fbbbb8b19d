"""Factories for published copies, collections and classes (plain functions)."""

from __future__ import annotations

from typing import Any

from reflectie.accounts.models import Team, User
from reflectie.db import db, utcnow
from reflectie.permissions import Role, TeamKind
from reflectie.publishing import services
from reflectie.publishing.models import Publication, PublicationStatus
from tests.cases.factories import make_case
from tests.factories import make_team, make_user

CLEAN = {
    "title": "Een moeder die geen hulp wil",
    "situation": "Een moeder van drie kinderen woont in een grote stad en wil geen hulp.",
    "help_question": "Hoe blijf ik in contact?",
    "dilemma": "Moet ik haar keuze respecteren of de school inschakelen?",
    "stakeholders": "",
    "own_role": "",
}


def make_publication(
    *,
    team: Team | None = None,
    author: User | None = None,
    status: PublicationStatus = PublicationStatus.PUBLISHED,
    to_library: bool = True,
    case_fields: dict[str, Any] | None = None,
    **fields: Any,
) -> Publication:
    """A copy of a new case; by default clean, approved by a leercoach, in the library."""
    team = team or make_team()
    author = author or make_user(team=team, role=Role.LID)
    case = make_case(
        team=team,
        author=author,
        title="Origineel",
        situation="Mevrouw Fatima el Amrani woont aan de Dorpsstraat 12 in Utrecht.",
        kwesties=[5, 2],
        values=["autonomie"],
        tags=["jeugd"],
        **(case_fields or {}),
    )
    pub = services.start_publication(author, case.id)
    for name, value in {**CLEAN, **fields}.items():
        setattr(pub, name, value)
    pub.status = status
    if status == PublicationStatus.PUBLISHED:
        reviewer = make_user(team=team, role=Role.LEERCOACH)
        pub.reviewer_id, pub.reviewed_at, pub.published_at = reviewer.id, utcnow(), utcnow()
        pub.to_library = to_library
    elif status != PublicationStatus.CONCEPT:
        pub.submitted_at = utcnow()
    db.session.commit()
    return pub


def make_klas(*, docent: User | None = None) -> tuple[Team, User]:
    klas = make_team(kind=TeamKind.KLAS)
    if docent is None:
        docent = make_user(team=klas, role=Role.DOCENT)
    else:
        from reflectie.accounts import services as account_services

        account_services.set_membership(None, team=klas, user=docent, role=Role.DOCENT)
        db.session.commit()
    return klas, docent
