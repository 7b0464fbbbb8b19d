"""Personal-data detection: recall and precision on Dutch texts with planted identifiers, and
the time of `POST /api/v1/publishing/detect` for a 500-word text (the issue's bar: < 1 s).

    .venv/bin/python bench/detect.py [--texts 200] [--seed 7] [--requests 50] [--no-deduce]

Generates texts from sentence templates with names, addresses, postcodes, places, phone
numbers, e-mail addresses, BSNs (elfproef), IBANs (mod 97), dates, ages, licence plates and
schools, about half of the names and places outside the built-in word lists. A planted span
counts as found when any finding overlaps it (what matters for anonymising is that it is
flagged); a finding is correct when it overlaps a planted span. Measured twice: the built-in
patterns (the web workers' fallback) and the detector process with deduce. The timing goes
through the app (token auth, JSON, the socket to the detector process).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reflectie.publishing import detector  # noqa: E402
from reflectie.publishing.detection import pattern_findings  # noqa: E402

FIRST = [
    # in the built-in list
    "Fatima", "Pieter", "Jan", "Anouk", "Mohamed", "Sanne", "Henk", "Priya", "Bram", "Lotte",
    # not in it
    "Sietske", "Geertje", "Wessel", "Fenna", "Rinus", "Jantine", "Otto", "Marit", "Hidde", "Ilona",
]  # fmt: skip
LAST = [
    "de Vries", "Jansen", "el Amrani", "Bakker", "van den Berg", "Yilmaz", "Visser", "Smit",
    "Meijer", "de Boer", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Kaya",
]  # fmt: skip
STREETS = ["Dorpsstraat", "Kerklaan", "Molenweg", "Stationsplein", "Julianastraat", "Oude Gracht",
           "Beukenlaan", "Havenkade", "Lindenhof", "Prinsengracht"]  # fmt: skip
PLACES = [
    "Utrecht", "Zwolle", "Amersfoort", "Tilburg", "Groningen",  # in the list
    "Bunnik", "Houten", "Driebergen", "Maarssenbroek", "Nieuw-Vennep", "Ter Apel", "Urk",
]  # fmt: skip
SCHOOLS = ["basisschool De Regenboog", "het Stedelijk Gymnasium", "het Da Vinci College",
           "basisschool Het Kompas", "de Montessorischool"]  # fmt: skip
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"]

FILLER = (
    "Het team bespreekt de situatie in de intervisie. De wijkcoach twijfelt over de volgende "
    "stap en vraagt zich af wat de belangen van de betrokkenen zijn. Er is al eerder contact "
    "geweest met de huisarts en met de school, maar dat leverde weinig op. De casusinbrenger "
    "wil vooral weten hoe zij het vertrouwen kan behouden zonder de veiligheid uit het oog te "
    "verliezen. "
)


def bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "".join(map(str, [*digits, last]))


def iban(rng: random.Random) -> str:
    bank = rng.choice(["ABNA", "RABO", "INGB", "TRIO"])
    account = "".join(str(rng.randint(0, 9)) for _ in range(10))
    number = int("".join(str(int(c, 36)) for c in bank + account + "NL00"))
    check = 98 - number % 97
    return f"NL{check:02d}{bank}{account}"


def phone(rng: random.Random) -> str:
    digits = "".join(str(rng.randint(0, 9)) for _ in range(8))
    return rng.choice([f"06-{digits}", f"06 {digits[:4]} {digits[4:]}", f"+31 6 {digits}",
                       f"030-{digits[:7]}"])  # fmt: skip


def plate(rng: random.Random) -> str:
    letters = "BDFGHJKLNPRSTVXZ"
    letter = lambda n: "".join(rng.choice(letters) for _ in range(n))  # noqa: E731
    digit = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    return rng.choice([f"{digit(2)}-{letter(3)}-{digit(1)}", f"{letter(2)}-{digit(3)}-{letter(1)}",
                       f"{digit(1)}-{letter(3)}-{digit(2)}"])  # fmt: skip


TEMPLATES = [
    ("{name} woont aan de {street} in {place}.", ["naam", "adres", "plaats"]),
    ("Haar postcode is {postcode} en haar BSN is {bsn}.", ["postcode", "bsn"]),
    ("Bel {phone} of mail {email} voor een afspraak.", ["telefoon", "email"]),
    ("De toeslag komt op rekening {iban} binnen.", ["iban"]),
    ("Op {date} kwam {name} langs; {pronoun} is {age} jaar oud.", ["datum", "naam", "leeftijd"]),
    ("De auto met kenteken {plate} staat al weken voor de deur.", ["kenteken"]),
    ("De dochter zit op {school} in {place}.", ["organisatie", "plaats"]),
    ("Ook mevrouw {last} uit {place} was erbij.", ["naam", "plaats"]),
]


def make_text(rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
    """About 500 words with planted identifiers; returns the text and the planted spans."""
    text, spans = "", []
    while len(text.split()) < 480:
        template, _kinds = rng.choice(TEMPLATES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        values = {
            "name": f"{first} {last}",
            "last": last[0].upper() + last[1:],
            "street": f"{rng.choice(STREETS)} {rng.randint(1, 250)}",
            "place": rng.choice(PLACES),
            "postcode": f"{rng.randint(1000, 9999)} {rng.choice('BCDFGHJKLMNPRTVXZ')}"
            f"{rng.choice('ABCDEFGHJKLMNPRTVXZ')}",
            "bsn": bsn(rng),
            "phone": phone(rng),
            "email": f"{first.lower()}.{last.split()[-1].lower()}@example.nl",
            "iban": iban(rng),
            "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1990, 2025)}",
            "age": str(rng.randint(18, 95)),
            "pronoun": rng.choice(["zij", "hij"]),
            "plate": plate(rng),
            "school": rng.choice(SCHOOLS),
        }
        pieces = template.split("{")
        sentence = pieces[0]
        for piece in pieces[1:]:
            key, rest = piece.split("}", 1)
            start = len(text) + len(sentence)
            sentence += values[key]
            kind = {"name": "naam", "last": "naam", "street": "adres", "place": "plaats",
                    "postcode": "postcode", "bsn": "bsn", "phone": "telefoon", "email": "email",
                    "iban": "iban", "date": "datum", "age": "leeftijd", "plate": "kenteken",
                    "school": "organisatie"}.get(key)  # fmt: skip
            if kind:
                spans.append((start, start + len(values[key]), kind))
            sentence += rest
        text += sentence + " " + (FILLER if rng.random() < 0.5 else "")
    return text, spans


def score(texts, detect) -> tuple[dict[str, list[int]], int, int]:
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    correct = total = 0
    for text, spans in texts:
        findings = detect(text)
        for start, end, kind in spans:
            per_kind[kind][1] += 1
            if any(f.start < end and start < f.end for f in findings):
                per_kind[kind][0] += 1
        for f in findings:
            total += 1
            if any(f.start < end and start < f.end for start, end, _ in spans):
                correct += 1
    return per_kind, correct, total


def report(name: str, per_kind, correct: int, total: int) -> None:
    print(f"\n{name}")
    found = sum(v[0] for v in per_kind.values())
    planted = sum(v[1] for v in per_kind.values())
    for kind in sorted(per_kind):
        hit, n = per_kind[kind]
        print(f"  {kind:<12} recall {hit / n:6.1%}  ({hit}/{n})")
    print(f"  {'all':<12} recall {found / planted:6.1%}  ({found}/{planted})")
    print(f"  precision {correct / max(total, 1):6.1%}  ({correct}/{total} findings on a plant)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-deduce", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    texts = [make_text(rng) for _ in range(args.texts)]
    words = statistics.mean(len(t.split()) for t, _ in texts)
    print(f"{len(texts)} texts, {words:.0f} words each on average")

    report("built-in patterns (fallback in the web workers)", *score(texts, pattern_findings))

    with tempfile.TemporaryDirectory() as instance:
        address = str(Path(tempfile.gettempdir()) / f"rfl-bench-{os.getpid()}.sock")
        env = {**os.environ, "REFLECTIE_INSTANCE_PATH": instance}
        command = [sys.executable, "-c", "from reflectie.cli import main; main()",
                   "publishing", "detector", "--address", address]  # fmt: skip
        if args.no_deduce:
            command.append("--no-deduce")
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env)
        try:
            while detector.status(address) is None:
                if process.poll() is not None:
                    sys.exit("the detector process ended")
                time.sleep(0.1)
            print(f"\ndetector ready after {time.perf_counter() - started:.1f} s")
            engine = detector.status(address)["engine"]
            report(
                f"detector process ({engine} + patterns)",
                *score(texts, lambda t: detector.detect(t, address=address).findings),
            )
            rss = Path(f"/proc/{process.pid}/status").read_text()
            vm = next(line for line in rss.splitlines() if line.startswith("VmRSS"))
            print(f"  detector process {vm}")
            _time_api(texts, address, instance, args.requests)
        finally:
            process.terminate()
            process.wait(10)


def _time_api(texts, address: str, instance: str, requests: int) -> None:
    """POST /api/v1/publishing/detect through the app, with a real token, 500-word texts."""
    from reflectie import create_app
    from reflectie.cli import init_database
    from reflectie.db import db
    from tests.factories import make_team, make_token, make_user

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{Path(instance) / 'bench.sqlite3'}",
            "INSTANCE_PATH": instance,
            "PUBLISHING_DETECTOR": address,
            "RATELIMIT_ENABLED": False,
            "SEARCH_DRAIN_AFTER_COMMIT": False,
        }
    )
    with app.app_context():
        init_database()
        db.session.commit()
        headers = {"Authorization": f"Bearer {make_token(make_user(team=make_team()))}"}
    client = app.test_client()
    times = []
    for n in range(requests):
        text = texts[n % len(texts)][0]
        started = time.perf_counter()
        response = client.post("/api/v1/publishing/detect", json={"text": text}, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        assert response.json["engine"] != "fallback"
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"\nPOST /api/v1/publishing/detect, {requests} requests of ~500 words: "
        f"median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms (bar: 1000 ms)"
    )


if __name__ == "__main__":
    main()
