"""Per-user limits on exports and prints (R-35): one over the limit answers 429 in Dutch (or
JSON), counts per user across every export route, and the refusal is on the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reflectie.audit.models import AuditEvent
from reflectie.db import db
from reflectie.extensions import limiter
from reflectie.permissions import Role
from tests.factories import PASSWORD, make_team, make_user


@pytest.fixture(autouse=True)
def _limits_off_afterwards():
    yield
    limiter.enabled = False


@pytest.fixture
def limited(app, make_app, bind_app, tmp_path):
    return bind_app(
        make_app(
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=f"reflectie+sqlite://{tmp_path / 'limits.sqlite3'}",
            RATELIMIT_EXPORTS="3/hour",
        )
    )


def _client(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_exports_are_limited_per_user_and_the_refusal_is_audited(app, limited):
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        other = make_user(team=team, role=Role.LEERCOACH)
        db.session.commit()
        slug, coach_email, coach_id, other_email = team.slug, coach.email, coach.id, other.email
    client = _client(limited, coach_email)
    urls = [f"/teams/{slug}/casussen/export.json", f"/teams/{slug}/inzichten/signalering.md"]
    for url in [urls[0], urls[1], urls[0]]:  # one budget for every kind of export
        assert client.get(url).status_code == 200
    refused = client.get(urls[1])
    assert refused.status_code == 429
    assert "Te veel pogingen" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert _client(limited, other_email).get(urls[0]).status_code == 200  # per user
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "rate_limited")
        ).all()
        assert [(e.actor_id, e.result, e.details["scope"]) for e in events] == [
            (coach_id, "denied", "exports")
        ]
