"""`reflectie cases import|export`: thin wrappers over the import/export services."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from reflectie.accounts.services import get_user_by_email
from reflectie.cases import importexport
from reflectie.cases.services import all_kwesties
from reflectie.db import db
from reflectie.errors import NotFound

cli = AppGroup("cases", help="Import and export cases.")


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


bench_cli = AppGroup("bench", help="Data for benchmarks.")


@bench_cli.command("seed")
@click.option("--cases", "count", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--team", "team_slug", default="bench-team", show_default=True)
@click.option("--seed", "seed", type=int, default=1, show_default=True)
def bench_seed_command(count: int, team_slug: str, seed: int) -> None:
    """Add COUNT synthetic cases to a team (created with an author if missing)."""
    from reflectie.accounts import services as accounts
    from reflectie.cases.models import CaseStatus
    from reflectie.cases.services import create_case
    from reflectie.cases.synthetic import synthetic_cases
    from reflectie.permissions import Role

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
    db.session.commit()
    with click.progressbar(synthetic_cases(count, seed), length=count, label="cases") as bar:
        for n, data in enumerate(bar, start=1):
            create_case(author, team, data, status=CaseStatus.INGEBRACHT)
            if n % 500 == 0:
                db.session.commit()
    db.session.commit()
    click.echo(f"added {count} cases to {team_slug}")
