"""Factories for cases (plain functions, like tests/factories.py)."""

from __future__ import annotations

from typing import Any

from reflectie.accounts.models import Team, User
from reflectie.cases import services
from reflectie.cases.models import Case, CaseStatus
from reflectie.db import db
from reflectie.permissions import Role
from tests.factories import make_team, make_user

COMPLETE = {
    "situation": "Mevrouw B. (84) woont alleen en weigert thuiszorg.",
    "help_question": "Hoe ver mag ik gaan om haar te overtuigen?",
    "dilemma": (
        "Moet ik haar wens respecteren, met als gevolg risico, "
        "of ingrijpen, met als gevolg verlies van vertrouwen?"
    ),
    "kwesties": [5, 2],
}


def make_case(
    *,
    team: Team | None = None,
    author: User | None = None,
    title: str = "Casus",
    status: CaseStatus = CaseStatus.CONCEPT,
    **fields: Any,
) -> Case:
    team = team or make_team()
    author = author or make_user(team=team, role=Role.LID)
    if status != CaseStatus.CONCEPT:
        fields = {**COMPLETE, **fields}
    case = services.create_case(
        author, team, services.CaseInput(title=title, **fields), status=status
    )
    db.session.commit()
    return case
