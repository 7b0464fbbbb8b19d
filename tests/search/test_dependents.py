"""Documents that show another row's value (a case its team's name, a meeting its method's and
team's names, a thread its community's name) follow a rename at once: the outbox queues them
with one INSERT ... SELECT in the rename's transaction. A bulk UPDATE outside the ORM queues
nothing; `search check --repair` cures it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from reflectie.accounts import services as account_services
from reflectie.accounts.models import Team
from reflectie.db import db
from reflectie.methods.models import Method
from reflectie.permissions import TeamKind
from reflectie.search import services
from reflectie.search.models import OutboxEntry
from reflectie.search.outbox import drain
from reflectie.sessions import services as meeting_services
from tests.search.conftest import make_teams, write_case

pytestmark = pytest.mark.usefixtures("rctx")


def _queued() -> set[str]:
    rows = db.session.execute(select(OutboxEntry.doc_type, OutboxEntry.doc_id))
    return {f"{t}:{i}" for t, i in rows}


def _meeting(teams, method: str = "dilemmamethode"):
    meeting = meeting_services.create_meeting(
        teams.colleague,
        teams.team_a,
        meeting_services.MeetingInput(
            method=method, starts_at=datetime(2026, 3, 30, 14, tzinfo=UTC), duration_minutes=60
        ),
    )
    meeting_services.add_outcome(
        teams.colleague, meeting.id, kind="leerpunt", text="Betrek de wijkagent eerder."
    )
    db.session.commit()
    return meeting


def test_renaming_a_team_reindexes_its_cases_and_meetings(count_queries):
    teams = make_teams()
    one = write_case(teams.colleague, teams.team_a, "Buurtruzie", "Een ruzie over de heg.")
    two = write_case(teams.colleague, teams.team_a, "Heg", "Weer de heg.")
    write_case(teams.outsider, teams.team_b, "Elders", "Een heg elders.")
    meeting = _meeting(teams)
    drain()
    assert _queued() == set()
    with count_queries() as statements:
        account_services.update_team(
            teams.colleague, teams.team_a, name="Wijkteam Noord", kind=TeamKind.WIJKTEAM
        )
        db.session.commit()
    queued = _queued()
    assert queued == {f"case:{one.id}", f"case:{two.id}", f"meeting:{meeting.id}"}
    to_outbox = [s for s in statements if "search_outbox" in s]
    assert len(to_outbox) == 2  # one INSERT ... SELECT per kind of document, nothing loaded
    assert all(s.lstrip().upper().startswith("INSERT") and "SELECT" in s for s in to_outbox)
    page = services.search(teams.reader, "heg")
    assert {r.group for r in page.results} == {"Wijkteam Noord"}
    assert services.check_index().clean


def test_changing_a_team_without_renaming_it_queues_nothing():
    teams = make_teams()
    write_case(teams.colleague, teams.team_a, "Buurtruzie", "Een ruzie over de heg.")
    drain()
    account_services.update_team(
        teams.colleague, teams.team_a, name=teams.team_a.name, kind=TeamKind.INTERVISIEGROEP
    )
    db.session.commit()
    assert _queued() == set()


def test_renaming_a_method_makes_its_meetings_findable_by_the_new_name():
    teams = make_teams()
    meeting = _meeting(teams)
    drain()
    method = db.session.get(Method, meeting.method_id)
    method.name = "Zuurstofmethode"
    db.session.commit()
    page = services.search(teams.reader, "zuurstofmethode type:meeting")
    assert [(r.type, r.id) for r in page.results] == [("meeting", meeting.id)]
    assert [f.value for f in page.facets["method"]] == ["Zuurstofmethode"]
    assert services.check_index().clean


def test_renaming_a_community_reindexes_its_threads():
    from reflectie.threads import services as thread_services
    from reflectie.threads.models import CommunityAccess

    teams = make_teams()
    community = thread_services.create_community(
        teams.colleague,
        thread_services.CommunityInput(
            name="Schuldhulp",
            description="Over schulden.",
            access=CommunityAccess.ORGANISATION.value,
            organisation_id=teams.team_a.organisation_id,
        ),
    )
    thread = thread_services.create_thread(
        teams.colleague,
        community,
        thread_services.ThreadInput(title="Beslagvrije voet", body="Wie rekent hem uit?"),
    )
    db.session.commit()
    drain()
    community.name = "Geldzorgen"
    db.session.commit()
    assert f"thread:{thread.id}" in _queued()
    page = services.search(teams.reader, "beslagvrije")
    assert [(r.type, r.group) for r in page.results] == [("thread", "Geldzorgen")]
    assert services.check_index().clean


def test_a_bulk_update_outside_the_orm_needs_check_repair(app):
    """The documented limit: no flush, no outbox rows. `search check` finds the stale
    documents and `--repair` re-indexes them."""
    teams = make_teams()
    case = write_case(teams.colleague, teams.team_a, "Buurtruzie", "Een ruzie over de heg.")
    drain()
    db.session.execute(sa.update(Team).where(Team.id == teams.team_a.id).values(name="Anders"))
    db.session.commit()
    assert _queued() == set()
    assert services.check_index().stale == [f"case:{case.id}"]
    assert services.check_index(repair=True).repaired
    assert services.check_index().clean
