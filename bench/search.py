"""Search through HTTP against gunicorn: index build time, index size, latency, worker memory.

    .venv/bin/python bench/search.py [--cases 20000] [--workers 2] [--queries 200]
                                     [--backend whoosh|postgres] [--database-url URL]
                                     [--one-team]

Seeds a fresh instance in a temporary folder with `reflectie bench seed`, rebuilds the index
with `reflectie search reindex` (timed), logs in as the measuring user and sends a fixed set
of queries (plain words, phrases, OR, exclusions, kwestie and tag filters, date sorting,
second pages) one after another to /zoeken, then prints p50/p95/p99 and the RSS of every
worker. `--backend postgres` needs `--database-url` (a PostgreSQL database it may fill):
without it the PostgreSQL engine would be measured on SQLite, so the bench refuses.

What the measuring user sees: the seed spreads the cases over generated wijkteams (one per
~400 cases, in several organisations); the user is a leercoach of the first of them. By the
product's rules (reflectie/cases/access.py and the other search providers) a leercoach reads
the cases, meeting records and published copies of their own team only, the adapted methods
and organisation communities of their own organisation, and platform communities: a
leercoach role in one team adds nothing over a lid's in the other teams. So the user may
read ~1/T of the cases (the bench prints how many), and every query's permission filter
drops the rest: that filtering is part of what is measured. `--one-team` seeds every case
into one team ("bench-team") with the user a lid there, who then reads them all: the
measurement before the cases were spread (the worst case for ranking and snippets).

DESIGN.md's bars: p95 under 150 ms at 20,000 cases (Whoosh) and at 100,000 (PostgreSQL);
rebuild under 2 minutes (Whoosh, 20,000) and 5 minutes (PostgreSQL, 100,000); workers under
250 MB. The last line judges the bars at the measured size. A measuring tool, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from case_page import BIN, PASSWORD, ROOT, free_port, gunicorn, login, rss_mb, run, wait_for

from reflectie.cases.synthetic import (
    ACTIONS,
    SITUATIONS,
    TAGS,
    VALUES,
    synthetic_placements,
    synthetic_teams,
)

REBUILD_BAR = {"whoosh": 120.0, "postgres": 300.0}  # seconds (DESIGN.md)


def vacuum_analyze(url: str) -> None:
    """What autovacuum does after a bulk load (it is off on some servers, this one included):
    without statistics the re-check of 10 hits by id read the whole team's cases."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def queries(count: int, seed: int = 42) -> list[str]:
    """A fixed, varied set of query strings (the same for every run with the same seed)."""
    rng = random.Random(seed)
    words = sorted({w for text in SITUATIONS + ACTIONS for w in text.split() if len(w) > 4})
    words += VALUES
    out = []
    for n in range(count):
        kind = n % 8
        a, b = rng.sample(words, 2)
        if kind == 0:
            q = a
        elif kind == 1:
            q = f"{a} {b}"
        elif kind == 2:
            q = f'"{rng.choice(SITUATIONS)}"'
        elif kind == 3:
            q = f"{a} OR {b}"
        elif kind == 4:
            q = f"{a} -{b}"
        elif kind == 5:
            q = f"{a} kwestie:{rng.randint(1, 7)}"
        elif kind == 6:
            q = f"{a} tag:{rng.choice(TAGS)}"
        else:
            q = f"{a}s"  # an inflected form
        params = {"q": q}
        if n % 10 == 7:
            params["sort"] = "date"
        if n % 10 == 9:
            params["page"] = "2"
        out.append(urllib.parse.urlencode(params))
    return out


ONE_TEAM = "bench-team"


def measuring_team(cases: int, *, one_team: bool) -> tuple[str, str, int]:
    """The measuring user's team, role there, and how many of the seeded cases they read
    (the seed's team assignment is deterministic: the same as `reflectie bench seed`)."""
    if one_team:
        return ONE_TEAM, "lid", cases
    teams = synthetic_teams(cases)
    moment = datetime(2000, 1, 1, tzinfo=UTC)  # the dates do not change the teams
    readable = sum(p.team == 0 for p in synthetic_placements(cases, 1, teams, moment))
    return teams[0].slug, "leercoach", readable


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL for --backend postgres")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    parser.add_argument("--instance", help="reuse this instance folder (seeded once, kept)")
    parser.add_argument(
        "--no-reindex", action="store_true", help="with --instance: measure the index as it is"
    )
    parser.add_argument(
        "--one-team",
        action="store_true",
        help="seed every case into one team whose member the measuring user is (reads all)",
    )
    args = parser.parse_args()
    if args.backend == "postgres" and not args.database_url:
        parser.error(
            "--backend postgres needs --database-url postgresql://...: without it the "
            "PostgreSQL engine would run against SQLite"
        )
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a postgresql:// URL")
    reuse = bool(args.instance) and Path(args.instance, "bench-seeded").exists()
    home = (
        Path(args.instance)
        if args.instance
        else Path(tempfile.mkdtemp(prefix="reflectie-search-bench-"))
    )
    args.keep = args.keep or bool(args.instance)
    env = dict(os.environ, REFLECTIE_INSTANCE_PATH=str(home), REFLECTIE_SECRET_KEY="bench")
    env["REFLECTIE_SEARCH_BACKEND"] = args.backend
    if args.database_url:
        env["REFLECTIE_DATABASE_URL"] = args.database_url
    started = time.perf_counter()
    if not reuse:
        run(str(BIN / "reflectie"), "init", env=env)
        seed = ["--team", ONE_TEAM] if args.one_team else []
        run(str(BIN / "reflectie"), "bench", "seed", "--cases", str(args.cases), *seed, env=env)
        if args.database_url:
            vacuum_analyze(args.database_url)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    if reuse and args.no_reindex:
        reindex = "not rebuilt (--no-reindex)"
    else:
        reindex = run(str(BIN / "reflectie"), "search", "reindex", env=env)
    built = time.perf_counter() - started
    team, role, readable = measuring_team(args.cases, one_team=args.one_team)
    email = f"zoeker@{team}.bench"
    if not reuse:
        run(str(BIN / "reflectie"), "users", "create", "--email", email, "--name", "Zoeker",
            "--password-stdin", "--team", team, "--role", role,
            env=env, stdin=PASSWORD + "\n")  # fmt: skip
        (home / "bench-seeded").touch()
    port = free_port()
    # Searches are limited per user; the benchmark is one user asking a lot.
    server = gunicorn(
        "reflectie:create_app()",
        port,
        args.workers,
        {**env, "REFLECTIE_RATELIMIT_SEARCH": "100000/minute"},
        ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    timings: list[float] = []
    statuses: dict[int, int] = {}
    totals = []
    try:
        wait_for(f"{base}/api/v1/health")
        cookie = login(base, email)
        fixed = queries(args.queries)
        for q in fixed[:10]:  # warm up every worker's searcher
            urllib.request.urlopen(
                urllib.request.Request(f"{base}/zoeken?{q}", headers={"Cookie": cookie})
            ).read()
        for q in fixed:
            request = urllib.request.Request(f"{base}/zoeken?{q}", headers={"Cookie": cookie})
            t0 = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                body = response.read().decode()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            timings.append((time.perf_counter() - t0) * 1000)
            totals.append("resultaten" in body or "resultaat" in body)
        memory = rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)

    cuts = statistics.quantiles(timings, n=100)
    print(f"machine: {os.cpu_count()} cores; gunicorn sync, {args.workers} workers")
    print(f"backend: {args.backend}; database: {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(f"seeded {args.cases} cases in {seeded:.1f} s" if not reuse else f"reused {home}")
    print(f"measuring user: {role} of {team}, may read {readable} of {args.cases} cases")
    print(f"index rebuild: {built:.1f} s  ({reindex.strip().splitlines()[-1]})")
    print(f"{len(timings)} queries over HTTP, one at a time; statuses {statuses}")
    print(
        f"latency ms: p50 {cuts[49]:.1f}  p95 {cuts[94]:.1f}  p99 {cuts[98]:.1f}  "
        f"max {max(timings):.1f}"
    )
    print(f"pages with a result count: {sum(totals)}/{len(totals)}")
    print("worker RSS MB: " + ", ".join(f"{m:.0f}" for m in memory))
    bar = REBUILD_BAR[args.backend]
    rebuilt = "not measured" if reuse and args.no_reindex else "ok" if built < bar else "MISSED"
    print(f"bars at {args.cases} cases: p95 < 150 ms -> {'ok' if cuts[94] < 150 else 'MISSED'}; "
          f"rebuild < {bar / 60:.0f} min -> {rebuilt}; workers < 250 MB -> "
          f"{'ok' if max(memory, default=0) < 250 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
