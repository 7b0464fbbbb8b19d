"""R-28 in search, on both engines: a member without a geheimhoudingsverklaring finds no case
by its text, not in results, totals, facets, suggestions or similar cases, even though
meeting records and published copies of the team stay findable for them."""

from __future__ import annotations

import secrets
from datetime import date

import pytest

from reflectie.accounts.models import ConfidentialityAgreement, EmploymentStatus
from reflectie.db import db
from reflectie.search import services
from tests.search.conftest import make_teams, write_case

pytestmark = pytest.mark.usefixtures("rctx")


def _everything(page) -> str:
    parts = [page.suggestion or "", str(page.total)]
    for r in page.results:
        parts += [r.type, r.title, str(r.snippet)]
    for name, values in page.facets.items():
        parts += [f"{name}={f.value}:{f.count}" for f in values]
    return " ".join(parts)


def test_a_volunteer_finds_no_case_text_until_the_agreement_is_recorded():
    canary = "kanarie" + secrets.token_hex(5)
    teams = make_teams()
    case = write_case(
        teams.colleague, teams.team_a, "Schulden in de wijk", f"Een gezin met {canary}.",
        kwesties=[3], tags=["schulden"],
    )  # fmt: skip
    reader = teams.reader
    assert services.search(reader, canary).total == 1
    reader.employment_status = EmploymentStatus.VRIJWILLIGER
    db.session.commit()
    for q in [canary, f"{canary[:-1]}x", "schulden", "kwestie:3", "tag:schulden"]:
        page = services.search(reader, q)
        assert page.results == [], q
        assert page.total == 0, q
        assert canary not in _everything(page), q
        assert "kwestie=3" not in _everything(page), q
    assert services.similar(reader, "case", case.id) == []
    reader.confidentiality_agreement = ConfidentialityAgreement(
        signed_on=date(2026, 1, 5), version="2026-1"
    )
    db.session.commit()
    page = services.search(reader, canary)
    assert [r.id for r in page.results] == [case.id]
