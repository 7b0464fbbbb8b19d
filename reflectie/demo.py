"""Demo data for `reflectie demo` and `make run`: idempotent, from seed/demo.json."""

from __future__ import annotations

import json
import re
from datetime import time

from sqlalchemy import select

from reflectie import ROOT
from reflectie.accounts import services as accounts
from reflectie.accounts.models import Organisation, Team, User
from reflectie.cases import services as cases
from reflectie.cases.access import team_cases
from reflectie.cases.models import Case, CaseStatus
from reflectie.db import db, local_today
from reflectie.permissions import Role, TeamKind
from reflectie.sessions import series
from reflectie.sessions.models import MeetingSeries

DEMO_FILE = ROOT / "seed" / "demo.json"
DEMO_CASES_FILE = ROOT / "seed" / "demo_cases.json"


def load_demo() -> list[tuple[str, str, str]]:
    """Create whatever of the demo world is missing. Returns (e-mail, password, role) for each
    account created now, so the caller can show them once."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    spec = data["organisation"]
    org = db.session.scalar(select(Organisation).where(Organisation.slug == spec["slug"]))
    if org is None:
        org = accounts.create_organisation(None, slug=spec["slug"], name=spec["name"])
    teams: dict[str, Team] = {}
    for spec in data["teams"]:
        team = db.session.scalar(select(Team).where(Team.slug == spec["slug"]))
        if team is None:
            team = accounts.create_team(
                None,
                organisation=org,
                slug=spec["slug"],
                name=spec["name"],
                kind=TeamKind(spec["kind"]),
            )
        teams[spec["slug"]] = team
    created = []
    for spec in data["users"]:
        if accounts.get_user_by_email(spec["email"]) is not None:
            continue
        user = accounts.create_user(
            email=spec["email"],
            name=spec["name"],
            password=data["password"],
            is_admin=spec.get("admin", False),
        )
        for slug, role in spec["memberships"]:
            accounts.set_membership(None, team=teams[slug], user=user, role=Role(role))
        roles = ", ".join(f"{role} ({slug})" for slug, role in spec["memberships"])
        created.append((user.email, data["password"], "beheerder" if user.is_admin else roles))
    _load_demo_cases(teams)
    _load_demo_series(teams, data.get("series", []))
    load_demo_threads()
    from reflectie.publishing.demo import load_demo_publications

    load_demo_publications()  # a published copy, a collection and its class assignment
    return created


def _load_demo_series(teams: dict[str, Team], specs: list[dict]) -> None:
    """A series for each team that has none yet, starting today."""
    today = local_today()
    for spec in specs:
        team = teams[spec["team"]]
        if db.session.scalar(select(MeetingSeries.id).where(MeetingSeries.team_id == team.id)):
            continue
        planner = accounts.get_user_by_email(spec["planner"])
        rotation = [accounts.get_user_by_email(email).id for email in spec["rotation"]]
        data = series.SeriesInput(
            method=spec["method"],
            weekday=spec["weekday"],
            start_time=time.fromisoformat(spec["time"]),
            duration_minutes=spec["duration_minutes"],
            interval_weeks=spec["interval_weeks"],
            starts_on=today,
            location=spec["location"],
            rotation=rotation,
        )
        series.create_series(planner, team, data, today=today)


def _load_demo_cases(teams: dict[str, Team]) -> None:
    """Add the demo cases that are missing (matched by title within their team)."""
    for spec in json.loads(DEMO_CASES_FILE.read_text(encoding="utf-8")):
        team = teams[spec.pop("team")]
        if db.session.scalar(team_cases(team.id).where(Case.title == spec["title"]).limit(1)):
            continue
        author = accounts.get_user_by_email(spec.pop("author"))
        status = CaseStatus(spec.pop("status", CaseStatus.CONCEPT))
        cases.create_case(author, team, cases.parse_input(spec), status=status)


DEMO_THREADS_FILE = ROOT / "seed" / "demo_threads.json"


def load_demo_threads() -> None:
    """The demo communities and their threads (matched by slug and by title): a platform-wide
    community and one of the demo organisation. `@[e-mail]` in a post becomes that user's
    @handle, so the mentions notify as they would in real use."""
    from reflectie.threads import services as threads
    from reflectie.threads.models import Community, Thread

    def user(email: str) -> User:
        found = accounts.get_user_by_email(email)
        assert found is not None, email  # noqa: S101 - the seed file names demo accounts
        return found

    def text(body: str) -> str:
        return re.sub(r"@\[([^\]]+)\]", lambda m: "@" + user(m.group(1)).handle, body)

    data = json.loads(DEMO_THREADS_FILE.read_text(encoding="utf-8"))
    for spec in data["communities"]:
        community = db.session.scalar(select(Community).where(Community.slug == spec["slug"]))
        founder = user(spec["founder"])
        if community is None:
            org = None
            if spec.get("organisation"):
                org = db.session.scalar(
                    select(Organisation).where(Organisation.slug == spec["organisation"])
                )
            community = threads.create_community(
                founder,
                threads.CommunityInput(
                    name=spec["name"],
                    description=spec["description"],
                    access=spec["access"],
                    organisation_id=org.id if org else None,
                    kwesties=spec["kwesties"],
                ),
            )
            community.slug = spec["slug"]
        for item in spec["threads"]:
            exists = select(Thread.id).where(
                Thread.community_id == community.id, Thread.title == item["title"]
            )
            if db.session.scalar(exists) is not None:
                continue
            author = user(item["author"])
            first, *replies = item["posts"]
            thread = threads.create_thread(
                author,
                community,
                threads.ThreadInput(
                    title=item["title"],
                    body=text(first),
                    kwesties=item["kwesties"],
                    tags=item.get("tags", []),
                    method=item.get("method"),
                ),
            )
            for email, body in zip(item.get("reply_authors", []), replies, strict=True):
                threads.reply(user(email), thread.id, text(body))
            if item.get("pinned"):
                threads.set_pinned(founder, thread.id, True)
            if item.get("locked"):
                threads.set_locked(founder, thread.id, True)
