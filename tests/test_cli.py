"""The `reflectie` console script (DESIGN.md contracts)."""

from __future__ import annotations

from sqlalchemy import func, select

from reflectie import create_app
from reflectie.accounts.models import Membership, Organisation, Team, User
from reflectie.accounts.services import get_user_by_email, user_for_token
from reflectie.cases.models import Case, Kwestie
from reflectie.db import db
from tests.conftest import TEST_CONFIG


def test_init_migrates_and_loads_the_kwesties_idempotently(tmp_path):
    app = create_app(
        {
            **TEST_CONFIG,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'i.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "kwesties: 7 added or updated" in first.output
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0
    assert "kwesties: 0 added or updated" in second.output
    with app.app_context():
        names = db.session.scalars(select(Kwestie.name).order_by(Kwestie.number)).all()
        assert names[0] == "Beleidssturing"
        assert names[6] == "Effecten evalueren"
        assert all(3 <= len(k.questions) <= 5 for k in db.session.scalars(select(Kwestie)))
        db.engine.dispose()


def test_demo_creates_its_world_once_and_prints_each_account(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "@" in line]
    assert len(lines) == 9
    email, password, role = lines[1].split("  ", 2)
    assert email == "leercoach@rivierstad.example"
    assert role.startswith("leercoach")
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "@" not in again.output
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Team.id)).where(Team.slug.like("wijkteam-%"))) == 2
        )
        demo_cases = db.session.scalar(
            select(func.count(Case.id)).join(Team).where(Team.slug.like("wijkteam-%"))
        )
        assert demo_cases == 8  # and the second run added none
        user = get_user_by_email(email)
        assert {str(m.role) for m in user.memberships} == {"leercoach"}
        from reflectie.accounts.passwords import verify_password

        assert verify_password(user.password_hash, password)


def test_users_create_makes_the_team_and_organisation_when_missing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "Nieuw@Example.test", "--name", "Nieuwe Collega",
              "--password-stdin", "--team", "wijkteam-oost", "--role", "leercoach",
              "--org", "gemeente-x"],
        input="een lang genoeg wachtwoord\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = get_user_by_email("nieuw@example.test")
        assert user.name == "Nieuwe Collega"
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership.team.slug == "wijkteam-oost"
        assert str(membership.team.kind) == "wijkteam"
        assert membership.team.organisation.slug == "gemeente-x"
        assert str(membership.role) == "leercoach"


def test_users_create_refuses_a_duplicate_email_and_writes_nothing(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "dubbel@example.test", "--name", "A", "--password-stdin",
            "--team", "nog-geen-team"]  # fmt: skip
    assert runner.invoke(args=args, input="een lang genoeg wachtwoord\n").exit_code == 0
    again = runner.invoke(args=[*args[:-1], "ander-team"], input="een lang genoeg wachtwoord\n")
    assert again.exit_code != 0
    assert "Er bestaat al een account met dit e-mailadres." in again.output
    with app.app_context():
        assert db.session.scalar(select(Team).where(Team.slug == "ander-team")) is None
        assert (
            db.session.scalar(
                select(func.count(User.id)).where(User.email == "dubbel@example.test")
            )
            == 1
        )


def test_users_create_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "zwak@example.test", "--name", "Z", "--password-stdin"],
        input="wachtwoord\n",
    )
    assert result.exit_code != 0
    assert "veelgebruikte wachtwoorden" in result.output
    with app.app_context():
        assert get_user_by_email("zwak@example.test") is None


def test_users_create_can_make_a_beheerder(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "baas@example.test",
            "--name",
            "B",
            "--password-stdin",
            "--admin",
        ],
        input="een lang genoeg wachtwoord\n",
    )
    assert result.exit_code == 0
    with app.app_context():
        assert get_user_by_email("baas@example.test").is_admin
        assert db.session.scalar(
            select(func.count(Organisation.id)).where(Organisation.slug == "standaard")
        ) in (0, 1)


def test_tokens_create_prints_a_working_token_as_the_last_word(app):
    runner = app.test_cli_runner()
    runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "api@example.test",
            "--name",
            "Api",
            "--password-stdin",
        ],
        input="een lang genoeg wachtwoord\n",
    )
    result = runner.invoke(args=["tokens", "create", "api@example.test"])
    assert result.exit_code == 0
    token = result.output.split()[-1]
    assert len(token) >= 40
    with app.app_context():
        assert user_for_token(token).email == "api@example.test"


def test_tokens_create_for_an_unknown_user_fails(app):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "niemand@example.test"])
    assert result.exit_code != 0
    assert "no user" in result.output
