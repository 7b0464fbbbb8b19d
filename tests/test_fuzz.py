"""Hostile input, generated (R-17, R-15): the API, the import and the structured meeting records
answer bad input with a 4xx and a message, never a server error, and write nothing when they
refuse; the Markdown sanitiser never lets script through."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from reflectie.accounts.models import Team, User
from reflectie.cases.importexport import ImportRefused, import_cases, parse_file
from reflectie.cases.models import Case
from reflectie.db import db
from reflectie.errors import DomainError
from reflectie.markup import render_markdown
from reflectie.permissions import Role
from reflectie.sessions import services as meeting_services
from reflectie.sessions.models import MeetingNote
from tests.factories import make_team, make_token, make_user

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        [
            "\x00", "\ud7ff\ufeff\u202e", "' OR 1=1 --", "'); DROP TABLE cases; --",
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "x" * 100_001,
            "javascript:alert(1)", "%00", "\r\n\r\nSet-Cookie: x=y", "🙂" * 3000,
        ]
    ),
)  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
CASE_FIELDS = ["title", "situation", "dilemma", "stakeholders", "values", "kwesties", "tags",
               "help_question", "visibility", "team", "status", "version"]  # fmt: skip
CASE_RECORDS = st.dictionaries(st.sampled_from(CASE_FIELDS), JSON_VALUES, max_size=8)


@pytest.fixture
def member(app) -> dict:
    with app.app_context():
        team = make_team()
        user = make_user(team=team, role=Role.LEERCOACH)
        meeting = meeting_services.create_meeting(
            user,
            team,
            meeting_services.MeetingInput(
                "dilemmamethode", datetime(2027, 3, 30, 12, tzinfo=UTC), 90
            ),
        )
        token = make_token(user)
        db.session.commit()
        return {"user": user.id, "team": team.id, "token": token, "meeting": meeting.id}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@FUZZ
@given(body=CASE_RECORDS | JSON_VALUES)
def test_the_case_api_answers_any_body_with_a_client_error_or_a_case(app, member, body):
    """R-17: any body gets a case or a 4xx with a message, and a refusal writes nothing."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {member['token']}"}
    before = _count(app, Case)
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code in {201, 400, 413, 422}, response.text
    answer = response.get_json()
    if response.status_code != 201:
        assert set(answer) >= {"error", "message"}
        assert "Traceback" not in response.text
        assert _count(app, Case) == before  # nothing half written
    else:
        assert _count(app, Case) == before + 1


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300))
def test_a_malformed_request_body_is_a_400_not_a_crash(app, member, raw):
    response = app.test_client().post(
        "/api/v1/cases",
        data=raw,
        headers={"Authorization": f"Bearer {member['token']}", "Content-Type": "application/json"},
    )
    assert response.status_code in {201, 400, 413, 422}


@FUZZ
@given(records=st.lists(CASE_RECORDS | JSON_VALUES, min_size=1, max_size=5))
def test_an_import_is_all_or_nothing_with_a_message_per_bad_record(app, member, records):
    with app.app_context():
        user, team = db.session.get(User, member["user"]), db.session.get(Team, member["team"])
        before = db.session.scalar(select(func.count()).select_from(Case))
        problems, created = [], []
        try:
            created = import_cases(user, team, parse_file(json.dumps(records)))
        except ImportRefused as err:
            problems = err.problems
        db.session.rollback()
        if problems:
            assert all(p.message for p in problems)
        else:
            assert len(created) == len(records)
        assert db.session.scalar(select(func.count()).select_from(Case)) == before


@FUZZ
@given(step=st.integers(min_value=-3, max_value=14) | JSON_VALUES, record=JSON_VALUES)
def test_meeting_notes_refuse_any_bad_record_cleanly(app, member, step, record):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {member['token']}"}
    before = _count(app, MeetingNote)
    body = {"step": step, "record": record}
    response = client.post(
        f"/api/v1/sessions/{member['meeting']}/notes", json=body, headers=headers
    )
    assert response.status_code in {200, 400, 404, 422}, response.text
    if response.status_code != 200:
        assert _count(app, MeetingNote) == before


@FUZZ
@given(record=JSON_VALUES)
def test_the_structured_record_service_raises_only_domain_errors(app, member, record):
    with app.app_context():
        user = db.session.get(User, member["user"])
        for step in (3, 6):  # the dilemma and the judgements of the Dilemmamethode
            try:
                meeting_services.save_note(user, member["meeting"], step, structured=record)
            except DomainError:
                pass
            finally:
                db.session.rollback()


FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "img", "div"}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>",
                "[x](javascript:alert(1))",
                "<a href='javascript:alert(1)'>x</a>",
                "<iframe src=//evil>",
                "<svg onload=alert(1)>",
                "<style>*{}</style>",
                "[y](data:text/html;base64,PHNjcmlwdD4=)",
                "**vet**",
                "\n\n",
                "<div onclick=x>",
                "`<script>`",
                "> quote",
                "| a | b |\n|---|---|\n| <b onmouseover=1> | 2 |",
                "<<script>script>",
                "&lt;script&gt;",
                "<ScRiPt>",
                "\x00",
            ]
        )
        | st.text(max_size=30),
        max_size=12,
    ).map("".join)
)
def test_rendered_markdown_never_carries_script(text):
    """R-15: no mix of Markdown and HTML renders a script, a handler or a script URL."""
    html = str(render_markdown(text))
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        assert element.name not in FORBIDDEN_TAGS, html
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), html
            if name == "href":
                assert not re.match(r"\s*(javascript|data|vbscript):", value, re.I), html
