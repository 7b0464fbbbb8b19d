"""`reflectie audit verify`: recompute the audit log's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from reflectie.audit import chain

cli = AppGroup("audit", help="The audit log.")


@cli.command("verify")
def verify_command() -> None:
    """Check that no audit event was changed or deleted; exits 1 at the first broken event."""
    verdict = chain.verify()
    if verdict.unchained:
        click.echo(f"{verdict.unchained} event(s) from before the chain was introduced")
    if verdict.broken_at is not None:
        click.echo(
            f"BROKEN: audit event {verdict.broken_at} was changed, or an event before it was "
            f"deleted ({verdict.checked} events before it are intact)",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"audit log intact: {verdict.checked} events checked")
