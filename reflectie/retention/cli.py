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


@cli.command("run")
@click.option("--dry-run", "dry_run", is_flag=True, help="List what would go (the default).")
@click.option("--apply", "apply_", is_flag=True, help="Remove it, and audit-log the run.")
@click.option("--org", "org_slug", help="Only this organisation.")
def run_command(dry_run: bool, apply_: bool, org_slug: str | None) -> None:
    """Apply every organisation's retention policy to its cases, and the platform's term to
    notifications. Audit events are kept (their hash chain needs every row)."""
    if dry_run and apply_:
        raise click.UsageError("choose --dry-run or --apply")
    organisation_id = None
    if org_slug:
        organisation_id = db.session.scalar(
            select(Organisation.id).where(Organisation.slug == org_slug)
        )
        if organisation_id is None:
            raise click.ClickException(f"no organisation {org_slug!r}")
    plans = services.plan(organisation_id=organisation_id)
    cutoff, notifications = services.old_notifications()
    for found in plans:
        policy = found.policy
        click.echo(
            f"{found.slug}: {policy.case_years} years, then {policy.action.value}"
            f"{'' if policy.own else ' (default policy)'}; "
            f"{len(found.cases)} case(s) inactive since before {found.inactive_before:%Y-%m-%d}; "
            f"{len(found.deleted_cases)} deleted case(s) to erase"
        )
    if cutoff is not None:
        click.echo(f"notifications older than {cutoff:%Y-%m-%d}: {notifications}")
    if not apply_:
        db.session.rollback()
        click.echo("dry run: nothing was changed (use --apply)")
        return
    outcome = services.Outcome()
    for found in plans:
        services.apply_plan(found, outcome)
        db.session.commit()  # one organisation at a time: an interruption keeps what is done
    services.purge_notifications(cutoff, outcome)
    event = services.record_run(None, outcome)
    db.session.commit()
    click.echo(
        f"erased {outcome.erased}, anonymised {outcome.anonymised}, erased "
        f"{outcome.deleted_erased} deleted case(s), removed {outcome.notifications} "
        f"notification(s); audit event {event.id}"
    )
    if outcome.changed_cases:
        from reflectie.cases.cli import purge_index_or_warn

        purge_index_or_warn()
