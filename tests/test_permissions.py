"""The permission registry answers "may this user do X to this object" for every role (R-03)."""

from __future__ import annotations

import pytest

from reflectie.db import db
from reflectie.permissions import GRANTS, Perm, Role, can, has
from tests.factories import make_team, make_user

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
