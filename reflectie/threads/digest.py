"""The optional daily e-mail digest: per user who switched it on (off by default), the unread
community notifications of the last day, as titles and links only (never post text), sent
through the same mail setting as password reset. Each notification is shown through its
renderer, so nothing the reader can no longer read is mailed."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urljoin

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.mail import send_mail
from reflectie.notifications.models import Notification
from reflectie.notifications.services import shown
from reflectie.threads.models import DigestSetting
from reflectie.threads.services import KINDS

MAX_ITEMS = 50
MIN_GAP = timedelta(hours=20)  # run twice on one day: the second run sends nothing


def due(now: datetime) -> list[DigestSetting]:
    """Settings of active users with the digest on that were not served in the last 20 hours."""
    settings = db.session.scalars(
        select(DigestSetting)
        .join(User, User.id == DigestSetting.user_id)
        .where(DigestSetting.enabled.is_(True), User.active.is_(True))
        .order_by(DigestSetting.user_id)
    ).all()
    return [s for s in settings if s.last_sent_at is None or now - s.last_sent_at >= MIN_GAP]


def lines_for(user: User, since: datetime) -> list[str]:
    rows = db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.kind.in_(KINDS),
            Notification.read_at.is_(None),
            Notification.created_at > since,
        )
        .order_by(Notification.created_at, Notification.id)
        .limit(MAX_ITEMS)
    )
    base = current_app.config["BASE_URL"]
    lines = []
    for row in rows:
        item = shown(row, user)
        if item is not None:
            lines.append(f"- {item.text}\n  {urljoin(base, item.url)}")
    return lines


def send_digest(setting: DigestSetting, now: datetime) -> bool:
    """Send one user's digest if there is anything in it; returns whether a mail went out."""
    user = db.session.get(User, setting.user_id)
    since = max(setting.last_sent_at or now - timedelta(days=1), now - timedelta(days=1))
    setting.last_sent_at = now
    if user is None:
        return False
    with force_locale(user.locale or "nl"):
        lines = lines_for(user, since)
        if not lines:
            return False
        body = str(
            _l(
                "Beste %(name)s,\n\nNieuw in uw leergemeenschappen sinds gisteren:\n\n%(lines)s"
                "\n\nU krijgt deze e-mail omdat u de dagelijkse e-mail heeft aangezet. Uitzetten: "
                "%(settings)s",
                name=user.name,
                lines="\n".join(lines),
                settings=urljoin(
                    current_app.config["BASE_URL"], "/leergemeenschappen/instellingen"
                ),
            )
        )
        send_mail(user.email, str(_l("Reflectie: nieuw in uw leergemeenschappen")), body)
    return True
