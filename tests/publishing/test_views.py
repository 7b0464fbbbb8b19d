"""Publishing pages: side-by-side editor, one-click replacement, review, the reader's page,
and privacy: the original never reaches a docent, a student or another team (R-02, R-03)."""

from __future__ import annotations

import re

from sqlalchemy import select

from reflectie.audit.models import AuditEvent
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.publishing.models import Publication, PublicationStatus
from tests.cases.factories import make_case
from tests.factories import make_team, make_token, make_user
from tests.pages import get_page, text_of
from tests.publishing.factories import make_klas, make_publication

ORIGINAL = "GEHEIM-ORIGINEEL Mevrouw Fatima el Amrani woont aan de Dorpsstraat 12 in Utrecht."


def _world(app) -> dict:
    with app.app_context():
        team = make_team()
        author = make_user(team=team, role=Role.LID)
        coach = make_user(team=team, role=Role.LEERCOACH)
        case = make_case(team=team, author=author, title="Huisbezoek", situation=ORIGINAL)
        klas, docent = make_klas()
        student = make_user(team=klas, role=Role.STUDENT)
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        return {
            "case_id": case.id,
            "team": team.slug,
            "team_name": team.name,
            "author": author.email,
            "coach": coach.email,
            "docent": docent.email,
            "student": student.email,
            "outsider": outsider.email,
            "docent_token": make_token(docent),
            "student_token": make_token(student),
        }


def _start(client, case_id: int) -> int:
    response = client.post(f"/casussen/{case_id}/publiceren")
    assert response.status_code == 302, response.text
    return int(re.search(r"/publicaties/(\d+)/bewerken", response.headers["Location"]).group(1))


def test_the_case_page_offers_publishing_and_the_editor_shows_both_sides(app, login):
    w = _world(app)
    client = login(w["author"])
    case_page = get_page(client, f"/casussen/{w['case_id']}")
    assert case_page.find("a", href=f"/casussen/{w['case_id']}/publiceren")
    pub_id = _start(client, w["case_id"])
    page = get_page(client, f"/publicaties/{pub_id}/bewerken")
    assert page.select(".side-original")  # the original beside the copy
    assert "GEHEIM-ORIGINEEL" in text_of(page)
    marks = [m.get_text() for m in page.select("mark.finding")]
    assert "Mevrouw Fatima el Amrani" in marks
    assert "Utrecht" in marks
    # No detector runs in the tests: the page says that only the built-in patterns looked.
    assert "De detector met deduce draait nu niet" in text_of(page)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == pub_id)
        ).all()
    assert "publication.read_original" in actions


def test_one_click_replacement_without_javascript(app, login):
    w = _world(app)
    client = login(w["author"])
    pub_id = _start(client, w["case_id"])
    response = client.post(
        f"/publicaties/{pub_id}/vervangen",
        data={"text": "Mevrouw Fatima el Amrani", "kind": "naam"},
    )
    assert response.status_code == 302
    client.post(f"/publicaties/{pub_id}/vervangen", data={"text": "Utrecht", "kind": "plaats"})
    answer = client.post(
        f"/publicaties/{pub_id}/vervangen", json={"text": "Dorpsstraat 12", "kind": "adres"}
    )
    assert answer.json["placeholder"] == "[adres]"
    with app.app_context():
        pub = db.session.get(Publication, pub_id)
        assert pub.situation == "GEHEIM-ORIGINEEL mevrouw A. woont aan de [adres] in [plaats]."


def test_live_detection_for_the_editor_script(app, login):
    w = _world(app)
    client = login(w["author"])
    pub_id = _start(client, w["case_id"])
    answer = client.post(f"/publicaties/{pub_id}/detecteren", json={"text": "Bel 06-12345678"})
    assert answer.status_code == 200
    assert answer.json["findings"][0]["kind"] == "telefoon"
    assert answer.json["fallback"] is True
    assert client.post(f"/publicaties/{pub_id}/detecteren", json={}).status_code == 400


def _submit_clean(app, client, w) -> int:
    pub_id = _start(client, w["case_id"])
    data = {
        "title": "Een buurvrouw",
        "situation": "Een oudere vrouw woont alleen.",
        "help_question": "",
        "dilemma": "Ingrijpen of niet?",
        "stakeholders": "",
        "own_role": "",
        "outcome_dilemma": "",
        "outcome_considerations": "",
        "outcome_conclusion": "",
        "show_source": "y",
    }
    assert client.post(f"/publicaties/{pub_id}/bewerken", data=data).status_code == 302
    assert client.post(f"/publicaties/{pub_id}/indienen").status_code == 302
    return pub_id


def test_review_flow_four_eyes_and_the_readers_page(app, login):
    w = _world(app)
    author = login(w["author"])
    pub_id = _submit_clean(app, author, w)
    # The author has no review page, not even by URL.
    assert author.get(f"/publicaties/{pub_id}/beoordelen").status_code == 404
    assert (
        author.post(f"/publicaties/{pub_id}/beoordelen", data={"decision": "approve"}).status_code
        == 404
    )
    coach = login(w["coach"])
    queue = get_page(coach, "/publicaties/beoordelen")
    assert queue.find("a", href=f"/publicaties/{pub_id}/beoordelen")
    get_page(coach, f"/publicaties/{pub_id}/beoordelen")
    response = coach.post(
        f"/publicaties/{pub_id}/beoordelen", data={"decision": "approve", "to_library": "y"}
    )
    assert response.status_code == 302
    docent = login(w["docent"])
    page = get_page(docent, f"/publicaties/{pub_id}")
    html = str(page)
    assert "Een buurvrouw" in html
    assert "GEHEIM-ORIGINEEL" not in html
    assert f"/casussen/{w['case_id']}" not in html  # no link back
    assert f"/publicaties/{pub_id}/bewerken" not in html
    assert w["team_name"] not in html  # the team is never named outside it
    assert "geanonimiseerd" in text_of(page)
    library = get_page(docent, "/bibliotheek")
    assert library.find("a", href=f"/publicaties/{pub_id}")


def test_sending_back_shows_the_remarks_to_the_author(app, login):
    w = _world(app)
    author = login(w["author"])
    pub_id = _submit_clean(app, author, w)
    coach = login(w["coach"])
    response = coach.post(
        f"/publicaties/{pub_id}/beoordelen", data={"decision": "send_back", "remarks": ""}
    )
    assert response.status_code == 422
    coach.post(
        f"/publicaties/{pub_id}/beoordelen",
        data={"decision": "send_back", "remarks": "De straat is herkenbaar."},
    )
    assert "De straat is herkenbaar." in text_of(
        get_page(author, f"/publicaties/{pub_id}/bewerken")
    )


def test_approval_with_open_findings_is_refused_on_the_page(app, login):
    w = _world(app)
    author = login(w["author"])
    pub_id = _start(author, w["case_id"])
    author.post(f"/publicaties/{pub_id}/indienen")
    coach = login(w["coach"])
    response = coach.post(
        f"/publicaties/{pub_id}/beoordelen", data={"decision": "approve", "to_library": "y"}
    )
    assert response.status_code == 422
    assert "niet als veilig" in response.text
    with app.app_context():
        assert db.session.get(Publication, pub_id).status == PublicationStatus.IN_REVIEW


def test_the_original_never_reaches_a_docent_a_student_or_another_team(app, login):
    w = _world(app)
    author = login(w["author"])
    pub_id = _start(author, w["case_id"])
    for email in (w["docent"], w["student"], w["outsider"]):
        client = login(email)
        for url in (
            f"/casussen/{w['case_id']}",
            f"/casussen/{w['case_id']}/publiceren",
            f"/publicaties/{pub_id}/bewerken",
            f"/publicaties/{pub_id}",
            f"/teams/{w['team']}/publicaties",
        ):
            response = client.get(url)
            assert response.status_code == 404, (email, url)
            assert "GEHEIM-ORIGINEEL" not in response.text
    for token in (w["docent_token"], w["student_token"]):
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get(f"/api/v1/cases/{w['case_id']}", headers=headers).status_code == 404
        listing = client.get("/api/v1/published-cases", headers=headers)
        assert "GEHEIM-ORIGINEEL" not in listing.text


def test_withdrawal_from_the_page(app, login):
    with app.app_context():
        pub = make_publication()
        member = make_user(team=pub.team, role=Role.LID)
        _klas, docent = make_klas()
        ids = (pub.id, member.email, docent.email)
    pub_id, member_email, docent_email = ids
    docent = login(docent_email)
    assert docent.get(f"/publicaties/{pub_id}").status_code == 200
    client = login(member_email)
    assert client.post(f"/publicaties/{pub_id}/intrekken").status_code == 302
    assert docent.get(f"/publicaties/{pub_id}").status_code == 404
    assert f'href="/publicaties/{pub_id}"' not in docent.get("/bibliotheek").text


def test_a_second_editor_with_an_old_version_gets_the_conflict_page(app, login):
    w = _world(app)
    author = login(w["author"])
    pub_id = _start(author, w["case_id"])
    page = get_page(author, f"/publicaties/{pub_id}/bewerken")
    version = page.find("input", attrs={"name": "version"})["value"]
    form = {
        "version": version,
        "title": "Huisbezoek",
        "situation": "Eerste bewerking.",
        "values": "",
        "themes": "",
    }
    assert author.post(f"/publicaties/{pub_id}/bewerken", data=form).status_code == 302
    coach = login(w["coach"])
    stale = coach.post(
        f"/publicaties/{pub_id}/bewerken", data={**form, "situation": "Tweede bewerking."}
    )
    assert stale.status_code == 409
    assert "Eerste bewerking." in stale.text
    assert "Tweede bewerking." in stale.text
    with app.app_context():
        assert db.session.get(Publication, pub_id).situation == "Eerste bewerking."
