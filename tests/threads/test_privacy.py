"""R-04 for communities: canaries planted in communities a user may not read never show up in
anything that user can open: lists, pages, the API, notifications and the digest mail."""

from __future__ import annotations

import logging
import secrets

from flask import Flask

from reflectie.db import db
from reflectie.permissions import Role
from reflectie.threads import services
from reflectie.threads.models import CommunityAccess, DigestSetting
from tests.factories import make_org, make_team, make_token, make_user
from tests.threads.factories import make_community, make_reply, make_thread


def _world(app: Flask) -> dict:
    canary = "KANARIE" + secrets.token_hex(6).upper()
    with app.app_context():
        org_a, org_b = make_org(), make_org()
        reader = make_user(team=make_team(organisation=org_a), role=Role.LEERCOACH)
        other = make_user(team=make_team(organisation=org_b), role=Role.LEERCOACH,
                          name=f"Naam {canary}")  # fmt: skip
        db.session.add(DigestSetting(user_id=reader.id, enabled=True))
        for kind in (CommunityAccess.ORGANISATION, CommunityAccess.INVITATION):
            community = make_community(
                founder=other, organisation=org_b, access=kind, name=f"Groep {canary}",
                description=f"Over {canary}",
            )  # fmt: skip
            thread = make_thread(community, other, title=f"Titel {canary}", body=f"Tekst {canary}")
            post = make_reply(thread, other, f"@{reader.handle} weet jij dit? {canary}")
            services.report_post(other, post.id, f"Reden {canary}")
        own = make_community(founder=reader, organisation=org_a, name="Eigen groep")
        own_thread = make_thread(own, reader, title="Eigen vraag")
        db.session.commit()
        return {
            "canary": canary,
            "email": reader.email,
            "token": make_token(reader),
            "own_slug": own.slug,
            "own_thread": own_thread.id,
            "reader_id": reader.id,
        }


def test_nothing_of_an_unreadable_community_reaches_the_reader(app, login, caplog):
    world = _world(app)
    client = login(world["email"])
    pages = [
        "/",
        "/leergemeenschappen",
        "/leergemeenschappen/nieuw",
        "/leergemeenschappen/instellingen",
        f"/leergemeenschappen/{world['own_slug']}",
        f"/leergemeenschappen/{world['own_slug']}/leden",
        f"/leergemeenschappen/{world['own_slug']}/moderatie",
        f"/discussies/{world['own_thread']}",
        "/meldingen",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert world["canary"] not in response.text, url
    headers = {"Authorization": f"Bearer {world['token']}"}
    for url in (
        "/api/v1/communities",
        f"/api/v1/communities/{world['own_slug']}/threads",
        f"/api/v1/threads/{world['own_thread']}/posts",
        "/api/v1/notifications",
        "/api/v1/me",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert world["canary"] not in response.text, url
    assert client.get("/api/v1/notifications", headers=headers).get_json()["total"] == 0
    with caplog.at_level(logging.WARNING, logger="reflectie.mail"):
        result = app.test_cli_runner().invoke(args=["threads", "digest"])
    assert "0 digest(s) sent" in result.output
    assert world["canary"] not in caplog.text
