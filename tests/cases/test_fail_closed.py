"""When the permission check itself breaks, nothing is shown (R-06), and oversized requests are
refused before they are read (R-17)."""

from __future__ import annotations

import pytest

from reflectie.cases import access
from tests.cases.factories import make_case
from tests.factories import make_team, make_token, make_user


@pytest.fixture
def case_world(app):
    with app.app_context():
        team = make_team()
        author = make_user(team=team)
        case = make_case(team=team, author=author, title="GEHEIME-TITEL", situation="GEHEIME-TEKST")
        return case.id, author.email, make_token(author)


def test_a_broken_permission_check_fails_closed(app, login, case_world, monkeypatch):
    """R-06: when the permission check raises, no route shows the case (fail closed)."""
    case_id, email, token = case_world
    client = login(email)

    def broken(*_args, **_kwargs):
        raise RuntimeError("permission service down")

    monkeypatch.setattr(access, "has", broken)
    for url, headers in [
        (f"/casussen/{case_id}", {}),
        (f"/casussen/{case_id}/bewerken", {}),
        (f"/api/v1/cases/{case_id}", {"Authorization": f"Bearer {token}"}),
        ("/api/v1/cases", {"Authorization": f"Bearer {token}"}),
    ]:
        response = client.get(url, headers=headers)
        assert response.status_code in (404, 500), url
        assert "GEHEIME" not in response.text, url
        assert "permission service down" not in response.text


def test_an_oversized_api_request_is_a_413_json_error(client, case_world):
    """R-17: an oversized request is refused before it is read."""
    _case_id, _email, token = case_world
    body = b'{"title": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/cases",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json["error"] == "too_large"
