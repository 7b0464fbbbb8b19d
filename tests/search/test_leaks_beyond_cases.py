"""R-04/R-05 beyond cases, on both engines: a member of team A finds nothing of another team's
meeting records (in their own organisation or another), another organisation's adapted
methods, or the threads and posts of a community they may not read (an invitation community
of their own organisation they were not invited to, another organisation's community): no
hit, no total, no facet value or count, no snippet, no suggestion, no similar document. And
the same through the HTTP page /zoeken and the API /api/v1/search."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from reflectie.accounts.models import User
from reflectie.cases.models import Case
from reflectie.db import db
from reflectie.methods import services as method_services
from reflectie.methods.models import Method
from reflectie.permissions import Role
from reflectie.search import services
from reflectie.sessions import services as meeting_services
from reflectie.sessions.models import Meeting
from reflectie.threads.models import CommunityAccess, Thread
from tests.factories import make_team, make_token, make_user
from tests.search.conftest import Teams, make_teams, write_case
from tests.threads.factories import make_community, make_reply, make_thread

WHEN = datetime(2026, 3, 30, 14, tzinfo=UTC)


def _canary() -> str:
    return "kanarie" + secrets.token_hex(5)


def _everything(page) -> str:
    parts = [page.suggestion or "", str(page.total)]
    for r in page.results:
        parts += [r.type, str(r.id), r.title, str(r.snippet), r.group, r.url]
    for name, values in page.facets.items():
        parts += [f"{name}={f.value}:{f.label}:{f.count}" for f in values]
    return " ".join(parts)


@dataclass
class World:
    teams: Teams
    canary: str
    sibling: User  # leercoach of team C: team A's organisation, not team A
    member: User  # invited to the closed community (team A's leercoach)
    own_case: Case
    own_thread: Thread  # in an organisation community the reader reads
    meeting_b: Meeting  # team B (another organisation), with its adapted method
    meeting_c: Meeting  # team C (the reader's organisation)
    method: Method  # organisation B's adapted copy
    closed: Thread  # invitation community of the reader's organisation
    org_b: Thread  # organisation community of organisation B

    @property
    def forbidden(self) -> set[tuple[str, int]]:
        return {
            ("meeting", self.meeting_b.id),
            ("meeting", self.meeting_c.id),
            ("method", self.method.id),
            ("thread", self.closed.id),
            ("thread", self.org_b.id),
        }


def _meeting(planner: User, team, canary: str, method: str = "dilemmamethode") -> Meeting:
    case = write_case(
        planner, team, f"Agenda {canary}", f"Schulden en {canary}.", help_question="Wat nu?",
        dilemma="Melden of niet?", kwesties=[3], tags=[canary],
    )  # fmt: skip
    meeting = meeting_services.create_meeting(
        planner,
        team,
        meeting_services.MeetingInput(
            method=method, starts_at=WHEN, duration_minutes=60, case_ids=[case.id],
            location=f"Buurthuis {canary}",
        ),
    )  # fmt: skip
    meeting_services.save_note(planner, meeting.id, 3, f"Notitie over schulden en {canary}")
    meeting_services.add_outcome(
        planner, meeting.id, kind="leerpunt", text=f"Leerpunt: schulden {canary} eerder zien."
    )
    db.session.commit()
    return meeting


def make_world() -> World:
    canary = _canary()
    teams = make_teams()
    reader, colleague, outsider = teams.reader, teams.colleague, teams.outsider
    org_a, org_b = teams.team_a.organisation, teams.team_b.organisation
    # What the reader may find: a case of their team and a thread of their organisation.
    own_case = write_case(
        colleague, teams.team_a, "Schulden in de wijk", "Een gezin met schulden.",
        kwesties=[5], tags=["schulden"],
    )  # fmt: skip
    open_community = make_community(founder=colleague, organisation=org_a, name="Open schulden")
    own_thread = make_thread(
        open_community, reader, title="Schulden en regie", body="Hoe houden jullie de regie bij "
        "schulden?", kwesties=[5],
    )  # fmt: skip
    # Organisation B adapts a method and names it (and its text) with the canary.
    method = method_services.copy_method(outsider, "dilemmamethode", org_b.id)
    method = method_services.update_method(
        outsider,
        method.slug,
        replace(
            method_services.method_input(method),
            name=f"Dilemmamethode {canary}",
            purpose=f"Schulden bespreken met {canary}.",
        ),
    )
    db.session.commit()
    meeting_b = _meeting(outsider, teams.team_b, canary, method=method.slug)
    # Team C: the reader's organisation, another team.
    team_c = make_team(organisation=org_a)
    sibling = make_user(team=team_c, role=Role.LEERCOACH)
    meeting_c = _meeting(sibling, team_c, canary)
    # An invitation community of the reader's own organisation, without the reader.
    invitation = make_community(
        founder=colleague, organisation=org_a, access=CommunityAccess.INVITATION,
        name=f"Besloten {canary}",
    )  # fmt: skip
    closed = make_thread(
        invitation, colleague, title=f"Besloten schulden {canary}",
        body=f"Over schulden en {canary}.", kwesties=[3],
    )  # fmt: skip
    make_reply(closed, colleague, f"Nog meer over schulden: {canary}.")
    # An organisation community of organisation B.
    elsewhere = make_community(founder=outsider, organisation=org_b, name=f"Elders {canary}")
    org_b_thread = make_thread(
        elsewhere, outsider, title=f"Schulden elders {canary}",
        body=f"Schulden en {canary} in organisatie B.", kwesties=[3],
    )  # fmt: skip
    make_reply(org_b_thread, outsider, f"Reactie: {canary}.")
    return World(
        teams=teams, canary=canary, sibling=sibling, member=colleague, own_case=own_case,
        own_thread=own_thread, meeting_b=meeting_b, meeting_c=meeting_c, method=method,
        closed=closed, org_b=org_b_thread,
    )  # fmt: skip


def _found(user: User, q: str, **kwargs) -> set[tuple[str, int]]:
    return {(r.type, r.id) for r in services.search(user, q, per_page=100, **kwargs).results}


@pytest.mark.usefixtures("rctx")
def test_the_canary_is_found_by_those_who_may_read_it():
    """The control: every canary document is in the index, for its own readers."""
    world = make_world()
    canary = world.canary
    assert {("meeting", world.meeting_b.id), ("method", world.method.id)} <= _found(
        world.teams.outsider, canary
    )
    assert ("thread", world.org_b.id) in _found(world.teams.outsider, canary)
    assert ("meeting", world.meeting_c.id) in _found(world.sibling, canary)
    assert ("thread", world.closed.id) in _found(world.member, canary)


@pytest.mark.usefixtures("rctx")
def test_meetings_methods_and_closed_threads_of_others_never_show():
    world = make_world()
    canary, reader = world.canary, world.teams.reader
    queries = [
        canary, f"{canary[:-1]}x", f'"schulden {canary}"', "schulden", "schulden OR regie",
        "kwestie:3", f"tag:{canary}", "type:meeting", "type:method", "type:thread",
        "type:meeting schulden", "type:thread schulden", "dilemmamethode", "notitie",
        "leerpunt", "buurthuis", "besloten", "elders", "reactie",
    ]  # fmt: skip
    for q in queries:
        for sort in ("relevance", "date"):
            page = services.search(reader, q, sort=sort, per_page=100)
            text = _everything(page)
            assert canary not in text, (q, sort)
            assert "kwestie=3" not in text, (q, sort)
            assert not {(r.type, r.id) for r in page.results} & world.forbidden, (q, sort)
            assert sum(f.count for f in page.facets.get("type", [])) == page.total, (q, sort)
    page = services.search(reader, "schulden", per_page=100)
    assert {(r.type, r.id) for r in page.results} == {
        ("case", world.own_case.id),
        ("thread", world.own_thread.id),
    }
    assert page.total == 2
    assert {f.value: f.count for f in page.facets["kwestie"]} == {"5": 2}
    assert {f.value: f.count for f in page.facets["type"]} == {"case": 1, "thread": 1}
    assert all(canary not in f.value for f in page.facets.get("method", []))
    # Filtering on the other organisation's method or the canary tag finds nothing either.
    for filters in (
        {"method": {world.method.name}},
        {"tag": {canary}},
        {"kwestie": {"3"}},
        {"type": {"meeting"}},
    ):
        filtered = services.search(reader, "schulden", filters=filters)
        assert filtered.total == 0, filters
        assert canary not in _everything(filtered), filters
    # No suggestion that spells the canary ("Bedoelde u").
    for typo in (f"{canary[:-1]}q", f"{canary}q", canary[1:]):
        assert canary not in (services.search(reader, typo).suggestion or ""), typo
    # No similar documents from what the reader cannot read, and none of it for what they can.
    assert services.similar(reader, "meeting", world.meeting_b.id) == []
    assert services.similar(reader, "meeting", world.meeting_c.id) == []
    assert services.similar(reader, "method", world.method.id) == []
    assert services.similar(reader, "thread", world.closed.id) == []
    assert services.similar(reader, "thread", world.org_b.id) == []
    for doc_type, doc_id in (("case", world.own_case.id), ("thread", world.own_thread.id)):
        similar = services.similar(reader, doc_type, doc_id)
        assert not {(r.type, r.id) for r in similar} & world.forbidden
        assert all(canary not in r.title + str(r.snippet) for r in similar)


@pytest.fixture
def http_world(app, engine):
    """A canary word that is only in another team's case and meeting record and a closed
    community's thread; a second secret word stands beside it in each, never searched for."""
    with app.test_request_context("/", method="POST"):
        world = make_world()
        secret = "geheim" + secrets.token_hex(5)
        other_case = write_case(
            world.teams.outsider, world.teams.team_b, f"Schulden {world.canary} {secret}",
            f"Gezin met schulden, {world.canary} en {secret}.", kwesties=[3],
        )  # fmt: skip
        meeting_services.add_outcome(
            world.sibling, world.meeting_c.id, kind="leerpunt",
            text=f"Schulden: {world.canary} {secret}.",
        )  # fmt: skip
        make_reply(world.closed, world.member, f"Schulden, {world.canary} {secret}.")
        db.session.commit()
        return {
            "canary": world.canary,
            "secret": secret,
            "email": world.teams.reader.email,
            "token": make_token(world.teams.reader),
            "outsider_token": make_token(world.teams.outsider),
            "other_case": other_case.id,
        }


def _leftover(body: str, q: str) -> str:
    """The response without the echoes of the query itself (the search box, links)."""
    return body.replace(q, "")


def test_no_canary_on_the_search_page_or_in_the_api(http_world, login, client):
    canary, secret = http_world["canary"], http_world["secret"]
    headers = {"Authorization": f"Bearer {http_world['token']}"}
    # The control: the canary is indexed and found by the other team through the API.
    other = client.get(
        f"/api/v1/search?q={canary}&type=case",
        headers={"Authorization": f"Bearer {http_world['outsider_token']}"},
    ).get_json()
    assert http_world["other_case"] in [r["id"] for r in other["results"]]
    browser = login(http_world["email"])
    for q in [canary, f"{canary[:-1]}x", "schulden", "kwestie:3", "type:meeting", "type:thread"]:
        for path in (f"/zoeken?q={q}", f"/zoeken?q={q}&sort=date", f"/zoeken?q={q}&kwestie=3"):
            page = browser.get(path)
            assert page.status_code == 200, path
            body = page.get_data(as_text=True)
            assert secret not in body, path
            assert canary not in _leftover(body, q), path
        for path in (f"/api/v1/search?q={q}", f"/api/v1/search?q={q}&kwestie=3"):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, path
            body = answer.get_data(as_text=True)
            assert secret not in body, path
            assert canary not in _leftover(body, q), path
    assert client.get(f"/api/v1/search?q={canary}", headers=headers).get_json()["total"] == 0
    similar = client.get(f"/api/v1/cases/{http_world['other_case']}/similar", headers=headers)
    assert similar.status_code == 404
