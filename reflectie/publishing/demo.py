"""Demo data for publishing and teaching (`reflectie demo`): a published copy of a demo case,
approved by a second person, in a docent's collection that is given to the demo class.
Idempotent: matched by title."""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import timedelta

from sqlalchemy import select

from reflectie import ROOT
from reflectie.accounts import services as accounts
from reflectie.accounts.models import Team
from reflectie.cases.access import team_cases
from reflectie.cases.models import Case
from reflectie.db import db, local_today
from reflectie.publishing import services
from reflectie.publishing.models import ALL_FIELDS, Publication
from reflectie.teaching import services as teaching
from reflectie.teaching.models import Assignment, Collection

DEMO_FILE = ROOT / "seed" / "demo_publications.json"


def load_demo_publications() -> None:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    for spec in data["publications"]:
        team = db.session.scalar(select(Team).where(Team.slug == spec["team"]))
        if team is None or db.session.scalar(
            select(Publication.id).where(
                Publication.team_id == team.id, Publication.title == spec["title"]
            )
        ):
            continue
        case = db.session.scalar(team_cases(team.id).where(Case.title == spec["case"]).limit(1))
        author = accounts.get_user_by_email(spec["author"])
        reviewer = accounts.get_user_by_email(spec["reviewer"])
        if case is None or author is None or reviewer is None:
            continue
        pub = services.start_publication(author, case.id)
        texts = {name: getattr(pub, name) for name in ALL_FIELDS}
        for old, new in spec["replace"]:
            texts = {name: value.replace(old, new) for name, value in texts.items()}
        texts["title"] = spec["title"]
        services.update_publication(author, pub.id, texts, show_source=spec["show_source"])
        services.submit(author, pub.id)
        # If the detector (deduce) finds more, the copy simply waits for the leercoach's review.
        with suppress(services.StillIdentifying):
            services.approve(reviewer, pub.id, to_library=spec["to_library"])
    for spec in data["collections"]:
        owner = accounts.get_user_by_email(spec["owner"])
        if owner is None or db.session.scalar(
            select(Collection.id).where(
                Collection.owner_id == owner.id, Collection.title == spec["title"]
            )
        ):
            continue
        collection = teaching.create_collection(
            owner, title=spec["title"], description=spec["description"]
        )
        for item in spec["items"]:
            pub_id = db.session.scalar(
                select(Publication.id).where(Publication.title == item["title"]).limit(1)
            )
            if pub_id is not None:
                teaching.add_item(owner, collection.id, pub_id, item["questions"])
        assign = spec.get("assign")
        klas = assign and db.session.scalar(select(Team).where(Team.slug == assign["team"]))
        if klas is not None and not db.session.scalar(
            select(Assignment.id).where(Assignment.collection_id == collection.id)
        ):
            today = local_today()
            starts = today + timedelta(days=assign["starts_in_days"])
            teaching.assign(
                owner,
                collection.id,
                team_id=klas.id,
                starts_on=starts,
                ends_on=starts + timedelta(days=assign["days"]),
                share_answers=assign["share_answers"],
            )
