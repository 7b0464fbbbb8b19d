"""The admin area: beheerders manage organisations, teams, accounts and memberships."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reflectie.accounts.models import Membership, Organisation, Team, User
from reflectie.db import db
from reflectie.permissions import Role
from tests.factories import make_org, make_team, make_user
from tests.pages import get_page, parse, text_of


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


ADMIN_PAGES = ["/beheer/", "/beheer/organisaties", "/beheer/teams", "/beheer/gebruikers",
               "/beheer/gebruikers/nieuw", "/beheer/audit"]  # fmt: skip


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_are_well_formed(admin_client, path):
    get_page(admin_client, path)


@pytest.mark.parametrize("role", list(Role))
def test_no_team_role_reaches_the_admin_area(app, login, role):
    with app.app_context():
        email = make_user(team=make_team(), role=role).email
    client = login(email)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 404, path
    assert client.post("/beheer/organisaties", data={"name": "X", "slug": "xx"}).status_code == 404


def test_an_admin_creates_an_organisation_and_a_team(app, admin_client):
    response = admin_client.post(
        "/beheer/organisaties", data={"name": "Gemeente Test", "slug": "gemeente-test"}
    )
    assert response.status_code == 302
    with app.app_context():
        org_id = db.session.scalar(
            select(Organisation.id).where(Organisation.slug == "gemeente-test")
        )
    response = admin_client.post(
        "/beheer/teams",
        data={
            "name": "Wijkteam West",
            "slug": "wijkteam-west",
            "kind": "wijkteam",
            "organisation_id": org_id,
        },
    )
    assert response.status_code == 302
    page = get_page(admin_client, response.headers["Location"])
    assert "Team Wijkteam West is aangemaakt." in text_of(page)
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.slug == "wijkteam-west"))
        assert team.organisation.slug == "gemeente-test"


def test_duplicate_and_missing_fields_get_clear_messages_and_change_nothing(app, admin_client):
    with app.app_context():
        org = make_org(slug="bestaand")
        make_team(organisation=org, slug="bezet")
        org_id = org.id
    teams = _count(app, Team)
    duplicate = admin_client.post(
        "/beheer/teams",
        data={"name": "X", "slug": "bezet", "kind": "wijkteam", "organisation_id": org_id},
    )
    assert duplicate.status_code == 200
    assert "Deze korte naam is al in gebruik." in text_of(parse(duplicate.text))
    missing = admin_client.post(
        "/beheer/teams",
        data={"name": "", "slug": "", "kind": "wijkteam", "organisation_id": org_id},
    )
    assert "Dit veld is verplicht." in text_of(parse(missing.text))
    bad_slug = admin_client.post(
        "/beheer/teams",
        data={"name": "X", "slug": "Met Spaties!", "kind": "wijkteam", "organisation_id": org_id},
    )
    assert "kleine letters" in text_of(parse(bad_slug.text))
    bad_kind = admin_client.post(
        "/beheer/teams",
        data={"name": "X", "slug": "goed", "kind": "ploeg", "organisation_id": org_id},
    )
    assert bad_kind.status_code == 200
    assert _count(app, Team) == teams


def test_an_admin_creates_an_account_and_adds_it_to_a_team(app, admin_client):
    with app.app_context():
        team_id = make_team().id
    response = admin_client.post(
        "/beheer/gebruikers/nieuw",
        data={
            "name": "Nina Nieuw",
            "email": "Nina@Example.test",
            "password": "een-goed-startwachtwoord",
        },
    )
    assert response.status_code == 302
    response = admin_client.post(
        f"/beheer/teams/{team_id}",
        data={"member-email": "nina@example.test", "member-role": "leercoach"},
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nina@example.test"))
        assert user.role_in(team_id) == Role.LEERCOACH
        membership_id = user.memberships[0].id
    admin_client.post(
        f"/beheer/lidmaatschappen/{membership_id}", data={f"role{membership_id}-role": "lid"}
    )
    with app.app_context():
        assert db.session.get(Membership, membership_id).role == Role.LID
    admin_client.post(f"/beheer/lidmaatschappen/{membership_id}", data={"action": "remove"})
    with app.app_context():
        assert db.session.get(Membership, membership_id) is None


def test_a_duplicate_email_is_refused_when_creating_an_account(app, admin_client):
    with app.app_context():
        make_user(email="bestaat@example.test")
    users = _count(app, User)
    response = admin_client.post(
        "/beheer/gebruikers/nieuw",
        data={"name": "X", "email": "BESTAAT@example.test", "password": "een-goed-startwachtwoord"},
    )
    assert response.status_code == 200
    assert "Er bestaat al een account met dit e-mailadres." in response.text
    assert _count(app, User) == users


def test_adding_an_unknown_email_to_a_team_says_so(app, admin_client):
    with app.app_context():
        team_id = make_team().id
    response = admin_client.post(
        f"/beheer/teams/{team_id}",
        data={"member-email": "onbekend@example.test", "member-role": "lid"},
    )
    assert response.status_code == 200
    assert "Er is geen account met dit e-mailadres." in response.text


def test_an_admin_cannot_lock_themselves_out(app, admin_client):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.name == "Bea Beheer"))
        admin_id, email = admin.id, admin.email
    response = admin_client.post(
        f"/beheer/gebruikers/{admin_id}", data={"name": "Bea Beheer", "email": email, "active": ""}
    )
    assert response.status_code == 200
    assert "U kunt uzelf geen beheerder af maken of blokkeren." in response.text


def test_an_admin_ends_all_sessions_of_a_user(app, admin_client, login):
    with app.app_context():
        user = make_user(team=make_team())
        user_id, email = user.id, user.email
    victim = login(email)
    admin_client.post(f"/beheer/gebruikers/{user_id}/sessies-beeindigen")
    assert victim.get("/account").status_code == 302


def test_admin_actions_are_in_the_audit_log(app, admin_client):
    admin_client.post("/beheer/organisaties", data={"name": "Audit Org", "slug": "audit-org"})
    page = get_page(admin_client, "/beheer/audit")
    assert "organisation.create" in text_of(page)


def test_the_user_list_does_not_query_per_row(app, admin_client, count_queries):
    with app.app_context():
        team = make_team()
        for _ in range(15):
            make_user(team=team)
    with count_queries() as sql:
        assert admin_client.get("/beheer/gebruikers").status_code == 200
    assert len(sql) <= 8, "\n".join(sql)


def test_the_audit_log_answers_who_read_a_case(app, admin_client):
    from reflectie.audit.models import AuditEvent

    with app.app_context():
        team = make_team()
        reader, other = make_user(team=team, name="Lezer Een"), make_user(team=team, name="Ander")
        for user in (reader, other):
            db.session.add(
                AuditEvent(action="case.read", actor_id=user.id, object_type="case", object_id=4242)
            )
        db.session.add(
            AuditEvent(action="case.update", actor_id=other.id, object_type="case", object_id=4242)
        )
        db.session.commit()
        reader_email = reader.email
    page = text_of(
        get_page(admin_client, "/beheer/audit?action=case.read&object_type=case&object_id=4242")
    )
    assert "Lezer Een" in page
    assert "Ander" in page
    assert "case.update" not in page
    mine = text_of(get_page(admin_client, f"/beheer/audit?actor={reader_email}&action=case.read"))
    assert "Lezer Een" in mine
    assert "Ander" not in mine
