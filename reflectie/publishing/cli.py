"""`reflectie publishing detector|detect|status`: the detector process and checks on it."""

from __future__ import annotations

import json
import logging
import os
import sys

import click
from flask.cli import AppGroup, with_appcontext

from reflectie.publishing import detector, services

cli = AppGroup("publishing", help="Anonymised publication: the personal-data detector.")


@cli.command("detector")
@click.option("--address", help="Unix socket path or host:port (default instance/detector.sock).")
@click.option("--no-deduce", is_flag=True, help="Use the built-in patterns only.")
@click.option("--parent", type=int, help="Stop when the process with this pid ends.")
@with_appcontext
def detector_command(address: str | None, no_deduce: bool, parent: int | None) -> None:
    """Run the detector process (deduce loaded once; `reflectie serve` starts it)."""
    logging.basicConfig(level=logging.WARNING, format="detector: %(message)s")
    detector.serve(address or services.detector_address(), use_deduce=not no_deduce, parent=parent)
    # Nothing to flush: the detector keeps no state. Skip freeing deduce's ~1 GB of lookup
    # structures object by object, which takes some 20 s of CPU at interpreter exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@cli.command("status")
@with_appcontext
def status_command() -> None:
    """Whether the detector answers, and with which engine; exit 1 when it does not."""
    address = services.detector_address()
    answer = detector.status(address)
    if answer is None:
        click.echo(f"no detector on {address}: the app uses its built-in patterns")
        sys.exit(1)
    click.echo(f"detector on {address}: engine {answer['engine']}, pid {answer['pid']}")


@cli.command("detect")
@with_appcontext
def detect_command() -> None:
    """Findings in the text on standard input, as JSON."""
    result = services.detect_text(sys.stdin.read())
    click.echo(
        json.dumps(
            {"engine": result.engine, "findings": [f.as_dict() for f in result.findings]},
            ensure_ascii=False,
            indent=2,
        )
    )


@click.command("warm")
def warm_command() -> None:
    """Build deduce's lookup cache once (about two minutes), at install time."""
    try:
        from deduce import Deduce
    except ImportError:
        click.echo("deduce is not installed; the detector will use the built-in patterns")
        return
    Deduce()
    click.echo("deduce is ready")


cli.add_command(warm_command)
