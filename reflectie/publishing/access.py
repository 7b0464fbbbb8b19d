"""The only ways to get Publication rows for a user. Missing and forbidden look the same (404).

- The source team works on its copy: members who may read the team's cases see every copy;
  those with PUBLICATION_CREATE edit it while it is a concept or sent back.
- A reviewer (PUBLICATION_REVIEW in the source team: leercoach, teamleider, or a docent who is
  a member of that team) sees the copy, never the original unless they may read the team's
  cases anyway; nobody who wrote in the copy may review it.
- Outside the team only the published copy exists: for docenten in the teaching library when
  the copy was published there; for students through a class assignment (teaching.access);
  for the readers of the community it was published to (reflectie/threads decides who that is).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, and_, or_, select

from reflectie.accounts.models import User
from reflectie.cases.access import reads_case_text
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has
from reflectie.publishing.models import EDITABLE, Publication, PublicationStatus


class PubAction(StrEnum):
    READ = "read"  # the published copy, as readers see it
    TEAM = "team"  # the team's own pages of a copy in any state
    EDIT = "edit"
    REVIEW = "review"
    WITHDRAW = "withdraw"


def library_reader(user: User) -> bool:
    """A docent somewhere: may browse the teaching library and make collections."""
    return any(has(user, Perm.LIBRARY_READ, team_id=t) for t in user.team_ids)


def community_reader(user: User, community_id: int | None) -> bool:
    """Whether `user` reads the community a copy was published to (reflectie/threads)."""
    from reflectie.threads.access import may_read
    from reflectie.threads.models import Community

    community = db.session.get(Community, community_id) if community_id is not None else None
    return community is not None and may_read(user, community)


def readable_community_ids(user: User) -> Select[tuple[int]]:
    from reflectie.threads.access import visible_communities
    from reflectie.threads.models import Community

    return visible_communities(user).with_only_columns(Community.id)


def published_in_community(community_id: int) -> Select[tuple[Publication]]:
    """Copies published to a community: every reader of that community reads them, so a
    thread there may refer to them (never to a team's own case)."""
    return select(Publication).where(
        Publication.status == PublicationStatus.PUBLISHED,
        Publication.community_id == community_id,
    )


def in_team(user: User, pub: Publication) -> bool:
    return has(user, Perm.CASE_READ, team_id=pub.team_id)


def may_see_original(user: User, pub: Publication) -> bool:
    """The side-by-side view: only for who may read the team's cases anyway."""
    return pub.case_id is not None and in_team(user, pub)


def is_author(user: User, pub: Publication) -> bool:
    return user.id == pub.author_id or user.id in (pub.editor_ids or [])


def may(user: User, pub: Publication, action: PubAction) -> bool:
    if pub.status != PublicationStatus.PUBLISHED and not reads_case_text(user):
        return False  # until approved, a copy may still hold the original's text
    team = pub.team_id
    reviewer = has(user, Perm.PUBLICATION_REVIEW, team_id=team)
    if action == PubAction.READ:
        if pub.status != PublicationStatus.PUBLISHED:
            return False
        return (
            in_team(user, pub)
            or (pub.to_library and library_reader(user))
            or community_reader(user, pub.community_id)
        )
    if action == PubAction.TEAM:
        return in_team(user, pub) or (
            reviewer and pub.status != PublicationStatus.CONCEPT and not is_author(user, pub)
        )
    if action == PubAction.EDIT:
        return pub.status in EDITABLE and has(user, Perm.PUBLICATION_CREATE, team_id=team)
    if action == PubAction.REVIEW:
        return pub.status == PublicationStatus.IN_REVIEW and reviewer and not is_author(user, pub)
    if action == PubAction.WITHDRAW:
        return pub.status == PublicationStatus.PUBLISHED and (
            reviewer or has(user, Perm.PUBLICATION_CREATE, team_id=team)
        )
    return False


def get_publication_for(
    user: User, publication_id: int, action: PubAction = PubAction.READ
) -> Publication:
    pub = db.session.get(Publication, publication_id)
    if pub is None or not may(user, pub, action):
        raise NotFound
    return pub


def published_for(user: User) -> Select[tuple[Publication]]:
    """Published copies `user` may read: their teams' own, and the library for docenten."""
    own = [t for t in user.team_ids if has(user, Perm.CASE_READ, team_id=t)]
    readable = [Publication.team_id.in_(own)]
    if library_reader(user):
        readable.append(Publication.to_library.is_(True))
    readable.append(Publication.community_id.in_(readable_community_ids(user)))
    return select(Publication).where(
        Publication.status == PublicationStatus.PUBLISHED, or_(*readable)
    )


def library() -> Select[tuple[Publication]]:
    """The teaching library, for a caller that checked `library_reader` already."""
    return select(Publication).where(
        and_(Publication.status == PublicationStatus.PUBLISHED, Publication.to_library.is_(True))
    )


def team_publications(user: User, team_id: int) -> Select[tuple[Publication]]:
    """Every copy of a team, for its members (NotFound for anyone else)."""
    if not has(user, Perm.CASE_READ, team_id=team_id):
        raise NotFound
    return select(Publication).where(Publication.team_id == team_id)


def to_review(user: User) -> Select[tuple[Publication]]:
    """Copies waiting for `user` as a second person."""
    teams = [t for t in user.team_ids if has(user, Perm.PUBLICATION_REVIEW, team_id=t)]
    return select(Publication).where(
        Publication.team_id.in_(teams), Publication.status == PublicationStatus.IN_REVIEW
    )
