"""`reflectie backup PATH` and `reflectie restore PATH --allow-restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from reflectie.backup import services


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent backup of the whole database to PATH (a zip), while the app runs."""
    manifest = services.backup(path)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(
        f"backup written to {path}: {len(manifest['tables'])} tables, {rows} rows, "
        f"schema {manifest['schema_revision']}"
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--allow-restore",
    is_flag=True,
    help="Required: restoring is off unless asked for explicitly (or REFLECTIE_ALLOW_RESTORE=1).",
)
@with_appcontext
def restore_command(path: Path, allow_restore: bool) -> None:
    """Restore a backup into this instance's empty database, migrate it and rebuild the index."""
    if not (allow_restore or current_app.config.get("ALLOW_RESTORE")):
        raise click.UsageError(
            "restore is disabled; pass --allow-restore to restore into this instance"
        )
    try:
        restored = services.restore(path)
    except services.BackupError as err:
        raise click.ClickException(str(err)) from err
    rows = sum(t.rows for t in restored.values())
    click.echo(
        f"restored {rows} rows in {len(restored)} tables from {path}; all match the manifest"
    )
    reindex = current_app.cli.get_command(click.get_current_context(), "search")
    if reindex is not None:
        click.get_current_context().invoke(
            reindex.get_command(click.get_current_context(), "reindex")
        )
