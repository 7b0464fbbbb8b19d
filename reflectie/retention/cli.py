"""`reflectie retention run`: list (--dry-run, the default) or remove (--apply) what is past
its bewaartermijn. Never prints case text: counts per organisation only."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from reflectie.accounts.models import Organisation
from reflectie.db import db
from reflectie.retention import services

cli = AppGroup("retention", help="Bewaartermijnen (retention).")


def _describe(found: services.Plan) -> None:
    policy = found.policy
    click.echo(
        f"{found.slug}: {policy.case_years} years, then {policy.action.value}"
        f"{'' if policy.own else ' (default policy)'}; "
        f"{len(found.cases)} case(s) inactive since before {found.inactive_before:%Y-%m-%d}; "
        f"{len(found.deleted_cases)} deleted case(s) to erase"
    )


@cli.command("run")
@click.option("--dry-run", "dry_run", is_flag=True, help="List what would go (the default).")
@click.option("--apply", "apply_", is_flag=True, help="Remove it, and audit-log the run.")
@click.option("--org", "org_slug", help="Only this organisation.")
def run_command(dry_run: bool, apply_: bool, org_slug: str | None) -> None:
    """Apply every organisation's retention policy to its cases, and the platform's term to
    notifications. Audit events are kept (their hash chain needs every row)."""
    if dry_run and apply_:
        raise click.UsageError("choose --dry-run or --apply")
    query = select(Organisation.id).order_by(Organisation.slug)
    if org_slug:
        query = query.where(Organisation.slug == org_slug)
    organisation_ids = list(db.session.scalars(query))
    if org_slug and not organisation_ids:
        raise click.ClickException(f"no organisation {org_slug!r}")
    if not apply_:
        for organisation_id in organisation_ids:
            (found,) = services.plan(organisation_id=organisation_id)
            _describe(found)
        cutoff, notifications = services.old_notifications()
        if cutoff is not None:
            click.echo(f"notifications older than {cutoff:%Y-%m-%d}: {notifications}")
        db.session.rollback()
        click.echo("dry run: nothing was changed (use --apply)")
        return
    outcome = services.Outcome()
    try:
        # One organisation at a time, each planned just before it is carried out (apply_plan
        # checks every case once more): an interruption keeps what is done.
        for organisation_id in organisation_ids:
            (found,) = services.plan(organisation_id=organisation_id)
            _describe(found)
            services.apply_plan(found, outcome)
            db.session.commit()
        cutoff, notifications = services.old_notifications()
        if cutoff is not None:
            click.echo(f"notifications older than {cutoff:%Y-%m-%d}: {notifications}")
        services.purge_notifications(cutoff, outcome)
        event = services.record_run(None, outcome)
        db.session.commit()
    except Exception:
        # The audit row of what was committed before the error, then the error itself.
        db.session.rollback()
        outcome.notifications = 0  # their delete, if any, was rolled back with it
        services.record_run(None, outcome, completed=False)
        db.session.commit()
        _purge_if_changed(outcome)
        raise
    click.echo(
        f"erased {outcome.erased}, anonymised {outcome.anonymised}, erased "
        f"{outcome.deleted_erased} deleted case(s), removed {outcome.notifications} "
        f"notification(s), skipped {outcome.skipped} case(s) worked on or erased since the "
        f"plan; audit event {event.id}"
    )
    _purge_if_changed(outcome)


def _purge_if_changed(outcome: services.Outcome) -> None:
    if outcome.changed_cases:
        from reflectie.cases.cli import purge_index_or_warn

        purge_index_or_warn()
