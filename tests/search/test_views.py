"""The search page, the header box, the case page's similar cases and the JSON API."""

from __future__ import annotations

import logging
import secrets

import pytest
from sqlalchemy import select

from reflectie.accounts.models import Team
from reflectie.api import build_openapi
from reflectie.audit.models import AuditEvent
from reflectie.db import db
from reflectie.permissions import Role
from tests.factories import PASSWORD, make_token, make_user
from tests.pages import get_page, text_of
from tests.search.conftest import make_teams, write_case


@pytest.fixture
def world(app, engine):
    with app.test_request_context("/", method="POST"):
        teams = make_teams()
        one = write_case(
            teams.colleague, teams.team_a, "Schulden bij de woningcorporatie",
            "Het gezin heeft schulden; de <b>deurwaarder</b> komt.", kwesties=[5, 2],
            tags=["schulden"],
        )  # fmt: skip
        two = write_case(
            teams.colleague, teams.team_a, "Schuldhulp en de deurwaarder",
            "Weer schulden, weer de deurwaarder.", kwesties=[5], tags=["armoede"],
        )  # fmt: skip
        write_case(teams.outsider, teams.team_b, "Geheim KANARIE", "schulden KANARIE")
        member = make_user(team=teams.team_a, role=Role.LID)
        return {
            "email": member.email,
            "token": make_token(member),
            "one": one.id,
            "two": two.id,
            "other_case": teams.outsider.id,
            "team": teams.team_a.id,
        }


def test_the_results_page_with_facets_that_work_without_javascript(world, login):
    client = login(world["email"])
    page = get_page(client, "/zoeken?q=schulden")
    text = text_of(page)
    assert "2 resultaten" in text
    assert "KANARIE" not in text
    assert page.find("mark")
    assert "<b>deurwaarder</b>" not in str(page)
    facet = page.find("a", href=lambda h: h and "kwestie=2" in h)
    assert facet is not None
    narrowed = get_page(client, facet["href"])
    assert "1 resultaat" in text_of(narrowed)
    assert "Schulden bij de woningcorporatie" in text_of(narrowed)


def test_header_box_and_empty_page(world, login):
    client = login(world["email"])
    page = get_page(client, "/zoeken")
    assert page.find("input", attrs={"id": "kop-zoekvraag"})
    assert page.find("input", attrs={"id": "zoekvraag"})


def test_a_malformed_query_says_so(world, login):
    client = login(world["email"])
    page = get_page(client, '/zoeken?q="schulden')
    assert "losse woorden" in text_of(page)


def test_did_you_mean(world, login):
    client = login(world["email"])
    page = get_page(client, "/zoeken?q=deurwaardr")
    assert "Bedoelde u" in text_of(page)
    assert page.find("a", string="deurwaarder")


def test_the_case_page_lists_similar_cases(world, login):
    client = login(world["email"])
    page = get_page(client, f"/casussen/{world['one']}")
    section = page.find("section", attrs={"aria-labelledby": "vergelijkbaar"})
    assert section is not None
    assert "Schuldhulp en de deurwaarder" in text_of(section)
    assert "KANARIE" not in text_of(page)


def test_the_api(world, client):
    headers = {"Authorization": f"Bearer {world['token']}"}
    body = client.get("/api/v1/search?q=schulden", headers=headers).get_json()
    assert body["total"] == 2
    assert set(body["results"][0]) >= {"type", "id", "title", "url", "snippet", "kwesties", "score"}
    assert "KANARIE" not in str(body)
    narrowed = client.get("/api/v1/search?q=schulden&kwestie=2&type=case", headers=headers)
    assert [r["id"] for r in narrowed.get_json()["results"]] == [world["one"]]
    assert (
        client.get("/api/v1/search?q=schulden&tag=armoede", headers=headers).get_json()["total"]
        == 1
    )
    similar = client.get(f"/api/v1/cases/{world['one']}/similar", headers=headers).get_json()
    assert [r["id"] for r in similar["results"]] == [world["two"]]
    assert client.get("/api/v1/search?q=x").status_code == 401
    assert client.get("/api/v1/search?q=x&page=0", headers=headers).status_code == 422


def test_while_the_index_is_behind_page_and_api_show_the_checked_hits_without_counts(
    world, login, client, monkeypatch
):
    """More changes waiting than a search can mask: the page says so and drops the facets and
    the count, the API says `index_behind` and gives no facets; the hits are still there."""
    from reflectie.search import services

    monkeypatch.setattr(services, "PENDING_LIMIT", 1)
    monkeypatch.setattr(services, "_catch_up", lambda _user: {"case:999999"})
    page = get_page(login(world["email"]), "/zoeken?q=schulden")
    text = text_of(page)
    assert "loopt even achter" in text
    assert "Verfijnen" not in text
    assert "2 resultaten" not in text
    assert len(page.select("li.result")) == 2
    headers = {"Authorization": f"Bearer {world['token']}"}
    body = client.get("/api/v1/search?q=schulden", headers=headers).get_json()
    assert (body["index_behind"], body["facets"], body["total"], len(body["results"])) == (
        True, {}, 2, 2
    )  # fmt: skip


def test_the_api_answers_404_for_similar_cases_of_a_case_you_cannot_read(world, client, app):
    headers = {"Authorization": f"Bearer {world['token']}"}
    with app.test_request_context("/"):
        from sqlalchemy import select

        from reflectie.cases.models import Case
        from reflectie.db import db

        other = db.session.scalar(select(Case.id).where(Case.title == "Geheim KANARIE"))
    forbidden = client.get(f"/api/v1/cases/{other}/similar", headers=headers)
    missing = client.get("/api/v1/cases/987654/similar", headers=headers)
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.get_json()["error"] == missing.get_json()["error"]


def test_openapi_documents_both_routes(app):
    paths = build_openapi(app)["paths"]
    assert "/api/v1/search" in paths
    assert "/api/v1/cases/{case_id}/similar" in paths
    names = {p["name"] for p in paths["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "kwestie", "type", "tag", "page"} <= names


def test_search_terms_stay_out_of_the_logs(world, login, caplog):
    """R-21: search terms may name clients."""
    canary = "zoekterm" + secrets.token_hex(4)
    client = login(world["email"])
    with caplog.at_level(logging.DEBUG):
        client.get(f"/zoeken?q={canary}")
    assert canary not in caplog.text


def test_searches_are_rate_limited_per_user(world, make_app, bind_app, app, tmp_path):
    """R-35: a user's searches are limited (30 a minute by default); the next gets a 429."""
    from reflectie.extensions import limiter

    store = f"reflectie+sqlite://{tmp_path / 'limits.sqlite3'}"
    try:
        limited = bind_app(
            make_app(
                RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=store, RATELIMIT_SEARCH="3/minute"
            )
        )
        for key in ("SEARCH_BACKEND", "SEARCH_INDEX_PATH"):
            limited.config[key] = app.config[key]
        client = limited.test_client()
        login = client.post("/login", data={"email": world["email"], "password": PASSWORD})
        assert login.status_code == 302
        statuses = [client.get("/zoeken?q=schulden").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert "Te veel pogingen" in text_of(get_page(client, "/zoeken?q=schulden", status=429))
        # The API counts against the same budget, per user, and answers in JSON.
        api = limited.test_client()
        headers = {"Authorization": f"Bearer {world['token']}"}
        refused = api.get("/api/v1/search?q=schulden", headers=headers)
        assert refused.status_code == 429
        assert refused.json["error"] == "rate_limited"
        assert "te vaak" in refused.json["message"]
        with limited.app_context():
            other = make_token(make_user(team=db.session.get(Team, world["team"]), role=Role.LID))
        # Another user's budget is their own, also when the exhausted user's cookie comes along.
        fresh = client.get(
            "/api/v1/search?q=schulden", headers={"Authorization": f"Bearer {other}"}
        )
        assert fresh.status_code == 200
        with limited.app_context():
            refusals = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "rate_limited")
            ).all()
            assert [(e.details["scope"], e.details["path"]) for e in refusals] == [
                ("search", "/zoeken"), ("search", "/zoeken"), ("search", "/api/v1/search")
            ]  # fmt: skip
    finally:
        # Flask-Limiter keeps its state on the one Limiter object: limits off again.
        limiter.enabled = False
