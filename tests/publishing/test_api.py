"""The publishing API: detection, published cases (no way back to the original)."""

from __future__ import annotations

from reflectie.permissions import Role
from tests.factories import make_team, make_token, make_user
from tests.publishing.factories import make_klas, make_publication

TEXT = (
    "Mevrouw Fatima el Amrani (BSN 123456782) woont aan de Dorpsstraat 12, 3511 AB Utrecht. "
    "Bel 06-12345678 of mail f.elamrani@example.nl; IBAN NL91ABNA0417164300."
)


def _headers(app, role=Role.LID):
    with app.app_context():
        return {"Authorization": f"Bearer {make_token(make_user(team=make_team(), role=role))}"}


def test_detect_answers_findings_with_offsets(app, client):
    response = client.post("/api/v1/publishing/detect", json={"text": TEXT}, headers=_headers(app))
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"findings", "engine"}
    assert body["engine"] == "fallback"  # no detector process in the tests
    for f in body["findings"]:
        assert set(f) == {"start", "end", "kind", "text"}
        assert TEXT[f["start"] : f["end"]] == f["text"]
    kinds = {f["kind"] for f in body["findings"]}
    assert kinds >= {"naam", "bsn", "adres", "postcode", "plaats", "telefoon", "email", "iban"}


def test_detect_errors(app, client):
    headers = _headers(app)
    assert client.post("/api/v1/publishing/detect", json={"text": "x"}).status_code == 401
    missing = client.post("/api/v1/publishing/detect", json={}, headers=headers)
    assert missing.status_code == 422
    assert missing.json["fields"]["text"]
    assert client.post("/api/v1/publishing/detect", data="nee", headers=headers).status_code == 400
    long = client.post("/api/v1/publishing/detect", json={"text": "a" * 60_000}, headers=headers)
    assert long.status_code == 422


def test_published_cases_for_a_docent_carry_nothing_of_the_original(app, client):
    with app.app_context():
        pub = make_publication(show_outcome=True, outcome_conclusion="We wachten af.")
        hidden = make_publication(to_library=False, community_id=4)
        team_name, pub_id, hidden_id, case_id = pub.team.name, pub.id, hidden.id, pub.case_id
        _klas, docent = make_klas()
        headers = {"Authorization": f"Bearer {make_token(docent)}"}
    listing = client.get("/api/v1/published-cases", headers=headers).json
    ids = [r["id"] for r in listing["results"]]
    assert pub_id in ids
    assert hidden_id not in ids
    one = client.get(f"/api/v1/published-cases/{pub_id}", headers=headers).json
    assert one["outcome"]["conclusion"] == "We wachten af."
    assert one["colophon"] == {"anonymised": True, "source": None}
    for key in ("team", "case_id", "author", "team_id"):
        assert key not in one
    assert team_name not in str(one)
    assert f"/casussen/{case_id}" not in str(one)
    assert client.get(f"/api/v1/published-cases/{hidden_id}", headers=headers).status_code == 404


def test_students_and_other_teams_get_no_published_cases_by_api(app, client):
    with app.app_context():
        pub_id = make_publication().id
    for role in (Role.STUDENT, Role.LEERCOACH):
        headers = _headers(app, role)
        assert client.get(f"/api/v1/published-cases/{pub_id}", headers=headers).status_code == 404
        assert client.get("/api/v1/published-cases", headers=headers).json["total"] == 0


def test_the_openapi_document_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/publishing/detect",
        "/api/v1/published-cases",
        "/api/v1/published-cases/{publication_id}",
        "/api/v1/collections",
        "/api/v1/collections/{collection_id}",
    ):
        assert path in paths
