"""The only ways to get collections, assignments and answers for a user (404 otherwise).

- A collection belongs to its docent; docenten it is shared with may read, copy and assign it.
  Both must still be docenten somewhere (LIBRARY_READ).
- An assignment is for its class: the class's docenten (ASSIGNMENT_MANAGE) manage it and read
  every answer; its students (ASSIGNMENT_ANSWER) read it from its first day.
- Students only ever reach published copies, and only through an assignment of their class.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select

from reflectie.accounts.models import Team, User
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, TeamKind, has
from reflectie.publishing.access import library_reader
from reflectie.publishing.models import PublicationStatus
from reflectie.teaching.models import Assignment, Collection, CollectionItem, CollectionShare


def may_use(user: User, collection: Collection) -> bool:
    if collection.archived_at is not None or not library_reader(user):
        return False
    return collection.owner_id == user.id or any(s.user_id == user.id for s in collection.shares)


def get_collection_for(user: User, collection_id: int, *, manage: bool = False) -> Collection:
    """`manage`: change items, questions and sharing, which only the owner does."""
    collection = db.session.get(Collection, collection_id)
    if collection is None or not may_use(user, collection):
        raise NotFound
    if manage and collection.owner_id != user.id:
        raise NotFound
    return collection


def get_item_for(user: User, item_id: int, *, manage: bool = False) -> CollectionItem:
    item = db.session.get(CollectionItem, item_id)
    if item is None:
        raise NotFound
    get_collection_for(user, item.collection_id, manage=manage)
    return item


def usable_collections(user: User) -> Select[tuple[Collection]]:
    if not library_reader(user):
        return select(Collection).where(Collection.id.is_(None))
    shared = select(CollectionShare.collection_id).where(CollectionShare.user_id == user.id)
    return select(Collection).where(
        Collection.archived_at.is_(None),
        or_(Collection.owner_id == user.id, Collection.id.in_(shared)),
    )


def classes_to_assign(user: User) -> list[Team]:
    """Classes (teams of kind klas) where `user` may assign collections."""
    return [
        m.team
        for m in user.memberships
        if m.team.kind == TeamKind.KLAS and has(user, Perm.ASSIGNMENT_MANAGE, team_id=m.team_id)
    ]


def is_class_docent(user: User, assignment: Assignment) -> bool:
    return has(user, Perm.ASSIGNMENT_MANAGE, team_id=assignment.team_id)


def is_student(user: User, assignment: Assignment, today: date) -> bool:
    return (
        has(user, Perm.ASSIGNMENT_ANSWER, team_id=assignment.team_id)
        and assignment.starts_on <= today
    )


def get_assignment_for(
    user: User, assignment_id: int, *, today: date, manage: bool = False
) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound
    if is_class_docent(user, assignment):
        return assignment
    if manage or not is_student(user, assignment, today):
        raise NotFound
    return assignment


def get_assignment_item(
    user: User, assignment_id: int, item_id: int, *, today: date
) -> tuple[Assignment, CollectionItem]:
    """One case of an assignment; a withdrawn copy is gone for everyone (NotFound)."""
    assignment = get_assignment_for(user, assignment_id, today=today)
    item = db.session.get(CollectionItem, item_id)
    if (
        item is None
        or item.collection_id != assignment.collection_id
        or item.publication.status != PublicationStatus.PUBLISHED
    ):
        raise NotFound
    return assignment, item


def my_assignments(user: User, today: date) -> Select[tuple[Assignment]]:
    """The assignments of the user's classes: as docent all, as student those begun."""
    teaching = [t for t in user.team_ids if has(user, Perm.ASSIGNMENT_MANAGE, team_id=t)]
    learning = [t for t in user.team_ids if has(user, Perm.ASSIGNMENT_ANSWER, team_id=t)]
    return select(Assignment).where(
        or_(
            Assignment.team_id.in_(teaching),
            Assignment.team_id.in_(learning) & (Assignment.starts_on <= today),
        )
    )


def live_items(collection: Collection) -> list[CollectionItem]:
    """The items whose copy is still published (withdrawal removes it everywhere)."""
    return [i for i in collection.items if i.publication.status == PublicationStatus.PUBLISHED]
