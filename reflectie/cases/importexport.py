"""Import and export of cases as the case JSON of DESIGN.md (and Markdown for reading)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reflectie.accounts.models import Team, User
from reflectie.audit.services import record
from reflectie.cases.access import team_cases, visible_cases
from reflectie.cases.models import Case, CaseStatus
from reflectie.cases.services import case_json, check_input, create_case, parse_input
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Perm, has

MAX_RECORDS = 1_000


@dataclass(frozen=True)
class RecordError:
    index: int  # 0-based position in the file
    field: str
    message: str

    def __str__(self) -> str:
        return f"record {self.index}, {self.field}: {self.message}"


class ImportRefused(Invalid):
    """The file was refused as a whole; `problems` names each bad record and field."""

    def __init__(self, problems: list[RecordError]):
        super().__init__(
            _l("De import is geweigerd; er is niets opgeslagen."),
            fields={f"{p.index}.{p.field}": [p.message] for p in problems},
        )
        self.problems = problems


def parse_file(content: bytes | str) -> list[Any]:
    """The list of records in an import file, or ImportRefused for a file that is not one."""
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        records = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ImportRefused(
            [RecordError(0, "file", str(_l("Dit is geen geldig JSON-bestand (UTF-8).")))]
        ) from err
    if not isinstance(records, list):
        raise ImportRefused(
            [RecordError(0, "file", str(_l("Het bestand moet een lijst van casussen zijn.")))]
        )
    if len(records) > MAX_RECORDS:
        raise ImportRefused(
            [
                RecordError(
                    0,
                    "file",
                    str(_l("Importeer hoogstens %(n)s casussen per keer.", n=MAX_RECORDS)),
                )
            ]
        )
    return records


def import_cases(actor: User, team: Team, records: list[Any]) -> list[Case]:
    """Create one case per record, all or nothing. Every bad record and field is reported.

    Besides the case JSON a record may carry "status" (default concept). `actor` becomes the
    author and must be able to write cases in `team` (NotFound otherwise); who may start an
    import is the caller's check (Perm.CASE_IMPORT in the UI, the operator on the CLI).
    """
    if not has(actor, Perm.CASE_CREATE, team_id=team.id):
        raise NotFound
    problems: list[RecordError] = []
    checked = []
    for index, raw in enumerate(records):
        if not isinstance(raw, dict):
            problems.append(
                RecordError(index, "record", str(_l("Elke casus moet een object zijn.")))
            )
            continue
        raw = dict(raw)
        status = raw.pop("status", CaseStatus.CONCEPT)
        if not isinstance(status, str) or status not in {s.value for s in CaseStatus}:
            problems.append(RecordError(index, "status", str(_l("Kies een status uit de lijst."))))
            continue
        try:
            data = check_input(parse_input(raw))
        except Invalid as err:
            problems.extend(RecordError(index, f, " ".join(m)) for f, m in err.fields.items())
            continue
        checked.append((index, data, CaseStatus(status)))
    if problems:
        raise ImportRefused(problems)
    created = []
    for index, data, status in checked:
        try:
            created.append(create_case(actor, team, data, status=status))
        except Invalid as err:  # e.g. brought in while required fields are empty
            problems.extend(RecordError(index, f, " ".join(m)) for f, m in err.fields.items())
    if problems:
        raise ImportRefused(problems)  # the caller rolls back: nothing is written
    record("case.import", actor=actor, team_id=team.id, count=len(created))
    return created


def export_cases(actor: User | None, team: Team) -> list[Case]:
    """The team's cases, oldest first, audited. With an `actor`: what they may read, and only
    if they may export this team's cases (NotFound otherwise). Without one (the operator on
    the command line): the cases visible to the team, never anyone's private ones."""
    if actor is None:
        query = team_cases(team.id)
    elif has(actor, Perm.CASE_EXPORT, team_id=team.id):
        query = visible_cases(actor).where(Case.team_id == team.id)
    else:
        raise NotFound
    cases = list(db.session.scalars(query.order_by(Case.id)))
    record("case.export", actor=actor, team_id=team.id, count=len(cases))
    return cases


def export_json(cases: list[Case]) -> str:
    """Case JSON that re-imports to the same cases (status included)."""
    return json.dumps(
        [{**case_json(c), "status": str(c.status)} for c in cases], ensure_ascii=False, indent=2
    )


FIELD_TITLES = {
    "situation": _l("Situatie"),
    "help_question": _l("Hulpvraag of leervraag"),
    "dilemma": _l("Dilemma"),
    "stakeholders": _l("Betrokkenen"),
    "own_role": _l("Eigen rol en wat al geprobeerd is"),
}


def case_markdown(case: Case, kwestie_names: dict[int, str]) -> str:
    lines = [f"# {case.title}", ""]
    if case.kwesties:
        names = [f"{n}. {kwestie_names.get(n, '')}".strip() for n in case.kwesties]
        lines += [f"**{_l('Kwesties')}:** {', '.join(names)}", ""]
    if case.values:
        lines += [f"**{_l('Waarden')}:** {', '.join(case.values)}", ""]
    if case.tags:
        lines += [f"**{_l('Labels')}:** {', '.join(case.tags)}", ""]
    lines += [f"**{_l('Status')}:** {case.status}", ""]
    for name, title in FIELD_TITLES.items():
        text = getattr(case, name).strip()
        if text:
            lines += [f"## {title}", "", text, ""]
    return "\n".join(lines)


def export_markdown(cases: list[Case], kwestie_names: dict[int, str]) -> str:
    return "\n\n---\n\n".join(case_markdown(c, kwestie_names) for c in cases) + "\n"


def export_markdown_zip(cases: list[Case], kwestie_names: dict[int, str]) -> bytes:
    """One Markdown file per case, named `<id>-<title>.md`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for case in cases:
            slug = re.sub(r"[^a-z0-9]+", "-", case.title.lower()).strip("-")[:50] or "casus"
            archive.writestr(f"{case.id}-{slug}.md", case_markdown(case, kwestie_names))
    return buffer.getvalue()


def find_team(slug: str) -> Team:
    """A team by slug for the CLI (the operator's own rights are checked by the services)."""
    team = db.session.scalar(select(Team).where(Team.slug == slug))
    if team is None:
        raise NotFound
    return team
