"""Case rules: validation, revisions, statuses, conflicts, drafts, comments (R-03, R-07, R-30)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reflectie.audit.models import AuditEvent
from reflectie.cases import services
from reflectie.cases.access import CaseAction, get_case_for, may, visible_cases
from reflectie.cases.models import Case, CaseRevision, CaseStatus, Visibility
from reflectie.cases.services import CaseInput, StaleEdit
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role
from tests.cases.factories import COMPLETE, make_case
from tests.factories import make_team, make_user

pytestmark = pytest.mark.usefixtures("ctx")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_case_keeps_its_fields_kwesties_first_primary_and_a_first_revision():
    case = make_case(
        title="  Mevrouw   B. en de thuiszorg ",
        kwesties=[5, 2, 4],
        values=["Autonomie", "veiligheid", "autonomie", "zorg voor elkaar"],
        tags=["Ouderen", "eenzaamheid", "ouderen"],
        situation="Regel één\r\nRegel twee",
    )
    assert case.title == "Mevrouw B. en de thuiszorg"
    assert case.kwesties == [5, 2, 4]
    assert case.primary_kwestie == 5
    assert case.values == ["autonomie", "veiligheid", "zorg voor elkaar"]
    assert case.tags == ["eenzaamheid", "ouderen"]
    assert case.situation == "Regel één\nRegel twee"
    assert case.status == CaseStatus.CONCEPT
    assert case.visibility == Visibility.TEAM
    revisions = db.session.scalars(
        select(CaseRevision).where(CaseRevision.case_id == case.id)
    ).all()
    assert [r.number for r in revisions] == [1]
    assert revisions[0].data["title"] == "Mevrouw B. en de thuiszorg"


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"kwesties": [8]}, "kwesties"),
        ({"kwesties": [0, 1]}, "kwesties"),
        ({"kwesties": [3, 3]}, "kwesties"),
        ({"situation": "x" * 50_001}, "situation"),
        ({"dilemma": "nul\x00byte"}, "dilemma"),
        ({"tags": ["<script>"]}, "tags"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"values": ["x" * 61]}, "values"),
        ({"visibility": "public"}, "visibility"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(fields, bad):
    team = make_team()
    author = make_user(team=team)
    before = _count(Case)
    data = {"title": "Goede titel", **fields}
    with pytest.raises(Invalid) as err:
        services.create_case(author, team, CaseInput(**data))
    db.session.rollback()
    assert bad in err.value.fields
    assert all(isinstance(m, str) and m for m in err.value.fields[bad])
    assert _count(Case) == before


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ({"title": 5}, "title"),
        ({"title": "x", "kwesties": "5"}, "kwesties"),
        ({"title": "x", "kwesties": [True]}, "kwesties"),
        ({"title": "x", "tags": "schulden"}, "tags"),
        ({"title": "x", "values": [1, 2]}, "values"),
        ({"title": "x", "team_id": 3}, "team_id"),
        ({"title": "x", "author_id": 3}, "author_id"),
        ({"situation": "zonder titel"}, "title"),
    ],
)
def test_parse_input_checks_types_and_refuses_unknown_fields(raw, bad):
    with pytest.raises(Invalid) as err:
        services.parse_input(raw)
    assert bad in err.value.fields


def test_drafts_save_without_required_fields_but_bringing_in_needs_them():
    case = make_case(title="Alleen een titel")
    with pytest.raises(Invalid) as err:
        services.set_status(case.author, case.id, "ingebracht", expected_version=case.version)
    db.session.rollback()
    assert set(err.value.fields) == {"situation", "help_question", "dilemma", "kwesties"}
    assert db.session.get(Case, case.id).status == CaseStatus.CONCEPT
    services.update_case(
        case.author, case.id, CaseInput(title=case.title, **COMPLETE), expected_version=case.version
    )
    services.set_status(
        case.author, case.id, "ingebracht", expected_version=db.session.get(Case, case.id).version
    )
    db.session.commit()
    assert db.session.get(Case, case.id).status == CaseStatus.INGEBRACHT


def test_a_brought_in_case_cannot_lose_its_required_fields():
    case = make_case(status=CaseStatus.INGEBRACHT)
    with pytest.raises(Invalid) as err:
        services.update_case(
            case.author,
            case.id,
            CaseInput(title=case.title, kwesties=[5]),
            expected_version=case.version,
        )
    assert "situation" in err.value.fields


def test_every_text_change_adds_a_revision_and_no_change_adds_none():
    case = make_case(title="Eerste")
    author = case.author
    services.update_case(author, case.id, CaseInput(title="Tweede"), expected_version=case.version)
    db.session.commit()
    version = db.session.get(Case, case.id).version
    services.update_case(author, case.id, CaseInput(title="Tweede"), expected_version=version)
    db.session.commit()
    numbers = [r.number for r in services.revisions(author, case.id)]
    assert numbers == [2, 1]
    assert db.session.get(Case, case.id).version == version


def test_a_stale_version_is_a_conflict_not_an_overwrite():
    case = make_case(title="Oud")
    author = case.author
    coach = make_user(team=case.team, role=Role.LEERCOACH)
    services.update_case(coach, case.id, CaseInput(title="Van de coach"), expected_version=1)
    db.session.commit()
    with pytest.raises(StaleEdit) as err:
        services.update_case(author, case.id, CaseInput(title="Van de auteur"), expected_version=1)
    assert err.value.current.title == "Van de coach"
    assert err.value.details() == {"current_version": 2}
    db.session.rollback()
    assert db.session.get(Case, case.id).title == "Van de coach"


def test_restoring_a_revision_is_a_new_revision():
    case = make_case(title="Versie een", situation="Eerst")
    author = case.author
    services.update_case(
        author, case.id, CaseInput(title="Versie twee", situation="Later"), expected_version=1
    )
    db.session.commit()
    services.restore_revision(author, case.id, 1, expected_version=2)
    db.session.commit()
    restored = db.session.get(Case, case.id)
    assert (restored.title, restored.situation) == ("Versie een", "Eerst")
    latest = services.revisions(author, case.id)[0]
    assert latest.number == 3
    assert "1" in latest.note


def test_private_cases_are_the_authors_alone():
    team = make_team()
    author = make_user(team=team)
    coach = make_user(team=team, role=Role.LEERCOACH)
    case = make_case(team=team, author=author, visibility="private")
    assert may(author, case, CaseAction.EDIT)
    for action in CaseAction:
        assert not may(coach, case, action)
    with pytest.raises(NotFound):
        get_case_for(coach, case.id)
    assert case.id not in db.session.scalars(visible_cases(coach).with_only_columns(Case.id)).all()
    assert case.id in db.session.scalars(visible_cases(author).with_only_columns(Case.id)).all()


@pytest.mark.parametrize(
    ("role", "read", "edit", "comment"),
    [
        (Role.LID, True, False, True),
        (Role.LEERCOACH, True, True, True),
        (Role.TEAMLEIDER, True, True, True),
        (Role.DOCENT, False, False, False),
        (Role.STUDENT, False, False, False),
    ],
)
def test_what_each_role_may_do_to_a_colleagues_case(role, read, edit, comment):
    team = make_team()
    case = make_case(team=team)
    user = make_user(team=team, role=role)
    assert may(user, case, CaseAction.READ) is read
    assert may(user, case, CaseAction.EDIT) is edit
    assert may(user, case, CaseAction.COMMENT) is comment


def test_members_of_another_team_learn_nothing():
    case = make_case()
    outsider = make_user(team=make_team(), role=Role.LEERCOACH)
    with pytest.raises(NotFound) as forbidden:
        get_case_for(outsider, case.id)
    with pytest.raises(NotFound) as missing:
        get_case_for(outsider, 987_654)
    assert str(forbidden.value.message) == str(missing.value.message)
    for call in (
        lambda: services.update_case(outsider, case.id, CaseInput(title="x"), expected_version=1),
        lambda: services.add_comment(outsider, case.id, "hallo"),
        lambda: services.set_status(outsider, case.id, "afgerond", expected_version=1),
        lambda: services.delete_case(outsider, case.id),
        lambda: services.revisions(outsider, case.id),
        lambda: services.create_case(outsider, case.team, CaseInput(title="x")),
    ):
        with pytest.raises(NotFound):
            call()
    db.session.rollback()
    assert db.session.get(Case, case.id).title == "Casus"


def test_a_deleted_case_is_gone_from_pages_and_lists():
    case = make_case()
    services.delete_case(case.author, case.id)
    db.session.commit()
    with pytest.raises(NotFound):
        get_case_for(case.author, case.id)
    assert db.session.scalars(visible_cases(case.author)).all() == []


def test_comments_are_checked_and_only_authors_remove_them():
    case = make_case()
    colleague = make_user(team=case.team)
    comment = services.add_comment(colleague, case.id, "  Goede casus!  ")
    assert comment.body == "Goede casus!"
    with pytest.raises(Invalid):
        services.add_comment(colleague, case.id, "   ")
    with pytest.raises(Invalid):
        services.add_comment(colleague, case.id, "x" * 5001)
    with pytest.raises(NotFound):
        services.delete_comment(case.author, comment.id)
    services.delete_comment(colleague, comment.id)
    assert services.comments(case.author, case.id) == []


def test_drafts_are_per_user_and_case_and_go_away_on_save():
    case = make_case()
    author = case.author
    services.save_draft(
        author, team=case.team, case_id=case.id, data={"title": "Bijna", "rommel": 1}
    )
    services.save_draft(author, team=case.team, case_id=case.id, data={"title": "Bijna klaar"})
    draft = services.get_draft(author, team_id=case.team_id, case_id=case.id)
    assert draft.data == {"title": "Bijna klaar"}
    services.save_draft(author, team=case.team, case_id=None, data={"title": "Nieuw"})
    services.update_case(author, case.id, CaseInput(title="Bijna klaar"), expected_version=1)
    assert services.get_draft(author, team_id=case.team_id, case_id=case.id) is None
    assert services.get_draft(author, team_id=case.team_id, case_id=None).data == {"title": "Nieuw"}


def test_changes_and_reads_are_audited_without_case_text():
    case = make_case(title="Geheim", situation="Zeer geheime tekst")
    services.update_case(case.author, case.id, CaseInput(title="Geheim 2"), expected_version=1)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == case.id)).all()
    assert {"case.create", "case.update"} <= {e.action for e in events}
    assert all("geheim" not in str(e.details).lower() for e in events)
    assert all(e.team_id == case.team_id for e in events if e.action.startswith("case."))


def test_team_tags_suggest_the_most_used_first_and_skip_private_cases():
    team = make_team()
    author = make_user(team=team)
    make_case(team=team, author=author, tags=["schulden", "jeugd"])
    make_case(team=team, author=author, tags=["schulden"])
    make_case(team=team, author=author, tags=["geheim-label"], visibility="private")
    assert services.team_tags(team.id) == ["schulden", "jeugd"]
