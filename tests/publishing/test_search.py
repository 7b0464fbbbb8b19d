"""Published copies in search: found by docenten while published, gone once withdrawn, and the
original's text never in a docent's results."""

from __future__ import annotations

import pytest

from reflectie.db import db
from reflectie.permissions import Role
from reflectie.publishing import services as publishing
from reflectie.search import services
from tests.factories import make_team, make_user
from tests.publishing.factories import make_klas, make_publication
from tests.search.conftest import engine, rctx  # noqa: F401 - the search engine fixtures

pytestmark = pytest.mark.usefixtures("rctx")


def _titles(user, q: str) -> list[str]:
    return [r.title for r in services.search(user, q).results]


def test_withdrawal_removes_the_copy_from_search_at_once():
    pub = make_publication(title="Zorgmijder in de flat", situation="Een zorgmijder.")
    _klas, docent = make_klas()
    team_member = make_user(team=pub.team, role=Role.LID)
    outsider = make_user(team=make_team(), role=Role.LEERCOACH)
    assert "Zorgmijder in de flat" in _titles(docent, "zorgmijder")
    assert "Zorgmijder in de flat" in _titles(team_member, "zorgmijder")
    assert "Zorgmijder in de flat" not in _titles(outsider, "zorgmijder")
    # The original (a case of the team) is never in the docent's results.
    assert "Origineel" not in _titles(docent, "Amrani")
    publishing.withdraw(team_member, pub.id)
    db.session.commit()
    assert "Zorgmijder in de flat" not in _titles(docent, "zorgmijder")
    assert "Zorgmijder in de flat" not in _titles(team_member, "zorgmijder")


def test_a_concept_copy_is_not_in_search():
    from reflectie.publishing.models import PublicationStatus

    make_publication(title="Nog een concept over zorgmijders", status=PublicationStatus.CONCEPT)
    _klas, docent = make_klas()
    assert _titles(docent, "zorgmijders") == []


def test_community_readers_find_a_copy_published_to_their_community():
    from reflectie.threads import services as threads

    team = make_team()
    coach = make_user(team=team, role=Role.LEERCOACH)
    community = threads.create_community(
        coach, threads.CommunityInput(name="Buurtzorg", organisation_id=team.organisation_id)
    )
    pub = make_publication(team=team, to_library=False, title="Zorgmijder in de buurt")
    pub.community_id = community.id
    db.session.commit()
    reader = make_user(team=make_team(organisation=team.organisation), role=Role.LID)
    stranger = make_user(team=make_team(), role=Role.LID)
    assert "Zorgmijder in de buurt" in _titles(reader, "zorgmijder")
    assert "Zorgmijder in de buurt" not in _titles(stranger, "zorgmijder")
