"""/api/v1 communities, threads and posts: shapes, 201s, errors, and the OpenAPI document."""

from __future__ import annotations

import pytest
from flask import Flask

from reflectie.db import db
from reflectie.permissions import Role
from reflectie.threads import services
from reflectie.threads.models import CommunityAccess, Thread
from tests.factories import make_org, make_team, make_token, make_user
from tests.threads.factories import make_community, make_thread


@pytest.fixture
def api(app: Flask) -> dict:
    with app.app_context():
        org = make_org()
        coach = make_user(team=make_team(organisation=org), role=Role.LEERCOACH)
        lid = make_user(team=make_team(organisation=org), role=Role.LID)
        outsider = make_user(team=make_team(), role=Role.LID)
        community = make_community(founder=coach, organisation=org, name="Armoede")
        platform = make_community(access=CommunityAccess.PLATFORM, name="Landelijk")
        thread = make_thread(community, coach)
        return {
            "coach": {"Authorization": f"Bearer {make_token(coach)}"},
            "lid": {"Authorization": f"Bearer {make_token(lid)}"},
            "outsider": {"Authorization": f"Bearer {make_token(outsider)}"},
            "lid_handle": lid.handle,
            "slug": community.slug,
            "platform": platform.slug,
            "thread": thread.id,
        }


def test_communities_lists_what_the_token_user_may_read(client, api):
    body = client.get("/api/v1/communities", headers=api["lid"]).get_json()
    assert set(body) == {"total", "page", "per_page", "results"}
    slugs = {c["slug"] for c in body["results"]}
    assert {api["slug"], api["platform"]} <= slugs
    outsider = client.get("/api/v1/communities", headers=api["outsider"]).get_json()
    assert api["slug"] not in {c["slug"] for c in outsider["results"]}
    first = body["results"][0]
    assert set(first) == {
        "slug", "name", "description", "access", "organisation", "kwesties", "member", "url",
    }  # fmt: skip


def test_threads_of_a_community_with_unread_marks(client, api):
    body = client.get(f"/api/v1/communities/{api['slug']}/threads", headers=api["lid"]).get_json()
    assert body["total"] == 1
    [thread] = body["results"]
    assert thread["id"] == api["thread"]
    assert thread["unread"] is True
    assert {"title", "author", "kwesties", "tags", "pinned", "locked", "post_count"} <= set(thread)


def test_posting_a_thread_and_a_reply(client, api, app):
    response = client.post(
        f"/api/v1/communities/{api['slug']}/threads",
        headers=api["lid"],
        json={"title": "Vrijwilligers inzetten", "body": "Hoe doen jullie dat?", "kwesties": [4]},
    )
    assert response.status_code == 201, response.text
    thread = response.get_json()
    assert thread["kwesties"] == [4]
    assert thread["post_count"] == 1
    response = client.post(
        f"/api/v1/threads/{thread['id']}/posts", headers=api["coach"], json={"body": "Zo!"}
    )
    assert response.status_code == 201
    post = response.get_json()
    assert post["body"] == "Zo!"
    assert post["edited"] is False
    listed = client.get(f"/api/v1/threads/{thread['id']}/posts", headers=api["lid"]).get_json()
    assert listed["total"] == 2
    assert [p["body"] for p in listed["results"]] == ["Hoe doen jullie dat?", "Zo!"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"title": "", "body": "x"}, {"title"}),
        ({"title": "Goede titel", "body": ""}, {"body"}),
        ({"title": "Goede titel", "body": "x", "kwesties": [9]}, {"kwesties"}),
        ({"title": "Goede titel", "body": "x", "kwesties": "5"}, {"kwesties"}),
        ({"title": 5, "body": ["x"]}, {"title", "body"}),
        ({"title": "Goede titel", "body": "x", "case_id": 3}, {"case_id"}),
        ({"title": "Goede titel", "body": "x", "method": "bestaat-niet"}, {"method"}),
    ],
)
def test_invalid_threads_answer_422_with_fields(client, api, payload, fields):
    response = client.post(
        f"/api/v1/communities/{api['slug']}/threads", headers=api["lid"], json=payload
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid"
    assert set(body["fields"]) == fields


def test_bad_json_and_missing_token(client, api):
    url = f"/api/v1/threads/{api['thread']}/posts"
    response = client.post(url, headers=api["lid"], data="geen json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_json"
    assert client.get(url).status_code == 401


def test_a_community_or_thread_the_user_may_not_read_is_404_like_a_missing_one(client, api):
    for url in (
        f"/api/v1/communities/{api['slug']}/threads",
        f"/api/v1/threads/{api['thread']}/posts",
    ):
        for method in ("GET", "POST"):
            forbidden = client.open(url, method=method, headers=api["outsider"], json={"body": "x"})
            assert forbidden.status_code == 404
            assert forbidden.get_json()["error"] == "not_found"
    missing = client.get("/api/v1/threads/987654/posts", headers=api["outsider"])
    assert missing.get_json()["message"] == forbidden.get_json()["message"]


def test_a_locked_thread_answers_409(client, api, app):
    with app.app_context():
        thread = db.session.get(Thread, api["thread"])
        services.set_locked(db.session.get(services.User, thread.author_id), thread.id, True)
        db.session.commit()
    response = client.post(
        f"/api/v1/threads/{api['thread']}/posts", headers=api["lid"], json={"body": "Nog iets"}
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "locked"
    assert "gesloten" in response.get_json()["message"]


def test_a_too_long_post_answers_422_with_the_counts(client, api, app, monkeypatch):
    monkeypatch.setitem(app.config, "THREADS_MAX_POST_LENGTH", 10)
    response = client.post(
        f"/api/v1/threads/{api['thread']}/posts", headers=api["lid"], json={"body": "x" * 11}
    )
    assert response.status_code == 422
    assert "hoogstens 10 tekens" in response.get_json()["fields"]["body"][0]


def test_posting_too_fast_answers_429_in_dutch(api, make_app, bind_app, tmp_path):
    from reflectie.extensions import limiter

    store = f"reflectie+sqlite://{tmp_path / 'limits.sqlite3'}"
    limited = bind_app(
        make_app(
            RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=store, THREADS_POST_RATE_LIMIT="1/minute"
        )
    )
    try:
        client = limited.test_client()
        url = f"/api/v1/threads/{api['thread']}/posts"
        assert client.post(url, headers=api["lid"], json={"body": "Een"}).status_code == 201
        response = client.post(url, headers=api["lid"], json={"body": "Twee"})
    finally:
        limiter.enabled = False
    assert response.status_code == 429
    assert response.get_json()["error"] == "rate_limited"
    assert "U plaatst veel berichten" in response.get_json()["message"]
    with limited.app_context():
        from reflectie.audit.models import AuditEvent

        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert "threads.post_throttled" in actions


def test_the_openapi_document_names_the_community_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/communities"]
    assert {"get", "post"} <= set(paths["/api/v1/communities/{community_slug}/threads"])
    assert {"get", "post"} <= set(paths["/api/v1/threads/{thread_id}/posts"])
    post = paths["/api/v1/communities/{community_slug}/threads"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert {"title", "body", "kwesties"} <= set(schema["properties"])
    assert "201" in post["responses"]
    assert "get" in paths["/api/v1/notifications"]
