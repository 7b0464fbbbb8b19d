"""No route shows anything of a team the user is not in (R-01, R-02, R-04).

Walks the whole url_map: every object-scoped and admin route is called, with every method it
allows, with the ids of another organisation's objects and with the ids of another team of the
user's own organisation, once for each role the product has (lid, leercoach, teamleider,
docent, student, and a beheerder who is also a lid). The answer must be 404 with the same body
as for an id that does not exist. Every page a member can open is then searched for canary
strings planted in the other teams' data.

The seeded world is shared by the whole module: it is built once inside a transaction that is
rolled back when the module ends (this module's `_rollback` replaces conftest's per-test one).
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from reflectie.accounts import services
from reflectie.accounts.models import Membership
from reflectie.cases import services as case_services
from reflectie.cases.models import CaseStatus
from reflectie.db import db
from reflectie.methods import services as method_services
from reflectie.notifications.models import Notification
from reflectie.permissions import Role, TeamKind
from reflectie.publishing import services as publishing_services
from reflectie.publishing.models import PublicationStatus
from reflectie.sessions import series as meeting_series
from reflectie.sessions import services as meeting_services
from reflectie.teaching import services as teaching_services
from reflectie.threads import services as thread_services
from tests.factories import PASSWORD, make_team, make_token, make_user, new_totp_secret

MISSING = 987_654
# Every role of reflectie.permissions.Role, plus the beheerder (User.is_admin), each probing
# from team A (a wijkteam) or klas A (a class), both of organisation A.
ROLES = ["lid", "leercoach", "teamleider", "docent", "student", "beheerder"]
# Beheerders are global by design: "a beheerder (User.is_admin) manages the platform through
# the admin area" (reflectie/permissions.py; DESIGN: the beheerder creates organisations, teams
# and accounts). The admin routes therefore answer them for every organisation and are left out
# of their sweep; the object-scoped routes still answer 404, as for anyone outside the team.
ADMIN_IS_GLOBAL = {"beheerder"}
WHEN = datetime(2027, 3, 30, 14, tzinfo=UTC)
SERIES = {"method": "dilemmamethode", "weekday": 1, "start_time": time(14)}
BROUGHT_IN = {"situation": "s", "help_question": "h", "dilemma": "d", "kwesties": [5]}


def _team_objects(author, team, canary: str) -> dict:
    """A case with a comment and a draft, a meeting with a note and an action, a series, a
    reminder and a copy in concept: the objects only the team's own members may reach."""
    case = case_services.create_case(
        author,
        team,
        case_services.CaseInput(
            title=f"Casus {canary}",
            situation=f"Situatie {canary}",
            help_question=f"Vraag {canary}",
            dilemma=f"Moet ik {canary}?",
            kwesties=[5, 2],
            tags=[canary.lower()[:30]],
            values=[f"waarde {canary.lower()}"],
        ),
    )
    comment = case_services.add_comment(author, case.id, f"Reactie {canary}")
    case_services.save_draft(author, team=team, case_id=case.id, data={"title": canary})
    agenda = case_services.create_case(
        author,
        team,
        case_services.CaseInput(title=f"Agenda {canary}", **BROUGHT_IN),
        status=CaseStatus.INGEBRACHT,
    )
    meeting = meeting_services.create_meeting(
        author,
        team,
        meeting_services.MeetingInput(
            method="dilemmamethode", starts_at=WHEN, duration_minutes=90,
            case_ids=[agenda.id], location=f"Zaal {canary}",
        ),
    )  # fmt: skip
    meeting_services.save_note(author, meeting.id, 3, f"Notitie {canary}")
    outcome = meeting_services.add_outcome(
        author, meeting.id, kind="actiepunt", text=f"Actie {canary}", owner_id=author.id
    )
    series = meeting_series.create_series(
        author,
        team,
        meeting_series.SeriesInput(
            **SERIES, duration_minutes=90, starts_on=date(2027, 3, 1),
            location=f"Zaal {canary}", rotation=[author.id],
        ),
        today=date(2027, 3, 1),
    )  # fmt: skip
    meeting_services.send_reminder(meeting, f"/{team.slug}", now=WHEN)
    notification = db.session.scalar(
        db.select(Notification.id).where(Notification.user_id == author.id)
    )
    concept = publishing_services.start_publication(author, agenda.id)
    token, _raw = services.create_token(author, f"token {canary}")
    db.session.flush()
    membership = db.session.scalar(db.select(Membership).where(Membership.team_id == team.id))
    return {
        "slug": team.slug,
        "team_id": team.id,
        "user_id": author.id,
        "membership_id": membership.id,
        "token_id": token.id,
        "case_id": case.id,
        "comment_id": comment.id,
        "number": 1,
        "meeting_id": meeting.id,
        "outcome_id": outcome.id,
        "step": 1,
        "series_id": series.id,
        "notification_id": notification,
        "publication_id": concept.id,
    }


def _probers(team_a, klas_a) -> dict[str, dict]:
    """One user per role in organisation A, each with an API token."""
    people = {
        "lid": make_user(team=team_a, role=Role.LID),
        "teamleider": make_user(team=team_a, role=Role.TEAMLEIDER),
        "docent": make_user(team=klas_a, role=Role.DOCENT),
        "student": make_user(team=klas_a, role=Role.STUDENT),
    }
    secret = new_totp_secret()  # beheerders log in with two factors
    people["beheerder"] = make_user(team=team_a, role=Role.LID, admin=True, totp_secret=secret)
    return {
        role: {"email": user.email, "token": make_token(user), "totp": secret}
        for role, user in people.items()
    }


def _world(app: Flask) -> dict:
    """Organisation A: team A with a leercoach (the main prober), the other roles in team A and
    klas A, and team A2 (canary_same_org). Organisation B: team B and klas B full of canaries."""
    canary = "KANARIE" + secrets.token_hex(6).upper()
    canary_same_org = "BUURTEAM" + secrets.token_hex(6).upper()
    with app.app_context():
        team_a, team_b = make_team(), make_team()
        team_b.name = f"Team {canary}"
        member_a = make_user(team=team_a, role=Role.LEERCOACH)
        member_b = make_user(team=team_b, role=Role.LEERCOACH, name=f"Naam {canary}")
        ids = _team_objects(member_b, team_b, canary)
        concept_b = ids["publication_id"]
        case_b = ids["case_id"]
        method_b = method_services.copy_method(member_b, "dilemmamethode", team_b.organisation_id)
        method_b.name = f"Methode {canary}"
        meeting_a = meeting_services.create_meeting(
            member_a,
            team_a,
            meeting_services.MeetingInput(
                method="dilemmamethode", starts_at=WHEN, duration_minutes=60
            ),
        )
        outcome_a = meeting_services.add_outcome(
            member_a, meeting_a.id, kind="actiepunt", text="Actie A", owner_id=member_a.id
        )
        series_a = meeting_series.create_series(
            member_a,
            team_a,
            meeting_series.SeriesInput(**SERIES, duration_minutes=60, starts_on=date(2027, 3, 1)),
            today=date(2027, 3, 1),
        )
        meeting_services.send_reminder(meeting_a, "/a", now=WHEN)
        notification_a = db.session.scalar(
            db.select(Notification.id).where(Notification.user_id == member_a.id)
        )
        # Team A's own objects: the member's pages are crawled with these for canaries.
        case_a = case_services.create_case(
            member_a, team_a, case_services.CaseInput(title="Casus A", kwesties=[5], tags=["jeugd"])
        )
        comment_a = case_services.add_comment(member_a, case_a.id, "Reactie A")
        # Communities: one of organisation B and one by invitation, full of canaries; team A's
        # member is mentioned in B's post (and must hear nothing of it).
        community_b = thread_services.create_community(
            member_b,
            thread_services.CommunityInput(
                name=f"Gemeenschap {canary}",
                description=f"Over {canary}",
                organisation_id=team_b.organisation_id,
            ),
        )
        thread_services.create_community(
            member_b,
            thread_services.CommunityInput(
                name=f"Uitnodiging {canary}",
                access="invitation",
                organisation_id=team_b.organisation_id,
            ),
        )
        thread_b = thread_services.create_thread(
            member_b,
            community_b,
            thread_services.ThreadInput(
                title=f"Discussie {canary}", body=f"Bericht {canary}", tags=[canary.lower()[:30]]
            ),
        )
        post_b = thread_services.reply(member_b, thread_b.id, f"@{member_a.handle} {canary}")
        thread_services.edit_post(member_b, post_b.id, f"@{member_a.handle} bewerkt {canary}")
        report_b = thread_services.report_post(member_b, post_b.id, f"Reden {canary}")
        community_a = thread_services.create_community(
            member_a,
            thread_services.CommunityInput(
                name="Gemeenschap A", organisation_id=team_a.organisation_id
            ),
        )
        thread_a = thread_services.create_thread(
            member_a, community_a, thread_services.ThreadInput(title="Discussie A", body="Vraag A")
        )
        post_a = thread_services.reply(member_a, thread_a.id, "Antwoord A")
        thread_services.edit_post(member_a, post_a.id, "Antwoord A, bewerkt")
        report_a = thread_services.report_post(member_a, post_a.id, "Reden A")
        # Publishing and teaching: team B's copy, published to the library, in a collection of
        # a docent of a class of B's organisation, assigned to that class; team A's own copy.
        publication_b = publishing_services.start_publication(member_b, case_b)
        publication_b.status, publication_b.to_library = PublicationStatus.PUBLISHED, True
        publication_b.published_at = datetime(2027, 3, 1, tzinfo=UTC)
        klas_b = make_team(organisation=team_b.organisation, kind=TeamKind.KLAS)
        docent_b = make_user(team=klas_b, role=Role.DOCENT, name=f"Docent {canary}")
        make_user(team=klas_b, role=Role.STUDENT)
        collection_b = teaching_services.create_collection(docent_b, title=f"Bundel {canary}")
        item_b = teaching_services.add_item(
            docent_b, collection_b.id, publication_b.id, [f"Vraag {canary}"]
        )
        assignment_b = teaching_services.assign(
            docent_b,
            collection_b.id,
            team_id=klas_b.id,
            starts_on=date(2020, 1, 1),
            ends_on=date(2030, 1, 1),
        )
        publication_a = publishing_services.start_publication(member_a, case_a.id)
        # Another team of organisation A, with its own team-only objects.
        team_a2 = make_team(organisation=team_a.organisation)
        member_a2 = make_user(team=team_a2, role=Role.LEERCOACH, name=f"Naam {canary_same_org}")
        same_org_ids = _team_objects(member_a2, team_a2, canary_same_org)
        klas_a = make_team(organisation=team_a.organisation, kind=TeamKind.KLAS)
        accounts = _probers(team_a, klas_a)
        accounts["leercoach"] = {"email": member_a.email, "token": make_token(member_a)}
        db.session.commit()
        return {
            "canary": canary,
            "canary_same_org": canary_same_org,
            "accounts": accounts,
            "ids": {
                **ids,
                "org_id": team_b.organisation_id,
                "method_slug": method_b.slug,
                "community_slug": community_b.slug,
                "thread_id": thread_b.id,
                "post_id": post_b.id,
                "report_id": report_b.id,
                "publication_id": publication_b.id,
                "collection_id": collection_b.id,
                "item_id": item_b.id,
                "assignment_id": assignment_b.id,
            },
            # Docenten read every copy in the teaching library, whichever team it came from
            # (reflectie/publishing/access.py); for them B's copy in concept stands in.
            "concept_b": concept_b,
            "same_org_ids": same_org_ids,
            "own_ids": {
                "slug": team_a.slug,
                "case_id": case_a.id,
                "comment_id": comment_a.id,
                "number": 1,
                "method_slug": "dilemmamethode",
                "meeting_id": meeting_a.id,
                "outcome_id": outcome_a.id,
                "step": 1,
                "series_id": series_a.id,
                "notification_id": notification_a,
                "community_slug": community_a.slug,
                "thread_id": thread_a.id,
                "post_id": post_a.id,
                "report_id": report_a.id,
                "publication_id": publication_a.id,
            },
        }


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[dict]:
    """The seeded world, once per module, in one transaction rolled back at the end."""
    with app.app_context():
        connection = db.engines[None].connect()
    outer = connection.begin()
    with pytest.MonkeyPatch.context() as patch:
        with app.app_context():
            patch.setitem(db.engines, None, connection)  # the dict every context shares
            db.session.remove()
            db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield _world(app)
        finally:
            with app.app_context():
                db.session.remove()
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _rollback(world: dict) -> None:
    """Replaces conftest's per-test transaction: every test here runs in `world`'s."""


@pytest.fixture(scope="module")
def clients(app: Flask, world: dict) -> dict[str, FlaskClient]:
    """A logged-in client per role (a beheerder's TOTP code works once, so log in once)."""
    logged_in = {}
    for role, account in world["accounts"].items():
        client = app.test_client()
        response = client.post("/login", data={"email": account["email"], "password": PASSWORD})
        assert response.status_code == 302, response.text
        if role == "beheerder":
            code = pyotp.TOTP(account["totp"]).now()
            assert client.post("/login/tweestaps", data={"code": code}).status_code == 302
        logged_in[role] = client
    return logged_in


def _body(response) -> bytes:
    """The response's bytes; for a zip download, the bytes of every file in it."""
    data = response.get_data()
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return data


def _url(rule, values: dict) -> str | None:
    path = rule.rule
    for name in rule.arguments:
        if name not in values:
            return None
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), path)
    return path


def _strip_request_id(text: str) -> str:
    """Request ids and CSRF tokens (timestamped per second) differ between any two pages."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', text)
    return re.sub(r"[0-9a-f]{16}", "<id>", text)


def _rules(app: Flask, *kinds: str):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "access_rule", None) in kinds:
            yield rule, view


def _sweep(app: Flask, client: FlaskClient, token: str, role: str, ids: dict, canaries) -> int:
    """Call every object-scoped (and, but for beheerders, admin) route with `ids`, with every
    method it allows: each must answer 404 exactly like a missing object. Routes that need an
    id `ids` has not got are left out. Returns the number of calls checked."""
    kinds = ("scoped",) if role in ADMIN_IS_GLOBAL else ("scoped", "admin")
    missing_ids = {name: (MISSING if name != "slug" else "bestaat-niet") for name in ids}
    checked = 0
    for rule, _view in _rules(app, *kinds):
        url, missing_url = _url(rule, ids), _url(rule, missing_ids)
        if url is None:
            continue
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            forbidden = client.open(url, method=method, headers=headers)
            missing = client.open(missing_url, method=method, headers=headers)
            where = f"{role}: {method} {rule.rule}"
            assert forbidden.status_code == 404, f"{where}: {forbidden.status_code}"
            assert _strip_request_id(forbidden.text) == _strip_request_id(missing.text), where
            assert not any(c in forbidden.text for c in canaries), where
            checked += 1
    return checked


@pytest.mark.parametrize("role", ROLES)
def test_every_scoped_and_admin_route_answers_404_for_another_organisations_objects(
    app, world, clients, role
):
    """R-02 for each role: organisation B's objects do not exist for anyone of organisation A."""
    ids = dict(world["ids"])
    if role == "docent":
        ids["publication_id"] = world["concept_b"]
    token = world["accounts"][role]["token"]
    for rule, _view in _rules(app, "scoped", "admin"):
        assert _url(rule, ids) is not None, f"the sweep cannot fill {rule.rule}: add it to _world()"
    checked = _sweep(app, clients[role], token, role, ids, [world["canary"]])
    assert checked >= 100


@pytest.mark.parametrize("role", ROLES)
def test_every_scoped_route_answers_404_for_another_teams_objects_in_the_same_organisation(
    app, world, clients, role
):
    """R-02 inside one organisation: team A2's own objects (cases, meetings, series, copies,
    tokens, notifications) do not exist for the other teams of its organisation. Communities,
    methods and collections are the organisation's and are left out here."""
    token = world["accounts"][role]["token"]
    ids, canaries = world["same_org_ids"], [world["canary_same_org"]]
    checked = _sweep(app, clients[role], token, role, ids, canaries)
    assert checked >= 60


def test_the_other_teams_objects_are_unchanged_after_the_sweep(app, world, clients):
    client = clients["leercoach"]
    ids = world["ids"]
    client.post(f"/account/tokens/{ids['token_id']}/intrekken")
    client.post(f"/beheer/lidmaatschappen/{ids['membership_id']}", data={"action": "remove"})
    client.post(
        f"/beheer/gebruikers/{ids['user_id']}", data={"name": "x", "email": "x@example.test"}
    )
    with app.app_context():
        from reflectie.accounts.models import ApiToken, User

        assert db.session.get(ApiToken, ids["token_id"]).revoked_at is None
        assert db.session.get(Membership, ids["membership_id"]) is not None
        assert world["canary"] in db.session.get(User, ids["user_id"]).name


def test_no_page_a_member_can_open_shows_another_teams_canary(app, world, clients):
    """R-04: neither organisation B's canary nor that of the other team of A's organisation."""
    client, token = clients["leercoach"], world["accounts"]["leercoach"]["token"]
    canaries = (world["canary"], world["canary_same_org"])
    pages = 0
    for rule, _view in _rules(app, "public", "member"):
        if "GET" not in (rule.methods or set()) or rule.arguments:
            continue
        headers = {"Authorization": f"Bearer {token}"} if rule.rule.startswith("/api/") else {}
        response = client.get(rule.rule, headers=headers)
        assert not any(c in response.text for c in canaries), rule.rule
        pages += 1
    assert pages >= 5


def test_the_members_own_object_pages_show_no_canary_of_the_other_team(app, world, clients):
    client, token = clients["leercoach"], world["accounts"]["leercoach"]["token"]
    canaries = (world["canary"].encode(), world["canary_same_org"].encode())
    pages = 0
    for rule, _view in _rules(app, "scoped"):
        url = _url(rule, world["own_ids"])
        if url is None or "GET" not in (rule.methods or set()):
            continue
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        body = _body(response)
        assert not any(c in body for c in canaries), url
        pages += 1
    assert pages >= 2


@pytest.mark.parametrize("path", ["/api/v1/me"])
def test_the_api_shows_only_the_token_users_own_teams(app, world, path):
    token = world["accounts"]["leercoach"]["token"]
    response = app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert world["canary"] not in response.text
    assert world["ids"]["slug"] not in response.text
