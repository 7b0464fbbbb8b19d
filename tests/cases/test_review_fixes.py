"""Findings of a code review, each pinned by a test."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reflectie.accounts.models import ApiToken
from reflectie.audit.models import AuditEvent
from reflectie.cases import services
from reflectie.cases.models import Case, CaseRevision
from reflectie.cases.services import CaseInput
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Role
from tests.cases.factories import make_case
from tests.factories import PASSWORD, make_team, make_token, make_user


def test_text_written_while_private_stays_the_authors_after_opening_the_case(ctx):
    team = make_team()
    author, colleague = make_user(team=team), make_user(team=team)
    case = make_case(
        team=team, author=author, title="Eerst", situation="ZEER-PRIVE", visibility="private"
    )
    services.update_case(
        author, case.id, CaseInput(title="Open", situation="Algemeen", visibility="team"),
        expected_version=1,
    )  # fmt: skip
    db.session.commit()
    assert [r.number for r in services.revisions(colleague, case.id)] == [2]
    with pytest.raises(NotFound):
        services.get_revision(colleague, case.id, 1)
    assert [r.number for r in services.revisions(author, case.id)] == [2, 1]


def test_only_the_author_decides_who_sees_a_case(ctx):
    team = make_team()
    author = make_user(team=team)
    coach = make_user(team=team, role=Role.LEERCOACH)
    case = make_case(team=team, author=author)
    services.update_case(
        coach, case.id, CaseInput(title="Door de coach", visibility="private"), expected_version=1
    )
    db.session.commit()
    changed = db.session.get(Case, case.id)
    assert (changed.title, str(changed.visibility)) == ("Door de coach", "team")


def test_a_restore_that_changes_nothing_relabels_nothing(ctx):
    case = make_case(title="Een")
    author = case.author
    services.update_case(author, case.id, CaseInput(title="Twee"), expected_version=1)
    services.update_case(author, case.id, CaseInput(title="Een"), expected_version=2)
    db.session.commit()
    services.restore_revision(author, case.id, 1, expected_version=3)
    db.session.commit()
    notes = db.session.scalars(select(CaseRevision.note).where(CaseRevision.case_id == case.id))
    assert set(notes) == {""}


@pytest.mark.parametrize(
    "body",
    [{"title": "x", "status": ["ingebracht"]}, {"title": "x", "visibility": ["team"]},
     {"title": "x", "visibility": {"a": 1}}],
)  # fmt: skip
def test_lists_or_objects_where_words_belong_are_422_not_500(app, client, body):
    with app.app_context():
        token = make_token(make_user(team=make_team()))
    response = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422


def test_an_api_tokens_last_use_is_saved_on_reading_requests(app, client):
    with app.app_context():
        token = make_token(make_user(team=make_team()))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_password_rechecks_are_audited_and_throttled(app, make_app, bind_app, tmp_path):
    from reflectie.extensions import limiter

    store = f"reflectie+sqlite://{tmp_path / 'limits.sqlite3'}"
    limited = bind_app(make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=store))
    try:
        with app.app_context():
            email = make_user(team=make_team()).email
        client = limited.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        wrong = {"current_password": "fout", "new_password": "nieuw-lang-wachtwoord",
                 "confirm": "nieuw-lang-wachtwoord"}  # fmt: skip
        answers = [client.post("/account/wachtwoord", data=wrong).status_code for _ in range(11)]
        assert answers == [200] * 10 + [429]
        with app.app_context():
            failed = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "password.check")
            ).all()
            assert len(failed) == 10
    finally:
        limiter.enabled = False


def test_a_case_form_with_a_stale_form_token_keeps_the_text(app, make_app, bind_app):
    csrf_app = bind_app(make_app(WTF_CSRF_ENABLED=True))
    with app.app_context():
        team = make_team()
        email, slug = make_user(team=team).email, team.slug
    client = csrf_app.test_client()  # no session at all: the cookie is gone
    response = client.post(
        f"/teams/{slug}/casussen/nieuw",
        data={"title": "Mijn titel", "situation": "Een lange tekst die niet verloren mag gaan",
              "csrf_token": "verlopen"},
    )  # fmt: skip
    assert response.status_code == 401
    assert "Een lange tekst die niet verloren mag gaan" in response.text
    assert email not in response.text
    elsewhere = client.post("/account", data={"locale": "en", "csrf_token": "verlopen"})
    assert elsewhere.status_code == 400
