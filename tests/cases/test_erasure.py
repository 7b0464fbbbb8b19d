"""AVG erasure (R-26): a canary planted in every text of a case is gone everywhere afterwards:
the database (every column of every table), the index files, the PostgreSQL index table, and
search through the UI and the API; `search check` stays clean and the audit log has one row
without content. Only a beheerder may erase, and erasing twice says so."""

from __future__ import annotations

import logging
import os
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import delete, select, text

from reflectie.audit.models import AuditEvent
from reflectie.cases import erasure
from reflectie.cases import services as case_services
from reflectie.cases.models import Case, CaseDraft, CaseStatus
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.notifications.models import Notification
from reflectie.permissions import Role
from reflectie.publishing import services as publishing_services
from reflectie.publishing.models import Publication, PublicationStatus
from reflectie.search.backend import get_backend
from reflectie.search.models import OutboxEntry
from reflectie.search.pg_backend import DDL
from reflectie.search.services import all_documents, check_index, rebuild_index
from reflectie.sessions import services as meeting_services
from reflectie.sessions.models import Meeting, MeetingCase, MeetingEvaluation, MeetingNote
from reflectie.threads import services as thread_services
from reflectie.threads.models import Post, Thread
from tests.conftest import require
from tests.factories import make_team, make_token, make_user
from tests.pages import get_page, parse, text_of
from tests.sessions.factories import plan_meeting

CLEAN = {
    "title": "Een moeder die geen hulp wil",
    "situation": "Een moeder van drie kinderen wil geen hulp.",
    "help_question": "Hoe blijf ik in contact?",
    "dilemma": "Moet ik haar keuze respecteren of de school inschakelen?",
    "stakeholders": "",
    "own_role": "",
    "themes": [],
    "values": [],
}


def new_canary() -> str:
    # Letters only, ending in consonants: the analyzer keeps it whole in every index field.
    return "kanarie" + "".join(random.choices("bcdfghjklmnpqrstvwxz", k=10))  # noqa: S311


@pytest.fixture(params=["whoosh", "postgres"])
def engine(request, app: Flask, tmp_path, monkeypatch, database_url: str) -> str:
    """This test's own index (as tests/search/conftest.py does), drained after commits."""
    name = request.param
    if name == "postgres" and not database_url.startswith("postgresql"):
        if os.environ.get("REFLECTIE_TEST_POSTGRES_URL"):
            pytest.skip("runs in the PostgreSQL pass of `make test`")
        require(False, "the PostgreSQL engine needs REFLECTIE_TEST_DATABASE_URL")
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", name)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "index"))
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_AFTER_COMMIT", True)
    with app.test_request_context("/"):
        if name == "postgres":
            for statement in DDL:
                db.session.execute(text(statement))
            get_backend().apply(list(all_documents()), [])
            db.session.execute(delete(OutboxEntry))
            db.session.commit()
        else:
            rebuild_index()
    return name


@pytest.fixture
def own_index(app: Flask, tmp_path, monkeypatch) -> Path:
    """A Whoosh index of this test's own (a purge rebuilds it), for tests about other things."""
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "index"))
    return tmp_path / "index"


def plant(app: Flask, canary: str | None = None) -> dict:
    """A team with a case that carries the canary in every text it has: fields, tags, values,
    revisions, a comment, a draft, the notes and outcomes of a meeting about it alone, three
    anonymised copies (kept, concept, leaky) and notifications. Plain values come back."""
    canary = canary or new_canary()
    with app.test_request_context("/", method="POST"):
        team = make_team()
        author = make_user(team=team, role=Role.LEERCOACH)
        colleague = make_user(team=team, role=Role.LEERCOACH)
        member = make_user(team=team, role=Role.LID)
        data = case_services.CaseInput(
            title=f"Casus {canary}",
            situation=f"Mevrouw Fatima {canary} woont alleen.",
            help_question=f"Hoe help ik {canary}?",
            dilemma=f"Moet ik {canary} respecteren?",
            stakeholders=f"De dochter van {canary}",
            own_role=f"Ik bezocht {canary} thuis",
            values=[f"zorg om {canary}"],
            kwesties=[5, 2],
            tags=[canary],
        )
        case = case_services.create_case(author, team, data, status=CaseStatus.INGEBRACHT)
        db.session.commit()
        for n in range(2):  # two more revisions, each with the canary
            changed = replace(data, situation=f"Versie {n}: {canary}")
            case_services.update_case(author, case.id, changed, expected_version=case.version)
            db.session.commit()
        case_services.update_case(author, case.id, data, expected_version=case.version)
        case_services.add_comment(colleague, case.id, f"Reactie over {canary}")
        case_services.save_draft(author, team=team, case_id=case.id, data={"title": canary})
        other = case_services.create_case(
            author,
            team,
            case_services.CaseInput(
                title="Een andere casus", situation="s", help_question="h", dilemma="d",
                kwesties=[5],
            ),
            status=CaseStatus.INGEBRACHT,
        )  # fmt: skip
        db.session.commit()
        when = datetime(2026, 3, 30, 14, tzinfo=UTC)
        alone = plan_meeting(author, team, [case.id], starts_at=when)
        meeting_services.save_note(author, alone.id, 3, f"Notitie over {canary}")
        meeting_services.add_outcome(
            author, alone.id, kind="leerpunt", text=f"Leerpunt {canary}", owner_id=None
        )
        shared = plan_meeting(author, team, [case.id, other.id], starts_at=when)
        # The shared record names the client as the copy's placeholder map does: scrubbed.
        meeting_services.save_note(author, shared.id, 3, f"Fatima {canary} en de andere casus")
        meeting_services.save_note(author, shared.id, 4, "Over de andere casus")
        db.session.commit()

        def copy(status: PublicationStatus, **fields) -> Publication:
            pub = publishing_services.start_publication(author, case.id)
            for name, value in {**CLEAN, **fields}.items():
                setattr(pub, name, value)
            pub.status = status
            if status == PublicationStatus.PUBLISHED:
                pub.reviewer_id, pub.reviewed_at = colleague.id, datetime.now(UTC)
                pub.published_at, pub.to_library = datetime.now(UTC), True
            db.session.commit()
            return pub

        kept = copy(
            PublicationStatus.PUBLISHED,
            placeholders={f"Fatima {canary}": "[naam 1]"},
            safe_texts=[canary],
            review_remarks=f"{canary} stond er nog in",
        )
        concept = copy(PublicationStatus.CONCEPT, situation=f"Nog niet af: {canary}")
        # Approved, but a name the anonymiser replaced elsewhere is still in it.
        leaky = copy(PublicationStatus.PUBLISHED, situation=f"Toch nog Fatima {canary} erin")
        community = thread_services.create_community(
            author,
            thread_services.CommunityInput(
                name="Gemeenschap", organisation_id=team.organisation_id
            ),
        )
        thread = thread_services.create_thread(
            author, community, thread_services.ThreadInput(title="Over een casus", body="Vraag")
        )
        thread.published_case_id = leaky.id
        db.session.add_all(
            [
                Notification(
                    user_id=colleague.id, kind="test", data={"publication_id": concept.id}
                ),
                Notification(user_id=colleague.id, kind="test", data={"publication_id": kept.id}),
            ]
        )
        db.session.commit()
        return {
            "canary": canary,
            "case_id": case.id,
            "other_id": other.id,
            "team_id": team.id,
            "alone_id": alone.id,
            "shared_id": shared.id,
            "kept_id": kept.id,
            "concept_id": concept.id,
            "leaky_id": leaky.id,
            "thread_id": thread.id,
            "member_email": member.email,
            "member_token": make_token(member),
            "author_email": author.email,
        }


def db_hits(needle: str) -> list[str]:
    """Every table.column (all of them, cast to text) that contains `needle` somewhere."""
    connection = db.session.connection()
    inspector = sa.inspect(connection)
    found = []
    for table in inspector.get_table_names():
        names = [column["name"] for column in inspector.get_columns(table)]
        hits = [
            sa.func.sum(
                sa.case(
                    (
                        sa.func.lower(sa.cast(sa.column(name), sa.Text)).contains(
                            needle.lower(), autoescape=True
                        ),
                        1,
                    ),
                    else_=0,
                )
            )
            for name in names
        ]
        row = connection.execute(select(*hits).select_from(sa.table(table))).one()
        found += [f"{table}.{name}" for name, count in zip(names, row, strict=True) if count]
    return sorted(found)


def index_file_hits(app: Flask, needle: str) -> int:
    root = Path(app.config["SEARCH_INDEX_PATH"]).parent
    return sum(p.read_bytes().count(needle.encode()) for p in root.rglob("*") if p.is_file())


def pg_index_hits(needle: str) -> int:
    return db.session.scalar(
        text("SELECT count(*) FROM search_documents WHERE words @@ plainto_tsquery('simple', :w)"),
        {"w": needle},
    )


def search_totals(client, token: str, needle: str) -> tuple[str, int]:
    page = get_page(client, f"/zoeken?q={needle}")
    api = client.get(f"/api/v1/search?q={needle}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    heading = page.find("h2", id="resultaten")
    return (heading.get_text(strip=True) if heading else ""), api.json["total"]


def test_an_erased_case_leaves_no_trace(app, engine, admin_client, login):
    """R-26: an erased case's canary is gone from every table, the index and the audit log."""
    world = plant(app)
    canary = world["canary"]
    member = login(world["member_email"])
    with app.test_request_context("/"):
        assert db_hits(canary)  # the scan finds what is there
        if engine == "whoosh":
            assert index_file_hits(app, canary) > 0
        else:
            assert pg_index_hits(canary) > 0
    assert search_totals(member, world["member_token"], canary)[1] >= 2  # case, leaky copy

    page = get_page(admin_client, f"/beheer/casussen/{world['case_id']}/wissen")
    assert canary not in str(page)  # the beheerder sees counts and dates, never the text
    response = admin_client.post(
        f"/beheer/casussen/{world['case_id']}/wissen",
        data={"reason": "Verzoek AVG-2026-17 van de cliënt", "confirm": "y"},
    )
    assert response.status_code == 302
    assert "1 casus gewist." in text_of(get_page(admin_client, response.headers["Location"]))

    heading, total = search_totals(member, world["member_token"], canary)
    assert total == 0
    assert heading == "0 resultaten"
    check = app.test_cli_runner().invoke(args=["search", "check"])
    assert check.exit_code == 0, check.output
    assert "missing: 0  stale: 0  not in the database: 0" in check.output
    with app.test_request_context("/"):
        assert db_hits(canary) == []
        if engine == "whoosh":
            assert index_file_hits(app, canary) == 0
        else:
            assert pg_index_hits(canary) == 0
        report = check_index()
        assert report.clean, report
        assert db.session.get(Case, world["case_id"]) is None
        assert db.session.get(Case, world["other_id"]) is not None
        # The approved anonymous copy stays, unlinked; the concept and the leaky one are gone.
        kept = db.session.get(Publication, world["kept_id"])
        assert kept is not None
        assert kept.status == PublicationStatus.PUBLISHED
        assert (kept.case_id, kept.placeholders, kept.safe_texts) == (None, {}, [])
        assert db.session.get(Publication, world["concept_id"]) is None
        assert db.session.get(Publication, world["leaky_id"]) is None
        thread = db.session.get(Thread, world["thread_id"])
        assert thread.published_case_id is None
        assert db.session.scalar(select(sa.func.count()).where(Post.thread_id == thread.id))
        # The meeting about this case alone keeps its date, loses its record; the shared one
        # keeps the other case and its own notes.
        alone = db.session.get(Meeting, world["alone_id"])
        assert (alone.agenda, alone.notes, alone.outcomes) == ([], [], [])
        shared = db.session.get(Meeting, world["shared_id"])
        assert [item.case_id for item in shared.agenda] == [world["other_id"]]
        notes = db.session.scalars(
            select(MeetingNote.text).where(MeetingNote.meeting_id == shared.id)
        ).all()
        assert sorted(notes) == ["Over de andere casus", "[gewist] en de andere casus"]
        left = db.session.scalars(select(Notification.data).where(Notification.kind == "test"))
        assert list(left) == [{"publication_id": world["kept_id"]}]
        events = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "case.erase", AuditEvent.object_id == world["case_id"]
            )
        ).all()
        assert len(events) == 1
        assert events[0].team_id == world["team_id"]
        assert events[0].details["reason_length"] == len("Verzoek AVG-2026-17 van de cliënt")
        assert "Verzoek" not in str(events[0].details)


def test_erasing_by_an_identifier_removes_it_from_the_whole_team(app, engine, admin_client):
    canary = new_canary()
    with app.test_request_context("/", method="POST"):
        team = make_team()
        author = make_user(team=team, role=Role.LEERCOACH)
        plain = case_services.CaseInput(title="Schulden", situation="s", help_question="h",
                                        dilemma="d", kwesties=[5])  # fmt: skip
        in_comment = case_services.create_case(author, team, plain, status=CaseStatus.INGEBRACHT)
        case_services.add_comment(author, in_comment.id, f"Het gaat om {canary}")
        in_revision = case_services.create_case(
            author, team, replace(plain, situation=f"Bij {canary} thuis")
        )
        db.session.commit()
        case_services.update_case(author, in_revision.id, plain, expected_version=1)
        untouched = case_services.create_case(author, team, plain, status=CaseStatus.INGEBRACHT)
        other_team = make_team()
        elsewhere = case_services.create_case(
            make_user(team=other_team), other_team, replace(plain, title=f"Over {canary}")
        )
        db.session.commit()
        meeting = plan_meeting(
            author, team, [untouched.id], starts_at=datetime(2026, 3, 30, 14, tzinfo=UTC)
        )
        meeting_services.save_note(author, meeting.id, 3, f"{canary.upper()} belde nog")
        case_services.save_draft(author, team=team, case_id=None, data={"title": canary})
        db.session.commit()
        ids = (in_comment.id, in_revision.id, untouched.id, elsewhere.id, team.id, meeting.id)

    response = admin_client.post(
        "/beheer/wissen", data={"step": "search", "match-team_id": ids[4], "match-text": canary}
    )
    assert response.status_code == 200
    page = text_of(parse(response.text))
    assert "2 casussen gevonden" in page
    assert "Schulden" not in page  # numbers, dates and places only
    assert "reacties" in page
    assert "eerdere versies" in page
    response = admin_client.post(
        "/beheer/wissen",
        data={
            "step": "erase",
            "erase-team_id": ids[4],
            "erase-text": canary,
            "erase-reason": "Verzoek 12",
            "erase-confirm": "y",
        },
    )
    assert response.status_code == 302
    with app.test_request_context("/"):
        assert db.session.get(Case, ids[0]) is None
        assert db.session.get(Case, ids[1]) is None
        assert db.session.get(Case, ids[2]) is not None
        assert db.session.get(Case, ids[3]) is not None  # another team's case is not touched
        # Only the other team's case (and its first revision) still has it.
        left = {"case_revisions.data", "cases.title"}
        if engine == "postgres":
            left |= {"search_documents.words", "search_documents.tsv"}
        assert set(db_hits(canary)) == left
        assert (
            db.session.scalar(select(MeetingNote.text).where(MeetingNote.meeting_id == ids[5]))
            == "[gewist] belde nog"
        )
        assert check_index().clean


def test_only_a_beheerder_may_erase(app, login, own_index):
    world = plant(app)
    for role in (Role.LID, Role.LEERCOACH, Role.TEAMLEIDER):
        with app.app_context():
            team_member = make_user(
                team=db.session.get(Case, world["case_id"]).team, role=role
            ).email
        client = login(team_member)
        url = f"/beheer/casussen/{world['case_id']}/wissen"
        assert client.get(url).status_code == 404
        data = {"reason": "x", "confirm": "y"}
        assert client.post(url, data=data).status_code == 404
        assert client.post("/beheer/wissen", data={"step": "search"}).status_code == 404
    author = login(world["author_email"])
    assert author.post(f"/beheer/casussen/{world['case_id']}/wissen").status_code == 404
    with app.app_context():
        from reflectie.accounts.services import get_user_by_email

        user = get_user_by_email(world["author_email"])
        with pytest.raises(NotFound):
            erasure.erase_case(user, world["case_id"], reason="omdat")
        db.session.rollback()
        assert db.session.get(Case, world["case_id"]) is not None


def test_erasing_twice_says_it_was_erased_already(app, admin_client, own_index):
    world = plant(app)
    runner = app.test_cli_runner()
    args = ["cases", "erase", str(world["case_id"]), "--reason", "Verzoek 3"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert f"erased case {world['case_id']}:" in first.output
    assert "search index purged" in first.output
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert f"Casus {world['case_id']} is al gewist op" in again.output
    page = admin_client.get(f"/beheer/casussen/{world['case_id']}/wissen")
    assert page.status_code == 409
    assert "al gewist" in page.text
    assert admin_client.get("/beheer/casussen/999999/wissen").status_code == 404
    with app.app_context():
        assert index_file_hits(app, world["canary"]) == 0
        with pytest.raises(erasure.AlreadyErased):
            erasure.erase_case(None, world["case_id"], reason="nogmaals")


def test_a_reason_and_a_confirmation_are_required(app, admin_client, own_index):
    world = plant(app)
    url = f"/beheer/casussen/{world['case_id']}/wissen"
    for data in ({"reason": "", "confirm": "y"}, {"reason": "Verzoek 4"}):
        response = admin_client.post(url, data=data)
        assert response.status_code == 200
        assert "Er is een probleem" in response.text
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cases", "erase", str(world["case_id"]), "--reason", "  "])
    assert result.exit_code == 1
    by_author = ["--reason", "r", "--by", world["author_email"]]
    result = runner.invoke(args=["cases", "erase", str(world["case_id"]), *by_author])
    assert result.exit_code == 1
    assert "is not a beheerder" in result.output
    result = runner.invoke(
        args=["cases", "erase", "--team", "x", "--matching", "ab", "--reason", "r", "--yes"]
    )
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.get(Case, world["case_id"]) is not None
        with pytest.raises(Invalid):
            erasure.find_matching(None, world["team_id"], " ab ")


def test_the_admin_pages_are_well_formed(app, admin_client, own_index):
    world = plant(app)
    get_page(admin_client, "/beheer/wissen")
    get_page(admin_client, f"/beheer/casussen/{world['case_id']}/wissen")
    with app.app_context():
        assert db.session.scalar(
            select(sa.func.count()).where(MeetingCase.case_id == world["case_id"])
        )


def test_erasing_by_an_identifier_reaches_drafts_of_kept_cases_and_evaluation_remarks(
    app, own_index
):
    """The team-wide pass: a draft edit of a case that stays, and an evaluation's remark; and
    whatever spelling is found is also replaced (one case-insensitive expression for both)."""
    canary = new_canary()
    name = f"{canary}straße"
    loud = f"{canary.upper()}STRAßE"  # str.upper() would make it "STRASSE"
    with app.test_request_context("/", method="POST"):
        team = make_team()
        author = make_user(team=team, role=Role.LEERCOACH)
        plain = case_services.CaseInput(title="Schulden", situation="s", help_question="h",
                                        dilemma="d", kwesties=[5])  # fmt: skip
        kept = case_services.create_case(author, team, plain, status=CaseStatus.INGEBRACHT)
        db.session.commit()
        case_services.save_draft(
            author, team=team, case_id=kept.id, data={"situation": f"Bij {loud} thuis"}
        )
        clean_draft = case_services.save_draft(
            author, team=team, case_id=None, data={"title": "Iets anders"}
        )
        meeting = plan_meeting(
            author, team, [kept.id], starts_at=datetime(2026, 3, 30, 14, tzinfo=UTC)
        )
        meeting_services.save_note(author, meeting.id, 3, f"{loud} belde; {name} ook")
        db.session.add(
            MeetingEvaluation(
                meeting_id=meeting.id, user_id=author.id, scores={}, remark=f"Goed dat {name} kwam"
            )
        )
        db.session.commit()

        assert erasure.erase_matching(None, team.id, name, reason="Verzoek 7") == []
        db.session.commit()
        assert db.session.get(Case, kept.id) is not None
        drafts = db.session.scalars(select(CaseDraft.id).where(CaseDraft.team_id == team.id))
        assert list(drafts) == [clean_draft.id]
        assert (
            db.session.scalar(select(MeetingNote.text).where(MeetingNote.meeting_id == meeting.id))
            == "[gewist] belde; [gewist] ook"
        )
        assert db.session.scalar(
            select(MeetingEvaluation.remark).where(MeetingEvaluation.meeting_id == meeting.id)
        ) == ("Goed dat [gewist] kwam")
        assert db_hits(canary) == []


def test_found_and_replaced_agree_on_every_spelling():
    needles = erasure._needles(["Straße"])
    for spelling in ("Straße", "STRAßE", "straẞe", "STRASSE", "strasse", "Strasse 5"):
        found = erasure._contains(spelling, needles)
        assert found == (erasure._scrub(spelling, needles) != spelling), spelling
        assert found == ("ß" in spelling.lower()), spelling


@pytest.fixture
def erased(app: Flask, own_index: Path) -> dict:
    """A case erased and committed, its text still in the index files (no purge yet)."""
    world = plant(app)
    with app.test_request_context("/", method="POST"):
        rebuild_index()
        erasure.erase_case(None, world["case_id"], reason="Verzoek 8")
        db.session.commit()
        assert index_file_hits(app, world["canary"]) > 0
    return world


def test_a_purge_waits_for_the_index_and_runs_a_rebuild_of_its_own(
    app, erased, monkeypatch, caplog
):
    """Whoever holds the drain lock (a drain, a rebuild that may have read the case before the
    erasure, another process) is waited for; the purge is done only by a rebuild that started
    after the erasure's commit, and says so in the log."""
    backend = get_backend(app)
    holder = backend.writer_lock()
    assert holder.__enter__() is True  # another rebuild is running
    pauses = []

    def pause(_seconds: float) -> None:
        pauses.append(_seconds)
        if len(pauses) == 2:
            holder.__exit__(None, None, None)  # ... and finishes

    monkeypatch.setattr(erasure, "_pause", pause)
    caplog.set_level(logging.INFO, logger="reflectie.cases.erasure")
    try:
        with app.test_request_context("/", method="POST"):
            ticket = erasure._purges.request(app)
            assert erasure._purge(app, ticket, patience=60) is True
    finally:
        if len(pauses) < 2:
            holder.__exit__(None, None, None)
    assert len(pauses) == 2
    assert index_file_hits(app, erased["canary"]) == 0
    assert "erased text purged from the index files" in caplog.text


def test_a_later_erasure_s_rebuild_covers_an_earlier_one(app, erased, monkeypatch):
    from reflectie.search import services as search_services

    builds = []
    real = search_services.rebuild_index

    def counted(**kwargs):
        builds.append(1)
        return real(**kwargs)

    monkeypatch.setattr(search_services, "rebuild_index", counted)
    backend = get_backend(app)
    with app.test_request_context("/", method="POST"):
        first = erasure._purges.request(app)
        holder = backend.writer_lock()
        assert holder.__enter__() is True

        def pause(_seconds: float) -> None:
            holder.__exit__(None, None, None)
            second = erasure._purges.request(app)  # its rebuild starts after both commits
            assert erasure._purge(app, second, patience=0) is True

        monkeypatch.setattr(erasure, "_pause", pause)
        assert erasure._purge(app, first, patience=60) is True
    assert len(builds) == 2  # the first (refused) attempt and the second erasure's
    assert index_file_hits(app, erased["canary"]) == 0


def test_a_purge_that_never_gets_the_index_logs_an_error_and_says_so(
    app, erased, monkeypatch, caplog
):
    monkeypatch.setattr(erasure, "PURGE_PATIENCE", 0.0)
    monkeypatch.setattr(erasure, "_pause", lambda _s: None)
    started = []
    monkeypatch.setattr(erasure, "_purge_in_thread", lambda app, ticket: started.append(ticket))
    backend = get_backend(app)
    holder = backend.writer_lock()
    assert holder.__enter__() is True
    try:
        with app.test_request_context("/", method="POST"):
            # In a request (the default): a thread of its own does it.
            monkeypatch.setitem(app.config, "SEARCH_REBUILD_IN_BACKGROUND", True)
            assert erasure.purge_search_index(background=True) is True
            assert len(started) == 1
            monkeypatch.setitem(app.config, "SEARCH_REBUILD_IN_BACKGROUND", False)
            assert erasure.purge_search_index(background=True) is False
            assert erasure.purge_search_index() is False  # the command line: retries itself
            ticket = erasure._purges.request(app)
            assert erasure._purge(app, ticket, patience=0) is False
    finally:
        holder.__exit__(None, None, None)
    assert "run `reflectie search reindex`" in caplog.text
    assert index_file_hits(app, erased["canary"]) > 0  # the honest outcome: not purged yet
