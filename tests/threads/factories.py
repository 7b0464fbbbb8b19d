"""Factories for communities and threads: plain functions that commit, like earlier requests."""

from __future__ import annotations

from reflectie.accounts.models import Organisation, User
from reflectie.db import db
from reflectie.permissions import Role
from reflectie.threads import services
from reflectie.threads.models import Community, CommunityAccess, Post, Thread
from tests.factories import make_user


def make_community(
    *,
    founder: User | None = None,
    organisation: Organisation | None = None,
    access: CommunityAccess = CommunityAccess.ORGANISATION,
    name: str = "Schulden en armoede",
    description: str = "",
) -> Community:
    """A community founded by `founder` (a beheerder for a platform community, else a
    leercoach of `organisation`)."""
    if founder is None:
        if access == CommunityAccess.PLATFORM:
            founder = make_user(admin=True)
        else:
            from tests.factories import make_team

            founder = make_user(team=make_team(organisation=organisation), role=Role.LEERCOACH)
    org_id = None
    if access != CommunityAccess.PLATFORM:
        org_id = organisation.id if organisation else founder.memberships[0].team.organisation_id
    community = services.create_community(
        founder,
        services.CommunityInput(
            name=name, description=description, access=access.value, organisation_id=org_id
        ),
    )
    db.session.commit()
    return community


def make_thread(
    community: Community,
    author: User,
    *,
    title: str = "Hoe houden jullie de regie bij de cliënt?",
    body: str = "Ik ben benieuwd hoe andere teams dit aanpakken.",
    kwesties: list[int] | None = None,
) -> Thread:
    thread = services.create_thread(
        author,
        community,
        services.ThreadInput(title=title, body=body, kwesties=kwesties or [2]),
    )
    db.session.commit()
    return thread


def make_reply(thread: Thread, author: User, body: str = "Goede vraag!") -> Post:
    post = services.reply(author, thread.id, body)
    db.session.commit()
    return post
