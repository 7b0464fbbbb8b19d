"""Retention rules (R-27): each organisation's bewaartermijn, what is past it, and removing it
through the erasure service. Services flush; the caller commits (per organisation in a run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from reflectie.accounts.models import Organisation, Team, User
from reflectie.audit.models import AuditEvent
from reflectie.audit.services import record
from reflectie.cases import erasure
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.notifications.models import Notification
from reflectie.retention.models import (
    DEFAULT_CASE_YEARS,
    DEFAULT_DELETED_CASE_DAYS,
    MAX_CASE_YEARS,
    MAX_DELETED_CASE_DAYS,
    MIN_CASE_YEARS,
    RetentionAction,
    RetentionPolicy,
)

REASON = "bewaartermijn verstreken"  # the erasure's reason (only its length is logged)
DEFAULT_NOTIFICATION_DAYS = 180  # RETENTION_NOTIFICATION_DAYS; 0 keeps them


@dataclass(frozen=True)
class Policy:
    """The policy in force: the organisation's own row, or the defaults."""

    case_years: int = DEFAULT_CASE_YEARS
    action: RetentionAction = RetentionAction.DELETE
    deleted_case_days: int = DEFAULT_DELETED_CASE_DAYS
    own: bool = False  # False: the organisation never set one


def policy_of(organisation_id: int) -> Policy:
    row = db.session.scalar(
        select(RetentionPolicy).where(RetentionPolicy.organisation_id == organisation_id)
    )
    if row is None:
        return Policy()
    return Policy(row.case_years, RetentionAction(row.action), row.deleted_case_days, own=True)


def set_policy(
    actor: User | None,
    organisation: Organisation,
    *,
    case_years: int,
    action: str,
    deleted_case_days: int,
) -> RetentionPolicy:
    """Set an organisation's policy. Beheerders only (NotFound for anyone else; None is the
    operator); Invalid for values out of range. Audited with the new values."""
    if actor is not None and not actor.is_admin:
        raise NotFound
    errors: dict[str, list[str]] = {}
    if not MIN_CASE_YEARS <= case_years <= MAX_CASE_YEARS:
        errors["case_years"] = [
            str(
                _l(
                    "Kies een termijn van %(low)s tot en met %(high)s jaar.",
                    low=MIN_CASE_YEARS,
                    high=MAX_CASE_YEARS,
                )
            )
        ]
    if action not in {a.value for a in RetentionAction}:
        errors["action"] = [str(_l("Kies verwijderen of anonimiseren."))]
    if not 0 <= deleted_case_days <= MAX_DELETED_CASE_DAYS:
        errors["deleted_case_days"] = [
            str(_l("Kies 0 tot en met %(high)s dagen.", high=MAX_DELETED_CASE_DAYS))
        ]
    if errors:
        raise Invalid(fields=errors)
    row = db.session.scalar(
        select(RetentionPolicy).where(RetentionPolicy.organisation_id == organisation.id)
    )
    if row is None:
        row = RetentionPolicy(organisation_id=organisation.id)
        db.session.add(row)
    row.case_years, row.action = case_years, RetentionAction(action)
    row.deleted_case_days = deleted_case_days
    row.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    record(
        "retention.policy",
        actor=actor,
        obj=organisation,
        case_years=case_years,
        then=action,
        deleted_case_days=deleted_case_days,
    )
    return row


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


@dataclass
class Plan:
    """What the policy of one organisation removes now: ids only, never text."""

    organisation_id: int
    slug: str
    policy: Policy
    inactive_before: datetime
    deleted_before: datetime
    team_ids: list[int] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)  # no activity since inactive_before
    deleted_cases: list[int] = field(default_factory=list)  # soft-deleted before deleted_before


def plan(now: datetime | None = None, *, organisation_id: int | None = None) -> list[Plan]:
    """Per organisation, the cases past their term.

    A case's age counts from the last time anyone worked on it: an edit, a comment, or a
    meeting with it on the agenda (a planned one keeps it too). Soft-deleted cases count from
    their deletion and are always erased. Anonymised skeletons are not anonymised again.
    """
    now = now or utcnow()
    query = select(Organisation).order_by(Organisation.slug)
    if organisation_id is not None:
        query = query.where(Organisation.id == organisation_id)
    plans = []
    for org in db.session.scalars(query):
        policy = policy_of(org.id)
        team_ids = list(db.session.scalars(select(Team.id).where(Team.organisation_id == org.id)))
        found = Plan(
            organisation_id=org.id,
            slug=org.slug,
            policy=policy,
            inactive_before=years_before(now, policy.case_years),
            deleted_before=now - timedelta(days=policy.deleted_case_days),
            team_ids=team_ids,
        )
        if team_ids:
            found.cases = erasure.cases_inactive_since(
                team_ids,
                found.inactive_before,
                skip_anonymised=policy.action == RetentionAction.ANONYMISE,
            )
            found.deleted_cases = erasure.cases_deleted_before(team_ids, found.deleted_before)
        plans.append(found)
    return plans


@dataclass
class Outcome:
    """Counts of one run, per organisation (by id) and in total."""

    erased: int = 0
    anonymised: int = 0
    deleted_erased: int = 0
    skipped: int = 0  # planned, but worked on or erased (by a beheerder) since
    notifications: int = 0
    per_organisation: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def changed_cases(self) -> int:
        return self.erased + self.anonymised + self.deleted_erased


def apply_plan(found: Plan, outcome: Outcome, *, actor: User | None = None) -> None:
    """Carry out one organisation's plan through the erasure service (flushes).

    Each case is checked again just before it goes: one that somebody worked on since the
    plan was made (or that was restored), or that a beheerder erased meanwhile, is skipped
    and counted as such."""
    counts = {"erased": 0, "anonymised": 0, "deleted_erased": 0, "skipped": 0}
    anonymise = found.policy.action == RetentionAction.ANONYMISE

    def still_deleted(case_id: int) -> bool:
        return bool(
            erasure.cases_deleted_before(found.team_ids, found.deleted_before, only=[case_id])
        )

    def still_inactive(case_id: int) -> bool:
        return bool(
            erasure.cases_inactive_since(
                found.team_ids, found.inactive_before, skip_anonymised=anonymise, only=[case_id]
            )
        )

    steps = [
        *((case_id, still_deleted, "deleted_erased") for case_id in found.deleted_cases),
        *(
            (case_id, still_inactive, "anonymised" if anonymise else "erased")
            for case_id in found.cases
        ),
    ]
    for case_id, still_due, counter in steps:
        if not still_due(case_id):
            counts["skipped"] += 1
            continue
        try:
            if counter == "anonymised":
                erasure.anonymise_case(actor, case_id, reason=REASON)
            else:
                erasure.erase_case(actor, case_id, reason=REASON)
        except erasure.AlreadyErased:  # by a beheerder, between the check and now
            counts["skipped"] += 1
            continue
        counts[counter] += 1
    outcome.erased += counts["erased"]
    outcome.anonymised += counts["anonymised"]
    outcome.deleted_erased += counts["deleted_erased"]
    outcome.skipped += counts["skipped"]
    outcome.per_organisation[str(found.organisation_id)] = counts


def notification_days() -> int:
    return int(current_app.config.get("RETENTION_NOTIFICATION_DAYS", DEFAULT_NOTIFICATION_DAYS))


def old_notifications(now: datetime | None = None) -> tuple[datetime | None, int]:
    """(cutoff, how many notifications are older): they are per user, so one platform-wide
    term (RETENTION_NOTIFICATION_DAYS) rather than one per organisation."""
    days = notification_days()
    if days <= 0:
        return None, 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    count = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.created_at < cutoff)
    )
    return cutoff, count or 0


def purge_notifications(cutoff: datetime | None, outcome: Outcome) -> None:
    if cutoff is not None:
        result: Any = db.session.execute(
            delete(Notification).where(Notification.created_at < cutoff)
        )
        outcome.notifications = result.rowcount or 0


def record_run(actor: User | None, outcome: Outcome, *, completed: bool = True) -> AuditEvent:
    """One audit row for the run, with its counts (no case text, no titles). `completed`
    False: the run stopped on an error; the row has what was committed before it."""
    return record(
        "retention.run",
        actor=actor,
        result="ok" if completed else "failed",
        erased=outcome.erased,
        anonymised=outcome.anonymised,
        deleted_erased=outcome.deleted_erased,
        skipped=outcome.skipped,
        notifications=outcome.notifications,
        organisations=outcome.per_organisation,
    )
