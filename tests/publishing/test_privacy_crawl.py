"""R-04 for docenten and students: crawl every page and API list they can open; the original
case text (a canary) of a team whose copy is published never appears, the copy does."""

from __future__ import annotations

import secrets

from reflectie.db import db
from reflectie.permissions import Role
from reflectie.publishing.models import Publication
from reflectie.teaching import services as teaching
from tests.cases.factories import make_case
from tests.factories import make_team, make_token, make_user
from tests.publishing.factories import make_klas, make_publication


def _world(app) -> dict:
    canary = "KANARIE" + secrets.token_hex(6).upper()
    with app.app_context():
        team = make_team()
        author = make_user(team=team, role=Role.LID)
        pub = make_publication(
            team=team,
            author=author,
            case_fields={"dilemma": f"Moet ik {canary}?", "help_question": f"Vraag {canary}"},
            title="Gepubliceerde kopie",
        )
        make_case(team=team, author=author, title=f"Andere casus {canary}")
        klas, docent = make_klas()
        student = make_user(team=klas, role=Role.STUDENT)
        collection = teaching.create_collection(docent, title="Bundel")
        item = teaching.add_item(docent, collection.id, pub.id, ["Wat vind jij?"])
        assignment = teaching.assign(
            docent,
            collection.id,
            team_id=klas.id,
            starts_on=pub.created_at.date(),
            ends_on=pub.created_at.date(),
        )
        db.session.commit()
        assert canary not in db.session.get(Publication, pub.id).dilemma
        return {
            "canary": canary,
            "docent": (docent.email, make_token(docent)),
            "student": (student.email, make_token(student)),
            "own": {
                "publication_id": pub.id,
                "collection_id": collection.id,
                "item_id": item.id,
                "assignment_id": assignment.id,
                "slug": klas.slug,
            },
        }


def _url(rule, values):
    path = rule.rule
    for name in rule.arguments:
        if name not in values:
            return None
        path = path.replace(f"<int:{name}>", str(values[name])).replace(
            f"<{name}>", str(values[name])
        )
    return path


def test_no_page_a_docent_or_student_can_open_shows_the_original(app, login):
    w = _world(app)
    opened = 0
    for who in ("docent", "student"):
        email, token = w[who]
        client = login(email)
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
                continue
            if getattr(view, "access_rule", None) not in {"public", "member", "scoped"}:
                continue
            url = _url(rule, w["own"])
            if url is None:
                continue
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            response = client.get(url, headers=headers)
            assert response.status_code != 500, url  # 503: no search index in this test
            assert w["canary"].encode() not in response.get_data(), (who, url)
            opened += response.status_code == 200
    assert opened >= 20
