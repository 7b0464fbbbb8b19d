"""The cases API: shapes, permissions and every error status (DESIGN contracts, R-02, R-07)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from reflectie.audit.models import AuditEvent
from reflectie.cases.models import Case
from reflectie.db import db
from reflectie.permissions import Role
from tests.cases.factories import COMPLETE, make_case
from tests.factories import make_team, make_token, make_user


@pytest.fixture
def world(app):
    """Team A with a leercoach (token) and a lid; team B with a case of its own."""
    with app.app_context():
        team_a, team_b = make_team(), make_team()
        coach = make_user(team=team_a, role=Role.LEERCOACH)
        member = make_user(team=team_a, role=Role.LID)
        case_a = make_case(
            team=team_a, author=member, title="Casus A", kwesties=[5, 2], tags=["schulden"]
        )
        case_b = make_case(team=team_b, title="GEHEIM-B")
        outsider = make_user(team=team_b, role=Role.LEERCOACH)
        return {
            "coach": {"Authorization": f"Bearer {make_token(coach)}"},
            "member": {"Authorization": f"Bearer {make_token(member)}"},
            "outsider": {"Authorization": f"Bearer {make_token(outsider)}"},
            "team_a": team_a.slug,
            "case_a": case_a.id,
            "case_b": case_b.id,
        }


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)))


def test_list_answers_total_and_results_of_own_teams_only(client, world):
    response = client.get("/api/v1/cases", headers=world["coach"])
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 1
    assert body["page"] == 1
    [case] = body["results"]
    assert case["title"] == "Casus A"
    assert case["kwesties"] == [5, 2]
    assert "GEHEIM-B" not in response.text


def test_list_filters_and_rejects_bad_filters(client, world):
    assert client.get("/api/v1/cases?kwestie=2", headers=world["coach"]).json["total"] == 1
    assert client.get("/api/v1/cases?kwestie=3", headers=world["coach"]).json["total"] == 0
    assert client.get("/api/v1/cases?tag=schulden", headers=world["coach"]).json["total"] == 1
    bad = client.get("/api/v1/cases?kwestie=8&page=0", headers=world["coach"])
    assert bad.status_code == 422
    assert "kwestie" in bad.json["fields"]
    assert client.get("/api/v1/cases?page=x", headers=world["coach"]).status_code == 422


def test_get_one_case_has_the_case_json_and_is_audited(app, client, world):
    response = client.get(f"/api/v1/cases/{world['case_a']}", headers=world["coach"])
    assert response.status_code == 200
    case = response.json
    expected = {"id", "version", "title", "situation", "dilemma", "stakeholders", "values",
                "kwesties", "tags", "help_question", "visibility", "status", "team", "author",
                "url"}  # fmt: skip
    assert expected <= set(case)
    assert case["version"] == 1
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "case.read", AuditEvent.object_id == world["case_a"]
            )
        ).all()
        assert len(reads) == 1


def test_another_teams_case_is_404_like_a_missing_one(client, world):
    forbidden = client.get(f"/api/v1/cases/{world['case_b']}", headers=world["coach"])
    missing = client.get("/api/v1/cases/987654", headers=world["coach"])
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json["message"] == missing.json["message"]
    patched = client.patch(
        f"/api/v1/cases/{world['case_b']}",
        json={"title": "Gekaapt", "version": 1},
        headers=world["coach"],
    )
    assert patched.status_code == 404


def test_no_token_is_401(client, world):
    response = client.get(f"/api/v1/cases/{world['case_a']}")
    assert response.status_code == 401
    assert set(response.json) >= {"error", "message"}


def test_post_creates_201_in_the_only_team(app, client, world):
    response = client.post(
        "/api/v1/cases",
        json={"title": "Nieuw via API", "kwesties": [3], "values": ["privacy"]},
        headers=world["member"],
    )
    assert response.status_code == 201
    assert response.json["title"] == "Nieuw via API"
    assert response.json["team"] == world["team_a"]
    assert response.json["status"] == "concept"


def test_post_with_status_ingebracht_needs_the_required_fields(app, client, world):
    before = _count(app)
    response = client.post(
        "/api/v1/cases", json={"title": "Half", "status": "ingebracht"}, headers=world["member"]
    )
    assert response.status_code == 422
    assert {"situation", "help_question", "dilemma", "kwesties"} <= set(response.json["fields"])
    assert _count(app) == before
    full = client.post(
        "/api/v1/cases",
        json={"title": "Heel", "status": "ingebracht", **COMPLETE},
        headers=world["member"],
    )
    assert full.status_code == 201
    assert full.json["status"] == "ingebracht"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "situation": "y", "kwesties": [8]}, "kwesties"),
        ({"title": ""}, "title"),
        ({"situation": "zonder titel"}, "title"),
        ({"title": "x", "team_id": 99}, "team_id"),
        ({"title": "x", "author_id": 99}, "author_id"),
        ({"title": "x", "visibility": "published"}, "visibility"),
        ({"title": "x", "team": "bestaat-niet"}, "team"),
        ({"title": "x" * 201}, "title"),
        ({"title": ["lijst"]}, "title"),
    ],
)
def test_invalid_posts_are_422_naming_the_field_and_write_nothing(app, client, world, body, field):
    before = _count(app)
    response = client.post("/api/v1/cases", json=body, headers=world["coach"])
    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert field in response.json["fields"]
    assert _count(app) == before


@pytest.mark.parametrize("raw", [b"{kapot", b"[1, 2]", b"", b'"tekst"'])
def test_bad_json_is_400(client, world, raw):
    response = client.post(
        "/api/v1/cases", data=raw, headers={**world["coach"], "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"] == "bad_json"


def test_patch_with_the_current_version_saves_and_a_stale_one_is_409(app, client, world):
    url = f"/api/v1/cases/{world['case_a']}"
    ok = client.patch(url, json={"title": "Bijgewerkt", "version": 1}, headers=world["coach"])
    assert ok.status_code == 200
    assert ok.json["title"] == "Bijgewerkt"
    assert ok.json["version"] == 2
    assert ok.json["kwesties"] == [5, 2]  # fields not sent keep their value
    stale = client.patch(url, json={"title": "Oud", "version": 1}, headers=world["member"])
    assert stale.status_code == 409
    assert stale.json["error"] == "conflict"
    assert stale.json["current_version"] == 2
    with app.app_context():
        assert db.session.get(Case, world["case_a"]).title == "Bijgewerkt"


def test_patch_needs_a_version_and_refuses_mass_assignment(app, client, world):
    """R-07: fields the API does not take (team, author) are refused, never assigned."""
    url = f"/api/v1/cases/{world['case_a']}"
    assert client.patch(url, json={"title": "x"}, headers=world["coach"]).status_code == 422
    response = client.patch(
        url, json={"team_id": 99, "author_id": 1, "version": 1}, headers=world["coach"]
    )
    assert response.status_code == 422
    assert {"team_id", "author_id"} <= set(response.json["fields"])
    with app.app_context():
        case = db.session.get(Case, world["case_a"])
        assert (case.title, case.version) == ("Casus A", 1)


def test_a_lid_cannot_patch_a_colleagues_case(client, world, app):
    with app.app_context():
        from reflectie.accounts.models import Team

        team = db.session.scalar(select(Team).where(Team.slug == world["team_a"]))
        other = make_case(team=team, title="Van een ander")
        other_id = other.id
    response = client.patch(
        f"/api/v1/cases/{other_id}", json={"title": "x", "version": 1}, headers=world["member"]
    )
    assert response.status_code == 404


def test_patch_can_bring_a_case_in(client, world):
    url = f"/api/v1/cases/{world['case_a']}"
    incomplete = client.patch(
        url, json={"status": "ingebracht", "version": 1}, headers=world["coach"]
    )
    assert incomplete.status_code == 422
    done = client.patch(
        url, json={**COMPLETE, "status": "ingebracht", "version": 1}, headers=world["coach"]
    )
    assert done.status_code == 200
    assert done.json["status"] == "ingebracht"


def test_the_openapi_document_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented, (path, method)
    assert "requestBody" in spec["paths"]["/api/v1/cases"]["post"]
    assert spec["paths"]["/api/v1/cases/{case_id}"]["patch"]["security"] == [{"bearer": []}]


def test_a_denied_read_is_audited_and_nothing_else_of_the_request_is_kept(app, client, world):
    client.get(f"/api/v1/cases/{world['case_b']}", headers=world["coach"])
    client.get("/api/v1/cases/987654", headers=world["coach"])
    with app.app_context():
        denied = db.session.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
        assert [(e.action, e.object_id) for e in denied] == [("case.read", world["case_b"])]
        assert denied[0].ip == "127.0.0.1"
