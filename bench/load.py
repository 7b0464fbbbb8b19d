"""Load test: 50 users mixing login, case list, case page, search, posting in a thread and
saving meeting notes, against `reflectie serve` (gunicorn and the search drainer process) on
SQLite or PostgreSQL, with a bare Flask hello world under gunicorn as the baseline in the same
run.

    .venv/bin/pip install -e '.[bench]'      # locust
    .venv/bin/python bench/load.py [--database sqlite|postgresql] [--users 50] [--seconds 60]
                                   [--cases 2000] [--workers 3] [--spawn-rate 10]

Prints per request type: requests, failures, requests per second, p50/p95/p99 over the
measured window, which starts SETTLE seconds after the last user logged in; the memory of the
workers and of the search drainer; and the case page's throughput against hello world
(measured with wrk, needs the Debian package). Issue 8's target on a 2-core machine: 50 users,
no errors, p95 < 300 ms.

The login limit per address is raised for the run (every simulated user comes from 127.0.0.1),
and so is the posting limit per user.
"""

# ruff: noqa: I001 - locust comes first: importing it patches the standard library (gevent)
from __future__ import annotations

from locust import HttpUser, between, task
from locust.env import Environment
import gevent
import gevent.event

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from itertools import count
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from case_page import BIN, ROOT, free_port, gunicorn, login, rss_mb, run, wait_for, wrk

PASSWORD = "bench-wachtwoord-lang-genoeg"
TEAM = "bench-team"
SETTLE = 5  # seconds between the last login and the measured window
WORDS = ["schulden", "mantelzorg", "eenzaamheid", "huisarts", "jongere", "vrijwilliger",
         "wijkteam", "dochter", "autonomie", "thuiszorg", "buurman", "school"]  # fmt: skip
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class World:
    """What the simulated users need to know: ids made during set-up."""

    cases: int = 0
    meeting: int = 0
    thread: int = 0
    emails: list[str] = []  # filled once before the run
    next_user = count()
    users = 0  # how many the run starts
    ready = 0  # how many have logged in and opened the facilitation page
    all_ready: gevent.event.Event


def set_up(env: dict[str, str], cases: int, users: int) -> None:
    """Seed cases, then users, a meeting and a thread through the app's own services."""
    run(str(BIN / "reflectie"), "init", env=env)
    run(str(BIN / "reflectie"), "bench", "seed", "--cases", str(cases), "--team", TEAM, env=env)
    script = f"""
import json, sys
from datetime import datetime, timedelta, UTC
from reflectie import create_app
from reflectie.accounts import services as accounts
from reflectie.accounts.models import Team
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.sessions import services as meetings
from reflectie.threads import services as threads
app = create_app()
with app.app_context():
    team = db.session.scalar(db.select(Team).where(Team.slug == {TEAM!r}))
    people = []
    for n in range({users}):
        user = accounts.create_user(email=f"gebruiker{{n}}@bench.example", name=f"Gebruiker {{n}}",
                                    password={PASSWORD!r})
        accounts.set_membership(None, team=team, user=user, role=Role.LEERCOACH)
        people.append(user)
    meeting = meetings.create_meeting(people[0], team, meetings.MeetingInput(
        "dilemmamethode", datetime.now(UTC) + timedelta(days=1), 90))
    community = threads.create_community(people[0], threads.CommunityInput(
        name="Bench-gemeenschap", organisation_id=team.organisation_id))
    thread = threads.create_thread(people[0], community, threads.ThreadInput(
        title="Ervaringen met schulden", body="Wie herkent dit?"))
    db.session.commit()
    print(json.dumps({{"meeting": meeting.id, "thread": thread.id,
                       "emails": [p.email for p in people]}}))
"""
    import json

    made = json.loads(run(str(BIN / "python"), "-c", script, env=env).splitlines()[-1])
    World.cases, World.meeting, World.thread = cases, made["meeting"], made["thread"]
    World.emails = made["emails"]
    run(str(BIN / "reflectie"), "search", "reindex", env=env)


def serve(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """The app as `reflectie serve` runs it, without the personal-data detector (nothing in
    this bench publishes): gunicorn, and the search drainer process as its child."""
    return subprocess.Popen(
        [str(BIN / "reflectie"), "serve", "--no-detector", "--port", str(port),
         "--workers", str(workers)],
        env=env, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


class Professional(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        email = World.emails[next(World.next_user) % len(World.emails)]
        page = self.client.get("/login", name="login page")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            name="login",
        )
        notes = self.client.get(
            f"/bijeenkomsten/{World.meeting}/leiden?stap=2", name="facilitate page"
        )
        self.token = CSRF.search(notes.text).group(1)
        World.ready += 1
        if World.ready == World.users:
            World.all_ready.set()

    @task(3)
    def case_list(self) -> None:
        self.client.get(f"/teams/{TEAM}/casussen", name="case list")

    @task(5)
    def case_page(self) -> None:
        self.client.get(f"/casussen/{random.randint(1, World.cases)}", name="case page")

    @task(3)
    def search(self) -> None:
        self.client.get("/zoeken", params={"q": random.choice(WORDS)}, name="search")

    @task(1)
    def post_in_thread(self) -> None:
        self.client.post(
            f"/discussies/{World.thread}/reageren",
            data={"body": f"Herkenbaar: {random.choice(WORDS)}.", "csrf_token": self.token},
            name="post in thread",
        )

    @task(1)
    def save_notes(self) -> None:
        self.client.post(
            f"/bijeenkomsten/{World.meeting}/aantekeningen/2",
            json={"text": f"Aantekening {uuid.uuid4().hex[:8]}"},
            headers={"X-CSRFToken": self.token},
            name="save notes",
        )


def load(base: str, users: int, seconds: int, spawn_rate: float) -> tuple[Environment, list[str]]:
    """Ramp up (every user logs in), then measure `seconds` of steady load. Returns the
    environment with the steady-state stats and the ramp-up's report lines."""
    env = Environment(user_classes=[Professional], host=base)
    runner = env.create_local_runner()
    ramp: list[str] = []

    World.users, World.ready, World.all_ready = users, 0, gevent.event.Event()

    def _ramped() -> None:
        # Steady load starts once every user has logged in and opened the facilitation
        # page: no Argon2id login falls in the measured minute. Requests sent before then,
        # still queued behind the last logins, would end (and be counted) in it: wait for them.
        World.all_ready.wait()
        gevent.sleep(SETTLE)
        ramp.extend([*table(env), verdict(env, "ramp-up")])
        env.stats.reset_all()
        gevent.spawn_later(seconds, runner.quit)

    gevent.spawn(_ramped)
    runner.start(users, spawn_rate=spawn_rate)
    runner.greenlet.join()
    return env, ramp


def table(env: Environment) -> list[str]:
    lines = [
        f"{'request':18} {'count':>7} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    ]
    rows = sorted(env.stats.entries.values(), key=lambda e: e.name)
    for entry in [*rows, env.stats.total]:
        lines.append(
            f"{entry.name:18} {entry.num_requests:7} {entry.num_failures:5} "
            f"{entry.total_rps:7.1f} {entry.get_response_time_percentile(0.5):6.0f} "
            f"{entry.get_response_time_percentile(0.95):6.0f} "
            f"{entry.get_response_time_percentile(0.99):6.0f}"
        )
    return lines


BAR_MS = 300  # issue 8: no errors, p95 under 300 ms for every page


def verdict(env: Environment, window: str) -> str:
    """Issue 8's bar over one window's stats: which request types miss it, if any."""
    slow = sorted(
        entry.name
        for entry in env.stats.entries.values()
        if entry.num_requests and entry.get_response_time_percentile(0.95) >= BAR_MS
    )
    failures = env.stats.total.num_failures
    misses = [*(f"{name} p95" for name in slow), *([f"{failures} errors"] if failures else [])]
    result = "ok" if not misses else "MISS (" + ", ".join(misses) + ")"
    return f"bar, {window}: 0 errors and p95 < {BAR_MS} ms for every request type -> {result}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--spawn-rate", type=float, default=10.0, help="users starting (logging in) per second"
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="reflectie-load-"))
    env = dict(
        os.environ,
        REFLECTIE_INSTANCE_PATH=str(home),
        REFLECTIE_SECRET_KEY="bench",
        REFLECTIE_RATELIMIT_LOGIN_IP="10000/minute",
        # A simulated user posts far more often than a person: keep the per-user posting
        # limit (6 a minute) out of the measurement.
        REFLECTIE_THREADS_POST_RATE_LIMIT="1000/minute",
    )
    database = None
    if args.database == "postgresql":
        database = f"reflectie_load_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", args.postgres, "-qc", f'CREATE DATABASE "{database}"'], check=True)
        env["REFLECTIE_DATABASE_URL"] = args.postgres.rsplit("/", 1)[0] + "/" + database
        env["REFLECTIE_DATABASE_URL"] = env["REFLECTIE_DATABASE_URL"].replace(
            "postgresql://", "postgresql+psycopg://"
        )
    app_port, hello_port = free_port(), free_port()
    servers = []
    try:
        set_up(env, args.cases, args.users)
        servers = [
            serve(app_port, args.workers, env),
            gunicorn("hello:app", hello_port, args.workers, env, ROOT / "bench"),
        ]
        base = f"http://127.0.0.1:{app_port}"
        wait_for(base + "/api/v1/health")
        wait_for(f"http://127.0.0.1:{hello_port}/")
        result, ramp = load(base, args.users, args.seconds, args.spawn_rate)
        memory = rss_mb(servers[0].pid)
        flat = None
        if shutil.which("wrk"):  # the case page flat out against hello world, same settings
            cookie = login(base, World.emails[0])
            page = wrk(f"{base}/casussen/{World.cases // 2}", 20, 10, cookie)
            hello = wrk(f"http://127.0.0.1:{hello_port}/", 20, 10)
            flat = (page, hello)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        shutil.rmtree(home, ignore_errors=True)
        if database:
            subprocess.run(
                ["psql", args.postgres, "-qc", f'DROP DATABASE "{database}" WITH (FORCE)'],
                check=False,
            )
    report(result, ramp, memory, flat, args)


def report(env: Environment, ramp: list[str], memory: list[float], flat, args) -> None:
    print(f"\n{args.users} users, {args.database}, {args.workers} workers (times in ms)")
    print(
        f"ramp-up at {args.spawn_rate:g} users/s: every user logs in (Argon2id) and opens the"
        f" facilitation page; then {SETTLE} s for what queued behind the logins"
    )
    print("\n".join(ramp))
    print(f"steady load, {args.seconds} s:")
    print("\n".join(table(env)))
    print(verdict(env, "steady load"))
    for error in env.stats.errors.values():
        print(f"error: {error.method} {error.name}: {error.error} x{error.occurrences}")
    print(f"RSS of the workers and the drainer: {', '.join(f'{m:.0f} MB' for m in memory)}")
    if flat:
        page, hello = flat
        print(
            f"flat out (wrk, 20 connections, 10 s): case page {page['rps']:.0f} req/s "
            f"(p99 {page['p99']:.0f} ms), hello world {hello['rps']:.0f} req/s: "
            f"ratio {page['rps'] / hello['rps']:.1%}"
        )


if __name__ == "__main__":
    main()
