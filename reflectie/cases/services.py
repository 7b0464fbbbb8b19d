"""Case rules shared by views, API and CLI. Services flush; the caller commits."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from reflectie import ROOT
from reflectie.cases.models import Kwestie
from reflectie.db import db

KWESTIES_FILE = ROOT / "seed" / "kwesties.json"


def all_kwesties() -> list[Kwestie]:
    return list(db.session.scalars(select(Kwestie).order_by(Kwestie.number)))


def load_kwesties(path: Path = KWESTIES_FILE) -> int:
    """Insert or update the seven kwesties from the seed file; returns how many changed."""
    records = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for record in records:
        kwestie = db.session.get(Kwestie, record["number"]) or Kwestie(number=record["number"])
        values = {k: record[k] for k in ("slug", "name", "description", "questions")}
        if any(getattr(kwestie, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(kwestie, key, value)
            db.session.add(kwestie)
            changed += 1
    db.session.flush()
    return changed
