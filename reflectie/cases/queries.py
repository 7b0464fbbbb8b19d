"""Case list filters shared by the team page and the API (one place, one meaning)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from reflectie.cases.models import Case, CaseKwestie, CaseStatus, CaseTag
from reflectie.errors import Invalid

SORTS = {
    "updated": Case.updated_at.desc(),
    "created": Case.created_at.desc(),
    "oldest": Case.created_at.asc(),
    "title": Case.title.asc(),
}


@dataclass(frozen=True)
class CaseFilter:
    kwestie: int | None = None
    status: CaseStatus | None = None
    author_id: int | None = None
    tag: str | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "updated"

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Add the filters and the ordering to a query that starts from visible_cases()."""
        if self.kwestie is not None:
            query = query.where(
                Case.id.in_(
                    select(CaseKwestie.case_id).where(CaseKwestie.kwestie_number == self.kwestie)
                )
            )
        if self.status is not None:
            query = query.where(Case.status == self.status)
        if self.author_id is not None:
            query = query.where(Case.author_id == self.author_id)
        if self.tag:
            query = query.where(
                Case.id.in_(select(CaseTag.case_id).where(CaseTag.name == self.tag))
            )
        if self.since is not None:
            query = query.where(Case.updated_at >= datetime.combine(self.since, time(), UTC))
        if self.until is not None:
            end = datetime.combine(self.until + timedelta(days=1), time(), UTC)
            query = query.where(Case.updated_at < end)
        return query.order_by(SORTS.get(self.sort, SORTS["updated"]), Case.id.desc())


def parse_filter(args: Mapping[str, str]) -> CaseFilter:
    """A CaseFilter from query-string arguments; Invalid names each bad one."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    raw = {
        k: (args.get(k) or "").strip()
        for k in ("kwestie", "status", "author", "tag", "since", "until", "sort")
    }
    if raw["kwestie"]:
        if raw["kwestie"].isdigit() and 1 <= int(raw["kwestie"]) <= 7:
            values["kwestie"] = int(raw["kwestie"])
        else:
            errors["kwestie"] = [str(_l("Kies een kwestie van 1 tot en met 7."))]
    if raw["status"]:
        try:
            values["status"] = CaseStatus(raw["status"])
        except ValueError:
            errors["status"] = [str(_l("Kies een status uit de lijst."))]
    if raw["author"]:
        if raw["author"].isdigit():
            values["author_id"] = int(raw["author"])
        else:
            errors["author"] = [str(_l("Kies een auteur uit de lijst."))]
    if raw["tag"]:
        values["tag"] = raw["tag"].lower()[:40]
    for name in ("since", "until"):
        if raw[name]:
            try:
                values[name] = date.fromisoformat(raw[name])
            except ValueError:
                errors[name] = [str(_l("Geef een datum als JJJJ-MM-DD."))]
    if raw["sort"]:
        if raw["sort"] in SORTS:
            values["sort"] = raw["sort"]
        else:
            errors["sort"] = [str(_l("Kies een sortering uit de lijst."))]
    if errors:
        raise Invalid(fields=errors)
    return CaseFilter(**values)
