"""R-28: a vrijwilliger, stagiair or extern reads no original case text, by any route, until a
beheerder has recorded their geheimhoudingsverklaring. The service matrix is in
tests/test_permissions.py; here one route per action, the admin page and the audit trail."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from reflectie.accounts import confidentiality
from reflectie.accounts.confidentiality import ConfidentialityInput
from reflectie.accounts.models import ConfidentialityAgreement, EmploymentStatus, User
from reflectie.audit.models import AuditEvent
from reflectie.cases import services as case_services
from reflectie.cases.models import Case, CaseComment, CaseStatus
from reflectie.db import db, utcnow
from reflectie.errors import Invalid
from reflectie.permissions import Role
from reflectie.publishing import services as publishing_services
from reflectie.sessions import services as meeting_services
from reflectie.teaching import services as teaching_services
from tests.cases.factories import make_case
from tests.factories import make_team, make_token, make_user
from tests.pages import get_page, text_of
from tests.publishing.factories import make_klas, make_publication
from tests.sessions.factories import plan_meeting

CANARY = "KANARIE" + secrets.token_hex(5).upper()


def _status(user: User, status: EmploymentStatus, *, agreement: bool = False) -> None:
    user.employment_status = status
    if agreement:
        user.confidentiality_agreement = ConfidentialityAgreement(
            signed_on=date(2026, 1, 5), version="2026-1"
        )


def _world(app) -> dict:
    """One wijkteam: a teamleider (medewerker) who wrote a case full of canaries, a volunteer
    without an agreement, a stagiair with one, and an extern leercoach without one."""
    with app.app_context():
        team = make_team()
        leader = make_user(team=team, role=Role.TEAMLEIDER, name="Tineke Teamleider")
        case = make_case(
            team=team,
            author=leader,
            title="Zichtbare titel",
            status=CaseStatus.INGEBRACHT,
            situation=f"Situatie {CANARY}",
            help_question=f"Vraag {CANARY}",
        )
        case_services.add_comment(leader, case.id, f"Reactie {CANARY}")
        concept = publishing_services.start_publication(leader, case.id)
        meeting = plan_meeting(leader, team, [case.id])
        volunteer = make_user(team=team, role=Role.LID)
        _status(volunteer, EmploymentStatus.VRIJWILLIGER)
        stagiair = make_user(team=team, role=Role.LID)
        _status(stagiair, EmploymentStatus.STAGIAIR, agreement=True)
        extern = make_user(team=team, role=Role.LEERCOACH)
        _status(extern, EmploymentStatus.EXTERN)
        db.session.commit()
        return {
            "slug": team.slug,
            "case": case.id,
            "concept": concept.id,
            "meeting": meeting.id,
            "volunteer": volunteer.email,
            "volunteer_id": volunteer.id,
            "volunteer_token": make_token(volunteer),
            "stagiair": stagiair.email,
            "stagiair_token": make_token(stagiair),
            "extern": extern.email,
        }


# One route per way to a case's text; {case} and {concept} are filled in.
CASE_PAGES = [
    "/casussen/{case}",
    "/casussen/{case}/geschiedenis",
    "/casussen/{case}/geschiedenis/1",
    "/casussen/{case}/publiceren",
]


@pytest.mark.parametrize("path", CASE_PAGES)
def test_a_volunteer_gets_the_explanation_and_no_text_the_stagiair_with_agreement_reads(
    app, login, path
):
    w = _world(app)
    url = path.format(**w)
    refused = login(w["volunteer"]).get(url)
    assert refused.status_code == 403
    assert "geheimhoudingsverklaring nodig" in refused.text
    assert CANARY not in refused.text
    allowed = login(w["stagiair"]).get(url)
    assert allowed.status_code == 200
    if path in {"/casussen/{case}", "/casussen/{case}/geschiedenis/1"}:  # the text pages
        assert CANARY in allowed.text


def test_the_explanation_page_says_why_and_whom_to_ask(app, login):
    w = _world(app)
    page = get_page(login(w["volunteer"]), f"/casussen/{w['case']}", status=403)
    text = text_of(page)
    assert page.h1.get_text(strip=True) == "Geheimhoudingsverklaring nodig"
    assert "Voor het lezen van casussen is een geheimhoudingsverklaring nodig" in text
    assert "vrijwilliger" in text
    assert "Tineke Teamleider" in text


def test_the_refusal_is_audited_without_text(app, login):
    w = _world(app)
    login(w["volunteer"]).get(f"/casussen/{w['case']}")
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.actor_id == w["volunteer_id"], AuditEvent.action == "case.read"
            )
        ).all()
        assert [(e.result, e.object_type, e.object_id) for e in events] == [
            ("denied", "case", w["case"])
        ]
        assert events[0].details["reason"] == "geheimhouding"


def test_a_reaction_from_a_volunteer_is_refused_and_not_saved(app, login):
    w = _world(app)
    response = login(w["volunteer"]).post(
        f"/casussen/{w['case']}/reacties", data={"body": "Mag ik reageren?"}
    )
    assert response.status_code == 403
    with app.app_context():
        bodies = db.session.scalars(select(CaseComment.body)).all()
        assert "Mag ik reageren?" not in bodies


def test_the_team_list_shows_titles_and_a_notice_but_no_text_or_writing(app, login):
    w = _world(app)
    page = get_page(login(w["volunteer"]), f"/teams/{w['slug']}/casussen")
    assert "Zichtbare titel" in text_of(page)
    assert "geheimhoudingsverklaring nodig" in text_of(page)
    assert CANARY not in str(page)
    assert not page.find("a", href=f"/teams/{w['slug']}/casussen/nieuw")
    cleared = get_page(login(w["stagiair"]), f"/teams/{w['slug']}/casussen")
    assert cleared.find("a", href=f"/teams/{w['slug']}/casussen/nieuw")


@pytest.mark.parametrize(
    "path",
    [
        "/teams/{slug}/casussen/nieuw",
        "/teams/{slug}/casussen/importeren",
        "/teams/{slug}/casussen/export.json",
        "/teams/{slug}/casussen/export.zip",
    ],
)
def test_an_extern_coach_writes_imports_and_exports_no_cases(app, login, path):
    w = _world(app)
    response = login(w["extern"]).get(path.format(**w))
    assert response.status_code == 403
    assert CANARY.encode() not in response.get_data()


def test_the_api_answers_403_with_a_json_error_and_lists_nothing(app, client):
    w = _world(app)
    volunteer = {"Authorization": f"Bearer {w['volunteer_token']}"}
    response = client.get(f"/api/v1/cases/{w['case']}", headers=volunteer)
    assert response.status_code == 403
    assert response.json["error"] == "confidentiality_required"
    assert "geheimhoudingsverklaring" in response.json["message"]
    listed = client.get("/api/v1/cases", headers=volunteer)
    assert listed.status_code == 200
    assert listed.json["total"] == 0
    assert CANARY not in listed.text
    stagiair = {"Authorization": f"Bearer {w['stagiair_token']}"}
    assert CANARY in client.get(f"/api/v1/cases/{w['case']}", headers=stagiair).text
    assert client.get("/api/v1/cases", headers=stagiair).json["total"] == 1


def test_an_unapproved_copy_stays_closed_to_the_volunteer(app, login):
    w = _world(app)
    url = f"/publicaties/{w['concept']}/bewerken"
    refused = login(w["volunteer"]).get(url)
    assert refused.status_code == 404
    assert CANARY not in refused.text
    assert login(w["stagiair"]).get(url).status_code == 200


@pytest.mark.parametrize("path", ["/bijeenkomsten/{meeting}", "/bijeenkomsten/{meeting}/draaiboek"])
def test_the_meeting_and_its_plan_name_the_case_but_show_none_of_its_text(app, login, path):
    w = _world(app)
    response = login(w["volunteer"]).get(path.format(**w))
    assert response.status_code == 200
    assert "Zichtbare titel" in response.text
    assert CANARY not in response.text


def test_the_personal_data_download_of_a_volunteer_holds_no_case_text(app, login):
    w = _world(app)
    response = login(w["volunteer"]).get("/account/mijn-gegevens.json")
    assert response.status_code == 200
    assert CANARY not in response.text
    assert response.json["profile"]["employment_status"] == "vrijwilliger"
    assert response.json["profile"]["confidentiality_agreement"] is None


def test_a_student_with_no_agreement_still_reads_the_published_copy_of_her_class(app, login):
    with app.app_context():
        pub = make_publication(title="Een buurvrouw alleen")
        klas, docent = make_klas()
        student = make_user(team=klas, role=Role.STUDENT)
        _status(student, EmploymentStatus.STAGIAIR)
        collection = teaching_services.create_collection(docent, title="Bundel ethiek")
        item = teaching_services.add_item(docent, collection.id, pub.id, ["Wat zou jij doen?"])
        today = utcnow().date()
        assignment = teaching_services.assign(
            docent,
            collection.id,
            team_id=klas.id,
            starts_on=today,
            ends_on=today + timedelta(days=14),
        )
        db.session.commit()
        url, email = f"/opdrachten/{assignment.id}/casussen/{item.id}", student.email
    response = login(email).get(url)
    assert response.status_code == 200
    assert "Een buurvrouw alleen" in response.text


# --- the admin page --------------------------------------------------------------------------


def _volunteer(app) -> tuple[int, str, int]:
    with app.app_context():
        team = make_team()
        case = make_case(team=team, situation=f"Tekst {CANARY}")
        volunteer = make_user(team=team, role=Role.LID, name="Vera Vrijwilliger")
        db.session.commit()
        return volunteer.id, volunteer.email, case.id


def _url(user_id: int) -> str:
    return f"/beheer/gebruikers/{user_id}/geheimhouding"


def test_a_beheerder_records_the_status_and_the_agreement_and_can_revoke_it(
    app, admin_client, login
):
    user_id, email, case_id = _volunteer(app)
    page = get_page(admin_client, f"/beheer/gebruikers/{user_id}")
    assert page.find("a", href=_url(user_id))
    get_page(admin_client, _url(user_id))

    response = admin_client.post(_url(user_id), data={"employment_status": "vrijwilliger"})
    assert response.status_code == 302
    volunteer = login(email)
    assert volunteer.get(f"/casussen/{case_id}").status_code == 403

    response = admin_client.post(
        _url(user_id),
        data={"employment_status": "vrijwilliger", "signed_on": "2026-02-01", "version": "2026-1"},
    )
    assert response.status_code == 302
    page = get_page(admin_client, _url(user_id))
    assert "getekend op 01-02-2026, versie 2026-1" in text_of(page)
    assert "Bea Beheer" in text_of(page)
    assert CANARY in volunteer.get(f"/casussen/{case_id}").text  # the next request already

    assert admin_client.post(f"{_url(user_id)}/intrekken").status_code == 302
    assert volunteer.get(f"/casussen/{case_id}").status_code == 403
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "user", AuditEvent.object_id == user_id)
            .order_by(AuditEvent.id)
        ).all()
        assert actions[-3:] == [
            "user.employment_status",
            "confidentiality.record",
            "confidentiality.revoke",
        ]
        revoked = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "confidentiality.revoke")
        ).one()
        assert (revoked.details["signed_on"], revoked.details["version"]) == (
            "2026-02-01",
            "2026-1",
        )
        assert db.session.get(User, user_id).confidentiality_agreement is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"signed_on": "2026-02-01"}, "version"),
        ({"version": "2026-1"}, "signed_on"),
        ({"signed_on": "2999-01-01", "version": "2026-1"}, "signed_on"),
        ({"signed_on": "1899-01-01", "version": "2026-1"}, "signed_on"),
        ({"employment_status": "directeur"}, "employment_status"),
    ],
)
def test_an_incomplete_or_wrong_agreement_is_refused_and_nothing_is_saved(
    app, admin_client, data, field
):
    user_id, _email, _case = _volunteer(app)
    response = admin_client.post(_url(user_id), data={"employment_status": "extern", **data})
    assert response.status_code == 200
    page = get_page(admin_client, _url(user_id))  # the form page again, nothing saved
    assert "niet vastgelegd" in text_of(page)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.employment_status == EmploymentStatus.MEDEWERKER
        assert user.confidentiality_agreement is None
    assert f'id="{field}-error"' in response.text or "Er is een probleem" in response.text


def test_revoking_when_there_is_nothing_to_revoke_says_so(app, admin_client):
    user_id, _email, _case = _volunteer(app)
    admin_client.post(f"{_url(user_id)}/intrekken")
    page = get_page(admin_client, _url(user_id))
    assert "geen geheimhoudingsverklaring vastgelegd" in text_of(page)


def test_the_members_own_account_page_shows_status_and_what_is_missing(app, login):
    _user_id, email, _case = _volunteer(app)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        user.employment_status = EmploymentStatus.VRIJWILLIGER
        db.session.commit()
    text = text_of(get_page(login(email), "/account"))
    assert "Vrijwilliger" in text
    assert "nog niet vastgelegd" in text


# --- services -----------------------------------------------------------------------------------


def test_nobody_records_their_own_agreement(app):
    with app.app_context():
        admin = make_user(admin=True)
        with pytest.raises(Invalid):
            confidentiality.set_confidentiality(
                admin, admin, ConfidentialityInput("vrijwilliger", date(2026, 1, 1), "1")
            )
        admin.confidentiality_agreement = ConfidentialityAgreement(
            signed_on=date(2026, 1, 1), version="1"
        )
        db.session.flush()
        with pytest.raises(Invalid):
            confidentiality.revoke_agreement(admin, admin)


def test_a_blank_form_never_removes_an_agreement_and_an_unchanged_one_is_not_audited_again(app):
    with app.app_context():
        admin, user = make_user(admin=True), make_user()
        data = ConfidentialityInput("stagiair", date(2026, 1, 1), " 2026-1 ")
        confidentiality.set_confidentiality(admin, user, data)
        confidentiality.set_confidentiality(admin, user, data)
        with pytest.raises(Invalid) as blank:
            confidentiality.set_confidentiality(admin, user, ConfidentialityInput("stagiair"))
        assert "signed_on" in blank.value.fields
        assert user.confidentiality_agreement.version == "2026-1"
        recorded = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "confidentiality.record", AuditEvent.object_id == user.id
            )
        ).all()
        assert len(recorded) == 1
        confidentiality.set_confidentiality(
            admin, user, ConfidentialityInput("stagiair", date(2026, 3, 1), "2026-2")
        )
        assert (
            user.confidentiality_agreement.signed_on,
            user.confidentiality_agreement.version,
        ) == (
            date(2026, 3, 1),
            "2026-2",
        )


def test_one_agreement_covers_every_team_of_the_person(app):
    """The reason status and agreement sit on the user, not the membership."""
    from reflectie.accounts import services as account_services
    from reflectie.cases import access

    with app.app_context():
        first, second = make_team(), make_team()
        admin = make_user(admin=True)
        volunteer = make_user(team=first)
        confidentiality.set_confidentiality(
            admin, volunteer, ConfidentialityInput("vrijwilliger", date(2026, 1, 1), "2026-1")
        )
        account_services.set_membership(None, team=second, user=volunteer, role=Role.LID)
        case = make_case(team=second)
        assert access.get_case_for(volunteer, case.id).id == case.id
        confidentiality.revoke_agreement(admin, volunteer)
        other = make_case(team=second)
        assert not access.may(volunteer, other, access.CaseAction.READ)


# --- by any route: every page and API answer the volunteer can ask for ------------------------


def test_no_route_shows_the_volunteer_any_case_text(app, login):
    """Every GET route without arguments, and every object route filled with the team's own
    case, copy, meeting and slug: the case's canaries never appear (R-28 over R-04's crawl)."""
    import io
    import re
    import zipfile

    w = _world(app)
    client = login(w["volunteer"])
    api = {"Authorization": f"Bearer {w['volunteer_token']}"}
    values = {
        "case_id": w["case"],
        "publication_id": w["concept"],
        "meeting_id": w["meeting"],
        "slug": w["slug"],
        "number": 1,
        "step": 1,
        "user_id": w["volunteer_id"],
    }
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        path = rule.rule
        if any(name not in values for name in rule.arguments):
            continue
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), path)
        response = client.get(path, headers=api if path.startswith("/api/") else {})
        body = response.get_data()
        if response.mimetype == "application/zip":
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                body = b"".join(archive.read(n) for n in archive.namelist())
        assert CANARY.encode() not in body, path
        assert response.status_code < 500 or response.status_code == 503, path  # no index here
        checked += 1
    assert checked > 30


def test_an_extern_gespreksleider_closes_the_meeting_and_its_case_moves_on(app):
    """Leading and closing shows no case text; the case still becomes besproken."""
    w = _world(app)
    with app.app_context():
        extern = db.session.scalar(select(User).where(User.email == w["extern"]))
        meeting_services.close_meeting(extern, w["meeting"])
        db.session.commit()
        assert db.session.get(Case, w["case"]).status == CaseStatus.BESPROKEN


def test_the_api_refuses_a_new_case_from_a_volunteer_and_saves_nothing(app, client):
    w = _world(app)
    volunteer = {"Authorization": f"Bearer {w['volunteer_token']}"}
    response = client.post(
        "/api/v1/cases", json={"title": f"Nieuw {CANARY}", "team": w["slug"]}, headers=volunteer
    )
    assert response.status_code == 403
    assert response.json["error"] == "confidentiality_required"
    with app.app_context():
        assert db.session.scalar(select(Case).where(Case.title.contains(CANARY))) is None
