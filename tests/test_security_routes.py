"""No route shows anything of a team the user is not in (R-01, R-02, R-04).

Walks the whole url_map: every object-scoped and admin route is called, with every method it
allows, with the ids of another team's objects, as a member of a different team. The answer
must be 404 with the same body as for an id that does not exist. Every page the member can
open is then searched for canary strings planted in the other team's data.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from datetime import UTC, date, datetime, time

import pytest
from flask import Flask

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
from tests.factories import make_team, make_token, make_user

MISSING = 987_654


def _world(app: Flask) -> dict:
    """Team A with a member (who probes), team B full of canaries."""
    canary = "KANARIE" + secrets.token_hex(6).upper()
    with app.app_context():
        team_a, team_b = make_team(), make_team()
        team_b.name = f"Team {canary}"
        member_a = make_user(team=team_a, role=Role.LEERCOACH)
        member_b = make_user(team=team_b, role=Role.LEERCOACH, name=f"Naam {canary}")
        token_b, _raw = services.create_token(member_b, f"token {canary}")
        case_b = case_services.create_case(
            member_b,
            team_b,
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
        comment_b = case_services.add_comment(member_b, case_b.id, f"Reactie {canary}")
        case_services.save_draft(member_b, team=team_b, case_id=case_b.id, data={"title": canary})
        method_b = method_services.copy_method(member_b, "dilemmamethode", team_b.organisation_id)
        method_b.name = f"Methode {canary}"
        brought_in = {"situation": "s", "help_question": "h", "dilemma": "d", "kwesties": [5]}
        agenda_b = case_services.create_case(
            member_b,
            team_b,
            case_services.CaseInput(title=f"Agenda {canary}", **brought_in),
            status=CaseStatus.INGEBRACHT,
        )
        when = datetime(2027, 3, 30, 14, tzinfo=UTC)
        meeting_b = meeting_services.create_meeting(
            member_b,
            team_b,
            meeting_services.MeetingInput(
                method="dilemmamethode", starts_at=when, duration_minutes=90,
                case_ids=[agenda_b.id], location=f"Zaal {canary}",
            ),
        )  # fmt: skip
        meeting_a = meeting_services.create_meeting(
            member_a,
            team_a,
            meeting_services.MeetingInput(
                method="dilemmamethode", starts_at=when, duration_minutes=60
            ),
        )
        meeting_services.save_note(member_b, meeting_b.id, 3, f"Notitie {canary}")
        outcome_b = meeting_services.add_outcome(
            member_b, meeting_b.id, kind="actiepunt", text=f"Actie {canary}", owner_id=member_b.id
        )
        outcome_a = meeting_services.add_outcome(
            member_a, meeting_a.id, kind="actiepunt", text="Actie A", owner_id=member_a.id
        )
        series_input = {"method": "dilemmamethode", "weekday": 1, "start_time": time(14)}
        series_b = meeting_series.create_series(
            member_b,
            team_b,
            meeting_series.SeriesInput(
                **series_input, duration_minutes=90, starts_on=date(2027, 3, 1),
                location=f"Zaal {canary}", rotation=[member_b.id],
            ),
            today=date(2027, 3, 1),
        )  # fmt: skip
        series_a = meeting_series.create_series(
            member_a,
            team_a,
            meeting_series.SeriesInput(
                **series_input, duration_minutes=60, starts_on=date(2027, 3, 1)
            ),
            today=date(2027, 3, 1),
        )
        meeting_services.send_reminder(meeting_b, "/b", now=when)
        meeting_services.send_reminder(meeting_a, "/a", now=when)
        notification_b, notification_a = (
            db.session.scalar(db.select(Notification.id).where(Notification.user_id == u.id))
            for u in (member_b, member_a)
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
        publication_b = publishing_services.start_publication(member_b, case_b.id)
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
        db.session.commit()
        membership_b = db.session.scalar(
            db.select(Membership).where(Membership.team_id == team_b.id)
        )
        return {
            "canary": canary,
            "email_a": member_a.email,
            "token_a": make_token(member_a),
            "ids": {
                "slug": team_b.slug,
                "team_id": team_b.id,
                "org_id": team_b.organisation_id,
                "user_id": member_b.id,
                "membership_id": membership_b.id,
                "token_id": token_b.id,
                "case_id": case_b.id,
                "comment_id": comment_b.id,
                "number": 1,
                "method_slug": method_b.slug,
                "meeting_id": meeting_b.id,
                "outcome_id": outcome_b.id,
                "step": 1,
                "series_id": series_b.id,
                "notification_id": notification_b,
                "community_slug": community_b.slug,
                "thread_id": thread_b.id,
                "post_id": post_b.id,
                "report_id": report_b.id,
                "publication_id": publication_b.id,
                "collection_id": collection_b.id,
                "item_id": item_b.id,
                "assignment_id": assignment_b.id,
            },
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


def test_every_scoped_and_admin_route_answers_404_for_another_teams_objects(app, login):
    world = _world(app)
    client = login(world["email_a"])
    missing_ids = {name: (MISSING if name != "slug" else "bestaat-niet") for name in world["ids"]}
    checked = 0
    for rule, _view in _rules(app, "scoped", "admin"):
        url, missing_url = _url(rule, world["ids"]), _url(rule, missing_ids)
        assert url is not None, f"the sweep cannot fill {rule.rule}: add the id to _world()"
        headers = {"Authorization": f"Bearer {world['token_a']}"} if url.startswith("/api/") else {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            forbidden = client.open(url, method=method, headers=headers)
            missing = client.open(missing_url, method=method, headers=headers)
            assert forbidden.status_code == 404, f"{method} {rule.rule}: {forbidden.status_code}"
            assert _strip_request_id(forbidden.text) == _strip_request_id(missing.text), rule.rule
            assert world["canary"] not in forbidden.text
            checked += 1
    assert checked >= 10


def test_the_other_teams_objects_are_unchanged_after_the_sweep(app, login):
    world = _world(app)
    client = login(world["email_a"])
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


def test_no_page_a_member_can_open_shows_another_teams_canary(app, login):
    world = _world(app)
    client = login(world["email_a"])
    pages = 0
    for rule, _view in _rules(app, "public", "member"):
        if "GET" not in (rule.methods or set()) or rule.arguments:
            continue
        headers = (
            {"Authorization": f"Bearer {world['token_a']}"} if rule.rule.startswith("/api/") else {}
        )
        response = client.get(rule.rule, headers=headers)
        assert world["canary"] not in response.text, rule.rule
        pages += 1
    assert pages >= 5


def test_the_members_own_object_pages_show_no_canary_of_the_other_team(app, login):
    world = _world(app)
    client = login(world["email_a"])
    pages = 0
    for rule, _view in _rules(app, "scoped"):
        url = _url(rule, world["own_ids"])
        if url is None or "GET" not in (rule.methods or set()):
            continue
        headers = {"Authorization": f"Bearer {world['token_a']}"} if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        assert world["canary"].encode() not in _body(response), url
        pages += 1
    assert pages >= 2


@pytest.mark.parametrize("path", ["/api/v1/me"])
def test_the_api_shows_only_the_token_users_own_teams(app, client, path):
    world = _world(app)
    response = client.get(path, headers={"Authorization": f"Bearer {world['token_a']}"})
    assert response.status_code == 200
    assert world["canary"] not in response.text
    assert world["ids"]["slug"] not in response.text
