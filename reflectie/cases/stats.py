"""Facts about cases for aggregates (insights): when, which team, status, kwesties, values —
never a case's text. Only team cases count (private concepts stay the author's)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from reflectie.cases.access import cases_of_teams
from reflectie.cases.models import Case, CaseKwestie, CaseStatus, CaseValue
from reflectie.db import db


@dataclass
class CaseFact:
    id: int
    team_id: int
    created_at: datetime
    status: CaseStatus
    kwesties: list[int] = field(default_factory=list)  # primary first
    values: list[str] = field(default_factory=list)


def case_facts(
    team_ids: list[int], *, since: datetime | None = None, until: datetime | None = None
) -> list[CaseFact]:
    """The facts of the teams' cases created in [since, until)."""
    query = cases_of_teams(team_ids)
    if since is not None:
        query = query.where(Case.created_at >= since)
    if until is not None:
        query = query.where(Case.created_at < until)
    ids = query.with_only_columns(Case.id).scalar_subquery()
    facts = {
        row.id: CaseFact(row.id, row.team_id, row.created_at, row.status)
        for row in db.session.execute(
            query.with_only_columns(Case.id, Case.team_id, Case.created_at, Case.status)
        )
    }
    kwesties: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for case_id, number, position in db.session.execute(
        db.select(CaseKwestie.case_id, CaseKwestie.kwestie_number, CaseKwestie.position).where(
            CaseKwestie.case_id.in_(ids)
        )
    ):
        kwesties[case_id].append((position, number))
    for case_id, name in db.session.execute(
        db.select(CaseValue.case_id, CaseValue.name)
        .where(CaseValue.case_id.in_(ids))
        .order_by(CaseValue.case_id, CaseValue.position)
    ):
        facts[case_id].values.append(name)
    for case_id, links in kwesties.items():
        facts[case_id].kwesties = [number for _position, number in sorted(links)]
    return sorted(facts.values(), key=lambda f: (f.created_at, f.id))
