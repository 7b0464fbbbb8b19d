"""`reflectie search reindex|check|drain|drainer`: the index from the command line."""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from reflectie.search import services
from reflectie.search.backend import get_backend
from reflectie.search.outbox import drain, pending_count, serve_process

cli = AppGroup("search", help="The search index.")


@cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the whole index from the database (waits for no one; the old index keeps
    answering until the new one is swapped in)."""
    total = services.total_documents()
    started = time.perf_counter()
    with click.progressbar(length=total, label="documents", show_pos=True) as bar:
        count = services.rebuild_index(progress=bar.update)
        for _ in range(60):  # a drain in progress holds the lock for a moment
            if count is not None:
                break
            time.sleep(1)
            count = services.rebuild_index(progress=bar.update)
    if count is None:
        raise click.ClickException(
            "another process is writing the index (the drain lock is taken); try again shortly"
        )
    seconds = time.perf_counter() - started
    rate = count / seconds if seconds > 0 else 0.0
    size = get_backend().size_bytes() / 1_000_000
    click.echo(
        f"indexed {count} documents in {seconds:.1f} s ({rate:.0f}/s); index size {size:.1f} MB"
    )


@cli.command("check")
@click.option("--repair", is_flag=True, help="Index what is missing or stale; drop the rest.")
def check_command(repair: bool) -> None:
    """Report documents missing from or stale in the index (exit status 1 if any)."""
    report = services.check_index(repair=repair)
    if not report.usable:
        click.echo("the index is missing or unreadable" + ("; rebuilt" if report.repaired else ""))
    click.echo(
        f"missing: {len(report.missing)}  stale: {len(report.stale)}  "
        f"not in the database: {len(report.extra)}  outbox pending: {report.pending}"
    )
    for label, keys in (("missing", report.missing), ("stale", report.stale)):
        for key in keys[:20]:
            click.echo(f"  {label} {key}")
    if report.repaired:
        click.echo("repaired")
    elif not report.clean:
        raise SystemExit(1)


@cli.command("drain")
def drain_command() -> None:
    """Index the changes waiting in the outbox now."""
    result = drain()
    if result.skipped:
        click.echo(f"another process holds the drain lock; {pending_count()} rows wait for it")
    else:
        click.echo(f"indexed {result.drained} outbox rows; {pending_count()} pending")


@cli.command("drainer")
@click.option("--parent", type=int, help="Stop when the process with this pid ends.")
@with_appcontext
def drainer_command(parent: int | None) -> None:
    """Run the machine's drainer process, which indexes the outbox for every web worker
    (`reflectie serve` starts it)."""
    logging.basicConfig(level=logging.WARNING, format="search drainer: %(message)s")
    serve_process(current_app._get_current_object(), parent=parent)  # type: ignore[attr-defined]


@cli.command("query-hash")
def query_hash_command() -> None:
    """Print the keyed hash under which a query appears on the audit log (action "search"),
    so a privacy officer can find who searched for it. The query is asked without echo (and
    read from standard input when piped), so it stays out of the shell's history."""
    q = click.prompt("query", hide_input=True)
    click.echo(services.query_hash(q) or "")
