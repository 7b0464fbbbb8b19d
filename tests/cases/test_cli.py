"""`reflectie cases import|export`: all-or-nothing, per-record errors, round trip (R-17)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from reflectie.audit.models import AuditEvent
from reflectie.cases.models import Case
from reflectie.db import db
from reflectie.permissions import Role
from tests.cases.factories import make_case
from tests.factories import make_team, make_user

GOOD = {
    "title": "Schulden en schaamte",
    "situation": "Een oudere bewoner met **schulden** wil geen hulp van de buren.",
    "dilemma": "Moet ik het netwerk inschakelen, met als gevolg schaamte, of niet?",
    "stakeholders": "bewoner, buren, wijkteam",
    "values": ["autonomie", "zorgzaamheid"],
    "kwesties": [5, 4],
    "tags": ["schulden"],
    "help_question": "Hoe ver mag ik gaan?",
    "visibility": "team",
}


@pytest.fixture
def team_and_author(app):
    with app.app_context():
        team = make_team()
        author = make_user(team=team, role=Role.LEERCOACH)
        return team.slug, author.email, team.id


def _cases(app, team_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)).where(Case.team_id == team_id))


def _import(app, tmp_path, records, slug, email, raw: bytes | None = None):
    path = tmp_path / "cases.json"
    path.write_bytes(raw if raw is not None else json.dumps(records).encode())
    return app.test_cli_runner().invoke(
        args=["cases", "import", str(path), "--team", slug, "--author", email]
    )


def test_import_creates_every_case(app, tmp_path, team_and_author):
    slug, email, team_id = team_and_author
    result = _import(app, tmp_path, [GOOD, {**GOOD, "title": "Tweede"}], slug, email)
    assert result.exit_code == 0, result.output
    assert f"imported 2 cases into {slug}" in result.output
    assert _cases(app, team_id) == 2


@pytest.mark.parametrize(
    ("records", "raw", "expected"),
    [
        (None, b"{not json", "file"),
        (None, b"\xff\xfe\x00", "file"),
        ({"title": "geen lijst"}, None, "file"),
        ([GOOD, {**GOOD, "kwesties": [8]}], None, "record 1, kwesties"),
        ([{**GOOD, "title": ""}], None, "record 0, title"),
        ([{k: v for k, v in GOOD.items() if k != "title"}], None, "record 0, title"),
        ([{**GOOD, "situation": "x" * 10_000_000}], None, "record 0, situation"),
        ([{**GOOD, "tags": "schulden"}], None, "record 0, tags"),
        ([{**GOOD, "team_id": 1}], None, "record 0, team_id"),
        ([GOOD, "geen object"], None, "record 1, record"),
        ([{**GOOD, "status": "gepubliceerd"}], None, "record 0, status"),
        ([{"title": "Onvolledig", "status": "ingebracht"}], None, "record 0, situation"),
    ],
)
def test_a_bad_file_is_refused_whole_with_each_problem_named(
    app, tmp_path, team_and_author, records, raw, expected
):
    slug, email, team_id = team_and_author
    result = _import(app, tmp_path, records, slug, email, raw)
    assert result.exit_code != 0
    assert expected in result.output
    assert "nothing was imported" in result.output
    assert _cases(app, team_id) == 0


def test_every_bad_record_is_reported_not_just_the_first(app, tmp_path, team_and_author):
    slug, email, _ = team_and_author
    records = [{**GOOD, "kwesties": [9]}, GOOD, {**GOOD, "title": ""}]
    result = _import(app, tmp_path, records, slug, email)
    assert "record 0, kwesties" in result.output
    assert "record 2, title" in result.output
    assert "2 problem(s)" in result.output


def test_import_refuses_an_unknown_team_or_an_author_outside_it(app, tmp_path, team_and_author):
    slug, email, _ = team_and_author
    assert _import(app, tmp_path, [GOOD], "bestaat-niet", email).exit_code != 0
    with app.app_context():
        outsider = make_user(team=make_team()).email
    result = _import(app, tmp_path, [GOOD], slug, outsider)
    assert result.exit_code != 0
    assert "may not write cases there" in result.output
    assert _import(app, tmp_path, [GOOD], slug, "niemand@example.test").exit_code != 0


def test_an_export_reimports_to_the_same_cases(app, tmp_path, team_and_author):
    slug, email, team_id = team_and_author
    records = [GOOD, {**GOOD, "title": "Ingebracht", "status": "ingebracht"}]
    assert _import(app, tmp_path, records, slug, email).exit_code == 0
    exported = app.test_cli_runner().invoke(
        args=["cases", "export", "--team", slug, "--format", "json"]
    )
    assert exported.exit_code == 0
    first = json.loads(exported.output)
    assert first[0] == {**GOOD, "own_role": "", "status": "concept"}
    assert first[1]["status"] == "ingebracht"
    with app.app_context():
        other = make_team()
        make_user(team=other, role=Role.LEERCOACH, email="tweede@example.test")
        other_slug, other_id = other.slug, other.id
    path = tmp_path / "export.json"
    path.write_text(exported.output)
    again = app.test_cli_runner().invoke(
        args=["cases", "import", str(path), "--team", other_slug, "--author", "tweede@example.test"]
    )
    assert again.exit_code == 0, again.output
    second = app.test_cli_runner().invoke(args=["cases", "export", "--team", other_slug])
    assert json.loads(second.output) == first
    assert _cases(app, other_id) == 2
    assert _cases(app, team_id) == 2


def test_export_leaves_out_private_cases_and_other_teams(app, team_and_author):
    slug, _email, team_id = team_and_author
    with app.app_context():
        from reflectie.accounts.models import Team

        team = db.session.get(Team, team_id)
        make_case(team=team, title="Gedeeld")
        make_case(team=team, title="PRIVE-KANARIE", visibility="private")
        make_case(title="ANDER-TEAM-KANARIE")
    result = app.test_cli_runner().invoke(args=["cases", "export", "--team", slug])
    assert [c["title"] for c in json.loads(result.output)] == ["Gedeeld"]
    assert "KANARIE" not in result.output


def test_export_as_a_user_of_another_team_fails(app, team_and_author):
    slug, _email, _ = team_and_author
    with app.app_context():
        outsider = make_user(team=make_team(), role=Role.LEERCOACH).email
    result = app.test_cli_runner().invoke(
        args=["cases", "export", "--team", slug, "--as", outsider]
    )
    assert result.exit_code != 0


def test_markdown_export_renders_the_fields(app, tmp_path, team_and_author):
    slug, email, _ = team_and_author
    _import(app, tmp_path, [GOOD], slug, email)
    result = app.test_cli_runner().invoke(
        args=["cases", "export", "--team", slug, "--format", "md"]
    )
    assert result.exit_code == 0
    assert result.output.startswith("# Schulden en schaamte")
    assert "## Situatie" in result.output
    assert "5. Ethisch-normatieve kant" in result.output


def test_import_and_export_are_audited(app, tmp_path, team_and_author):
    slug, email, team_id = team_and_author
    _import(app, tmp_path, [GOOD], slug, email)
    app.test_cli_runner().invoke(args=["cases", "export", "--team", slug])
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.team_id == team_id)
        ).all()
        assert "case.import" in actions
        assert "case.export" in actions


def test_bench_seed_adds_repeatable_synthetic_cases(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["bench", "seed", "--cases", "5", "--team", "bench-a", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "added 5 cases to bench-a" in result.output
    runner.invoke(args=["bench", "seed", "--cases", "5", "--team", "bench-b", "--seed", "7"])
    exports = [
        json.loads(runner.invoke(args=["cases", "export", "--team", slug]).output)
        for slug in ("bench-a", "bench-b")
    ]
    assert len(exports[0]) == 5
    assert exports[0] == exports[1]
    assert all(c["status"] == "ingebracht" and 1 <= len(c["kwesties"]) <= 3 for c in exports[0])
