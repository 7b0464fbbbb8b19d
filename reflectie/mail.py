"""Sending e-mail through the configured SMTP server, or into the log when there is none."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message. Without MAIL_SERVER it is logged, so a one-machine
    install still works (the administrator reads the link from the log)."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not cfg["MAIL_SERVER"]:
        # Plain text, not the MIME form: a link must stay copyable from the log. This is how a
        # one-machine install without mail works, so the log holds live reset links: keep the
        # log as private as the database (docs/deployment.md).
        log.warning(
            "no MAIL_SERVER configured; mail to %s not sent.\nSubject: %s\n\n%s", to, subject, body
        )
        return
    with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=20) as smtp:
        if cfg["MAIL_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)
