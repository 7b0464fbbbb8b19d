"""`reflectie cases import|export|erase`: thin wrappers over the case services."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import bindparam, select, update

from reflectie.accounts import services as accounts
from reflectie.accounts.models import Organisation, Team, User
from reflectie.accounts.passwords import hash_password
from reflectie.accounts.services import get_user_by_email
from reflectie.cases import erasure, importexport
from reflectie.cases.models import Case, CaseRevision, CaseStatus
from reflectie.cases.services import all_kwesties, create_case
from reflectie.cases.synthetic import (
    SyntheticTeam,
    synthetic_cases,
    synthetic_placements,
    synthetic_teams,
)
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role

cli = AppGroup("cases", help="Import, export and erase cases.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--team", "team_slug", required=True, help="Slug of the team the cases join.")
@click.option("--author", "author_email", required=True, help="E-mail of the author.")
def import_command(path: Path, team_slug: str, author_email: str) -> None:
    """Import a JSON list of cases: all of them or none; every bad record is reported."""
    author = get_user_by_email(author_email)
    if author is None:
        raise click.ClickException(f"no user with e-mail {author_email}")
    try:
        team = importexport.find_team(team_slug)
        cases = importexport.import_cases(author, team, importexport.parse_file(path.read_bytes()))
    except NotFound as err:
        raise click.ClickException(
            f"no team {team_slug!r}, or {author_email} may not write cases there"
        ) from err
    except importexport.ImportRefused as err:
        db.session.rollback()
        for problem in err.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"import refused: {len(err.problems)} problem(s); nothing was imported"
        ) from err
    db.session.commit()
    click.echo(f"imported {len(cases)} cases into {team.slug}")


@cli.command("export")
@click.option("--team", "team_slug", required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "md"]), default="json", show_default=True
)
@click.option("--as", "as_email", help="Export what this user may see (checked like the UI).")
def export_command(team_slug: str, fmt: str, as_email: str | None) -> None:
    """Print the team's cases as case JSON (re-importable) or Markdown."""
    actor = None
    if as_email:
        actor = get_user_by_email(as_email)
        if actor is None:
            raise click.ClickException(f"no user with e-mail {as_email}")
    try:
        team = importexport.find_team(team_slug)
        cases = importexport.export_cases(actor, team)
    except NotFound as err:
        raise click.ClickException(f"no team {team_slug!r} to export") from err
    db.session.commit()  # the audit row of the export
    if fmt == "json":
        click.echo(importexport.export_json(cases))
    else:
        names = {k.number: k.name for k in all_kwesties()}
        click.echo(importexport.export_markdown(cases, names), nl=False)


def _describe(done: erasure.Erasure) -> str:
    return (
        f"erased case {done.case_id}: {done.revisions} revisions, {done.comments} comments, "
        f"{done.drafts} drafts; meetings: {done.meetings_cleared} records removed, "
        f"{done.meetings_scrubbed} scrubbed; anonymised copies: {done.publications_kept} kept "
        f"(unlinked), {done.publications_removed} removed; {done.notifications} notifications"
    )


def purge_index_or_warn() -> None:
    """After an erasure's commit: take the text out of the search index files too."""
    for _ in range(30):  # a drain in progress holds the lock for a moment
        if erasure.purge_search_index():
            click.echo("search index purged")
            return
        time.sleep(1)
    click.echo(
        "the search index is busy: run `reflectie search reindex` to purge the erased text "
        "from its files (search results already leave it out)",
        err=True,
    )


@cli.command("erase")
@click.argument("case_id", type=int, required=False)
@click.option("--reason", required=True, help="Why (e.g. the request's reference); only its "
              "length is logged.")  # fmt: skip
@click.option("--team", "team_slug", help="With --matching: the team whose cases to search.")
@click.option("--matching", "text", help="Erase every case of --team that contains this text.")
@click.option("--by", "by_email", help="E-mail of the beheerder who handles the request.")
@click.option("--yes", is_flag=True, help="With --matching: do not ask for confirmation.")
def erase_command(
    case_id: int | None,
    reason: str,
    team_slug: str | None,
    text: str | None,
    by_email: str | None,
    yes: bool,
) -> None:
    """Erase a case for good (AVG art. 17), or every case of a team matching a text.

    Removes the case, its revisions, comments, drafts, meeting records about it alone,
    unapproved anonymised copies and notifications; writes one audit row without content.
    Backups keep the data until they rotate out.
    """
    if (case_id is None) == (text is None) or (text is not None and not team_slug):
        raise click.UsageError("give CASE_ID, or --team SLUG with --matching TEXT")
    actor = None
    if by_email:
        actor = get_user_by_email(by_email)
        if actor is None or not actor.is_admin:
            raise click.ClickException(f"{by_email} is not a beheerder")
    try:
        if case_id is not None:
            done = [erasure.erase_case(actor, case_id, reason=reason)]
        else:
            text, team = text or "", importexport.find_team(team_slug or "")
            found = erasure.find_matching(actor, team.id, text)
            click.echo(f"{len(found)} case(s) of {team.slug} match: "
                       + (", ".join(str(m.case.id) for m in found) or "none"))  # fmt: skip
            if not yes and not click.confirm("erase them, and the text everywhere in the team?"):
                raise click.Abort
            done = erasure.erase_matching(actor, team.id, text, reason=reason)
    except erasure.AlreadyErased as err:
        raise click.ClickException(str(err.message)) from err
    except NotFound as err:
        what = f"case {case_id}" if case_id is not None else f"team {team_slug!r}"
        raise click.ClickException(f"no {what}") from err
    except Invalid as err:
        db.session.rollback()
        raise click.ClickException("; ".join(m for ms in err.fields.values() for m in ms)) from err
    db.session.commit()
    for item in done:
        click.echo(_describe(item))
    purge_index_or_warn()


bench_cli = AppGroup("bench", help="Data for benchmarks.")


@bench_cli.command("seed")
@click.option("--cases", "count", type=click.IntRange(1, 1_000_000), required=True)
@click.option(
    "--team",
    "team_slug",
    help="Put every case in this team, written by auteur@SLUG.bench (team, organisation and "
    "author are created if missing). Without it: spread over generated wijkteams.",
)
@click.option("--seed", "seed", type=int, default=1, show_default=True)
def bench_seed_command(count: int, team_slug: str | None, seed: int) -> None:
    """Add --cases N realistic synthetic Dutch cases for measuring (brought in, with
    kwesties, values and tags).

    Without --team the cases are spread over generated wijkteams ("Wijkteam Noord-Oost"):
    one per ~400 cases (at least 3), grouped by fictitious gemeente in organisations of up
    to 14 teams, each with 3 to 6 members (a leercoach, a teamleider, leden; e-mail
    addresses end in @TEAM-SLUG.bench) who write them. Teams and members that exist already
    are reused. Either way the cases are dated over the last 6 years, oldest first. The same
    --seed gives the same texts, teams, authors and dates (counted back from today).
    """
    now = datetime.combine(utcnow().date(), dt_time(), tzinfo=UTC)
    plan: list[SyntheticTeam] = []
    if team_slug:
        teams = [_bench_team(team_slug, seed)]
        where = team_slug
    else:
        plan = synthetic_teams(count, seed)
        teams = _bench_teams(plan, seed)
        orgs = len({t.organisation_slug for t in plan})
        where = f"{len(teams)} teams in {orgs} organisation{'s' if orgs > 1 else ''}"
    db.session.commit()
    placements = synthetic_placements(count, seed, plan, now)
    session = db.session()
    # The teams and authors stay loaded across the commits: no reload every batch.
    expire, session.expire_on_commit = session.expire_on_commit, False
    dates: list[dict[str, Any]] = []
    try:
        with click.progressbar(synthetic_cases(count, seed), length=count, label="cases") as bar:
            for n, (data, spot) in enumerate(zip(bar, placements, strict=False), start=1):
                team, authors = teams[spot.team]
                case = create_case(authors[spot.author], team, data, status=CaseStatus.INGEBRACHT)
                dates.append(
                    {"case_id": case.id, "created": spot.created_at, "updated": spot.updated_at}
                )
                if n % 500 == 0:
                    _date_cases(dates)
                    db.session.commit()
        _date_cases(dates)
        db.session.commit()
    finally:
        session.expire_on_commit = expire
    click.echo(f"added {count} cases to {where}")


def _bench_team(team_slug: str, seed: int) -> tuple[Team, list[User]]:
    """--team: the team (created in an organisation of its own if missing) and its author."""
    email = f"auteur@{team_slug}.bench"
    author = get_user_by_email(email) or accounts.create_user(
        email=email, name="Bench Auteur", password=f"bench-{seed}-wachtwoord"
    )
    try:
        team = importexport.find_team(team_slug)
    except NotFound:
        org = accounts.create_organisation(None, slug=f"{team_slug}-org", name="Benchmark")
        team = accounts.create_team(None, organisation=org, slug=team_slug, name="Benchmarkteam")
    if author.role_in(team.id) is None:
        accounts.set_membership(None, team=team, user=author, role=Role.LEERCOACH)
    return team, [author]


def _bench_teams(plan: list[SyntheticTeam], seed: int) -> list[tuple[Team, list[User]]]:
    """The generated teams with their members, created where missing. The members share one
    password hash (hashing one per member would take longer than the cases)."""
    password_hash = hash_password(f"bench-{seed}-wachtwoord")
    organisations: dict[str, Organisation] = {}
    found = []
    for spec in plan:
        team = db.session.scalar(select(Team).where(Team.slug == spec.slug))
        if team is None:
            org = organisations.get(spec.organisation_slug) or db.session.scalar(
                select(Organisation).where(Organisation.slug == spec.organisation_slug)
            )
            if org is None:
                org = accounts.create_organisation(
                    None, slug=spec.organisation_slug, name=spec.organisation_name
                )
            organisations[spec.organisation_slug] = org
            team = accounts.create_team(None, organisation=org, slug=spec.slug, name=spec.name)
        members = []
        for member in spec.members:
            user = get_user_by_email(member.email)
            if user is None:
                user = User(
                    email=member.email,
                    name=member.name,
                    handle=member.handle,
                    password_hash=password_hash,
                )
                db.session.add(user)
                db.session.flush()
            if user.role_in(team.id) is None:
                accounts.set_membership(None, team=team, user=user, role=member.role)
            members.append(user)
        found.append((team, members))
    return found


def _date_cases(dates: list[dict[str, Any]]) -> None:
    """Give the cases just written their synthetic dates, and their first revision the
    creation date (two statements per batch rather than one per case)."""
    if not dates:
        return
    db.session.flush()
    cases = Case.__table__
    db.session.execute(
        update(cases)
        .where(cases.c.id == bindparam("case_id"))
        .values(created_at=bindparam("created"), updated_at=bindparam("updated")),
        dates,
    )
    revisions = CaseRevision.__table__
    db.session.execute(
        update(revisions)
        .where(revisions.c.case_id == bindparam("cid"))
        .values(created_at=bindparam("created")),
        [{"cid": d["case_id"], "created": d["created"]} for d in dates],
    )
    dates.clear()
