"""The case pages: every route, every role, the conflict page, drafts, an expired session,
import and export (R-02 to R-07, R-17, R-30)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from reflectie.audit.models import AuditEvent
from reflectie.cases.models import Case, CaseComment, CaseDraft, CaseRevision, CaseStatus
from reflectie.db import db
from reflectie.permissions import Role, TeamKind
from tests.cases.factories import COMPLETE, make_case
from tests.factories import PASSWORD, make_team, make_user, new_totp_secret
from tests.pages import get_page, parse, text_of

# --- arranging ----------------------------------------------------------------------------------


def _team(app, *roles: Role, kind: TeamKind = TeamKind.WIJKTEAM) -> dict:
    """A team with one user per role; plain values only (STYLE §7 trap 6)."""
    with app.app_context():
        team = make_team(kind=kind)
        users = {role: make_user(team=team, role=role) for role in roles}
        return {
            "slug": team.slug,
            "team_id": team.id,
            "emails": {role: u.email for role, u in users.items()},
            "ids": {role: u.id for role, u in users.items()},
        }


def _world(app) -> dict:
    """Team A (lid = author, second lid, leercoach, teamleider, docent, student) with one
    case, and team B with its own leercoach."""
    roles = (Role.LID, Role.LEERCOACH, Role.TEAMLEIDER, Role.DOCENT, Role.STUDENT)
    team = _team(app, *roles)
    with app.app_context():
        from reflectie.accounts.models import Team, User

        team_a = db.session.get(Team, team["team_id"])
        author = db.session.get(User, team["ids"][Role.LID])
        other_member = make_user(team=team_a, role=Role.LID)
        case = make_case(
            team=team_a,
            author=author,
            title="Mevrouw B. en de thuiszorg",
            situation="Mevrouw B. woont alleen.",
            kwesties=[5, 2],
            tags=["ouderen"],
        )
        team_b = make_team()
        outsider = make_user(team=team_b, role=Role.LEERCOACH)
        return {
            **team,
            "case_id": case.id,
            "author": author.email,
            "other_member": other_member.email,
            "outsider": outsider.email,
            "slug_b": team_b.slug,
        }


def _form(**changes) -> dict:
    data = {
        "title": "Meneer K. en de schulden",
        "situation": "Meneer K. heeft *schulden* en opent de post niet.",
        "help_question": "Hoe krijg ik contact?",
        "dilemma": (
            "Moet ik doorzetten, met als gevolg spanning, of afwachten, met als gevolg meer schuld?"
        ),
        "stakeholders": "Meneer K., zijn dochter, de schuldhulp.",
        "own_role": "Ik ben zijn vaste contactpersoon.",
        "values": ["autonomie", "veiligheid"],
        "other_values": "zorg voor elkaar",
        "primary_kwestie": "5",
        "secondary_kwesties": ["2", "5"],
        "tags": "Schulden, jeugd",
        "visibility": "team",
        "action": "save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _case(app, case_id: int) -> dict:
    with app.app_context():
        case = db.session.get(Case, case_id)
        return {
            "title": case.title,
            "situation": case.situation,
            "dilemma": case.dilemma,
            "status": str(case.status),
            "version": case.version,
            "kwesties": case.kwesties,
            "values": case.values,
            "tags": case.tags,
            "visibility": str(case.visibility),
            "deleted": case.deleted_at is not None,
        }


def _count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def _audit(app, action: str, **where) -> int:
    return _count(app, AuditEvent, action=action, **where)


def _version_on(page) -> str:
    return page.find("input", attrs={"name": "version"})["value"]


def _textarea(page, field_id: str) -> str:
    # A browser drops the one newline WTForms puts after <textarea>; html.parser keeps it.
    text = page.find("textarea", id=field_id).get_text()
    return text.removeprefix("\r\n").removeprefix("\n")


def _last_case_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(Case.id)))


# --- writing a case -----------------------------------------------------------------------------


def test_the_new_case_form_offers_every_field_hint_and_the_kwestie_guide(app, login):
    world = _world(app)
    client = login(world["author"])
    page = get_page(client, f"/teams/{world['slug']}/casussen/nieuw")
    form = page.find("form", attrs={"data-autosave": True})
    assert form["data-autosave"] == f"/teams/{world['slug']}/casussen/concept"
    for name in ("title", "situation", "help_question", "dilemma", "stakeholders", "own_role"):
        field = page.find(id=name)
        assert field is not None, name
        assert page.find(id=f"{name}-hint"), f"no hint for {name}"
    dilemma = page.find("textarea", id="dilemma")
    assert dilemma["placeholder"] == "Moet ik A, met als gevolg X, of B, met als gevolg Y?"
    assert len(page.select("input[name=primary_kwestie]")) == 8  # "not yet" and 1-7
    assert len(page.select("input[name=secondary_kwesties][type=checkbox]")) == 7
    assert page.select_one("input[name=values][value=autonomie]")
    assert page.find("input", id="tags")["list"] == "tag-suggesties"
    assert [o["value"] for o in page.select("datalist#tag-suggesties option")] == ["ouderen"]
    assert len(page.select("aside.kwestie-guide details")) == 7
    assert page.select_one("script[src*='js/case-form.js']").has_attr("defer")
    buttons = [b.get_text(strip=True) for b in form.find_all("button")]
    assert buttons == ["Opslaan als concept", "Opslaan en inbrengen"]
    assert page.select("input[name=visibility]")[0]["value"] == "team"


def test_writing_a_case_saves_every_field_and_shows_it(app, login):
    world = _world(app)
    client = login(world["author"])
    response = client.post(f"/teams/{world['slug']}/casussen/nieuw", data=_form())
    assert response.status_code == 302
    case_id = _last_case_id(app)
    assert response.headers["Location"] == f"/casussen/{case_id}"
    case = _case(app, case_id)
    assert case["title"] == "Meneer K. en de schulden"
    assert case["kwesties"] == [5, 2]  # primary first, the repeated 5 only once
    assert case["values"] == ["autonomie", "veiligheid", "zorg voor elkaar"]
    assert case["tags"] == ["jeugd", "schulden"]
    assert case["status"] == "concept"
    page = get_page(client, f"/casussen/{case_id}")
    text = text_of(page)
    assert "De casus is opgeslagen." in text
    assert "Meneer K. heeft" in text
    assert page.select_one(".prose em").get_text() == "schulden"  # Markdown rendered
    assert "5. Ethisch-normatieve kant" in text
    assert "2. Perspectief van burgers" in text
    assert "zorg voor elkaar" in text
    assert (
        page.select_one(".kwestie-badge--primary")
        .get_text(" ", strip=True)
        .endswith("5. Ethisch-normatieve kant")
    )


def test_a_private_case_is_saved_as_private(app, login):
    world = _world(app)
    client = login(world["author"])
    client.post(f"/teams/{world['slug']}/casussen/nieuw", data=_form(visibility="private"))
    assert _case(app, _last_case_id(app))["visibility"] == "private"


def test_bringing_in_a_complete_case_sets_it_ingebracht(app, login):
    world = _world(app)
    client = login(world["author"])
    response = client.post(f"/teams/{world['slug']}/casussen/nieuw", data=_form(action="bring_in"))
    assert response.status_code == 302
    assert _case(app, _last_case_id(app))["status"] == "ingebracht"


def test_bringing_in_an_incomplete_case_saves_the_text_and_names_the_missing_fields(app, login):
    world = _world(app)
    client = login(world["author"])
    data = _form(
        action="bring_in",
        help_question="",
        dilemma="",
        primary_kwestie="",
        secondary_kwesties=[],
        situation="Alleen dit.\nTweede regel.",
    )
    response = client.post(f"/teams/{world['slug']}/casussen/nieuw", data=data)
    case_id = _last_case_id(app)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/casussen/{case_id}/bewerken?inbrengen=1"
    case = _case(app, case_id)
    assert case["status"] == "concept"
    assert case["situation"] == "Alleen dit.\nTweede regel."
    page = get_page(client, response.headers["Location"])
    text = text_of(page)
    assert "Uw tekst is als concept opgeslagen" in text
    assert "Hulpvraag of leervraag, Dilemma, Kwesties" in text
    for field in ("help_question", "dilemma", "primary_kwestie"):
        assert "Nodig om de casus in te brengen." in page.find(id=f"{field}-error").get_text()
    assert _textarea(page, "situation") == "Alleen dit.\nTweede regel."
    assert page.find("input", id="title")["value"] == "Meneer K. en de schulden"
    # Filling in the rest and bringing it in from the edit form works.
    response = client.post(
        f"/casussen/{case_id}/bewerken",
        data=_form(action="bring_in", version=_version_on(page)),
    )
    assert response.status_code == 302
    assert _case(app, case_id)["status"] == "ingebracht"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "Geef de casus een titel."),
        ({"primary_kwestie": "8"}, "primary_kwestie", "nummer van 1 tot en met 7"),
        ({"secondary_kwesties": ["0"]}, "primary_kwestie", "nummer van 1 tot en met 7"),
        ({"primary_kwestie": "drie"}, "primary_kwestie", "nummer van 1 tot en met 7"),
        ({"situation": "x" * 60_000}, "situation", "Deze tekst is te lang: hoogstens 50.000"),
        ({"dilemma": "stuur\x07teken"}, "dilemma", "onzichtbare stuurtekens"),
        ({"tags": "<script>"}, "tags", "labels van letters"),
        ({"visibility": "iedereen"}, "visibility", "het team of alleen u"),
    ],
)
def test_invalid_input_is_refused_in_dutch_and_keeps_the_typed_text(
    app, login, changes, field, message
):
    world = _world(app)
    client = login(world["author"])
    before = _count(app, Case)
    data = _form(stakeholders="Getypte tekst die blijft", **changes)
    response = client.post(f"/teams/{world['slug']}/casussen/nieuw", data=data)
    assert response.status_code == 200
    page = parse(response.text)
    assert message in page.find(id=f"{field}-error").get_text()
    assert page.select_one(".error-summary")
    assert _textarea(page, "stakeholders") == "Getypte tekst die blijft"
    if field != "situation":
        assert _textarea(page, "situation") == data["situation"]
    assert _count(app, Case) == before


def test_editing_keeps_the_text_on_errors_and_saves_a_revision(app, login):
    world = _world(app)
    client = login(world["author"])
    url = f"/casussen/{world['case_id']}/bewerken"
    page = get_page(client, url)
    assert page.find("input", id="title")["value"] == "Mevrouw B. en de thuiszorg"
    assert page.select_one("input[name=primary_kwestie][value='5']").has_attr("checked")
    assert page.select_one("input[name=secondary_kwesties][value='2']").has_attr("checked")
    assert page.select_one("details[data-kwestie='5']").has_attr("open")
    version = _version_on(page)
    response = client.post(url, data=_form(title="", version=version))
    assert response.status_code == 200
    assert "Geef de casus een titel." in response.text
    assert _case(app, world["case_id"])["title"] == "Mevrouw B. en de thuiszorg"
    response = client.post(url, data=_form(version=version))
    assert response.status_code == 302
    assert _case(app, world["case_id"])["title"] == "Meneer K. en de schulden"
    assert _count(app, CaseRevision, case_id=world["case_id"]) == 2


def test_an_ingebracht_case_cannot_lose_its_required_fields(app, login):
    with app.app_context():
        team = make_team()
        author = make_user(team=team)
        case_id = make_case(team=team, author=author, status=CaseStatus.INGEBRACHT).id
        email = author.email
    client = login(email)
    page = get_page(client, f"/casussen/{case_id}/bewerken")
    assert [b.get_text(strip=True) for b in page.select("form.case-form button")] == ["Opslaan"]
    data = _form(version=_version_on(page), dilemma="")
    response = client.post(f"/casussen/{case_id}/bewerken", data=data)
    assert response.status_code == 200
    assert "Nodig om de casus in te brengen." in parse(response.text).find(id="dilemma-error").text
    assert _case(app, case_id)["dilemma"] == COMPLETE["dilemma"]


# --- the conflict page --------------------------------------------------------------------------


@pytest.fixture
def editors(app, login):
    world = _world(app)
    return world, login(world["author"]), login(world["emails"][Role.LEERCOACH])


def test_a_stale_save_gets_the_conflict_page_and_nothing_is_overwritten(app, editors):
    world, first, second = editors
    url = f"/casussen/{world['case_id']}/bewerken"
    version_first = _version_on(get_page(first, url))
    version_second = _version_on(get_page(second, url))
    assert version_first == version_second
    saved = first.post(url, data=_form(situation="Tekst van de auteur.", version=version_first))
    assert saved.status_code == 302
    stale = second.post(
        url, data=_form(situation="Tekst van de leercoach.", version=version_second)
    )
    assert stale.status_code == 409
    page = parse(stale.text)
    text = text_of(page)
    assert "Iemand anders heeft deze casus intussen gewijzigd" in text
    assert "Uw versie" in text
    with app.app_context():
        from reflectie.accounts.models import User

        author_name = db.session.scalar(select(User.name).where(User.email == world["author"]))
    assert f"De versie van {author_name} (opgeslagen om" in text
    sides = page.select(".compare-side")
    assert any("Tekst van de leercoach." in s.get_text() for s in sides)
    assert any("Tekst van de auteur." in s.get_text() for s in sides)
    # The form holds the second editor's text at the current version.
    assert _textarea(page, "situation") == "Tekst van de leercoach."
    current = _case(app, world["case_id"])
    assert _version_on(page) == str(current["version"])
    assert current["situation"] == "Tekst van de auteur."
    # Merging and saving again works.
    merged = _form(
        situation="Tekst van de auteur. Tekst van de leercoach.", version=_version_on(page)
    )
    assert second.post(url, data=merged).status_code == 302
    assert (
        _case(app, world["case_id"])["situation"] == "Tekst van de auteur. Tekst van de leercoach."
    )


def test_a_stale_status_change_is_refused_with_a_message(app, editors):
    world, first, second = editors
    page = get_page(second, f"/casussen/{world['case_id']}")
    old_version = _version_on(page)
    first.post(
        f"/casussen/{world['case_id']}/bewerken",
        data=_form(version=_version_on(get_page(first, f"/casussen/{world['case_id']}/bewerken"))),
    )
    response = second.post(
        f"/casussen/{world['case_id']}/status",
        data={"status": "ingebracht", "version": old_version},
    )
    assert response.status_code == 302
    assert _case(app, world["case_id"])["status"] == "concept"
    assert "intussen gewijzigd" in text_of(get_page(second, f"/casussen/{world['case_id']}"))


# --- the case page, status, delete --------------------------------------------------------------


def test_the_case_page_audits_the_read_and_shows_actions_by_right(app, login):
    world = _world(app)
    url = f"/casussen/{world['case_id']}"
    before = _audit(app, "case.read", object_id=world["case_id"])
    author = get_page(login(world["author"]), url)
    assert _audit(app, "case.read", object_id=world["case_id"]) == before + 1
    assert author.find("a", string="Bewerken")
    assert author.find("a", string="Verwijderen")
    assert author.find("a", string="Geschiedenis")
    assert author.select_one("form.status-form select#status")
    other = get_page(login(world["other_member"]), url)
    assert not other.find("a", string="Bewerken")
    assert not other.select_one("form.status-form")
    assert other.find("textarea", id="body")  # may comment


def test_status_change_needs_the_required_fields(app, login):
    world = _world(app)
    client = login(world["author"])
    url = f"/casussen/{world['case_id']}"
    version = _version_on(get_page(client, url))
    response = client.post(f"{url}/status", data={"status": "ingebracht", "version": version})
    assert response.status_code == 302
    assert _case(app, world["case_id"])["status"] == "concept"
    text = text_of(get_page(client, url))
    assert "vul eerst in: Hulpvraag of leervraag, Dilemma" in text


def test_status_change_of_a_complete_case(app, login):
    with app.app_context():
        team = make_team()
        author = make_user(team=team)
        case_id = make_case(team=team, author=author, **COMPLETE).id
        email = author.email
    client = login(email)
    version = _version_on(get_page(client, f"/casussen/{case_id}"))
    client.post(f"/casussen/{case_id}/status", data={"status": "ingebracht", "version": version})
    assert _case(app, case_id)["status"] == "ingebracht"
    assert "De status is nu: ingebracht." in text_of(get_page(client, f"/casussen/{case_id}"))
    version = _version_on(get_page(client, f"/casussen/{case_id}"))
    client.post(f"/casussen/{case_id}/status", data={"status": "verzonnen", "version": version})
    assert _case(app, case_id)["status"] == "ingebracht"


def test_deleting_asks_first_then_hides_the_case_everywhere(app, login):
    world = _world(app)
    client = login(world["author"])
    url = f"/casussen/{world['case_id']}/verwijderen"
    page = get_page(client, url)
    assert "Weet u zeker" in text_of(page)
    assert not _case(app, world["case_id"])["deleted"]
    response = client.post(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/teams/{world['slug']}/casussen"
    assert _case(app, world["case_id"])["deleted"]
    assert _audit(app, "case.delete", object_id=world["case_id"]) == 1
    get_page(client, f"/casussen/{world['case_id']}", status=404)
    assert "Mevrouw B." not in client.get(f"/teams/{world['slug']}/casussen").text


def test_a_member_cannot_edit_or_delete_someone_elses_case(app, login):
    world = _world(app)
    client = login(world["other_member"])
    for url in ("bewerken", "verwijderen", "concept", "status"):
        assert client.post(f"/casussen/{world['case_id']}/{url}").status_code == 404, url
    assert client.get(f"/casussen/{world['case_id']}/bewerken").status_code == 404
    assert _case(app, world["case_id"])["title"] == "Mevrouw B. en de thuiszorg"


# --- history and restore ------------------------------------------------------------------------


def test_history_shows_revisions_a_word_diff_and_restores(app, login):
    world = _world(app)
    client = login(world["author"])
    edit = f"/casussen/{world['case_id']}/bewerken"
    client.post(
        edit,
        data=_form(
            title="Mevrouw B. en de thuiszorg",
            situation="Mevrouw B. woont sinds kort alleen <b>echt</b>.",
            version=_version_on(get_page(client, edit)),
        ),
    )
    history = get_page(client, f"/casussen/{world['case_id']}/geschiedenis")
    rows = history.select("tbody tr")
    assert len(rows) == 2
    assert "eerste versie" in rows[1].get_text()
    revision = get_page(client, f"/casussen/{world['case_id']}/geschiedenis/2")
    situation = revision.find(id="veld-situation").find_next("p", class_="diff")
    inserted = " ".join(i.get_text() for i in situation.find_all("ins"))
    deleted = " ".join(d.get_text() for d in situation.find_all("del"))
    assert "sinds" in inserted
    assert "<b>echt</b>." in inserted  # shown as text, not markup
    assert not situation.find("b")
    assert "alleen." in deleted
    assert revision.find(id="veld-title") is None  # the title did not change
    assert not revision.select_one("form.restore-form")  # the newest version
    first = get_page(client, f"/casussen/{world['case_id']}/geschiedenis/1")
    assert "De eerste versie van de casus" in text_of(first)
    restore = first.select_one("form.restore-form")
    response = client.post(restore["action"], data={"version": _version_on(first)})
    assert response.status_code == 302
    assert _case(app, world["case_id"])["situation"] == "Mevrouw B. woont alleen."
    assert _count(app, CaseRevision, case_id=world["case_id"]) == 3
    assert "teruggezet naar versie 1" in text_of(
        get_page(client, f"/casussen/{world['case_id']}/geschiedenis")
    )
    get_page(client, f"/casussen/{world['case_id']}/geschiedenis/99", status=404)


def test_restoring_with_a_stale_version_changes_nothing(app, login):
    world = _world(app)
    client = login(world["author"])
    edit = f"/casussen/{world['case_id']}/bewerken"
    stale = _version_on(get_page(client, edit))
    client.post(edit, data=_form(version=stale))
    response = client.post(
        f"/casussen/{world['case_id']}/geschiedenis/1/terugzetten", data={"version": stale}
    )
    assert response.status_code == 302
    assert _case(app, world["case_id"])["title"] == "Meneer K. en de schulden"
    page = get_page(client, f"/casussen/{world['case_id']}/geschiedenis")
    assert "er is niets teruggezet" in text_of(page)


# --- comments -----------------------------------------------------------------------------------


def test_members_comment_and_remove_only_their_own_comments(app, login):
    world = _world(app)
    other = login(world["other_member"])
    url = f"/casussen/{world['case_id']}/reacties"
    empty = other.post(url, data={"body": "   "})
    assert empty.status_code == 200
    assert "Schrijf eerst een reactie." in empty.text
    long = other.post(url, data={"body": "x" * 5_001})
    assert "Houd een reactie korter" in long.text
    assert "x" * 5_001 in long.text  # the typed text stays in the form
    response = other.post(url, data={"body": "Goed dat je dit inbrengt."})
    assert response.status_code == 302
    page = get_page(other, f"/casussen/{world['case_id']}")
    assert "Goed dat je dit inbrengt." in text_of(page)
    delete = page.select_one(".comment form")
    with app.app_context():
        comment_id = db.session.scalar(select(func.max(CaseComment.id)))
    author = login(world["author"])
    assert not get_page(author, f"/casussen/{world['case_id']}").select_one(".comment form")
    assert author.post(f"/reacties/{comment_id}/verwijderen").status_code == 404
    response = other.post(delete["action"], data={"case_id": world["case_id"]})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/casussen/{world['case_id']}#reacties"
    assert "Goed dat je dit inbrengt." not in text_of(
        get_page(other, f"/casussen/{world['case_id']}")
    )


# --- the list -----------------------------------------------------------------------------------


def test_the_list_filters_sorts_and_pages_keeping_the_filters(app, login):
    world = _world(app)
    with app.app_context():
        from reflectie.accounts.models import Team, User

        team = db.session.get(Team, world["team_id"])
        coach = db.session.get(User, world["ids"][Role.LEERCOACH])
        for n in range(22):
            make_case(team=team, author=coach, title=f"Jeugd {n:02}", kwesties=[3], tags=["jeugd"])
        make_case(team=team, author=coach, title="Ingebracht", status=CaseStatus.INGEBRACHT)
        coach_id = coach.id
    client = login(world["author"])
    base = f"/teams/{world['slug']}/casussen"
    page = get_page(client, base)
    assert "24 casussen" in text_of(page)
    assert len(page.select("tbody tr")) == 20
    filtered = get_page(client, f"{base}?kwestie=3&tag=jeugd&sort=title")
    assert "22 casussen" in text_of(filtered)
    titles = [a.get_text() for a in filtered.select("tbody td:first-child a")]
    assert titles[:2] == ["Jeugd 00", "Jeugd 01"]
    next_link = filtered.select_one("nav.pagination a")["href"]
    assert "kwestie=3" in next_link
    assert "tag=jeugd" in next_link
    assert "page=2" in next_link
    second = get_page(client, next_link)
    assert [a.get_text() for a in second.select("tbody td:first-child a")] == [
        "Jeugd 20",
        "Jeugd 21",
    ]
    assert "1 casus" in text_of(get_page(client, f"{base}?status=ingebracht"))
    by_coach = get_page(client, f"{base}?author={coach_id}")
    assert "23 casussen" in text_of(by_coach)
    assert "0 casussen" in text_of(get_page(client, f"{base}?since=2999-01-01"))
    assert "24 casussen" in text_of(get_page(client, f"{base}?until=2999-01-01"))
    # The row shows title, kwestie badges, status, author and tags.
    row = get_page(client, f"{base}?status=ingebracht").select_one("tbody tr")
    assert "5. Ethisch-normatieve kant" in row.get_text()
    assert "ingebracht" in row.get_text()
    assert page.find("select", id="author").find("option", string=lambda s: s and "Gebruiker" in s)


def test_an_invalid_filter_is_explained_and_the_list_is_shown_unfiltered(app, login):
    world = _world(app)
    client = login(world["author"])
    page = get_page(client, f"/teams/{world['slug']}/casussen?kwestie=8&since=gisteren")
    text = text_of(page)
    assert "Niet elk filter klopt" in text
    assert "Kies een kwestie van 1 tot en met 7." in page.find(id="kwestie-error").get_text()
    assert "JJJJ-MM-DD" in page.find(id="since-error").get_text()
    assert "Mevrouw B. en de thuiszorg" in text


def test_the_list_does_not_query_per_case(app, login, count_queries):
    world = _world(app)
    client = login(world["author"])
    url = f"/teams/{world['slug']}/casussen"

    def add_cases(n: int) -> None:
        with app.app_context():
            from reflectie.accounts.models import Team

            team = db.session.get(Team, world["team_id"])
            for i in range(n):  # a new author each, so a lazy load per row would show
                make_case(team=team, author=make_user(team=team), title=f"C{i}", tags=[f"t{i}"])

    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add_cases(12)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_private_cases_are_invisible_to_other_members(app, login):
    world = _world(app)
    author = login(world["author"])
    author.post(
        f"/teams/{world['slug']}/casussen/nieuw",
        data=_form(title="Privé-aantekening", visibility="private", tags="geheimlabel"),
    )
    case_id = _last_case_id(app)
    assert "Privé-aantekening" in author.get(f"/teams/{world['slug']}/casussen").text
    for email in (world["other_member"], world["emails"][Role.LEERCOACH]):
        client = login(email)
        listing = client.get(f"/teams/{world['slug']}/casussen")
        assert "Privé-aantekening" not in listing.text
        assert "geheimlabel" not in client.get(f"/teams/{world['slug']}/casussen/nieuw").text
        for path in ("", "/bewerken", "/geschiedenis", "/geschiedenis/1", "/verwijderen"):
            assert client.get(f"/casussen/{case_id}{path}").status_code == 404, path
        assert client.post(f"/casussen/{case_id}/reacties", data={"body": "x"}).status_code == 404


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read", "edit_any", "import_export"),
    [
        (Role.LID, True, False, False),
        (Role.LEERCOACH, True, True, True),
        (Role.TEAMLEIDER, True, True, True),
        (Role.DOCENT, False, False, False),
        (Role.STUDENT, False, False, False),
    ],
)
def test_each_role_sees_what_it_may(app, login, role, read, edit_any, import_export):
    world = _world(app)
    client = login(world["emails"][role]) if role != Role.LID else login(world["other_member"])
    ok = 200 if read else 404
    slug, case_id = world["slug"], world["case_id"]
    assert client.get(f"/teams/{slug}/casussen").status_code == ok
    assert client.get(f"/teams/{slug}/casussen/nieuw").status_code == ok
    assert client.get(f"/casussen/{case_id}").status_code == ok
    assert client.get(f"/casussen/{case_id}/geschiedenis").status_code == ok
    assert client.get(f"/casussen/{case_id}/geschiedenis/1").status_code == ok
    edit = 200 if edit_any else 404
    assert client.get(f"/casussen/{case_id}/bewerken").status_code == edit
    assert client.get(f"/casussen/{case_id}/verwijderen").status_code == edit
    io_status = 200 if import_export else 404
    assert client.get(f"/teams/{slug}/casussen/importeren").status_code == io_status
    assert client.get(f"/teams/{slug}/casussen/export.json").status_code == io_status
    assert client.get(f"/teams/{slug}/casussen/export.zip").status_code == io_status
    if read:
        listing = get_page(client, f"/teams/{slug}/casussen")
        assert bool(listing.find("a", string="Importeren")) == import_export
        assert bool(listing.find("a", string="Exporteren (JSON)")) == import_export
        assert listing.find("a", string="Nieuwe casus")


def test_docent_and_student_do_see_their_class_but_no_case_links(app, login):
    world = _world(app)
    for role in (Role.DOCENT, Role.STUDENT):
        client = login(world["emails"][role])
        team_page = get_page(client, f"/teams/{world['slug']}")
        assert not team_page.find("a", href=f"/teams/{world['slug']}/casussen")
        assert not get_page(client, "/").find("a", href=f"/teams/{world['slug']}/casussen")


def test_team_and_home_pages_link_to_the_cases(app, login):
    world = _world(app)
    client = login(world["author"])
    assert get_page(client, f"/teams/{world['slug']}").find(
        "a", href=f"/teams/{world['slug']}/casussen/nieuw"
    )
    assert get_page(client, "/").find("a", href=f"/teams/{world['slug']}/casussen")


def _case_routes(case_id: int, comment_id: int, slug: str) -> list[tuple[str, str]]:
    routes = [
        ("GET", f"/teams/{slug}/casussen"),
        ("GET", f"/teams/{slug}/casussen/nieuw"),
        ("POST", f"/teams/{slug}/casussen/nieuw"),
        ("POST", f"/teams/{slug}/casussen/concept"),
        ("POST", f"/teams/{slug}/casussen/concept/weggooien"),
        ("GET", f"/teams/{slug}/casussen/importeren"),
        ("POST", f"/teams/{slug}/casussen/importeren"),
        ("GET", f"/teams/{slug}/casussen/export.json"),
        ("GET", f"/teams/{slug}/casussen/export.zip"),
        ("POST", f"/reacties/{comment_id}/verwijderen"),
    ]
    for path in (
        "",
        "/bewerken",
        "/concept",
        "/concept/weggooien",
        "/status",
        "/verwijderen",
        "/geschiedenis",
        "/geschiedenis/1",
        "/geschiedenis/1/terugzetten",
        "/reacties",
    ):
        for method in ("GET", "POST"):
            routes.append((method, f"/casussen/{case_id}{path}"))
    return routes


def test_another_teams_member_gets_404_on_every_case_route_and_changes_nothing(app, login):
    world = _world(app)
    with app.app_context():
        from reflectie.accounts.models import User
        from reflectie.cases import services

        author = db.session.scalar(select(User).where(User.email == world["author"]))
        comment_id = services.add_comment(author, world["case_id"], "Reactie").id
        db.session.commit()
    before = _case(app, world["case_id"])
    counts = [_count(app, m) for m in (Case, CaseComment, CaseRevision, CaseDraft)]
    client = login(world["outsider"])
    data = {**_form(version=str(before["version"])), "body": "x", "status": "afgerond"}
    for method, url in _case_routes(world["case_id"], comment_id, world["slug"]):
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code in {404, 405}, f"{method} {url}: {response.status_code}"
        assert "Mevrouw B." not in response.text
    assert _case(app, world["case_id"]) == before
    assert [_count(app, m) for m in (Case, CaseComment, CaseRevision, CaseDraft)] == counts
    with app.app_context():
        assert db.session.get(CaseComment, comment_id).deleted_at is None


def test_missing_ids_answer_404(app, login):
    world = _world(app)
    client = login(world["author"])
    for method, url in _case_routes(987_654, 987_654, "bestaat-niet"):
        assert client.open(url, method=method).status_code in {404, 405}, url


# --- autosave and drafts ------------------------------------------------------------------------


def test_autosave_keeps_a_draft_and_the_form_offers_it_back(app, login):
    world = _world(app)
    client = login(world["author"])
    url = f"/casussen/{world['case_id']}/concept"
    response = client.post(
        url,
        json={
            "title": "Half af",
            "situation": "Nog niet opgeslagen tekst",
            "secondary_kwesties": ["3"],
            "primary_kwestie": "5",
            "values": "autonomie",
            "tags": "a, b",
            "version": "1",
            "onbekend": "weg",
        },
    )
    assert response.status_code == 200
    assert response.json["saved_at"]
    assert response.json["message"].startswith("Tussentijds bewaard om ")
    with app.app_context():
        draft = db.session.scalar(select(CaseDraft).where(CaseDraft.case_id == world["case_id"]))
        assert draft.data["situation"] == "Nog niet opgeslagen tekst"
        assert draft.data["kwesties"] == [5, 3]
        assert "onbekend" not in draft.data
    edit = f"/casussen/{world['case_id']}/bewerken"
    page = get_page(client, edit)
    assert "Er is niet-opgeslagen tekst van" in text_of(page)
    assert page.find("input", id="title")["value"] == "Mevrouw B. en de thuiszorg"
    restored = get_page(client, f"{edit}?concept=1")
    assert restored.find("input", id="title")["value"] == "Half af"
    assert _textarea(restored, "situation") == "Nog niet opgeslagen tekst"
    assert restored.find("input", id="tags")["value"] == "a, b"
    assert "Er is niet-opgeslagen tekst" not in text_of(restored)
    discard = page.select_one("form[action$='/concept/weggooien']")
    assert client.post(discard["action"]).status_code == 302
    assert _count(app, CaseDraft, case_id=world["case_id"]) == 0
    assert "Er is niet-opgeslagen tekst" not in text_of(get_page(client, edit))


def test_saving_the_case_removes_its_draft(app, login):
    world = _world(app)
    client = login(world["author"])
    edit = f"/casussen/{world['case_id']}/bewerken"
    version = _version_on(get_page(client, edit))
    client.post(
        f"/casussen/{world['case_id']}/concept", json={"title": "Concept", "version": version}
    )
    assert _count(app, CaseDraft, case_id=world["case_id"]) == 1
    assert _version_on(get_page(client, f"{edit}?concept=1")) == version
    client.post(edit, data=_form(version=version))
    assert _count(app, CaseDraft, case_id=world["case_id"]) == 0


def test_autosave_of_a_new_case(app, login):
    world = _world(app)
    client = login(world["author"])
    url = f"/teams/{world['slug']}/casussen/concept"
    assert client.post(url, json={"title": "Nieuw", "situation": "Begin"}).status_code == 200
    new = f"/teams/{world['slug']}/casussen/nieuw"
    assert "Er is niet-opgeslagen tekst van" in text_of(get_page(client, new))
    assert get_page(client, f"{new}?concept=1").find("input", id="title")["value"] == "Nieuw"
    client.post(new, data=_form())
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(CaseDraft)
                .where(CaseDraft.case_id.is_(None), CaseDraft.team_id == world["team_id"])
            )
            == 0
        )


def test_autosave_refuses_bad_json_and_answers_401_when_logged_out(app, login, client):
    world = _world(app)
    member = login(world["author"])
    url = f"/casussen/{world['case_id']}/concept"
    bad = member.post(url, data="geen json", content_type="application/json")
    assert bad.status_code == 400
    assert bad.json["error"] == "bad_json"
    too_long = member.post(url, json={"situation": "x" * 350_000})
    assert too_long.status_code == 422
    logged_out = client.post(url, json={"title": "x"})
    assert logged_out.status_code == 401
    assert logged_out.json["error"] == "unauthorized"
    assert "sessie is verlopen" in logged_out.json["message"]
    assert client.post(f"/teams/{world['slug']}/casussen/concept", json={}).status_code == 401


# --- an expired session while writing -----------------------------------------------------------


def _hidden_fields(page) -> list[tuple[str, str]]:
    form = page.find("form", action="/casussen/opnieuw-inloggen")
    return [(i["name"], i.get("value", "")) for i in form.find_all("input", type="hidden")]


def test_text_survives_an_expired_session_and_comes_back_after_logging_in(app, login):
    world = _world(app)
    laptop = login(world["author"])
    edit = f"/casussen/{world['case_id']}/bewerken"
    version = _version_on(get_page(laptop, edit))
    login(world["author"]).post("/account/overal-uitloggen")  # another device ends it all
    typed = _form(
        situation="Een lange tekst\nmet regels & <tekens>.", version=version, values=["privacy"]
    )
    response = laptop.post(edit, data=typed)
    assert response.status_code == 401
    page = parse(response.text)
    assert "Uw sessie is verlopen" in text_of(page)
    hidden = _hidden_fields(page)
    assert ("situation", "Een lange tekst\nmet regels & <tekens>.") in hidden
    assert ("target", f"edit:{world['case_id']}") in hidden
    assert ("values", "privacy") in hidden
    assert page.find("input", id="email")
    assert page.find("input", id="password")
    assert _case(app, world["case_id"])["situation"] == "Mevrouw B. woont alleen."
    # A wrong password keeps the text too.
    wrong = laptop.post(
        "/casussen/opnieuw-inloggen",
        data=MultiDict([*hidden, ("email", world["author"]), ("password", "fout")]),
    )
    assert wrong.status_code == 401
    assert "klopt niet" in wrong.text
    assert _hidden_fields(parse(wrong.text)) == hidden
    response = laptop.post(
        "/casussen/opnieuw-inloggen",
        data=MultiDict([*hidden, ("email", world["author"]), ("password", PASSWORD)]),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{edit}?concept=1"
    page = get_page(laptop, response.headers["Location"])
    assert "U bent opnieuw ingelogd; uw tekst staat weer in het formulier." in text_of(page)
    assert _textarea(page, "situation") == typed["situation"]
    assert page.select_one("input[name=values][value=privacy]").has_attr("checked")
    assert (
        laptop.post(edit, data=_form(**{**typed, "version": _version_on(page)})).status_code == 302
    )
    assert _case(app, world["case_id"])["situation"] == typed["situation"]


def test_a_new_case_survives_an_expired_session(app, login):
    world = _world(app)
    client = login(world["author"])
    client.post("/account/overal-uitloggen")
    response = client.post(f"/teams/{world['slug']}/casussen/nieuw", data=_form(title="Vers"))
    assert response.status_code == 401
    hidden = _hidden_fields(parse(response.text))
    assert ("target", f"new:{world['slug']}") in hidden
    response = client.post(
        "/casussen/opnieuw-inloggen",
        data=MultiDict([*hidden, ("email", world["author"]), ("password", PASSWORD)]),
    )
    assert response.headers["Location"] == f"/teams/{world['slug']}/casussen/nieuw?concept=1"
    assert (
        get_page(client, response.headers["Location"]).find("input", id="title")["value"] == "Vers"
    )


def test_a_relogin_with_a_second_factor_keeps_nothing_and_shows_the_text_to_copy(app, login):
    with app.app_context():
        team = make_team()
        user = make_user(team=team, totp_secret=new_totp_secret())
        case_id = make_case(team=team, author=user).id
        email, slug = user.email, team.slug
    client = app.test_client()
    response = client.post(
        "/casussen/opnieuw-inloggen",
        data={
            "target": f"edit:{case_id}",
            "title": "Te bewaren",
            "situation": "Kopieer mij",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 401
    page = parse(response.text)
    assert page.find("textarea", readonly=True, string=lambda s: s and "Kopieer mij" in s)
    assert page.find("a", href=f"/login?next=/casussen/{case_id}/bewerken")
    assert _count(app, CaseDraft, case_id=case_id) == 0
    assert client.get(f"/teams/{slug}/casussen").status_code == 302  # still logged out


def test_a_relogin_for_a_case_the_user_may_not_edit_keeps_nothing_and_shows_the_text(app, login):
    world = _world(app)
    client = app.test_client()
    response = client.post(
        "/casussen/opnieuw-inloggen",
        data={
            "target": f"edit:{world['case_id']}",
            "title": "Mijn eigen getypte titel",
            "email": world["outsider"],
            "password": PASSWORD,
        },
    )
    assert response.status_code == 401
    assert "Mijn eigen getypte titel" in response.text  # to copy, nothing of the case itself
    assert _count(app, CaseDraft) == 0
    assert client.get("/account").status_code == 302  # and not logged in


# --- import and export --------------------------------------------------------------------------


def _upload(client, slug: str, content: bytes):
    # The multipart body is built in memory: for big files the test client would spool it to
    # a temporary file that it never closes (a ResourceWarning under filterwarnings=error).
    boundary = "grens-tussen-delen"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="casussen.json"\r\n'
            "Content-Type: application/json\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        f"/teams/{slug}/casussen/importeren",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_import_of_a_good_file_creates_the_cases_with_the_user_as_author(app, login):
    world = _world(app)
    client = login(world["emails"][Role.LEERCOACH])
    page = get_page(client, f"/teams/{world['slug']}/casussen/importeren")
    assert page.find("input", id="file")["type"] == "file"
    records = [
        {"title": "Geïmporteerd 1", "kwesties": [1], "tags": ["import"]},
        {"title": "Geïmporteerd 2", **COMPLETE, "status": "ingebracht"},
    ]
    before = _count(app, Case)
    response = _upload(client, world["slug"], json.dumps(records).encode())
    assert response.status_code == 302
    assert _count(app, Case) == before + 2
    assert "2 casussen geïmporteerd." in text_of(get_page(client, response.headers["Location"]))
    assert _audit(app, "case.import", team_id=world["team_id"]) == 1
    with app.app_context():
        authors = db.session.scalars(
            select(Case.author_id).where(Case.title.like("Geïmporteerd%"))
        ).all()
    assert set(authors) == {world["ids"][Role.LEERCOACH]}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{niet: json", "Bestand: Dit is geen geldig JSON-bestand"),
        (b'{"title": "los"}', "Bestand: Het bestand moet een lijst van casussen zijn."),
        (
            json.dumps([{"title": "goed"}, {"title": "fout", "kwesties": [8]}]).encode(),
            "Casus 2, veld kwesties: Kies kwesties met een nummer van 1 tot en met 7.",
        ),
        (
            json.dumps([{"situation": "zonder titel"}]).encode(),
            "Casus 1, veld title: Geef de casus een titel.",
        ),
        (
            json.dumps([{"title": "t", "kwesties": "vijf"}]).encode(),
            "Casus 1, veld kwesties: Geef de kwesties als een lijst",
        ),
        (json.dumps(["tekst"]).encode(), "Casus 1: Elke casus moet een object zijn."),
        (
            json.dumps([{"title": "lang", "situation": "x" * 1_000_000}]).encode(),
            "Casus 1, veld situation: Deze tekst is te lang",
        ),
    ],
)
def test_a_bad_import_is_refused_with_every_problem_and_writes_nothing(
    app, login, content, expected
):
    world = _world(app)
    client = login(world["emails"][Role.LEERCOACH])
    before = _count(app, Case), _count(app, AuditEvent, action="case.import")
    response = _upload(client, world["slug"], content)
    assert response.status_code == 200
    page = parse(response.text)
    assert "De import is geweigerd; er is niets opgeslagen" in text_of(page)
    assert expected in text_of(page)
    assert (_count(app, Case), _count(app, AuditEvent, action="case.import")) == before


def test_an_import_file_of_10_mb_is_refused_and_writes_nothing(app, login):
    world = _world(app)
    client = login(world["emails"][Role.LEERCOACH])
    before = _count(app, Case)
    content = json.dumps([{"title": "groot", "situation": "x" * 10_000_000}]).encode()
    response = _upload(client, world["slug"], content)
    assert response.status_code == 413
    assert "Wat u verstuurt is te groot." in response.text
    assert _count(app, Case) == before


def test_an_import_without_a_file_asks_for_one(app, login):
    world = _world(app)
    client = login(world["emails"][Role.LEERCOACH])
    response = client.post(f"/teams/{world['slug']}/casussen/importeren", data={})
    assert response.status_code == 200
    assert "Kies een bestand." in response.text


def test_the_json_export_reimports_to_the_same_cases(app, login):
    world = _world(app)
    coach = login(world["emails"][Role.LEERCOACH])
    coach.post(f"/teams/{world['slug']}/casussen/nieuw", data=_form(action="bring_in"))
    response = coach.get(f"/teams/{world['slug']}/casussen/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="casussen-{world["slug"]}.json"'
    )
    exported = json.loads(response.data)
    assert len(exported) == 2
    assert _audit(app, "case.export", team_id=world["team_id"]) == 1
    other = _team(app, Role.LEERCOACH)
    other_coach = login(other["emails"][Role.LEERCOACH])
    assert _upload(other_coach, other["slug"], response.data).status_code == 302
    again = json.loads(other_coach.get(f"/teams/{other['slug']}/casussen/export.json").data)
    assert again == exported


def test_the_markdown_export_has_one_file_per_case(app, login):
    world = _world(app)
    coach = login(world["emails"][Role.LEERCOACH])
    coach.post(f"/teams/{world['slug']}/casussen/nieuw", data=_form())
    response = coach.get(f"/teams/{world['slug']}/casussen/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2
        assert all(name.endswith(".md") for name in names)
        assert any("# Mevrouw B. en de thuiszorg" in archive.read(name).decode() for name in names)
    assert _audit(app, "case.export", team_id=world["team_id"]) == 1


def test_the_export_leaves_out_other_peoples_private_cases(app, login):
    world = _world(app)
    login(world["author"]).post(
        f"/teams/{world['slug']}/casussen/nieuw", data=_form(title="Privé", visibility="private")
    )
    coach = login(world["emails"][Role.LEERCOACH])
    assert "Privé" not in coach.get(f"/teams/{world['slug']}/casussen/export.json").text


# --- safety of the output -----------------------------------------------------------------------


def test_script_and_javascript_links_in_a_case_are_not_rendered(app, login):
    world = _world(app)
    client = login(world["author"])
    evil = "<script>alert(1)</script>[x](javascript:alert(1))"
    client.post(
        f"/teams/{world['slug']}/casussen/nieuw",
        data=_form(title="<img src=x onerror=alert(1)>", situation=evil, dilemma=evil),
    )
    case_id = _last_case_id(app)
    for url in (
        f"/casussen/{case_id}",
        f"/casussen/{case_id}/geschiedenis/1",
        f"/casussen/{case_id}/bewerken",
        f"/teams/{world['slug']}/casussen",
    ):
        page = get_page(client, url)
        assert not page.find("script", src=False)
        assert not page.find("img")
        assert not [a for a in page.find_all("a") if "javascript:" in (a.get("href") or "")]
        assert "<script>alert" not in page.decode().replace("&lt;script&gt;", "")


# --- with CSRF on, as in production -------------------------------------------------------------


@pytest.fixture
def csrf_app(app, make_app, bind_app):
    return bind_app(make_app(WTF_CSRF_ENABLED=True))


def _csrf_login(client, email: str) -> None:
    page = parse(client.get("/login").text)
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def _form_fields(page, action: str) -> MultiDict:
    """What a browser would send for the form (hidden fields, text, checked boxes)."""
    form = page.find("form", action=action)
    data = MultiDict()
    for field in form.find_all(["input", "textarea"]):
        name, kind = field.get("name"), field.get("type")
        if not name or kind == "submit":
            continue
        if kind in {"checkbox", "radio"}:
            if field.has_attr("checked"):
                data.add(name, field["value"])
        elif field.name == "textarea":
            data.add(name, field.get_text().removeprefix("\r\n"))
        else:
            data.add(name, field.get("value", ""))
    return data


def test_autosave_needs_the_csrf_header(app, csrf_app):
    world = _world(app)
    client = csrf_app.test_client()
    _csrf_login(client, world["author"])
    page = parse(client.get(f"/casussen/{world['case_id']}/bewerken").text)
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    url = f"/casussen/{world['case_id']}/concept"
    assert client.post(url, json={"title": "x"}).status_code == 400
    saved = client.post(url, json={"title": "x"}, headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    assert _count(app, CaseDraft, case_id=world["case_id"]) == 1


@pytest.mark.parametrize("how", ["elsewhere", "idle"])
def test_the_expired_session_path_works_with_csrf_on(app, csrf_app, how):
    world = _world(app)
    edit = f"/casussen/{world['case_id']}/bewerken"
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False) as clock:
        laptop = csrf_app.test_client()
        _csrf_login(laptop, world["author"])
        data = _form_fields(parse(laptop.get(edit).text), edit)
        data["situation"] = "Twee uur werk."
        if how == "elsewhere":
            other = csrf_app.test_client()
            _csrf_login(other, world["author"])
            page = parse(other.get("/account").text)
            other.post(
                "/account/overal-uitloggen", data=_form_fields(page, "/account/overal-uitloggen")
            )
        else:
            clock.shift(timedelta(hours=2))  # longer than the idle limit
        response = laptop.post(edit, data=data)
        assert response.status_code == 401
        page = parse(response.text)
        relogin = _form_fields(page, "/casussen/opnieuw-inloggen")
        relogin["email"], relogin["password"] = world["author"], PASSWORD
        response = laptop.post("/casussen/opnieuw-inloggen", data=relogin)
        assert response.status_code == 302
        page = parse(laptop.get(response.headers["Location"]).text)
        assert _textarea(page, "situation") == "Twee uur werk."


@pytest.fixture
def limited_app(app, make_app, bind_app, tmp_path):
    from reflectie.extensions import limiter

    store = f"reflectie+sqlite://{tmp_path / 'limits.sqlite3'}"
    yield bind_app(make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=store))
    limiter.enabled = False  # the session's app keeps its "limits off" test setting


def test_logging_in_again_is_rate_limited_like_the_login_page(app, limited_app):
    world = _world(app)
    client = limited_app.test_client()
    data = {"target": f"edit:{world['case_id']}", "title": "x", "email": world["author"]}
    for _ in range(6):
        assert (
            client.post("/casussen/opnieuw-inloggen", data={**data, "password": "fout"}).status_code
            == 401
        )
    response = client.post("/casussen/opnieuw-inloggen", data={**data, "password": PASSWORD})
    assert response.status_code == 429
    assert "Te veel pogingen" in response.text


def test_the_word_diff_marks_only_what_changed():
    from reflectie.cases.diff import diff_fields, word_diff

    segments = word_diff("Mevrouw woont alleen.", "Mevrouw woont sinds kort alleen.")
    assert [(s.op, s.text) for s in segments] == [
        ("same", "Mevrouw woont "),
        ("ins", "sinds kort "),
        ("same", "alleen."),
    ]
    changed = diff_fields(
        {"title": "A", "tags": ["x"], "situation": None},
        {"title": "A", "tags": ["x", "y"], "situation": ""},
        ["title", "tags", "situation"],
    )
    assert [d.name for d in changed] == ["tags"]
