"""The `reflectie` console script: a Flask CLI group; features add their own command groups."""

from __future__ import annotations

import os
import subprocess
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_migrate import upgrade

from reflectie.db import db
from reflectie.errors import Invalid, NotFound


def _fail(err: Invalid | NotFound) -> click.ClickException:
    problems = [f"{field}: {' '.join(msgs)}" for field, msgs in err.fields.items()]
    return click.ClickException("; ".join(problems) or str(err.message))


def init_database() -> dict[str, int]:
    """What `reflectie init` does: migrate, then load the reference data (idempotent).
    Returns how many kwesties, values and methods were added or updated; the caller commits."""
    from reflectie.cases.services import load_kwesties, load_values
    from reflectie.methods.services import load_builtin_methods

    upgrade()
    return {"kwesties": load_kwesties(), "values": load_values(), "methods": load_builtin_methods()}


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database schema and load the reference data (idempotent)."""
    changed = init_database()
    db.session.commit()
    click.echo(
        f"database up to date; kwesties: {changed['kwesties']} added or updated; "
        f"values: {changed['values']}; methods: {changed['methods']}"
    )
    from reflectie.search.services import ensure_index

    if ensure_index():
        click.echo("search index built")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Add the demo organisation, teams and accounts (idempotent)."""
    from reflectie.demo import load_demo

    created = load_demo()
    db.session.commit()
    if created:
        click.echo("Demo-accounts (e-mail  wachtwoord  rol):")
        for email, password, role in created:
            click.echo(f"{email}  {password}  {role}")
    else:
        click.echo("demo data already present")


users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--team", "team_slug", help="Add the user to this team (created if missing).")
@click.option(
    "--role",
    default="lid",
    type=click.Choice(["lid", "leercoach", "teamleider", "docent", "student"]),
)
@click.option("--org", "org_slug", default="standaard", help="Organisation of a new team.")
@click.option("--admin", "is_admin", is_flag=True, help="Make the user a beheerder.")
def create_user_command(
    email: str,
    name: str,
    password_stdin: bool,
    team_slug: str | None,
    role: str,
    org_slug: str,
    is_admin: bool,
) -> None:
    """Create an account, optionally in a team."""
    from sqlalchemy import select

    from reflectie.accounts import services
    from reflectie.accounts.models import Organisation, Team
    from reflectie.permissions import Role

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email=email, name=name, password=password, is_admin=is_admin)
        if team_slug:
            team = db.session.scalar(select(Team).where(Team.slug == team_slug))
            if team is None:
                org = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
                if org is None:
                    org = services.create_organisation(
                        None, slug=org_slug, name=org_slug.replace("-", " ").title()
                    )
                team = services.create_team(
                    None, organisation=org, slug=team_slug, name=team_slug.replace("-", " ").title()
                )
            services.set_membership(None, team=team, user=user, role=Role(role))
    except (Invalid, NotFound) as err:
        db.session.rollback()
        raise _fail(err) from err
    db.session.commit()
    where = f" in {team_slug} as {role}" if team_slug else ""
    click.echo(f"created user {user.email} (@{user.handle}){where}")


tokens_cli = AppGroup("tokens", help="Manage API tokens.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="command line", help="What the token is for.")
def create_token_command(email: str, name: str) -> None:
    """Create an API token; it is printed once, as the last word of the output."""
    from reflectie.accounts import services

    user = services.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    _token, raw = services.create_token(user, name)
    db.session.commit()
    click.echo(f"token for {user.email} (shown once): {raw}")


# The path without the query string (%(U)s, not %(r)s or %(q)s) and no Referer (%(f)s): search
# terms may name clients.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def start_beside(*command: str) -> subprocess.Popen[bytes]:
    """Start `reflectie <command> --parent <this pid>` as a child process. It stops by itself
    when this process ends: `reflectie serve` becomes gunicorn (same pid) after starting it."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable, "-c", "from reflectie.cli import main; main()",
            *command, "--parent", str(os.getpid()),
        ]
    )  # fmt: skip


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=3, show_default=True, type=int)
@click.option(
    "--detector/--no-detector",
    default=True,
    show_default=True,
    help="Start the personal-data detector process (deduce) beside the web workers.",
)
@with_appcontext
def serve_command(host: str, port: int, workers: int, detector: bool) -> None:
    """Serve the app with gunicorn (and the publishing detector and search drainer processes)."""
    from reflectie.search import outbox

    if detector:
        # One process holds deduce (~1.1 GB), never a web worker.
        start_beside("publishing", "detector")
    if outbox.drain_mode(current_app) == "background":
        # One process indexes the search outbox for every worker, so that none does index
        # work beside its requests.
        start_beside("search", "drainer")
    args = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--access-logfile", "-",
        "--access-logformat", ACCESS_LOG_FORMAT,
        "reflectie:create_app()",
    ]  # fmt: skip
    os.execv(sys.executable, args)  # noqa: S606 - replaces this process with gunicorn


def init_app(app: Flask) -> None:
    from reflectie.audit.cli import cli as audit_cli
    from reflectie.backup.cli import backup_command, restore_command
    from reflectie.cases.cli import bench_cli
    from reflectie.cases.cli import cli as cases_cli
    from reflectie.publishing.cli import cli as publishing_cli
    from reflectie.retention.cli import cli as retention_cli
    from reflectie.search.cli import cli as search_cli
    from reflectie.sessions.cli import cli as sessions_cli
    from reflectie.threads.cli import cli as threads_cli

    commands = (
        init_command,
        demo_command,
        users_cli,
        tokens_cli,
        serve_command,
        cases_cli,
        bench_cli,
        sessions_cli,
        threads_cli,
        backup_command,
        restore_command,
        audit_cli,
        search_cli,
        publishing_cli,
        retention_cli,
    )
    for command in commands:
        app.cli.add_command(command)


def main() -> None:
    from reflectie import create_app

    FlaskGroup(create_app=create_app, add_version_option=False, load_dotenv=False)()
