"""A thread may refer to an anonymised case published to its own community, never to a copy
published elsewhere, one that is not (or no longer) published, or a team's own case."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reflectie.db import db
from reflectie.errors import Invalid
from reflectie.publishing.models import PublicationStatus
from reflectie.threads import services
from reflectie.threads.models import CommunityAccess, Thread
from tests.factories import make_token, make_user
from tests.pages import get_page, text_of
from tests.publishing.factories import make_publication
from tests.threads.factories import make_community


@pytest.fixture
def world(app) -> dict:
    with app.app_context():
        community = make_community(access=CommunityAccess.PLATFORM)
        other = make_community(access=CommunityAccess.PLATFORM, name="Elders")
        here = make_publication(title="Mevrouw A. en de schulden", to_library=False)
        here.community_id = community.id
        elsewhere = make_publication(title="Elders gepubliceerd")
        elsewhere.community_id = other.id
        draft = make_publication(status=PublicationStatus.CONCEPT)
        draft.community_id = community.id
        reader = make_user()  # every user reads a platform community
        outsider = make_user()
        db.session.commit()
        return {
            "community": community.id, "slug": community.slug, "here": here.id,
            "elsewhere": elsewhere.id, "draft": draft.id, "case": here.case_id,
            "reader": reader.email, "reader_id": reader.id, "token": make_token(reader),
            "outsider": outsider.email,
        }  # fmt: skip


def _input(published: int | None) -> services.ThreadInput:
    return services.ThreadInput(
        title="Wie herkent dit?", body="Zie de casus.", published_case=published
    )


def test_a_thread_refers_only_to_a_copy_published_to_its_community(app, world):
    from reflectie.accounts.models import User
    from reflectie.threads.models import Community

    with app.app_context():
        reader = db.session.get(User, world["reader_id"])
        community = db.session.get(Community, world["community"])
        thread = services.create_thread(reader, community, _input(world["here"]))
        assert services.published_case_of(thread).title == "Mevrouw A. en de schulden"
        before = db.session.scalar(select(func.count()).select_from(Thread))
        for wrong in (world["elsewhere"], world["draft"], world["case"] + 10_000, 0):
            with pytest.raises(Invalid) as err:
                services.create_thread(reader, community, _input(wrong))
            assert "published_case" in err.value.fields
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Thread)) == before - 1


def test_the_form_offers_the_communitys_copies_and_the_thread_links_to_it(login, world):
    client = login(world["reader"])
    page = get_page(client, f"/leergemeenschappen/{world['slug']}/nieuwe-discussie")
    offered = [o.get_text() for o in page.find("select", id="published_case").find_all("option")]
    assert offered == ["Geen", "Mevrouw A. en de schulden"]
    response = client.post(
        f"/leergemeenschappen/{world['slug']}/nieuwe-discussie",
        data={"title": "Wie herkent dit?", "body": "Zie de casus.",
              "published_case": str(world["here"])},
    )  # fmt: skip
    assert response.status_code == 302
    thread = get_page(client, response.location)
    link = thread.find("a", string="Mevrouw A. en de schulden")
    assert link["href"] == f"/publicaties/{world['here']}"
    assert "Over de geanonimiseerde casus" in text_of(thread)


def test_the_api_takes_a_published_case_and_names_a_wrong_one(app, world):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world['token']}"}
    url = f"/api/v1/communities/{world['slug']}/threads"
    body = {"title": "Wie herkent dit?", "body": "Zie de casus."}
    made = client.post(url, json={**body, "published_case": world["here"]}, headers=headers)
    assert made.status_code == 201
    assert made.get_json()["published_case_id"] == world["here"]
    for wrong in (world["elsewhere"], "1", True):
        refused = client.post(url, json={**body, "published_case": wrong}, headers=headers)
        assert refused.status_code == 422
        assert "published_case" in refused.get_json()["fields"]


def test_the_community_page_lists_the_copies_published_to_it(login, world):
    page = get_page(login(world["reader"]), f"/leergemeenschappen/{world['slug']}")
    listed = page.find(id="gepubliceerd").parent.find_all("a")
    assert [a.get_text() for a in listed] == ["Mevrouw A. en de schulden"]
    assert listed[0]["href"] == f"/publicaties/{world['here']}"
