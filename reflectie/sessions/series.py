"""Series of meetings: a team's rhythm (every n weeks on a weekday at a local time), the
meetings generated from it with rotating roles, ending a series, and its private calendar feed.

Times are wall-clock times in the series' time zone, so a series at 14:00 stays at 14:00 across
daylight-saving changes (it moves in UTC, which is what is stored).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import WEEKLY, rrule
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from reflectie.accounts.models import Team, User
from reflectie.accounts.services import sha256
from reflectie.audit.services import record
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.methods.access import get_method_for
from reflectie.permissions import Perm, has
from reflectie.sessions.access import get_series_for
from reflectie.sessions.models import (
    CalendarFeed,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    RoleInMeeting,
)
from reflectie.sessions.services import assign_roles, calendar, meeting_event

AHEAD = 6  # how many coming meetings of a series exist at any time
MAX_ROTATION = 50


@dataclass(frozen=True)
class SeriesInput:
    method: str
    weekday: int  # Monday 0 … Sunday 6
    start_time: time
    duration_minutes: int
    starts_on: date
    interval_weeks: int = 2
    ends_on: date | None = None
    location: str = ""
    rotation: list[int] = field(default_factory=list)  # members who lead and note, in turn
    timezone: str = "Europe/Amsterdam"


def _rule(series: MeetingSeries) -> rrule:
    until = datetime.combine(series.ends_on, time.max) if series.ends_on else None
    return rrule(
        WEEKLY,
        interval=series.interval_weeks,
        byweekday=series.weekday,
        dtstart=datetime.combine(series.starts_on, series.start_time),
        until=until,
    )


def local_start(series: MeetingSeries, day: date) -> datetime:
    """The moment the series meets on `day`: its wall-clock time there, with the offset of
    that date (+01:00 in winter, +02:00 in summer for Europe/Amsterdam)."""
    return datetime.combine(day, series.start_time, ZoneInfo(series.timezone))


def occurrences(series: MeetingSeries, after: date, count: int) -> list[date]:
    """The next `count` dates of the series from `after` (inclusive)."""
    start = datetime.combine(after, time.min)
    return [moment.date() for moment in _rule(series).xafter(start, count=count, inc=True)]


def _turn(series: MeetingSeries, day: date) -> int:
    first = _rule(series)[0].date()
    return (day - first).days // (7 * series.interval_weeks)


def roles_for(series: MeetingSeries, day: date, members: set[int]) -> dict[RoleInMeeting, int]:
    """Whose turn it is on `day`: the rotation goes round, one step per meeting; the next in
    line takes the notes. Members who left the team are skipped."""
    rotation = [u for u in series.rotation if u in members]
    if not rotation:
        return {}
    turn = _turn(series, day)
    roles = {RoleInMeeting.GESPREKSLEIDER: rotation[turn % len(rotation)]}
    if len(rotation) > 1:
        roles[RoleInMeeting.NOTULIST] = rotation[(turn + 1) % len(rotation)]
    return roles


def _check(actor: User, team: Team, data: SeriesInput) -> tuple[int, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    method_id = 0
    try:
        method_id = get_method_for(actor, data.method).id
    except NotFound:
        errors["method"] = [str(_l("Kies een werkvorm uit de bibliotheek."))]
    if not 0 <= data.weekday <= 6:
        errors["weekday"] = [str(_l("Kies een dag van de week."))]
    if not 1 <= data.interval_weeks <= 8:
        errors["interval_weeks"] = [str(_l("Kies om de 1 tot 8 weken."))]
    if not 15 <= data.duration_minutes <= 480:
        errors["duration_minutes"] = [str(_l("Een bijeenkomst duurt 15 tot 480 minuten."))]
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = [str(_l("De einddatum ligt na de begindatum."))]
    if len(data.location) > 200:
        errors["location"] = [str(_l("Houd de plaats korter dan 200 tekens."))]
    members = {m.user_id for m in team.memberships if m.user.active}
    if len(data.rotation) > MAX_ROTATION or not set(data.rotation) <= members:
        errors["rotation"] = [str(_l("Kies voor de rollen alleen mensen uit het team."))]
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [str(_l("Onbekende tijdzone."))]
    return method_id, errors


def create_series(actor: User, team: Team, data: SeriesInput, *, today: date) -> MeetingSeries:
    """Start a series for `team` and generate its first meetings."""
    if not has(actor, Perm.MEETING_PLAN, team_id=team.id):
        raise NotFound
    method_id, errors = _check(actor, team, data)
    if errors:
        raise Invalid(fields=errors)
    series = MeetingSeries(
        team_id=team.id,
        method_id=method_id,
        weekday=data.weekday,
        start_time=data.start_time.replace(second=0, microsecond=0, tzinfo=None),
        timezone=data.timezone,
        duration_minutes=data.duration_minutes,
        interval_weeks=data.interval_weeks,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        location=data.location.strip(),
        rotation=list(dict.fromkeys(data.rotation)),
        created_by_id=actor.id,
    )
    db.session.add(series)
    db.session.flush()
    record("series.create", actor=actor, obj=series, team_id=team.id)
    generate_meetings(series, today=today)
    return series


def generate_meetings(series: MeetingSeries, *, today: date, ahead: int = AHEAD) -> list[Meeting]:
    """Make the series' meetings of the next `ahead` dates that do not exist yet. A date once
    made is never made again, even when its meeting was moved or cancelled."""
    made = set(db.session.scalars(select(Meeting.occurrence).where(Meeting.series_id == series.id)))
    members = {m.user_id for m in series.team.memberships if m.user.active}
    new = []
    for day in occurrences(series, max(today, series.starts_on), ahead):
        if day in made:
            continue
        meeting = Meeting(
            team_id=series.team_id,
            method_id=series.method_id,
            starts_at=local_start(series, day),
            duration_minutes=series.duration_minutes,
            location=series.location,
            created_by_id=series.created_by_id,
            series_id=series.id,
            occurrence=day,
        )
        assign_roles(meeting, dict(roles_for(series, day, members)))
        db.session.add(meeting)
        new.append(meeting)
    db.session.flush()
    return new


def extend_all(today: date) -> int:
    """Keep every running series `AHEAD` meetings ahead (the daily command); returns how many
    meetings were made."""
    running = db.session.scalars(
        select(MeetingSeries).where(
            or_(MeetingSeries.ends_on.is_(None), MeetingSeries.ends_on >= today)
        )
    )
    return sum(len(generate_meetings(series, today=today)) for series in running)


def end_series(actor: User, series_id: int, last_day: date) -> MeetingSeries:
    """Stop the series after `last_day`: its planned meetings after it are cancelled (kept, so
    that nothing prepared is lost)."""
    series = get_series_for(actor, series_id, Perm.MEETING_PLAN)
    series.ends_on = last_day
    series.updated_at = utcnow()
    later = db.session.scalars(
        select(Meeting).where(
            Meeting.series_id == series.id,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.occurrence > last_day,
        )
    )
    for meeting in later:
        meeting.status = MeetingStatus.CANCELLED
    db.session.flush()
    record("series.end", actor=actor, obj=series, last_day=last_day.isoformat())
    return series


def series_meetings(series: MeetingSeries) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.starts_at)
        )
    )


# --- the calendar feed -----------------------------------------------------------------------


def create_feed(actor: User, series_id: int) -> str:
    """A new private feed link for `actor` (an earlier one stops working). Returns the token,
    which is shown once and kept only as a hash."""
    series = get_series_for(actor, series_id)
    raw = secrets.token_urlsafe(32)
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.user_id == actor.id, CalendarFeed.series_id == series.id
        )
    )
    if feed is None:
        feed = CalendarFeed(user_id=actor.id, series_id=series.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at, feed.last_used_at = sha256(raw), utcnow(), None
    db.session.flush()
    record("series.feed_created", actor=actor, obj=series)
    return raw


def revoke_feed(actor: User, series_id: int) -> bool:
    series = get_series_for(actor, series_id)
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.user_id == actor.id, CalendarFeed.series_id == series.id
        )
    )
    if feed is None:
        return False
    db.session.delete(feed)
    record("series.feed_revoked", actor=actor, obj=series)
    return True


def has_feed(actor: User, series: MeetingSeries) -> bool:
    return (
        db.session.scalar(
            select(CalendarFeed.id).where(
                CalendarFeed.user_id == actor.id, CalendarFeed.series_id == series.id
            )
        )
        is not None
    )


def feed_ics(raw: str, url_of: Callable[[Meeting], str]) -> bytes:
    """The series of a feed token as iCalendar, while the token's user may still see the
    team's meetings; NotFound otherwise (a revoked, unknown or orphaned link)."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == sha256(raw)))
    if feed is None or not feed.user.active:
        raise NotFound
    series = feed.series
    if not has(feed.user, Perm.MEETING_READ, team_id=series.team_id):
        raise NotFound
    feed.last_used_at = utcnow()
    cal = calendar(f"{series.method.name} · {series.team.name}")
    for meeting in series_meetings(series):
        cal.add_component(meeting_event(meeting, url_of(meeting)))
    return cal.to_ical()
