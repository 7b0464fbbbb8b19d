"""Case page throughput against a bare Flask hello world, same gunicorn settings, same run.

    .venv/bin/python bench/case_page.py [--cases 2000] [--workers 3] [--connections 20]
                                        [--seconds 10] [--rounds 3]

Needs `wrk` (Debian package). Seeds a fresh SQLite instance in a temporary folder with
`reflectie bench seed`, logs in as a team member, then alternates wrk runs against the case
page and the hello-world app and prints the median requests per second, latency percentiles
and the workers' memory. DESIGN.md's bar: the case page reaches at least 40% of hello world.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-wachtwoord-lang-genoeg"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, check=True)
    return done.stdout


def gunicorn(app: str, port: int, workers: int, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", app],
        env=env, cwd=cwd, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def login(base: str, email: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(base + "/login", data=form.encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, connections: int, seconds: int, cookie: str | None = None) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "90", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        result[f"p{pct}"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = float(errors.group(1)) if errors else 0.0
    return result


def rss_mb(pid: int) -> list[float]:
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True
    ).stdout.split()
    sizes = []
    for child in children:
        status = Path(f"/proc/{child}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--path", default="/casussen/{case_id}", help="page to measure")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install wrk first: apt-get install wrk")
    home = Path(tempfile.mkdtemp(prefix="reflectie-bench-"))
    env = dict(os.environ, REFLECTIE_INSTANCE_PATH=str(home), REFLECTIE_SECRET_KEY="bench")
    run(str(BIN / "reflectie"), "init", env=env)
    started = time.perf_counter()
    run(str(BIN / "reflectie"), "bench", "seed", "--cases", str(args.cases), "--team", "bench-team",
        env=env)  # fmt: skip
    seeded = time.perf_counter() - started
    email = "lezer@bench-team.bench"
    run(str(BIN / "reflectie"), "users", "create", "--email", email, "--name", "Lezer",
        "--password-stdin", "--team", "bench-team", "--role", "lid",
        env=env, stdin=PASSWORD + "\n")  # fmt: skip
    case_id = args.cases // 2
    app_port, hello_port = free_port(), free_port()
    servers = [
        gunicorn("reflectie:create_app()", app_port, args.workers, env, ROOT),
        gunicorn("hello:app", hello_port, args.workers, env, ROOT / "bench"),
    ]
    try:
        wait_for(f"http://127.0.0.1:{app_port}/api/v1/health")
        wait_for(f"http://127.0.0.1:{hello_port}/")
        cookie = login(f"http://127.0.0.1:{app_port}", email)
        page = f"http://127.0.0.1:{app_port}" + args.path.format(case_id=case_id)
        status = urllib.request.urlopen(
            urllib.request.Request(page, headers={"Cookie": cookie})
        ).status
        assert status == 200, f"{page} answered {status}"
        wrk(page, args.connections, 2, cookie)  # warm up
        wrk(f"http://127.0.0.1:{hello_port}/", args.connections, 2)
        pages, hellos = [], []
        for _ in range(args.rounds):
            pages.append(wrk(page, args.connections, args.seconds, cookie))
            hellos.append(wrk(f"http://127.0.0.1:{hello_port}/", args.connections, args.seconds))
        memory = rss_mb(servers[0].pid)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        shutil.rmtree(home, ignore_errors=True)

    def median(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print(f"machine: {os.cpu_count()} cores; gunicorn sync, {args.workers} workers; SQLite")
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds, medians")
    print(f"seeded {args.cases} cases in {seeded:.1f} s")
    print(f"{'target':<12}{'req/s':>10}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, rows in (("case page", pages), ("hello", hellos)):
        errors = sum(r["errors"] for r in rows)
        cells = [median(rows, key) for key in ("rps", "p50", "p90", "p99")]
        print(
            f"{name:<12}{cells[0]:>10.0f}"
            + "".join(f"{c:>10.1f}" for c in cells[1:])
            + f"{errors:>10.0f}"
        )
    ratio = median(pages, "rps") / median(hellos, "rps")
    print(f"case page / hello world: {ratio:.0%} (bar: 40%)")
    print("worker RSS MB: " + ", ".join(f"{m:.0f}" for m in memory))
    sys.exit(0 if ratio >= 0.4 else 1)


if __name__ == "__main__":
    main()
