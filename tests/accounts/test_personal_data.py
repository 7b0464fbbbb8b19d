"""A user downloads their own data, and nothing of teams they are not in (R-25)."""

from __future__ import annotations

from reflectie.accounts.services import set_membership
from reflectie.cases import services as cases
from reflectie.db import db
from reflectie.permissions import Role
from tests.cases.factories import make_case
from tests.factories import make_team, make_user


def test_the_download_holds_profile_memberships_cases_comments_and_activity(app, login):
    with app.app_context():
        team, other_team = make_team(), make_team()
        user = make_user(team=team, name="Petra Eigen")
        own = make_case(team=team, author=user, title="Mijn eigen casus")
        colleague_case = make_case(team=team, title="Van een collega")
        cases.add_comment(user, colleague_case.id, "Mijn reactie")
        make_case(team=other_team, title="KANARIE-ANDER-TEAM")
        make_case(team=team, title="KANARIE-PRIVE-COLLEGA", visibility="private")
        db.session.commit()
        email, own_id = user.email, own.id
    client = login(email)
    response = client.get("/account/mijn-gegevens.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = response.json
    assert data["profile"]["name"] == "Petra Eigen"
    assert [c["id"] for c in data["cases"]] == [own_id]
    assert [c["body"] for c in data["comments"]] == ["Mijn reactie"]
    assert any(e["action"] == "login" for e in data["activity"])
    assert "KANARIE" not in response.text
    assert "Van een collega" not in response.text


def test_after_leaving_a_team_its_case_text_is_not_in_the_download(app, login):
    with app.app_context():
        old_team, new_team = make_team(), make_team()
        user = make_user(team=old_team)
        make_case(team=old_team, author=user, title="KANARIE-OUD-TEAM")
        user.memberships.clear()
        set_membership(None, team=new_team, user=user, role=Role.LID)
        db.session.commit()
        email = user.email
    response = login(email).get("/account/mijn-gegevens.json")
    assert response.status_code == 200
    assert "KANARIE" not in response.text
    assert response.json["cases"] == []
