"""Collections, classes and answers: who sees what, autosave, sharing answers, export."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role
from reflectie.publishing import services as pub_services
from reflectie.publishing.models import PublicationStatus
from reflectie.teaching import access, services
from tests.factories import make_team, make_token, make_user
from tests.pages import get_page, text_of
from tests.publishing.factories import make_klas, make_publication


def _today():
    return utcnow().date()


def _world(app, *, share_answers: bool = False, starts_in: int = 0) -> dict:
    with app.app_context():
        pub = make_publication(title="Een buurvrouw alleen", show_source=True)
        other = make_publication(title="Schulden in de wijk")
        klas, docent = make_klas()
        students = [make_user(team=klas, role=Role.STUDENT) for _ in range(2)]
        other_klas, other_docent = make_klas()
        stranger = make_user(team=other_klas, role=Role.STUDENT)
        collection = services.create_collection(docent, title="Bundel ethiek")
        item = services.add_item(
            docent, collection.id, pub.id, ["Wat zou jij doen?", "Welke waarde weegt zwaarst?"]
        )
        assignment = services.assign(
            docent,
            collection.id,
            team_id=klas.id,
            starts_on=_today() + timedelta(days=starts_in),
            ends_on=_today() + timedelta(days=14),
            share_answers=share_answers,
        )
        db.session.commit()
        return {
            "pub": pub.id,
            "other_pub": other.id,
            "org": pub.team.organisation.name,
            "team_name": pub.team.name,
            "case_id": pub.case_id,
            "collection": collection.id,
            "item": item.id,
            "assignment": assignment.id,
            "docent": docent.email,
            "docent_token": make_token(docent),
            "other_docent": other_docent.email,
            "students": [s.email for s in students],
            "stranger": stranger.email,
        }


def test_a_docent_builds_a_collection_from_the_library(app, login):
    w = _world(app)
    client = login(w["docent"])
    library = get_page(client, "/bibliotheek?kwestie=5&q=buurvrouw")
    assert library.find("a", href=f"/publicaties/{w['pub']}")
    assert not library.find("a", href=f"/publicaties/{w['other_pub']}")
    assert (
        get_page(client, "/bibliotheek?kwestie=1").find("a", href=f"/publicaties/{w['pub']}")
        is None
    )
    get_page(client, f"/bundels?add={w['other_pub']}")
    response = client.post(
        "/bundels/toevoegen",
        data={"collection_id": w["collection"], "publication_id": w["other_pub"]},
    )
    assert response.status_code == 302
    page = get_page(client, f"/bundels/{w['collection']}")
    titles = [h.get_text(strip=True) for h in page.select(".collection-items h3")]
    assert titles == ["Een buurvrouw alleen", "Schulden in de wijk"]


def test_questions_order_sharing_and_copies(app, login):
    w = _world(app)
    with app.app_context():
        from reflectie.accounts.services import get_user_by_email

        docent = get_user_by_email(w["docent"])
        other = get_user_by_email(w["other_docent"])
        second = services.add_item(docent, w["collection"], w["other_pub"])
        services.update_item(docent, second.id, questions=["Eén", "", "Twee"], method_id=None)
        assert second.questions == ["Eén", "Twee"]
        services.move_item(docent, second.id, -1)
        collection = access.get_collection_for(docent, w["collection"])
        assert [i.id for i in collection.items] == [second.id, w["item"]]
        with pytest.raises(NotFound):
            access.get_collection_for(other, w["collection"])
        with pytest.raises(Invalid):
            services.share(docent, w["collection"], w["students"][0])  # students are no docenten
        services.share(docent, w["collection"], w["other_docent"])
        assert access.get_collection_for(other, w["collection"])
        with pytest.raises(NotFound):
            services.update_item(other, second.id, questions=["x"])  # sharing is not owning
        copy = services.copy_collection(other, w["collection"])
        assert copy.owner_id == other.id
        assert [i.questions for i in copy.items] == [
            ["Eén", "Twee"],
            ["Wat zou jij doen?", "Welke waarde weegt zwaarst?"],
        ]
        db.session.rollback()


def test_only_docenten_of_a_klas_assign_and_only_to_a_klas(app):
    w = _world(app)
    with app.app_context():
        from reflectie.accounts.services import get_user_by_email

        docent = get_user_by_email(w["docent"])
        wijkteam = make_team()
        with pytest.raises(Invalid) as err:
            services.assign(
                docent,
                w["collection"],
                team_id=wijkteam.id,
                starts_on=_today(),
                ends_on=_today(),
            )
        assert "team_id" in err.value.fields
        other_klas, _ = make_klas()
        with pytest.raises(Invalid):
            services.assign(
                docent, w["collection"], team_id=other_klas.id, starts_on=_today(), ends_on=_today()
            )


def test_students_read_and_answer_with_autosave_and_submit(app, login):
    w = _world(app)
    student = login(w["students"][0])
    overview = get_page(student, f"/opdrachten/{w['assignment']}")
    url = f"/opdrachten/{w['assignment']}/casussen/{w['item']}"
    assert overview.find("a", href=url)
    page = get_page(student, url)
    assert "Een buurvrouw alleen" in text_of(page)
    assert page.select("form.answer-form[data-autosave]")
    saved = student.post(url, json={"question": 0, "text": "Ik zou eerst luisteren."})
    assert saved.status_code == 200
    assert "saved_at" in saved.json
    assert student.post(url, json={"question": 9, "text": "x"}).status_code == 404
    assert student.post(url, json={"question": "0"}).status_code == 400
    page = get_page(student, url)
    assert page.find("textarea", id="answer-0").get_text() == "Ik zou eerst luisteren."
    student.post(url, data={"answer-1": "Autonomie.", "action": "submit"})
    page = get_page(student, url)
    assert page.find("textarea", id="answer-1").has_attr("readonly")
    late = student.post(url, json={"question": 0, "text": "Toch anders."})
    assert late.status_code == 422


def test_classmates_answers_only_after_submitting_and_only_when_shared(app, login):
    w = _world(app, share_answers=True)
    url = f"/opdrachten/{w['assignment']}/casussen/{w['item']}"
    first, second = (login(e) for e in w["students"])
    first.post(url, data={"answer-0": "ANTWOORD-EEN", "action": "submit"})
    second.post(url, json={"question": 0, "text": "ANTWOORD-TWEE"})
    assert "ANTWOORD-EEN" not in second.get(url).text  # not yet submitted
    assert "ANTWOORD-TWEE" not in first.get(url).text  # the other did not submit
    second.post(url, data={"answer-0": "ANTWOORD-TWEE", "action": "submit"})
    assert "ANTWOORD-EEN" in second.get(url).text
    assert "ANTWOORD-TWEE" in first.get(url).text
    docent = login(w["docent"])
    docent.post(f"/opdrachten/{w['assignment']}/instellingen", data={})
    assert "ANTWOORD-EEN" not in second.get(url).text  # the docent turned it off


def test_the_docent_sees_every_answer_per_question(app, login):
    w = _world(app)
    url = f"/opdrachten/{w['assignment']}/casussen/{w['item']}"
    for n, email in enumerate(w["students"]):
        login(email).post(url, json={"question": 0, "text": f"ANTWOORD-{n}"})
    page = get_page(login(w["docent"]), url)
    assert "ANTWOORD-0" in text_of(page)
    assert "ANTWOORD-1" in text_of(page)
    assert login(w["docent"]).post(url, json={"question": 0, "text": "x"}).status_code == 404


def test_others_never_reach_the_assignment_and_students_not_before_it_starts(app, login):
    w = _world(app, starts_in=3)
    url = f"/opdrachten/{w['assignment']}/casussen/{w['item']}"
    student = login(w["students"][0])
    assert student.get(f"/opdrachten/{w['assignment']}").status_code == 404
    assert student.get(url).status_code == 404
    assert login(w["docent"]).get(url).status_code == 200
    for email in (w["stranger"], w["other_docent"]):
        client = login(email)
        assert client.get(f"/opdrachten/{w['assignment']}").status_code == 404
        assert client.get(url).status_code == 404
        assert client.get(f"/bundels/{w['collection']}").status_code == 404


def test_students_never_reach_the_library_collections_or_the_original(app, login):
    w = _world(app)
    student = login(w["students"][0])
    for url in (
        "/bibliotheek",
        "/bundels",
        f"/bundels/{w['collection']}",
        f"/bundels/{w['collection']}/bundel.md",
        f"/publicaties/{w['pub']}",
        f"/casussen/{w['case_id']}",
    ):
        assert student.get(url).status_code == 404, url


def test_withdrawal_removes_the_case_from_collections_and_classes(app, login):
    w = _world(app)
    url = f"/opdrachten/{w['assignment']}/casussen/{w['item']}"
    student = login(w["students"][0])
    assert student.get(url).status_code == 200
    with app.app_context():
        from reflectie.publishing.models import Publication

        pub = db.session.get(Publication, w["pub"])
        pub_services.withdraw(make_user(team=pub.team), pub.id)
        db.session.commit()
        assert pub.status == PublicationStatus.WITHDRAWN
    assert student.get(url).status_code == 404
    assert "Een buurvrouw alleen" not in student.get(f"/opdrachten/{w['assignment']}").text
    docent = login(w["docent"])
    page = docent.get(f"/bundels/{w['collection']}").text
    assert "Ingetrokken casus" in page
    assert "Een buurvrouw alleen" not in page
    assert "Een buurvrouw alleen" not in docent.get(f"/bundels/{w['collection']}/bundel.md").text
    api = docent.get(
        f"/api/v1/collections/{w['collection']}",
        headers={"Authorization": f"Bearer {w['docent_token']}"},
    ).json
    assert api["items"] == []


def test_markdown_export_with_questions_and_colophon(app, login):
    w = _world(app)
    response = login(w["docent"]).get(f"/bundels/{w['collection']}/bundel.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    text = response.text
    assert text.startswith("# Bundel ethiek")
    assert "## 1. Een buurvrouw alleen" in text
    assert "1. Wat zou jij doen?" in text
    assert "## Colofon" in text
    assert "geanonimiseerd" in text
    assert w["org"] in text  # the team allowed naming its organisation
    assert w["team_name"] not in text  # never the team


def test_print_view_and_pdf(app, login):
    w = _world(app)
    client = login(w["docent"])
    page = get_page(client, f"/bundels/{w['collection']}/afdrukken")
    assert "Colofon" in text_of(page)
    response = client.get(f"/bundels/{w['collection']}/bundel.pdf")
    if response.status_code == 503:  # WeasyPrint's libraries missing: the page says what to do
        assert "afdrukversie" in response.text
    else:
        assert response.status_code == 200
        assert response.data.startswith(b"%PDF")


def test_collections_api(app, client):
    w = _world(app)
    headers = {"Authorization": f"Bearer {w['docent_token']}"}
    listing = client.get("/api/v1/collections", headers=headers).json
    assert [c["id"] for c in listing["results"]] == [w["collection"]]
    one = client.get(f"/api/v1/collections/{w['collection']}", headers=headers).json
    assert one["items"][0]["questions"] == ["Wat zou jij doen?", "Welke waarde weegt zwaarst?"]
    assert one["items"][0]["published_case"]["id"] == w["pub"]


def test_students_see_the_teams_outcome_only_after_submitting(app, login):
    w = _world(app)
    with app.app_context():
        from reflectie.publishing.models import Publication

        pub = db.session.get(Publication, w["pub"])
        pub.show_outcome, pub.outcome_conclusion = True, "UITKOMST-VAN-HET-TEAM"
        db.session.commit()
    url = f"/opdrachten/{w['assignment']}/casussen/{w['item']}"
    student = login(w["students"][0])
    assert "UITKOMST-VAN-HET-TEAM" not in student.get(url).text
    student.post(url, data={"answer-0": "Mijn oordeel.", "action": "submit"})
    assert "UITKOMST-VAN-HET-TEAM" in student.get(url).text
    assert "UITKOMST-VAN-HET-TEAM" in login(w["docent"]).get(url).text
