"""The community pages: well formed, sanitised, moderated, paged, limited; nothing leaks."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from reflectie.accounts.models import User
from reflectie.db import db
from reflectie.extensions import limiter
from reflectie.notifications.models import Notification
from reflectie.permissions import Role
from reflectie.threads.models import CommunityAccess, Thread
from tests.factories import make_org, make_team, make_user
from tests.pages import get_page, parse, text_of
from tests.threads.factories import make_community, make_reply, make_thread

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klik](javascript:alert(1))",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "[a](JaVaScRiPt:alert(1))",
]


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


@pytest.fixture
def people(app: Flask) -> dict:
    """Plain values: emails and ids (STYLE §7: no app context held while the client runs)."""
    with app.app_context():
        org = make_org()
        team = make_team(organisation=org)
        coach = make_user(team=team, role=Role.LEERCOACH, name="Anouk Coach")
        lid = make_user(team=team, role=Role.LID, name="Samira Lid")
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        community = make_community(founder=coach, organisation=org, name="Wijkgericht werken")
        thread = make_thread(community, lid, title="Regie bij de cliënt")
        return {
            "coach": coach.email,
            "lid": lid.email,
            "lid_handle": lid.handle,
            "outsider": outsider.email,
            "outsider_handle": outsider.handle,
            "slug": community.slug,
            "thread": thread.id,
            "first_post": thread.last_post_id,
        }


def test_the_pages_are_well_formed(login, people):
    client = login(people["coach"])
    index = get_page(client, "/leergemeenschappen")
    assert "Wijkgericht werken" in text_of(index)
    get_page(client, "/leergemeenschappen/nieuw")
    get_page(client, "/leergemeenschappen/instellingen")
    community = get_page(client, f"/leergemeenschappen/{people['slug']}")
    assert "Regie bij de cliënt" in text_of(community)
    get_page(client, f"/leergemeenschappen/{people['slug']}/nieuwe-discussie")
    get_page(client, f"/leergemeenschappen/{people['slug']}/leden")
    get_page(client, f"/leergemeenschappen/{people['slug']}/moderatie")
    page = get_page(client, f"/discussies/{people['thread']}")
    assert page.find("form", attrs={"data-draft-key": True}) is not None
    assert page.find("script", src=re.compile(r"/static/js/thread-draft\.js"))
    get_page(client, f"/berichten/{people['first_post']}/bewerken")
    get_page(client, f"/berichten/{people['first_post']}/melden")
    get_page(client, f"/berichten/{people['first_post']}/geschiedenis")


def test_starting_a_thread_and_replying_through_the_pages(login, people, app):
    client = login(people["lid"])
    response = client.post(
        f"/leergemeenschappen/{people['slug']}/nieuwe-discussie",
        data={"title": "Mantelzorg en grenzen", "body": "Wie herkent dit?", "kwesties": ["4"],
              "tags": "mantelzorg, Grenzen", "method": ""},
    )  # fmt: skip
    assert response.status_code == 302
    thread_url = response.headers["Location"]
    page = get_page(client, thread_url)
    assert "Mantelzorg en grenzen" in text_of(page)
    assert "#grenzen" in text_of(page)
    thread_id = int(thread_url.rsplit("/", 1)[1])
    response = client.post(f"/discussies/{thread_id}/reageren", data={"body": "Ik herken het."})
    assert response.status_code == 302
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert thread.post_count == 2
        reply_id = thread.last_post_id
    # Straight to the reply on its page of the thread, not via its own address /berichten/<id>.
    assert response.headers["Location"] == f"/discussies/{thread_id}?pagina=1#bericht-{reply_id}"
    assert "Uw reactie is geplaatst." in text_of(get_page(client, response.headers["Location"]))


def test_posts_are_sanitised(login, people):
    client = login(people["lid"])
    for payload in XSS:
        response = client.post(f"/discussies/{people['thread']}/reageren", data={"body": payload})
        assert response.status_code == 302, payload
    html = client.get(f"/discussies/{people['thread']}").text
    posts = parse(html).find("ol", class_="posts")
    body = str(posts)
    assert "<script" not in body
    assert "<svg" not in body
    assert not re.search(r"\son\w+=", body)
    assert "javascript:" not in body.lower()
    assert "data:text" not in body
    assert "style=" not in body


def test_a_mention_of_an_outsider_reads_the_same_as_one_of_a_stranger(login, people, app):
    client = login(people["coach"])
    for handle in (people["outsider_handle"], "bestaatecht0niet"):
        client.post(f"/discussies/{people['thread']}/reageren", data={"body": f"Hoi @{handle}"})
    page = text_of(get_page(client, f"/discussies/{people['thread']}"))
    assert f"Hoi @{people['outsider_handle']}" in page
    assert "Hoi @bestaatecht0niet" in page
    with app.app_context():
        notes = db.session.scalars(
            db.select(Notification.id).where(Notification.user_id == _user(people["outsider"]).id)
        )
        assert list(notes) == []
    stranger = login(people["outsider"])
    assert stranger.get(f"/discussies/{people['thread']}").status_code == 404
    assert stranger.get("/meldingen").text.count("Hoi") == 0


def test_a_locked_thread_refuses_replies(login, people, app):
    coach = login(people["coach"])
    coach.post(f"/discussies/{people['thread']}/beheren", data={"action": "lock"})
    lid = login(people["lid"])
    page = get_page(lid, f"/discussies/{people['thread']}")
    assert "Deze discussie is gesloten" in text_of(page)
    assert page.find("form", action=f"/discussies/{people['thread']}/reageren") is None
    response = lid.post(f"/discussies/{people['thread']}/reageren", data={"body": "Toch nog"})
    assert response.status_code == 302
    assert "Deze discussie is gesloten" in lid.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.get(Thread, people["thread"]).post_count == 1


def test_moderation_pin_delete_and_the_report_queue(login, people, app):
    lid = login(people["lid"])
    response = lid.post(f"/berichten/{people['first_post']}/melden", data={"reason": "x"})
    assert "Beschrijf in 5 tot 1.000 tekens" in response.text
    with app.app_context():
        reply = make_reply(
            db.session.get(Thread, people["thread"]), _user(people["coach"]), "Adres: Dorpsstraat 1"
        )
        reply_id = reply.id
    assert (
        lid.post(f"/berichten/{reply_id}/melden", data={"reason": "Een adres"}).status_code == 302
    )
    coach = login(people["coach"])
    queue = get_page(coach, f"/leergemeenschappen/{people['slug']}/moderatie")
    assert "Een adres" in text_of(queue)
    # A lid has no moderation queue: it does not exist for her.
    assert lid.get(f"/leergemeenschappen/{people['slug']}/moderatie").status_code == 404
    form = queue.find("form", action=re.compile(r"/moderatie/meldingen/\d+"))
    coach.post(form["action"], data={"action": "remove"})
    lid_page = text_of(get_page(lid, f"/discussies/{people['thread']}"))
    assert "Dit bericht is verwijderd." in lid_page
    assert "Dorpsstraat" not in lid_page
    coach_page = text_of(get_page(coach, f"/discussies/{people['thread']}"))
    assert "Dorpsstraat" in coach_page  # moderators still see it
    coach.post(f"/discussies/{people['thread']}/beheren", data={"action": "pin"})
    assert "vastgezet" in text_of(get_page(lid, f"/leergemeenschappen/{people['slug']}"))
    assert (
        lid.post(f"/discussies/{people['thread']}/beheren", data={"action": "unpin"}).status_code
        == 404
    )


def test_edit_shows_bewerkt_and_history_is_for_moderators(login, people):
    lid = login(people["lid"])
    lid.post(f"/berichten/{people['first_post']}/bewerken", data={"body": "Nieuwe tekst"})
    page = text_of(get_page(lid, f"/discussies/{people['thread']}"))
    assert "bewerkt" in page
    assert "Nieuwe tekst" in page
    assert lid.get(f"/berichten/{people['first_post']}/geschiedenis").status_code == 404
    coach = login(people["coach"])
    history = text_of(get_page(coach, f"/berichten/{people['first_post']}/geschiedenis"))
    assert "Ik ben benieuwd" in history


def test_long_threads_are_paged_and_the_jump_goes_to_the_first_unread_post(
    login, people, app, monkeypatch
):
    monkeypatch.setitem(app.config, "THREADS_PAGE_SIZE", 3)
    with app.app_context():
        thread = db.session.get(Thread, people["thread"])
        coach = _user(people["coach"])
        ids = [make_reply(thread, coach, f"Reactie {n}").id for n in range(7)]
    lid = login(people["lid"])
    # Her own first post is read; the first unread is the first reply, on page 1.
    response = lid.get(f"/discussies/{people['thread']}/ongelezen")
    assert response.headers["Location"].endswith(f"pagina=1#bericht-{ids[0]}")
    page2 = get_page(lid, f"/discussies/{people['thread']}?pagina=2")
    assert "Reactie 2" in text_of(page2)
    assert "Reactie 0" not in text_of(page2)
    response = lid.get(f"/discussies/{people['thread']}/ongelezen")
    assert response.headers["Location"].endswith(f"pagina=3#bericht-{ids[5]}")
    community = get_page(lid, f"/leergemeenschappen/{people['slug']}")
    link = community.find("a", string="Regie bij de cliënt")
    assert link["href"] == f"/discussies/{people['thread']}/ongelezen"
    # A reply goes straight to the page it stands on.
    response = lid.post(f"/discussies/{people['thread']}/reageren", data={"body": "Reactie 7"})
    with app.app_context():
        reply_id = db.session.get(Thread, people["thread"]).last_post_id
    assert response.headers["Location"].endswith(f"pagina=3#bericht-{reply_id}")


def test_quoting_prefills_the_reply(login, people):
    lid = login(people["lid"])
    page = get_page(lid, f"/discussies/{people['thread']}?citeer={people['first_post']}")
    assert (
        page.find("textarea")
        .get_text()
        .strip()
        .startswith(f"> **@{people['lid_handle']}** schreef:")
    )


def test_a_too_long_post_gets_a_clear_dutch_message_and_keeps_the_text(
    login, people, app, monkeypatch
):
    monkeypatch.setitem(app.config, "THREADS_MAX_POST_LENGTH", 100)
    lid = login(people["lid"])
    response = lid.post(f"/discussies/{people['thread']}/reageren", data={"body": "a" * 150})
    page = parse(response.text)
    assert "Een bericht mag hoogstens 100 tekens lang zijn; dit bericht telt er 150." in text_of(
        page
    )
    assert page.find("textarea").get_text().strip() == "a" * 150


@pytest.fixture
def limits_on(make_app, bind_app, tmp_path):
    store = f"reflectie+sqlite://{tmp_path / 'limits.sqlite3'}"
    yield lambda **o: bind_app(make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=store, **o))
    limiter.enabled = False


def test_posting_too_fast_is_refused_in_dutch_and_keeps_the_text(people, limits_on, login):
    app = limits_on(THREADS_POST_RATE_LIMIT="2/minute")
    client = login(people["lid"], client=app.test_client())
    empty = client.post(f"/discussies/{people['thread']}/reageren", data={"body": " "})
    assert "Schrijf een bericht." in empty.text  # a refused post does not count
    for n in range(2):
        response = client.post(f"/discussies/{people['thread']}/reageren", data={"body": f"{n}"})
        assert response.status_code == 302
    response = client.post(f"/discussies/{people['thread']}/reageren", data={"body": "Nummer 3"})
    assert response.status_code == 429
    page = parse(response.text)
    assert "U plaatst veel berichten kort na elkaar" in text_of(page)
    assert page.find("textarea").get_text().strip() == "Nummer 3"
    with app.app_context():
        from reflectie.audit.models import AuditEvent

        throttled = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "threads.post_throttled")
        ).all()
        assert [e.actor_id for e in throttled] == [_user(people["lid"]).id]


def test_joining_following_and_leaving(login, people, app):
    lid = login(people["lid"])
    base = f"/leergemeenschappen/{people['slug']}"
    lid.post(f"{base}/lid-worden")
    assert "Lidmaatschap opzeggen" in lid.get(base).text
    lid.post(f"{base}/volgen", data={"follows": "0"})
    assert "Meld mij nieuwe discussies" in lid.get(base).text
    lid.post(f"{base}/verlaten")
    assert "Lid worden" in lid.get(base).text


def test_inviting_into_an_invitation_community(login, app, people):
    with app.app_context():
        coach = _user(people["coach"])
        secret = make_community(founder=coach, access=CommunityAccess.INVITATION, name="Besloten")
        slug = secret.slug
    outsider = login(people["outsider"])
    assert outsider.get(f"/leergemeenschappen/{slug}").status_code == 404
    coach_client = login(people["coach"])
    response = coach_client.post(
        f"/leergemeenschappen/{slug}/leden",
        data={"action": "invite", "handle": people["outsider_handle"]},
    )
    assert response.status_code == 302
    assert outsider.get(f"/leergemeenschappen/{slug}").status_code == 200
    assert "U bent uitgenodigd voor de leergemeenschap Besloten" in outsider.get("/meldingen").text


def test_the_digest_setting_is_off_by_default_and_can_be_switched_on(login, people, app):
    lid = login(people["lid"])
    page = get_page(lid, "/leergemeenschappen/instellingen")
    assert page.find("input", attrs={"name": "enabled"}).get("checked") is None
    lid.post("/leergemeenschappen/instellingen", data={"enabled": "y"})
    page = get_page(lid, "/leergemeenschappen/instellingen")
    assert page.find("input", attrs={"name": "enabled"}).get("checked") is not None


def test_creating_a_community_through_the_page(login, people):
    coach = login(people["coach"])
    page = get_page(coach, "/leergemeenschappen/nieuw")
    org_value = page.find("select", attrs={"name": "organisation_id"}).find("option")["value"]
    response = coach.post(
        "/leergemeenschappen/nieuw",
        data={"name": "Nieuw", "access": "organisation", "organisation_id": org_value},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/leergemeenschappen/nieuw-2"  # "nieuw" is a path
    lid = login(people["lid"])
    assert lid.get("/leergemeenschappen/nieuw").status_code == 404  # a lid starts none


def test_moderators_edit_and_archive_a_community_and_remove_members(login, people, app):
    base = f"/leergemeenschappen/{people['slug']}"
    lid = login(people["lid"])
    assert lid.get(f"{base}/bewerken").status_code == 404
    coach = login(people["coach"])
    get_page(coach, f"{base}/bewerken")
    response = coach.post(
        f"{base}/bewerken", data={"name": "Wijkgericht werken Noord", "kwesties": ["3"]}
    )
    assert response.status_code == 302
    assert "Wijkgericht werken Noord" in text_of(get_page(lid, base))
    lid.post(f"{base}/lid-worden")
    response = coach.post(
        f"{base}/leden", data={"action": "remove", "handle": people["lid_handle"]}
    )
    assert response.status_code == 302
    assert "Lid worden" in lid.get(base).text
    coach.post(f"{base}/bewerken", data={"action": "archive"})
    assert lid.get(base).status_code == 404
    assert coach.get(base).status_code == 404


def test_the_page_offers_the_jump_when_the_first_unread_post_is_elsewhere(
    login, people, app, monkeypatch
):
    monkeypatch.setitem(app.config, "THREADS_PAGE_SIZE", 2)
    with app.app_context():
        thread = db.session.get(Thread, people["thread"])
        for n in range(4):
            make_reply(thread, _user(people["coach"]), f"Reactie {n}")
    lid = login(people["lid"])
    page = get_page(lid, f"/discussies/{people['thread']}?pagina=3")
    link = page.find("a", string="Naar het eerste ongelezen bericht")
    assert link["href"] == f"/discussies/{people['thread']}/ongelezen"
    page = get_page(lid, f"/discussies/{people['thread']}?pagina=1")
    assert page.find("a", string="Naar het eerste ongelezen bericht") is None


def test_the_thread_page_and_the_list_need_no_query_per_post(login, people, app, count_queries):
    lid = login(people["lid"])

    def queries(url: str) -> int:
        with count_queries() as sql:
            assert lid.get(url).status_code == 200
        return len(sql)

    thread_url = f"/discussies/{people['thread']}"
    list_url = f"/leergemeenschappen/{people['slug']}"
    few_posts, few_threads = queries(thread_url), queries(list_url)
    with app.app_context():
        thread = db.session.get(Thread, people["thread"])
        coach = _user(people["coach"])
        for n in range(8):
            make_reply(thread, coach, f"Reactie {n}")
            make_thread(thread.community, coach, title=f"Vraag {n}")
        # The header checks unread notifications (a few queries, tested with notifications).
        db.session.execute(db.update(Notification).values(read_at=db.func.now()))
        db.session.commit()
    assert queries(thread_url) <= few_posts + 1  # the read mark may insert or update
    assert queries(list_url) == few_threads


def test_titles_and_community_texts_are_escaped(login, people):
    lid = login(people["lid"])
    response = lid.post(
        f"/leergemeenschappen/{people['slug']}/nieuwe-discussie",
        data={"title": "<script>alert(1)</script> titel", "body": "x", "tags": "<b>vet</b>"},
    )
    assert response.status_code == 302
    for url in (response.headers["Location"], f"/leergemeenschappen/{people['slug']}"):
        html = lid.get(url).text
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; titel" in html
        assert "<b>vet</b>" not in html
