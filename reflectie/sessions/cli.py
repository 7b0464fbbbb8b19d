"""`reflectie sessions remind`: the daily job, run from cron or a systemd timer. It keeps every
series its next meetings ahead and sends the day-before reminders."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from reflectie.db import db, utcnow
from reflectie.sessions import series, services

cli = AppGroup("sessions", help="Meetings.")


@cli.command("remind")
@click.option("--now", "now_text", help="Pretend it is this moment (ISO 8601 with offset).")
def remind_command(now_text: str | None) -> None:
    """Remind the participants of meetings starting within 36 hours (each meeting once), in
    the app and by mail, after making the coming meetings of every running series."""
    now = datetime.fromisoformat(now_text) if now_text else utcnow()
    if now.tzinfo is None:
        raise click.UsageError("--now needs a time zone offset, e.g. 2027-03-29T09:00:00+02:00")
    # Links in the mails point at BASE_URL. A POST context: this job writes, so on SQLite its
    # transactions take the write lock at the start (reflectie.db).
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"], method="POST"):
        made = series.extend_all(now.date())
        db.session.commit()
        if made:
            click.echo(f"{made} meeting(s) added to their series")
        meetings = services.due_reminders(now)
        for meeting in meetings:
            url = url_for("sessions.show", meeting_id=meeting.id, _external=True)
            sent = services.send_reminder(meeting, url, now=now)
            db.session.commit()  # per meeting: a failure later never re-sends this one
            click.echo(f"meeting {meeting.id}: {sent} reminder(s)")
    click.echo(f"{len(meetings)} meeting(s) reminded")
