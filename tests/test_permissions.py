"""The permission registry answers "may this user do X to this object" for every role (R-03)."""

from __future__ import annotations

from datetime import date

import pytest

from reflectie.accounts.access import get_team_for
from reflectie.accounts.confidentiality import ConfidentialityRequired
from reflectie.accounts.models import ConfidentialityAgreement, EmploymentStatus
from reflectie.cases import access
from reflectie.cases.access import CaseAction
from reflectie.cases.models import Case
from reflectie.cases.search import CaseProvider
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import GRANTS, Perm, Role, can, has
from reflectie.publishing import access as pub_access
from reflectie.publishing.access import PubAction
from reflectie.publishing.models import PublicationStatus
from tests.cases.factories import make_case
from tests.factories import make_team, make_user
from tests.publishing.factories import make_publication

pytestmark = pytest.mark.usefixtures("ctx")

# The documented answers: (role, permission) -> allowed. Every pair is listed.
EXPECTED = {
    Role.LID: {
        Perm.TEAM_READ, Perm.TEAM_VIEW_MEMBERS, Perm.CASE_READ, Perm.CASE_CREATE, Perm.CASE_COMMENT,
        Perm.MEETING_READ, Perm.PUBLICATION_CREATE,
    },
    Role.LEERCOACH: {
        Perm.TEAM_READ, Perm.TEAM_VIEW_MEMBERS, Perm.CASE_READ, Perm.CASE_CREATE,
        Perm.CASE_COMMENT, Perm.CASE_EDIT_ANY, Perm.CASE_IMPORT, Perm.CASE_EXPORT,
        Perm.METHOD_ADAPT, Perm.MEETING_READ, Perm.MEETING_PLAN, Perm.COMMUNITY_CREATE,
        Perm.COMMUNITY_MODERATE, Perm.INSIGHTS_READ, Perm.PUBLICATION_CREATE,
        Perm.PUBLICATION_REVIEW,
    },
    Role.TEAMLEIDER: {
        Perm.TEAM_READ, Perm.TEAM_VIEW_MEMBERS, Perm.CASE_READ, Perm.CASE_CREATE,
        Perm.CASE_COMMENT, Perm.CASE_EDIT_ANY, Perm.CASE_IMPORT, Perm.CASE_EXPORT,
        Perm.METHOD_ADAPT, Perm.MEETING_READ, Perm.MEETING_PLAN, Perm.COMMUNITY_CREATE,
        Perm.COMMUNITY_MODERATE, Perm.INSIGHTS_READ, Perm.PUBLICATION_CREATE,
        Perm.PUBLICATION_REVIEW,
    },
    Role.DOCENT: {
        Perm.TEAM_READ, Perm.TEAM_VIEW_MEMBERS, Perm.COMMUNITY_CREATE, Perm.COMMUNITY_MODERATE,
        Perm.LIBRARY_READ, Perm.ASSIGNMENT_MANAGE, Perm.PUBLICATION_REVIEW,
    },
    Role.STUDENT: {Perm.TEAM_READ, Perm.ASSIGNMENT_ANSWER},
}  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(Perm))
def test_each_role_holds_exactly_its_documented_permissions(role, perm):
    """R-03: the role matrix inside one team, each role against each permission."""
    team = make_team()
    user = make_user(team=team, role=role)
    assert has(user, perm, team_id=team.id) is (perm in EXPECTED[role])
    assert can(user, perm, team) is (perm in EXPECTED[role])


def test_grants_cover_every_role():
    assert set(GRANTS) == set(Role)


def test_a_role_in_one_team_gives_nothing_in_another():
    mine, theirs = make_team(), make_team()
    coach = make_user(team=mine, role=Role.LEERCOACH)
    assert all(not has(coach, perm, team_id=theirs.id) for perm in Perm)


def test_students_never_read_case_text():
    klas = make_team()
    student = make_user(team=klas, role=Role.STUDENT)
    assert not has(student, Perm.CASE_READ, team_id=klas.id)


def test_a_deactivated_user_holds_nothing():
    team = make_team()
    user = make_user(team=team, role=Role.LEERCOACH)
    user.active = False
    db.session.flush()
    assert all(not has(user, perm, team_id=team.id) for perm in Perm)


def test_beheerders_have_no_team_rights_without_a_membership():
    team = make_team()
    admin = make_user(admin=True)
    assert all(not has(admin, perm, team_id=team.id) for perm in Perm)


def test_anonymous_visitors_hold_nothing(app):
    from flask_login import AnonymousUserMixin

    team = make_team()
    assert not has(AnonymousUserMixin(), Perm.TEAM_READ, team_id=team.id)


# --- employment status and recorded geheimhoudingsverklaring, in the same matrix ---------
#
# A member's role says which cases; their status says whether they read case text at all:
# a medewerker always, a vrijwilliger, stagiair or extern only with a recorded agreement.

AGREEMENT = [False, True]


def _cleared(status: EmploymentStatus, agreement: bool) -> bool:
    return status == EmploymentStatus.MEDEWERKER or agreement


def _member(team, role: Role, status: EmploymentStatus, agreement: bool):
    user = make_user(team=team, role=role)
    user.employment_status = status
    if agreement:
        user.confidentiality_agreement = ConfidentialityAgreement(
            signed_on=date(2026, 1, 5), version="2026-1"
        )
    db.session.commit()
    return user


@pytest.mark.parametrize("agreement", AGREEMENT)
@pytest.mark.parametrize("status", list(EmploymentStatus))
@pytest.mark.parametrize(
    ("role", "action"),
    [
        (Role.LID, CaseAction.READ),
        (Role.LID, CaseAction.COMMENT),
        (Role.LEERCOACH, CaseAction.EDIT),
        (Role.TEAMLEIDER, CaseAction.READ),
    ],
)
def test_case_text_needs_a_medewerker_or_a_recorded_agreement(role, action, status, agreement):
    team = make_team()
    case = make_case(team=team, title="Titel blijft zichtbaar", situation="KANARIE-R28")
    user = _member(team, role, status, agreement)
    cleared = _cleared(status, agreement)
    assert access.may(user, case, action) is cleared
    if cleared:
        assert access.get_case_for(user, case.id, action).id == case.id
    else:
        with pytest.raises(ConfidentialityRequired):
            access.get_case_for(user, case.id, action)
    # The team's list still names the case; nothing that carries its text does.
    assert case.id in db.session.scalars(access.listed_cases(user).with_only_columns(Case.id))
    assert (
        case.id in db.session.scalars(access.visible_cases(user).with_only_columns(Case.id))
    ) is cleared
    assert (team.id in access.readable_team_ids(user)) is cleared
    assert (f"cases:{team.id}" in CaseProvider().reader_principals(user)) is cleared


@pytest.mark.parametrize("agreement", AGREEMENT)
@pytest.mark.parametrize("status", list(EmploymentStatus))
def test_writing_importing_and_exporting_need_it_too_the_list_does_not(status, agreement):
    team = make_team()
    coach = _member(team, Role.LEERCOACH, status, agreement)
    assert get_team_for(coach, team.slug, Perm.CASE_READ) is team
    for perm in (Perm.CASE_CREATE, Perm.CASE_IMPORT, Perm.CASE_EXPORT):
        if _cleared(status, agreement):
            assert get_team_for(coach, team.slug, perm) is team
        else:
            with pytest.raises(ConfidentialityRequired):
                get_team_for(coach, team.slug, perm)


@pytest.mark.parametrize("agreement", AGREEMENT)
@pytest.mark.parametrize("status", list(EmploymentStatus))
def test_an_unapproved_copy_is_case_text_a_published_one_is_not(status, agreement):
    team = make_team()
    concept = make_publication(team=team, status=PublicationStatus.CONCEPT)
    published = make_publication(team=team)
    user = _member(team, Role.LEERCOACH, status, agreement)
    cleared = _cleared(status, agreement)
    for action in (PubAction.TEAM, PubAction.EDIT):
        assert pub_access.may(user, concept, action) is cleared
    assert pub_access.may(user, published, PubAction.READ)


@pytest.mark.parametrize("status", list(EmploymentStatus))
def test_an_agreement_gives_no_role_a_student_or_docent_never_reads_the_original(status):
    team = make_team()
    case = make_case(team=team)
    for role in (Role.STUDENT, Role.DOCENT):
        user = _member(team, role, status, agreement=True)
        assert not access.may(user, case, CaseAction.READ)
        with pytest.raises(NotFound) as refused:
            access.get_case_for(user, case.id)
        assert not isinstance(refused.value, ConfidentialityRequired)


def test_another_teams_case_stays_not_found_never_explained():
    team, other = make_team(), make_team()
    case = make_case(team=other)
    volunteer = _member(team, Role.LID, EmploymentStatus.VRIJWILLIGER, agreement=False)
    with pytest.raises(NotFound) as refused:
        access.get_case_for(volunteer, case.id)
    assert not isinstance(refused.value, ConfidentialityRequired)


def test_an_inactive_or_anonymous_user_reads_no_case_text(app):
    from flask_login import AnonymousUserMixin

    assert not access.reads_case_text(AnonymousUserMixin())
    team = make_team()
    user = _member(team, Role.LID, EmploymentStatus.MEDEWERKER, agreement=False)
    case = make_case(team=team)
    user.active = False
    db.session.flush()
    assert not access.may(user, case, CaseAction.READ)
