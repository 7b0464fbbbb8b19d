"""Teaching rules: the library, collections, assignments to classes, and answers.
Services flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import Team, User
from reflectie.audit.services import record
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.methods.access import visible_methods
from reflectie.methods.models import Method
from reflectie.permissions import Perm, TeamKind, has
from reflectie.publishing import access as pub_access
from reflectie.publishing.models import Publication
from reflectie.teaching import access
from reflectie.teaching.models import (
    Answer,
    Assignment,
    Collection,
    CollectionItem,
    CollectionShare,
)

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_QUESTIONS = 10
MAX_ANSWER = 10_000


def _text(value: str, name: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise Invalid(fields={name: [str(_l("Dit veld is verplicht."))]})
    if len(value) > limit:
        raise Invalid(fields={name: [str(_l("Deze tekst is te lang."))]})
    return value


def _method(actor: User, method_id: int | None) -> int | None:
    if not method_id:
        return None
    found = db.session.scalar(visible_methods(actor).where(Method.id == method_id))
    if found is None:
        raise Invalid(fields={"method_id": [str(_l("Kies een werkvorm uit de lijst."))]})
    return found.id


# --- the library


@dataclass
class LibraryFilter:
    q: str = ""
    kwestie: int | None = None
    value: str = ""
    theme: str = ""
    method_id: int | None = None


def library(actor: User, filters: LibraryFilter) -> list[Publication]:
    """Published copies in the teaching library that match; newest first."""
    if not pub_access.library_reader(actor):
        raise NotFound
    rows = db.session.scalars(
        pub_access.library()
        .options(selectinload(Publication.method))
        .order_by(Publication.published_at.desc())
    )
    q = filters.q.lower().strip()
    found = []
    for pub in rows:
        if filters.kwestie and filters.kwestie not in (pub.kwesties or []):
            continue
        if filters.value and filters.value.lower() not in {v.lower() for v in pub.values or []}:
            continue
        if filters.theme and filters.theme.lower() not in {t.lower() for t in pub.themes or []}:
            continue
        if filters.method_id and pub.method_id != filters.method_id:
            continue
        if q:
            haystack = " ".join(
                [pub.title, pub.situation, pub.dilemma, pub.help_question, *(pub.values or [])]
            ).lower()
            if not all(word in haystack for word in q.split()):
                continue
        found.append(pub)
    return found


def library_facets(actor: User) -> dict[str, list[Any]]:
    if not pub_access.library_reader(actor):
        raise NotFound
    values: set[str] = set()
    themes: set[str] = set()
    methods: dict[int, str] = {}
    for pub in db.session.scalars(pub_access.library().options(selectinload(Publication.method))):
        values.update(pub.values or [])
        themes.update(pub.themes or [])
        if pub.method is not None:
            methods[pub.method.id] = pub.method.name
    return {
        "values": sorted(values, key=str.lower),
        "themes": sorted(themes, key=str.lower),
        "methods": sorted(methods.items(), key=lambda m: m[1].lower()),
    }


def _library_publication(actor: User, publication_id: int) -> Publication:
    pub = db.session.scalar(pub_access.library().where(Publication.id == publication_id))
    if pub is None or not pub_access.library_reader(actor):
        raise Invalid(fields={"publication_id": [str(_l("Kies een casus uit de bibliotheek."))]})
    return pub


# --- collections


def create_collection(
    actor: User, *, title: str, description: str = "", method_id: int | None = None
) -> Collection:
    if not pub_access.library_reader(actor):
        raise NotFound
    collection = Collection(
        owner_id=actor.id,
        title=_text(title, "title", MAX_TITLE, required=True),
        description=_text(description, "description", MAX_TEXT),
        method_id=_method(actor, method_id),
    )
    db.session.add(collection)
    db.session.flush()
    record("collection.create", actor=actor, obj=collection)
    return collection


def update_collection(
    actor: User,
    collection_id: int,
    *,
    title: str,
    description: str = "",
    method_id: int | None = None,
) -> Collection:
    collection = access.get_collection_for(actor, collection_id, manage=True)
    collection.title = _text(title, "title", MAX_TITLE, required=True)
    collection.description = _text(description, "description", MAX_TEXT)
    collection.method_id = _method(actor, method_id)
    db.session.flush()
    return collection


def add_item(
    actor: User, collection_id: int, publication_id: int, questions: list[str] | None = None
) -> CollectionItem:
    collection = access.get_collection_for(actor, collection_id, manage=True)
    pub = _library_publication(actor, publication_id)
    if any(i.publication_id == pub.id for i in collection.items):
        raise Invalid(fields={"publication_id": [str(_l("Deze casus staat al in de bundel."))]})
    item = CollectionItem(
        publication_id=pub.id,
        position=len(collection.items),
        questions=_questions(questions or []),
    )
    collection.items.append(item)
    db.session.flush()
    record("collection.add_case", actor=actor, obj=collection, publication_id=pub.id)
    return item


def _questions(raw: list[str]) -> list[str]:
    questions = [q.strip() for q in raw if q and q.strip()]
    if len(questions) > MAX_QUESTIONS:
        raise Invalid(fields={"questions": [str(_l("Hoogstens 10 vragen per casus."))]})
    for q in questions:
        if len(q) > 1000:
            raise Invalid(
                fields={"questions": [str(_l("Houd elke vraag korter dan 1.000 tekens."))]}
            )
    return questions


def update_item(
    actor: User, item_id: int, *, questions: list[str], method_id: int | None = None
) -> CollectionItem:
    item = access.get_item_for(actor, item_id, manage=True)
    item.questions = _questions(questions)
    item.method_id = _method(actor, method_id)
    db.session.flush()
    return item


def move_item(actor: User, item_id: int, step: int) -> None:
    item = access.get_item_for(actor, item_id, manage=True)
    items = list(item.collection.items)
    at = items.index(item)
    to = max(0, min(len(items) - 1, at + step))
    items.insert(to, items.pop(at))
    for n, it in enumerate(items):
        it.position = n
    item.collection.items = items  # keep the loaded list in the new order too
    db.session.flush()


def remove_item(actor: User, item_id: int) -> None:
    item = access.get_item_for(actor, item_id, manage=True)
    collection = item.collection
    collection.items.remove(item)
    for n, it in enumerate(collection.items):
        it.position = n
    db.session.flush()


def share(actor: User, collection_id: int, email: str) -> CollectionShare:
    from reflectie.accounts.services import get_user_by_email

    collection = access.get_collection_for(actor, collection_id, manage=True)
    other = get_user_by_email((email or "").strip())
    if other is None or other.id == actor.id or not pub_access.library_reader(other):
        raise Invalid(fields={"email": [str(_l("Geen andere docent met dit e-mailadres."))]})
    found = next((s for s in collection.shares if s.user_id == other.id), None)
    if found is not None:
        return found
    link = CollectionShare(user_id=other.id)
    collection.shares.append(link)
    db.session.flush()
    record("collection.share", actor=actor, obj=collection, with_user=other.id)
    return link


def unshare(actor: User, collection_id: int, user_id: int) -> None:
    collection = access.get_collection_for(actor, collection_id, manage=True)
    collection.shares = [s for s in collection.shares if s.user_id != user_id]
    db.session.flush()


def copy_collection(actor: User, collection_id: int) -> Collection:
    """An own copy (of an own or a shared collection), with the cases still published."""
    source = access.get_collection_for(actor, collection_id)
    copy = Collection(
        owner_id=actor.id,
        title=str(_l("Kopie van %(title)s", title=source.title))[:MAX_TITLE],
        description=source.description,
        method_id=source.method_id,
        copied_from_id=source.id,
    )
    for n, item in enumerate(access.live_items(source)):
        copy.items.append(
            CollectionItem(
                publication_id=item.publication_id,
                position=n,
                questions=list(item.questions or []),
                method_id=item.method_id,
            )
        )
    db.session.add(copy)
    db.session.flush()
    record("collection.copy", actor=actor, obj=copy, source=source.id)
    return copy


# --- assignments and answers


def assign(
    actor: User,
    collection_id: int,
    *,
    team_id: int,
    starts_on: date | None,
    ends_on: date | None,
    share_answers: bool = False,
) -> Assignment:
    collection = access.get_collection_for(actor, collection_id)
    team = db.session.get(Team, team_id)
    errors: dict[str, list[str]] = {}
    if (
        team is None
        or team.kind != TeamKind.KLAS
        or not has(actor, Perm.ASSIGNMENT_MANAGE, team_id=team.id)
    ):
        errors["team_id"] = [str(_l("Kies een klas waarin u docent bent."))]
    if starts_on is None:
        errors["starts_on"] = [str(_l("Kies een begindatum."))]
    if ends_on is None:
        errors["ends_on"] = [str(_l("Kies een einddatum."))]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [str(_l("De einddatum ligt na de begindatum."))]
    if errors:
        raise Invalid(fields=errors)
    assert starts_on is not None  # noqa: S101 - checked above
    assert ends_on is not None  # noqa: S101
    assignment = Assignment(
        collection_id=collection.id,
        team_id=team_id,
        starts_on=starts_on,
        ends_on=ends_on,
        share_answers=share_answers,
        created_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    record("assignment.create", actor=actor, obj=assignment, collection_id=collection.id)
    return assignment


def set_share_answers(actor: User, assignment_id: int, value: bool, *, today: date) -> Assignment:
    assignment = access.get_assignment_for(actor, assignment_id, today=today, manage=True)
    assignment.share_answers = value
    db.session.flush()
    return assignment


def is_open(assignment: Assignment, today: date) -> bool:
    return assignment.starts_on <= today <= assignment.ends_on


def own_answers(actor: User, assignment_id: int, item_id: int) -> dict[int, Answer]:
    rows = db.session.scalars(
        select(Answer).where(
            Answer.assignment_id == assignment_id,
            Answer.item_id == item_id,
            Answer.user_id == actor.id,
        )
    )
    return {a.question: a for a in rows}


def submitted(actor: User, assignment_id: int, item_id: int) -> bool:
    answers = own_answers(actor, assignment_id, item_id)
    return bool(answers) and all(a.submitted_at is not None for a in answers.values())


def save_answer(
    actor: User, assignment_id: int, item_id: int, question: int, text: str, *, today: date
) -> Answer:
    """A student's answer, saved as they type; closed after submitting or the period."""
    assignment, item = access.get_assignment_item(actor, assignment_id, item_id, today=today)
    if not has(actor, Perm.ASSIGNMENT_ANSWER, team_id=assignment.team_id):
        raise NotFound
    if not 0 <= question < len(item.questions or []):
        raise NotFound
    if not is_open(assignment, today):
        raise Invalid(fields={"text": [str(_l("De periode van deze opdracht is voorbij."))]})
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_ANSWER:
        raise Invalid(fields={"text": [str(_l("Houd het antwoord korter dan 10.000 tekens."))]})
    answers = own_answers(actor, assignment.id, item.id)
    answer = answers.get(question)
    if answer is not None and answer.submitted_at is not None:
        raise Invalid(fields={"text": [str(_l("U heeft uw antwoorden al ingeleverd."))]})
    if answer is None:
        answer = Answer(
            assignment_id=assignment.id, item_id=item.id, question=question, user_id=actor.id
        )
        db.session.add(answer)
    answer.text = text
    answer.updated_at = utcnow()
    db.session.flush()
    return answer


def submit_answers(actor: User, assignment_id: int, item_id: int, *, today: date) -> None:
    assignment, item = access.get_assignment_item(actor, assignment_id, item_id, today=today)
    if not has(actor, Perm.ASSIGNMENT_ANSWER, team_id=assignment.team_id):
        raise NotFound
    if not is_open(assignment, today):
        raise Invalid(fields={"text": [str(_l("De periode van deze opdracht is voorbij."))]})
    answers = own_answers(actor, assignment.id, item.id)
    if not any(a.text.strip() for a in answers.values()):
        raise Invalid(fields={"text": [str(_l("Beantwoord eerst minstens één vraag."))]})
    now = utcnow()
    for n in range(len(item.questions or [])):
        answer = answers.get(n)
        if answer is None:
            answer = Answer(assignment_id=assignment.id, item_id=item.id, question=n)
            answer.user_id, answer.text = actor.id, ""
            db.session.add(answer)
        answer.submitted_at = now
    db.session.flush()
    record("assignment.submit", actor=actor, obj=assignment, item_id=item.id)


def answers_by_question(assignment: Assignment, item: CollectionItem) -> dict[int, list[Answer]]:
    """Every answer of the class to one case (for its docenten), per question."""
    rows = db.session.scalars(
        select(Answer)
        .where(Answer.assignment_id == assignment.id, Answer.item_id == item.id)
        .order_by(Answer.question, Answer.id)
    )
    found: dict[int, list[Answer]] = {}
    for answer in rows:
        found.setdefault(answer.question, []).append(answer)
    return found


def peer_answers(
    actor: User, assignment: Assignment, item: CollectionItem
) -> dict[int, list[Answer]]:
    """Classmates' submitted answers, once `actor` submitted too and the docent allows it."""
    if not assignment.share_answers or not submitted(actor, assignment.id, item.id):
        return {}
    return {
        q: [a for a in answers if a.submitted_at is not None and a.user_id != actor.id]
        for q, answers in answers_by_question(assignment, item).items()
    }


# --- export


def colophon_lines(collection: Collection, items: list[CollectionItem]) -> list[str]:
    sources = sorted(
        {i.publication.team.organisation.name for i in items if i.publication.show_source}
    )
    lines = [
        str(
            _l(
                "De casussen in deze bundel zijn geanonimiseerd: namen, plaatsen en andere "
                "herkenbare gegevens zijn vervangen, en een tweede persoon heeft elke casus "
                "beoordeeld voordat die werd gepubliceerd."
            )
        ),
        str(_l("Ze komen uit sociale wijkteams in Nederland, via Reflectie.")),
    ]
    if sources:
        lines.append(str(_l("Bronnen (organisaties): %(names)s.", names=", ".join(sources))))
    lines.append(str(_l("Samengesteld door %(name)s.", name=collection.owner.name)))
    return lines


def export_markdown(collection: Collection, labels: dict[str, Any]) -> str:
    from reflectie.cases.services import all_kwesties

    names = {k.number: k.name for k in all_kwesties()}
    items = access.live_items(collection)
    out = [f"# {collection.title}", ""]
    if collection.description:
        out += [collection.description, ""]
    if collection.method is not None:
        out += [f"*{_l('Werkvorm')}: {collection.method.name}*", ""]
    for n, item in enumerate(items, start=1):
        pub = item.publication
        out += [f"## {n}. {pub.title}", ""]
        kw = ", ".join(f"{k}. {names.get(k, '')}" for k in pub.kwesties or [])
        if kw:
            out += [f"**{_l('Kwesties')}:** {kw}  "]
        if pub.values:
            out += [f"**{_l('Waarden')}:** {', '.join(pub.values)}  "]
        method = item.method or pub.method
        if method is not None:
            out += [f"**{_l('Werkvorm')}:** {method.name}  "]
        out.append("")
        for name in ("situation", "help_question", "dilemma", "stakeholders", "own_role"):
            if getattr(pub, name):
                out += [f"### {labels[name]}", "", getattr(pub, name).strip(), ""]
        if pub.show_outcome and pub.outcome_conclusion:
            out += [f"### {_l('Uitkomst van het moreel beraad in het team')}", ""]
            for name in ("outcome_dilemma", "outcome_considerations", "outcome_conclusion"):
                if getattr(pub, name):
                    out += [f"**{labels[name]}**", "", getattr(pub, name).strip(), ""]
        if item.questions:
            out += [f"### {_l('Vragen voor de bespreking')}", ""]
            out += [f"{q}. {text}" for q, text in enumerate(item.questions, start=1)]
            out.append("")
    out += ["---", "", f"## {_l('Colofon')}", ""]
    out += [*colophon_lines(collection, items), ""]
    return "\n".join(out)
