"""`reflectie cases import|export`: all-or-nothing, per-record errors, round trip (R-17)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from reflectie.accounts.models import Team, User
from reflectie.audit.models import AuditEvent
from reflectie.cases import cli as cases_cli
from reflectie.cases.models import Case, CaseRevision
from reflectie.cases.synthetic import synthetic_teams, team_count
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
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.slug == "bench-a"))
        cases = db.session.scalars(select(Case).where(Case.team_id == team.id)).all()
        assert len({c.author_id for c in cases}) == 1  # auteur@bench-a.bench, as before
        assert len({c.created_at.year for c in cases}) >= 3  # dated over past years too
        generated = select(func.count(Team.id)).where(Team.slug.like("heuvelrade-%"))
        assert db.session.scalar(generated) == 0


FROZEN = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)


def _seed(app, *args: str) -> list[tuple]:
    """Run `bench seed` with `args` at FROZEN; the cases it added, oldest id first."""
    with app.app_context():
        last = db.session.scalar(select(func.max(Case.id))) or 0
    result = app.test_cli_runner().invoke(args=["bench", "seed", *args])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(
            select(Team.slug, User.email, Case.title, Case.created_at, Case.updated_at, Case.id)
            .join(Team, Team.id == Case.team_id)
            .join(User, User.id == Case.author_id)
            .where(Case.id > last)
            .order_by(Case.id)
        ).all()
    return [tuple(row) for row in rows]


def test_bench_seed_spreads_cases_over_teams_and_years(app, monkeypatch):
    monkeypatch.setattr(cases_cli, "utcnow", lambda: FROZEN)
    rows = _seed(app, "--cases", "60", "--seed", "5")
    assert len(rows) == 60
    per_team = Counter(slug for slug, *_rest in rows)
    assert len(per_team) == 3
    assert min(per_team.values()) >= 5, per_team
    years = Counter(created.year for *_rest, created, _updated, _id in rows)
    assert set(years) >= {2021, 2022, 2023, 2024, 2025}, years
    assert all(2020 <= y <= 2026 for y in years)
    frozen = FROZEN.replace(tzinfo=None)
    for *_rest, created, updated, _id in rows:
        created, updated = created.replace(tzinfo=None), updated.replace(tzinfo=None)
        assert created <= updated <= frozen
    assert [r[3] for r in rows] == sorted(r[3] for r in rows)  # ids follow the dates
    with app.app_context():
        teams = db.session.scalars(select(Team).where(Team.slug.in_(per_team))).all()
        assert all(t.name.startswith("Wijkteam ") for t in teams)
        assert len({t.organisation_id for t in teams}) == 1
        for team in teams:
            members = {m.user.email: m.role for m in team.memberships}
            assert 3 <= len(members) <= 6
            assert Role.LEERCOACH in members.values()
            assert all(email.endswith(f"@{team.slug}.bench") for email in members)
        assert len({email for _slug, email, *_rest in rows}) > 3  # several authors
        for slug, email, *_rest in rows:  # each a member of the case's team
            team = next(t for t in teams if t.slug == slug)
            assert email in {m.user.email for m in team.memberships}
        revisions = db.session.execute(
            select(Case.created_at, CaseRevision.created_at)
            .join(CaseRevision, CaseRevision.case_id == Case.id)
            .where(Case.id.in_([r[5] for r in rows]))
        ).all()
        assert len(revisions) == 60
        assert all(case == revision for case, revision in revisions)


def test_bench_seed_is_deterministic_for_a_seed(app, monkeypatch):
    monkeypatch.setattr(cases_cli, "utcnow", lambda: FROZEN)
    first = _seed(app, "--cases", "30", "--seed", "9")
    again = _seed(app, "--cases", "30", "--seed", "9")  # the same teams, reused
    other = _seed(app, "--cases", "30", "--seed", "10")
    assert [r[:5] for r in first] == [r[:5] for r in again]
    assert [r[:5] for r in first] != [r[:5] for r in other]


def test_bench_seed_team_puts_every_case_in_that_team(app, monkeypatch):
    monkeypatch.setattr(cases_cli, "utcnow", lambda: FROZEN)
    rows = _seed(app, "--cases", "40", "--team", "bench-eigen")
    assert {slug for slug, *_rest in rows} == {"bench-eigen"}
    assert {email for _slug, email, *_rest in rows} == {"auteur@bench-eigen.bench"}
    assert len({r[3].year for r in rows}) >= 5


def test_synthetic_teams_scale_with_the_cases():
    assert team_count(1) == 1
    assert team_count(300) == 3
    assert team_count(2000) == 5
    teams = synthetic_teams(100_000)
    assert len(teams) == 250
    assert len({t.slug for t in teams}) == 250
    members = [m for t in teams for m in t.members]
    assert len({m.email for m in members}) == len({m.handle for m in members}) == len(members)
    assert max(Counter(t.organisation_slug for t in teams).values()) <= 14
    assert teams[0].name == "Wijkteam Noord"
    assert teams[5].name == "Wijkteam Noord-Oost"


def test_members_of_other_seeds_never_share_a_handle():
    """Seeding again with another --seed into the same database adds other members: a handle
    belongs to one address, whichever seed made it."""
    owners: dict[str, set[str]] = {}
    for seed in range(1, 21):
        for team in synthetic_teams(2000, seed):
            for member in team.members:
                owners.setdefault(member.handle, set()).add(member.email)
    assert all(len(emails) == 1 for emails in owners.values())
