"""`reflectie threads digest`: the daily e-mail digest, run once a day from cron or a systemd
timer (README, "Leergemeenschappen")."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from reflectie.db import db, utcnow
from reflectie.threads import digest

cli = AppGroup("threads", help="Communities of practice.")


@cli.command("digest")
@click.option("--now", "now_text", help="Pretend it is this moment (ISO 8601 with offset).")
def digest_command(now_text: str | None) -> None:
    """Mail each user who switched the digest on their unread community notifications of the
    last day (at most once per 20 hours)."""
    now = datetime.fromisoformat(now_text) if now_text else utcnow()
    if now.tzinfo is None:
        raise click.UsageError("--now needs a time zone offset, e.g. 2027-03-29T07:00:00+02:00")
    sent = 0
    # A POST context: this job writes, so on SQLite its transactions take the write lock at
    # the start (reflectie.db); links are built against BASE_URL.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"], method="POST"):
        for setting in digest.due(now):
            if digest.send_digest(setting, now):
                sent += 1
            db.session.commit()  # per user: a failure later never sends this one twice
    click.echo(f"{sent} digest(s) sent")
