"""Factories for meetings (plain functions, like tests/factories.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from reflectie.accounts.models import Team, User
from reflectie.sessions import services
from reflectie.sessions.models import Meeting


def plan_meeting(
    planner: User,
    team: Team,
    case_ids: Iterable[int],
    *,
    starts_at: datetime = datetime(2027, 3, 30, 14, tzinfo=UTC),
    method: str = "dilemmamethode",
) -> Meeting:
    """A meeting of 90 minutes with `case_ids` on its agenda; the caller commits."""
    return services.create_meeting(
        planner,
        team,
        services.MeetingInput(
            method=method, starts_at=starts_at, duration_minutes=90, case_ids=list(case_ids)
        ),
    )
