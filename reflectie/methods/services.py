"""Method rules shared by views, API and CLI. Services flush; the caller commits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reflectie import ROOT
from reflectie.accounts.models import Organisation, User
from reflectie.audit.services import record
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.methods.access import adaptable_organisation_ids, get_method_for
from reflectie.methods.models import Method, MethodKind, MethodStep, RecordKind

METHODS_DIR = ROOT / "seed" / "methods"
ROLES = ("casusinbrenger", "gespreksleider", "notulist", "deelnemers", "tijdbewaker")
MAX_STEPS = 30


@dataclass(frozen=True)
class StepInput:
    name: str
    minutes: int
    purpose: str = ""
    questions: list[str] = field(default_factory=list)
    who: str = ""
    record_kind: str = RecordKind.TEXT
    record_label: str = ""


@dataclass(frozen=True)
class MethodInput:
    name: str
    purpose: str = ""
    when_to_use: str = ""
    group_min: int = 3
    group_max: int = 12
    roles: list[str] = field(default_factory=list)
    steps: list[StepInput] = field(default_factory=list)


def _check(data: MethodInput) -> None:
    errors: dict[str, list[str]] = {}
    if not data.name.strip() or len(data.name) > 120:
        errors["name"] = [str(_l("Geef de werkvorm een naam van hoogstens 120 tekens."))]
    if not 1 <= data.group_min <= data.group_max <= 100:
        errors["group_max"] = [
            str(_l("De groep telt 1 tot 100 mensen; het minimum is niet groter dan het maximum."))
        ]
    if any(role not in ROLES for role in data.roles):
        errors["roles"] = [str(_l("Kies rollen uit de lijst."))]
    if not data.steps:
        errors["steps"] = [str(_l("Een werkvorm heeft minstens één stap."))]
    elif len(data.steps) > MAX_STEPS:
        errors["steps"] = [str(_l("Een werkvorm heeft hoogstens %(n)s stappen.", n=MAX_STEPS))]
    for n, step in enumerate(data.steps):
        if not step.name.strip() or len(step.name) > 120:
            errors[f"steps-{n}-name"] = [str(_l("Geef elke stap een naam."))]
        if not 1 <= step.minutes <= 240:
            errors[f"steps-{n}-minutes"] = [str(_l("Een stap duurt 1 tot 240 minuten."))]
        if step.record_kind not in {k.value for k in RecordKind}:
            errors[f"steps-{n}-record_kind"] = [str(_l("Kies wat er wordt vastgelegd."))]
    if errors:
        raise Invalid(fields=errors)


def _steps(data: MethodInput) -> list[MethodStep]:
    return [
        MethodStep(
            position=n,
            name=s.name.strip(),
            purpose=s.purpose.strip(),
            questions=[q.strip() for q in s.questions if q.strip()],
            minutes=s.minutes,
            who=s.who.strip()[:120],
            record_kind=RecordKind(s.record_kind),
            record_label=s.record_label.strip()[:200],
        )
        for n, s in enumerate(data.steps)
    ]


def _apply(method: Method, data: MethodInput) -> None:
    method.name, method.purpose, method.when_to_use = (
        data.name.strip(),
        data.purpose,
        data.when_to_use,
    )
    method.group_min, method.group_max, method.roles = data.group_min, data.group_max, data.roles
    if method.id is not None and method.steps:
        # Delete the old steps first: (method, position) is unique, and the unit of work
        # would otherwise insert the new rows before deleting the old ones.
        method.steps.clear()
        db.session.flush()
    method.steps = _steps(data)


def method_input(method: Method) -> MethodInput:
    return MethodInput(
        name=method.name,
        purpose=method.purpose,
        when_to_use=method.when_to_use,
        group_min=method.group_min,
        group_max=method.group_max,
        roles=list(method.roles),
        steps=[
            StepInput(
                name=s.name,
                minutes=s.minutes,
                purpose=s.purpose,
                questions=list(s.questions),
                who=s.who,
                record_kind=str(s.record_kind),
                record_label=s.record_label,
            )
            for s in method.steps
        ],
    )


def _unique_slug(base: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:70] or "werkvorm"
    slug, n = base, 1
    while db.session.scalar(select(Method.id).where(Method.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def copy_method(actor: User, slug: str, organisation_id: int) -> Method:
    """An adapted copy of a method for `organisation_id`, where `actor` may adapt methods.
    The original (a built-in, say) stays as it is."""
    original = get_method_for(actor, slug)
    if organisation_id not in adaptable_organisation_ids(actor):
        raise NotFound
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound
    copy = Method(
        slug=_unique_slug(f"{original.slug}-{organisation.slug}"),
        kind=original.kind,
        source=original.source,
        minutes_note=original.minutes_note,
        builtin=False,
        organisation_id=organisation_id,
        based_on_id=original.id,
        created_by_id=actor.id,
    )
    name = f"{original.name} ({organisation.name})"[:120]
    _apply(copy, replace(method_input(original), name=name))
    db.session.add(copy)
    db.session.flush()
    record("method.copy", actor=actor, obj=copy, based_on=original.slug)
    return copy


def update_method(actor: User, slug: str, data: MethodInput) -> Method:
    """Change an adapted method; built-ins are never changed."""
    method = get_method_for(actor, slug, adapt=True)
    _check(data)
    _apply(method, data)
    method.updated_at = utcnow()
    db.session.flush()
    record("method.update", actor=actor, obj=method)
    return method


def archive_method(actor: User, slug: str) -> Method:
    method = get_method_for(actor, slug, adapt=True)
    method.archived_at = utcnow()
    record("method.archive", actor=actor, obj=method)
    return method


def _step_input(step: dict[str, Any]) -> StepInput:
    return StepInput(
        name=step["name"],
        minutes=step["minutes"],
        purpose=step["purpose"],
        questions=step["questions"],
        who=step["who"],
        record_kind=step["record"]["kind"],
        record_label=step["record"]["label"],
    )


def load_builtin_methods(folder: Path = METHODS_DIR) -> int:
    """Insert or update the built-in methods from seed/methods/*.json; returns how many changed."""
    changed = 0
    for path in sorted(folder.glob("*.json")):
        spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        method = db.session.scalar(select(Method).where(Method.slug == spec["slug"]))
        data = MethodInput(
            name=spec["name"],
            purpose=spec["purpose"],
            when_to_use=spec["when_to_use"],
            group_min=spec["group_min"],
            group_max=spec["group_max"],
            roles=spec["roles"],
            steps=[_step_input(step) for step in spec["steps"]],
        )
        if method is not None and method_input(method) == data and method.source == spec["source"]:
            continue
        _check(data)
        if method is None:
            method = Method(slug=spec["slug"], builtin=True, kind=MethodKind(spec["kind"]))
            db.session.add(method)
        method.kind, method.source = MethodKind(spec["kind"]), spec["source"]
        method.minutes_note = spec.get("minutes_note", "")
        _apply(method, data)
        changed += 1
    db.session.flush()
    return changed
