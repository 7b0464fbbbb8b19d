"""Publication rules: the copy, placeholders, the four-eyes review, withdrawal, audit (R-03)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reflectie.audit.models import AuditEvent
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role
from reflectie.publishing import access, services
from reflectie.publishing.access import PubAction
from reflectie.publishing.models import PublicationStatus
from tests.cases.factories import make_case
from tests.factories import make_team, make_user
from tests.publishing.factories import make_klas, make_publication

pytestmark = pytest.mark.usefixtures("ctx")


def _actions(pub_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "publication", AuditEvent.object_id == pub_id)
            .order_by(AuditEvent.id)
        )
    )


def test_a_copy_has_the_structure_of_the_case_and_is_a_record_of_its_own():
    team = make_team()
    author = make_user(team=team)
    case = make_case(
        team=team,
        author=author,
        title="Huisbezoek",
        situation="Jan Bakker weigert hulp.",
        dilemma="Ingrijpen of niet?",
        kwesties=[5, 2],
        values=["autonomie", "veiligheid"],
        tags=["ouderen"],
    )
    pub = services.start_publication(author, case.id)
    db.session.commit()
    assert pub.id != case.id or pub.__tablename__ != case.__tablename__
    assert (pub.title, pub.situation, pub.dilemma) == (case.title, case.situation, case.dilemma)
    assert (pub.kwesties, pub.values, pub.themes) == (
        [5, 2],
        ["autonomie", "veiligheid"],
        ["ouderen"],
    )
    assert pub.status == PublicationStatus.CONCEPT
    pub.situation = "Persoon A. weigert hulp."
    db.session.commit()
    assert case.situation == "Jan Bakker weigert hulp."  # the original is untouched
    assert _actions(pub.id) == ["publication.start"]


def test_only_team_members_who_may_read_the_case_start_a_copy():
    case = make_case()
    outsider = make_user(team=make_team(), role=Role.LEERCOACH)
    with pytest.raises(NotFound):
        services.start_publication(outsider, case.id)
    docent = make_user(team=case.team, role=Role.DOCENT)
    with pytest.raises(NotFound):
        services.start_publication(docent, case.id)


def test_replacement_is_consistent_across_fields_and_people_get_letters():
    pub = make_publication(
        status=PublicationStatus.CONCEPT,
        situation="Mevrouw Fatima el Amrani woont in Utrecht. Jan Bakker is haar buurman.",
        dilemma="Mag ik Jan Bakker bellen over Mevrouw Fatima el Amrani?",
    )
    author = db.session.get(type(pub.author), pub.author_id)
    first, count = services.replace_text(author, pub.id, "Mevrouw Fatima el Amrani", "naam")
    assert (first, count) == ("mevrouw A.", 2)
    second, _ = services.replace_text(author, pub.id, "Jan Bakker", "naam")
    assert second == "persoon B."
    place, _ = services.replace_text(author, pub.id, "Utrecht", "plaats")
    assert place == "[plaats]"
    assert pub.situation == "mevrouw A. woont in [plaats]. persoon B. is haar buurman."
    assert pub.dilemma == "Mag ik persoon B. bellen over mevrouw A.?"
    again, _ = services.replace_text(author, pub.id, "Jan Bakker", "naam")
    assert again == "persoon B."


def _submitted(**fields):
    team = make_team()
    author = make_user(team=team, role=Role.LEERCOACH)
    pub = make_publication(team=team, author=author, status=PublicationStatus.CONCEPT, **fields)
    services.submit(author, pub.id)
    db.session.commit()
    return team, author, pub


def test_the_author_never_reviews_even_as_leercoach():
    _team, author, pub = _submitted()
    with pytest.raises(NotFound):
        services.approve(author, pub.id, to_library=True)
    assert not access.may(author, pub, PubAction.REVIEW)


def test_whoever_edited_the_copy_is_an_author_too():
    team, _author, pub = _submitted()
    coach = make_user(team=team, role=Role.LEERCOACH)
    pub.status = PublicationStatus.CONCEPT
    services.update_publication(coach, pub.id, {"title": "Anders"})
    services.submit(coach, pub.id)
    with pytest.raises(NotFound):
        services.approve(coach, pub.id, to_library=True)


@pytest.mark.parametrize(
    ("role", "may_review"),
    [
        (Role.LID, False),
        (Role.LEERCOACH, True),
        (Role.TEAMLEIDER, True),
        (Role.DOCENT, True),
        (Role.STUDENT, False),
    ],
)
def test_who_may_review(role, may_review):
    team, _author, pub = _submitted()
    user = make_user(team=team, role=role)
    assert access.may(user, pub, PubAction.REVIEW) is may_review
    assert not access.may(make_user(team=make_team(), role=role), pub, PubAction.REVIEW)


def test_a_docent_reviewer_sees_the_copy_never_the_original():
    team, _author, pub = _submitted()
    docent = make_user(team=team, role=Role.DOCENT)
    assert access.may(docent, pub, PubAction.TEAM)
    assert not access.may_see_original(docent, pub)
    from reflectie.cases.access import get_case_for

    with pytest.raises(NotFound):
        get_case_for(docent, pub.case_id)


def test_publication_is_refused_while_unmarked_findings_remain():
    team, _author, pub = _submitted(situation="Jan Bakker woont in Zwolle.")
    reviewer = make_user(team=team, role=Role.LEERCOACH)
    with pytest.raises(services.StillIdentifying):
        services.approve(reviewer, pub.id, to_library=True)
    db.session.rollback()
    assert pub.status == PublicationStatus.IN_REVIEW
    services.mark_safe(reviewer, pub.id, "Zwolle")
    db.session.commit()
    with pytest.raises(services.StillIdentifying):
        services.approve(reviewer, pub.id, to_library=True)
    db.session.rollback()
    services.mark_safe(reviewer, pub.id, "Jan Bakker")
    services.approve(reviewer, pub.id, to_library=True)
    db.session.commit()
    assert pub.status == PublicationStatus.PUBLISHED
    assert pub.reviewer_id == reviewer.id
    assert _actions(pub.id)[-3:] == [
        "publication.mark_safe",
        "publication.mark_safe",
        "publication.approve",
    ]


def test_approval_needs_a_target():
    team, _author, pub = _submitted()
    reviewer = make_user(team=team, role=Role.TEAMLEIDER)
    with pytest.raises(Invalid) as err:
        services.approve(reviewer, pub.id, to_library=False)
    assert "targets" in err.value.fields
    with pytest.raises(Invalid) as err:
        services.approve(reviewer, pub.id, to_library=False, community_id=987_654)
    assert "community_id" in err.value.fields
    community = _community(reviewer, team)
    services.approve(reviewer, pub.id, to_library=False, community_id=community.id)
    assert pub.community_id == community.id


def test_send_back_needs_remarks_and_reopens_editing():
    team, author, pub = _submitted()
    reviewer = make_user(team=team, role=Role.LEERCOACH)
    with pytest.raises(Invalid):
        services.send_back(reviewer, pub.id, "  ")
    services.send_back(reviewer, pub.id, "De wijk is herkenbaar.")
    assert pub.status == PublicationStatus.SENT_BACK
    services.update_publication(author, pub.id, {"situation": "In een wijk."})
    assert pub.situation == "In een wijk."


def test_nobody_edits_a_copy_in_review_or_published():
    _team, author, pub = _submitted()
    with pytest.raises(NotFound):
        services.update_publication(author, pub.id, {"title": "x"})
    with pytest.raises(NotFound):
        services.replace_text(author, pub.id, "moeder", "naam")


def test_withdrawal_removes_the_copy_from_every_reader_at_once():
    team = make_team()
    pub = make_publication(team=team)
    _klas, docent = make_klas()
    assert access.may(docent, pub, PubAction.READ)
    assert pub.id in db.session.scalars(select(type(pub).id).select_from(type(pub))).all()
    member = make_user(team=team, role=Role.LID)
    services.withdraw(member, pub.id)
    db.session.commit()
    assert not access.may(docent, pub, PubAction.READ)
    assert not access.may(member, pub, PubAction.READ)
    assert pub.id not in [p.id for p in db.session.scalars(access.published_for(docent))]
    assert pub.id not in [p.id for p in db.session.scalars(access.library())]
    assert "publication.withdraw" in _actions(pub.id)
    with pytest.raises(NotFound):
        services.withdraw(member, pub.id)  # only a published copy can be withdrawn


def test_withdrawal_runs_the_registered_hooks():
    seen = []
    services.on_withdraw(lambda pub: seen.append(pub.id))
    try:
        pub = make_publication()
        services.withdraw(make_user(team=pub.team), pub.id)
    finally:
        services._withdraw_hooks.pop()
    assert seen == [pub.id]


def test_only_docenten_read_the_library_and_students_never():
    pub = make_publication()
    klas, _docent = make_klas()
    student = make_user(team=klas, role=Role.STUDENT)
    coach_elsewhere = make_user(team=make_team(), role=Role.LEERCOACH)
    assert not access.may(student, pub, PubAction.READ)
    assert not access.may(coach_elsewhere, pub, PubAction.READ)
    not_in_library = make_publication(to_library=False, community_id=3)
    assert not access.may(_docent, not_in_library, PubAction.READ)


def test_the_outcome_of_a_closed_moreel_beraad_is_copied_without_names():
    from datetime import UTC, datetime

    from reflectie.cases.models import CaseStatus
    from reflectie.sessions import services as meetings

    team = make_team()
    coach = make_user(team=team, role=Role.LEERCOACH, name="Karin Coach")
    case = make_case(team=team, author=coach, status=CaseStatus.INGEBRACHT)
    meeting = meetings.create_meeting(
        coach,
        team,
        meetings.MeetingInput(
            method="dilemmamethode",
            starts_at=datetime(2026, 3, 3, 14, tzinfo=UTC),
            duration_minutes=90,
            case_ids=[case.id],
        ),
    )
    kinds = [s.record_kind for s in meeting.method.steps]
    from reflectie.methods.models import RecordKind

    if RecordKind.CHOICE not in kinds or RecordKind.JUDGEMENTS not in kinds:
        pytest.skip("the dilemmamethode has no choice or judgements step")
    choice, judgements = kinds.index(RecordKind.CHOICE), kinds.index(RecordKind.JUDGEMENTS)
    meetings.save_note(
        coach, meeting.id, choice, None, structured={"decision": "We respecteren haar keuze."}
    )
    meetings.save_note(
        coach,
        meeting.id,
        judgements,
        None,
        structured={"rows": [{"participant": "Karin Coach", "option": "A", "value": "autonomie"}]},
    )
    meetings.close_meeting(coach, meeting.id)
    db.session.commit()
    pub = services.start_publication(coach, case.id)
    assert "We respecteren haar keuze." in pub.outcome_conclusion
    assert "autonomie" in pub.outcome_considerations
    assert "Karin" not in pub.outcome_considerations
    assert pub.method_id == meeting.method_id
    assert pub.show_outcome is False  # the team chooses


def test_values_and_themes_are_scanned_edited_and_replaced_too():
    pub = make_publication(status=PublicationStatus.CONCEPT, themes=["familie Jansen", "jeugd"])
    author = db.session.get(type(pub.author), pub.author_id)
    report = services.scan(pub)
    assert report.texts["themes"] == "familie Jansen, jeugd"
    services.update_publication(author, pub.id, {"themes": "jeugd, schulden, jeugd"})
    assert pub.themes == ["jeugd", "schulden"]
    pub.values = ["steun van Jan Bakker"]
    services.replace_text(author, pub.id, "Jan Bakker", "naam")
    assert pub.values == ["steun van persoon A."]


def test_reviewers_are_notified_of_a_submission_and_authors_of_the_decision(app):
    from reflectie.notifications.models import Notification
    from reflectie.notifications.services import shown

    team = make_team()
    author = make_user(team=team, role=Role.LEERCOACH)
    reviewer = make_user(team=team, role=Role.TEAMLEIDER)
    lid = make_user(team=team, role=Role.LID)
    pub = make_publication(team=team, author=author, status=PublicationStatus.CONCEPT)
    services.submit(author, pub.id)

    def of(user):
        return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()

    assert of(author) == []
    assert of(lid) == []
    with app.test_request_context():
        assert "/beoordelen" in shown(of(reviewer)[0], reviewer).url
        services.send_back(reviewer, pub.id, "Nog een naam.")
        assert "teruggestuurd" in shown(of(author)[0], author).text
        assert shown(of(reviewer)[0], reviewer) is None  # nothing left to review


def test_the_method_is_chosen_from_the_methods_the_author_may_see():
    from reflectie.methods.models import Method

    pub = make_publication(status=PublicationStatus.CONCEPT)
    author = db.session.get(type(pub.author), pub.author_id)
    method = db.session.scalar(select(Method).where(Method.slug == "dilemmamethode"))
    services.update_publication(author, pub.id, {}, method_id=method.id)
    assert pub.method_id == method.id
    with pytest.raises(Invalid) as err:
        services.update_publication(author, pub.id, {}, method_id=987_654)
    assert "method_id" in err.value.fields
    db.session.rollback()
    services.update_publication(author, pub.id, {}, method_id=None)
    assert pub.method_id is None


def _community(founder, team):
    from reflectie.threads import services as threads

    return threads.create_community(
        founder,
        threads.CommunityInput(name="Ethiek in de wijk", organisation_id=team.organisation_id),
    )


def test_a_copy_published_to_a_community_is_read_by_its_readers_only():
    team = make_team()
    coach = make_user(team=team, role=Role.LEERCOACH)
    community = _community(coach, team)
    pub = make_publication(team=team, to_library=False)
    pub.community_id = community.id
    colleague_team = make_team(organisation=team.organisation)
    colleague = make_user(team=colleague_team, role=Role.LID)  # same organisation: a reader
    stranger = make_user(team=make_team(), role=Role.LEERCOACH)
    _klas, docent = make_klas()
    assert access.may(colleague, pub, PubAction.READ)
    assert pub.id in [p.id for p in db.session.scalars(access.published_for(colleague))]
    assert not access.may(stranger, pub, PubAction.READ)
    assert not access.may(docent, pub, PubAction.READ)  # not in the library
    assert pub.id not in [p.id for p in db.session.scalars(access.published_for(stranger))]
    services.withdraw(coach, pub.id)
    assert not access.may(colleague, pub, PubAction.READ)
