"""Hostile input, generated, posted through the HTML forms (R-15, R-17, R-36).

Writing a case (new and edit), replying in a thread, saving meeting notes, logging in and an
admin form (a new organisation) get random and hostile values: huge strings, control
characters (NUL too), right-to-left marks, combining characters, SQL and HTML injection, and a
field sent several times where one value is expected. Every answer is a redirect (saved) or a
page with a Dutch message, never a 5xx; a refusal writes nothing; what is saved reads back as
typed, after only the tidying the forms promise (line endings, and for titles and names the
white space at the ends); and the page that shows it escapes it.

Lone surrogates cannot be encoded in a form post, so the raw-bytes test sends their UTF-8-like
byte form (and other invalid UTF-8) as the body instead.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from reflectie.accounts.models import Organisation, User
from reflectie.cases.models import Case, CaseRevision
from reflectie.cases.services import normalise_tag
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.search.models import OutboxEntry
from reflectie.sessions import services as meeting_services
from reflectie.sessions.models import MeetingNote
from reflectie.threads import services as thread_services
from reflectie.threads.models import Post
from tests.cases.factories import make_case
from tests.factories import make_team, make_token, make_user
from tests.pages import parse, text_of

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = st.sampled_from(
    [
        "\x00", "a\x00b", "\x07\x1b[31m", "\r", "\r\n\r\n", "\t", "\x7f", "\x85", "\u2028",
        "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "\u200b\ufeff", "e\u0301\u0301\u0301",
        "Z\u0334\u0321\u031ba\u0337l\u0335g\u0337o\u0336", "\U0001f642" * 40, "\ufffd", "\uffff",
        "' OR 1=1 --", "'); DROP TABLE cases; --", '" OR ""="', "%00", "%27",
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>',
        "</textarea><script>alert(1)</script>", "javascript:alert(1)", "{{ 7*7 }}", "{% raw %}",
        "x" * 50_001, "y" * 600_000,
    ]
)  # fmt: skip
TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    HOSTILE,
    st.lists(HOSTILE | st.text(max_size=10), min_size=2, max_size=4).map("".join),
)
# A browser sends one value; a hostile client may send none, or several (a list).
FIELD = TEXT | st.lists(TEXT, max_size=3)
ALLOWED = {200, 302, 400, 409, 413, 422}
DUTCH = re.compile(
    r"\b(de|het|een|niet|kies|vul|geef|schrijf|deze|dit|houd|hoogstens|verplicht|probleem)\b",
    re.IGNORECASE,
)


def _first(value: Any) -> str:
    """What a form field reads of a value: the first one sent, or nothing."""
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _count(app, *models) -> list[int]:
    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(m)) for m in models]


def _assert_dutch_refusal(response) -> None:
    """A page in Dutch that says what is wrong: the form's error box (or the conflict page),
    or the error page."""
    assert response.status_code in ALLOWED - {302}, response.status_code
    page = _assert_escaped(response.text)
    assert page.html.get("lang") == "nl"
    box = page.select_one(".error-summary") if response.status_code == 200 else page.find("main")
    assert box is not None, text_of(page)[:300]
    assert DUTCH.search(text_of(box)), text_of(box)[:300]


def _assert_escaped(html: str):
    """No element, attribute or URL of the page came from the user's input: parse() refuses an
    inline script; here no event handler attribute and no script URL either."""
    page = parse(html)
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), element
            if name in {"href", "src", "action"}:
                assert not re.match(r"\s*javascript:", str(value), re.I), element
    return page


@pytest.fixture
def world(app, login) -> dict:
    """A leercoach with a team, a case of her own, a thread and a planned meeting."""
    with app.app_context():
        team = make_team()
        coach = make_user(team=team, role=Role.LEERCOACH)
        case = make_case(team=team, author=coach, title="Eigen casus")
        community = thread_services.create_community(
            coach,
            thread_services.CommunityInput(name="Oefenen", organisation_id=team.organisation_id),
        )
        thread = thread_services.create_thread(
            coach, community, thread_services.ThreadInput(title="Vraag", body="Wie weet het?")
        )
        meeting = meeting_services.create_meeting(
            coach,
            team,
            meeting_services.MeetingInput(
                "dilemmamethode", datetime(2027, 3, 30, 12, tzinfo=UTC), 90
            ),
        )
        db.session.commit()
        ids = {"slug": team.slug, "case": case.id, "thread": thread.id, "meeting": meeting.id}
        email = coach.email
    return {**ids, "email": email, "client": login(email)}


CASE_TEXTS = ["situation", "help_question", "dilemma", "stakeholders", "own_role"]
CASE_FIELDS = [*CASE_TEXTS, "title", "tags", "other_values", "primary_kwestie",
               "secondary_kwesties", "visibility"]  # fmt: skip
PLAIN = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40)


@st.composite
def case_forms(draw) -> dict:
    """A case as a person might write it, with one or two fields hostile."""
    data = {
        "title": "Casus " + draw(PLAIN),
        **{name: draw(PLAIN) for name in CASE_TEXTS},
        "tags": "jeugd, schulden",
        "primary_kwestie": "5",
    }
    data.update(draw(st.dictionaries(st.sampled_from(CASE_FIELDS), FIELD, max_size=2)))
    return data


def _assert_case_as_typed(app, client, case_id: int, data: dict) -> None:
    """The saved case holds the text as typed (titles without surrounding and doubled white
    space, texts with \\n line endings), and its page shows the title escaped."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        title = " ".join(_first(data["title"]).split())
        assert case.title == title
        for name in CASE_TEXTS:
            assert getattr(case, name) == _lines(_first(data.get(name, ""))), name
        typed_tags = [t for t in _first(data.get("tags", "")).split(",") if t.strip()]
        assert set(case.tags) == {normalise_tag(t) for t in typed_tags}
    page = _assert_escaped(client.get(f"/casussen/{case_id}").text)
    assert title in " ".join(page.find("h1").get_text().split())


@FUZZ
@given(data=case_forms())
def test_a_new_case_is_saved_as_typed_or_refused_in_dutch(app, world, data):
    client = world["client"]
    before = _count(app, Case, CaseRevision, OutboxEntry)
    response = client.post(f"/teams/{world['slug']}/casussen/nieuw", data=data)
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code == 302:
        case_id = int(re.search(r"/casussen/(\d+)", response.location).group(1))
        _assert_case_as_typed(app, client, case_id, data)
        after = _count(app, Case, CaseRevision)
        assert after == [before[0] + 1, before[1] + 1]
    else:
        _assert_dutch_refusal(response)
        assert _count(app, Case, CaseRevision, OutboxEntry) == before  # nothing half written


@FUZZ
@given(data=case_forms(), version_as=st.sampled_from(["right"] * 3 + ["list", "x", "none"]))
def test_an_edited_case_is_saved_as_typed_or_left_as_it_was(app, world, data, version_as):
    client, case_id = world["client"], world["case"]
    with app.app_context():
        case = db.session.get(Case, case_id)
        version, snapshot = case.version, (case.title, case.situation, list(case.tags))
    data = {
        **data,
        "version": {"right": str(version), "list": [str(version), "1"], "x": "x"}.get(
            version_as, []
        ),
    }
    before = _count(app, Case, CaseRevision, OutboxEntry)
    response = client.post(f"/casussen/{case_id}/bewerken", data=data)
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code == 302:
        _assert_case_as_typed(app, client, case_id, data)
    else:  # refused, or a conflict page (a wrong version): the case is as it was
        _assert_dutch_refusal(response)
        assert _count(app, Case, CaseRevision, OutboxEntry) == before
        with app.app_context():
            case = db.session.get(Case, case_id)
            assert (case.title, case.situation, list(case.tags)) == snapshot
            assert case.version == version


@FUZZ
@given(body=FIELD)
def test_a_reply_is_posted_as_typed_or_refused_in_dutch(app, world, body):
    client = world["client"]
    before = _count(app, Post)
    response = client.post(f"/discussies/{world['thread']}/reageren", data={"body": body})
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code == 302:
        with app.app_context():
            post = db.session.scalar(select(Post).order_by(Post.id.desc()).limit(1))
            assert post.body == _first(body).replace("\r\n", "\n").strip()
        assert _count(app, Post) == [before[0] + 1]
        _assert_escaped(client.get(response.location).text)
    else:
        _assert_dutch_refusal(response)
        assert _count(app, Post) == before


def _note(app, meeting_id: int, step: int) -> str | None:
    with app.app_context():
        return db.session.scalar(
            select(MeetingNote.text).where(
                MeetingNote.meeting_id == meeting_id, MeetingNote.step == step
            )
        )


@FUZZ
@given(text=FIELD)
def test_meeting_notes_are_kept_as_typed_or_refused_in_dutch(app, world, text):
    client, meeting_id = world["client"], world["meeting"]
    before, count = _note(app, meeting_id, 1), _count(app, MeetingNote)
    response = client.post(f"/bijeenkomsten/{meeting_id}/aantekeningen/2", data={"text": text})
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code == 302:
        assert _note(app, meeting_id, 1) == _first(text).replace("\r\n", "\n")
        assert _count(app, MeetingNote)[0] in {count[0], count[0] + 1}
        _assert_escaped(client.get(response.location).text)
    else:
        _assert_dutch_refusal(response)
        assert _note(app, meeting_id, 1) == before
        assert _count(app, MeetingNote) == count


@FUZZ
@given(email=FIELD, password=FIELD, remember=FIELD)
def test_the_login_form_refuses_anything_in_dutch(app, email, password, remember):
    before = _count(app, User)
    response = app.test_client().post(
        "/login", data={"email": email, "password": password, "remember": remember}
    )
    _assert_dutch_refusal(response)
    assert _count(app, User) == before


ORG_SLUG = st.from_regex(r"[a-z][a-z0-9]{3,12}", fullmatch=True)


@FUZZ
@given(name=PLAIN | FIELD, slug=ORG_SLUG | FIELD, require_2fa=FIELD)
def test_a_new_organisation_is_saved_as_typed_or_refused_in_dutch(
    app, admin_client, name, slug, require_2fa
):
    before = _count(app, Organisation)
    data = {"name": name, "slug": slug, "require_2fa": require_2fa}
    response = admin_client.post("/beheer/organisaties", data=data)
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code == 302:
        typed = _first(name).strip()
        with app.app_context():
            org = db.session.scalar(select(Organisation).order_by(Organisation.id.desc()))
            assert org.name == typed
            assert org.slug == _first(slug).strip().lower()
        assert _count(app, Organisation) == [before[0] + 1]
        page = _assert_escaped(admin_client.get("/beheer/organisaties").text)
        assert " ".join(typed.split()) in text_of(page)
    else:
        _assert_dutch_refusal(response)
        assert _count(app, Organisation) == before


def _form_body(kind: str, fields: dict[str, bytes]) -> tuple[bytes, str]:
    if kind == "urlencoded":
        body = "&".join(f"{k}=" + "".join(f"%{b:02X}" for b in v) for k, v in fields.items())
        return body.encode(), "application/x-www-form-urlencoded"
    parts = [
        b'--GRENS\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v)
        for k, v in fields.items()
    ]
    return b"".join(parts) + b"--GRENS--\r\n", "multipart/form-data; boundary=GRENS"


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
@pytest.mark.parametrize(
    "raw",
    [
        b"\xed\xa0\x80",  # a lone high surrogate, as UTF-8-like bytes (CESU-8)
        b"\xed\xbf\xbf",  # a lone low surrogate
        b"\xff\xfe",  # no UTF-8 at all
        b"\xc0\xaf",  # an overlong "/"
    ],
)
def test_invalid_utf8_in_a_form_is_refused_or_never_stored_mangled(app, world, kind, raw):
    """Bytes that are no UTF-8 text: refused, or kept without loss. Werkzeug keeps them
    percent-encoded in a urlencoded body; a U+FFFD in the stored text would stand for bytes
    that were thrown away."""
    client = world["client"]
    before = _count(app, Case, CaseRevision, OutboxEntry)
    body, content_type = _form_body(kind, {"title": b"Casus" + raw, "situation": b"Tekst" + raw})
    response = client.post(
        f"/teams/{world['slug']}/casussen/nieuw", data=body, content_type=content_type
    )
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code == 302:
        case_id = int(re.search(r"/casussen/(\d+)", response.location).group(1))
        with app.app_context():
            case = db.session.get(Case, case_id)
            assert "\ufffd" not in case.title + case.situation, (case.title, case.situation)
    else:
        _assert_dutch_refusal(response)
        assert _count(app, Case, CaseRevision, OutboxEntry) == before


LONE = "Casus \ud800 en \udfff"  # encodable in JSON (as \ud800 escapes), never in UTF-8


@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        ("/bijeenkomsten/{meeting}/aantekeningen/2", {"text": LONE}, MeetingNote),
        ("/api/v1/sessions/{meeting}/notes", {"step": 2, "text": LONE}, MeetingNote),
        ("/api/v1/cases", {"title": LONE}, Case),
        ("/api/v1/threads/{thread}/posts", {"body": LONE}, Post),
    ],
)
def test_a_lone_surrogate_in_json_is_refused_not_a_server_error(app, world, path, body, model):
    """The notes' autosave (and the API beside it) take JSON, where a lone surrogate can be
    sent: a 4xx JSON answer with a message, and nothing written."""
    with app.app_context():
        coach = db.session.scalar(select(User).where(User.email == world["email"]))
        token = make_token(coach)
    url = path.format(**world)
    before = _count(app, model)
    client = world["client"] if not url.startswith("/api/") else app.test_client()
    response = client.post(
        url,
        data=json.dumps(body),  # ensure_ascii: the surrogates travel as \ud800 escapes
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {},
    )
    assert response.status_code in {400, 422}, response.status_code
    assert response.mimetype == "application/json"
    assert response.json["message"]
    assert _count(app, model) == before


@pytest.mark.parametrize(
    ("path", "field", "model"),
    [
        ("/discussies/{thread}/reageren", "body", Post),
        ("/bijeenkomsten/{meeting}/aantekeningen/2", "text", MeetingNote),
        ("/teams/{slug}/casussen/nieuw", "situation", Case),
    ],
)
def test_a_nul_character_is_refused_the_same_on_every_database_and_the_text_is_shown(
    app, world, path, field, model
):
    """NUL is no text: PostgreSQL refuses it, SQLite would keep it. Every form refuses it
    before a view runs, in Dutch, and the error page shows what was typed, so nothing is
    lost."""
    before = _count(app, model)
    typed = "Mijn verhaal van vanochtend\x00 met een nulteken"
    response = world["client"].post(
        path.format(**world), data={"title": "Casus", field: typed, "primary_kwestie": "5"}
    )
    assert response.status_code == 400
    page = parse(response.text.replace("\x00", ""))
    assert "geen gewone tekst" in text_of(page)
    assert "Mijn verhaal van vanochtend" in text_of(page)
    assert _count(app, model) == before


def test_a_replacement_character_typed_in_a_plain_form_is_kept(app, world):
    """U+FFFD is refused only where Werkzeug put it for bytes it could not read (multipart);
    typed into an ordinary form it is text like any other."""
    client = world["client"]
    response = client.post(
        f"/teams/{world['slug']}/casussen/nieuw",
        data={"title": "Casus \ufffd vraagteken", "primary_kwestie": "5"},
    )
    assert response.status_code == 302
    case_id = int(re.search(r"/casussen/(\d+)", response.location).group(1))
    with app.app_context():
        assert db.session.get(Case, case_id).title == "Casus \ufffd vraagteken"


def test_json_nested_thousands_deep_is_refused_not_a_server_error(app, world):
    deep = "[" * 5000 + "]" * 5000
    response = app.test_client().post(
        "/api/v1/cases",
        data=deep,
        content_type="application/json",
        headers={"Authorization": "Bearer x"},
    )
    assert response.status_code == 400
    assert response.json["message"]
    anonymous = app.test_client().post("/api/v1/cases", data="\"a\\u0000b\"",
                                       content_type="application/json")  # fmt: skip
    assert anonymous.status_code == 401  # who is asking comes first
