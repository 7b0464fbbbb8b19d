"""/api/v1 endpoints of cases, over the same services as the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import Team
from reflectie.api import api_member, api_public, api_scoped, api_user, doc, json_body, paged
from reflectie.audit.services import record
from reflectie.cases import access, services
from reflectie.cases.models import Case, CaseStatus
from reflectie.cases.queries import parse_filter
from reflectie.db import db
from reflectie.errors import Invalid
from reflectie.permissions import Perm, has

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")

CASE_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "situation": {"type": "string"},
        "help_question": {"type": "string"},
        "dilemma": {"type": "string"},
        "stakeholders": {"type": "string"},
        "own_role": {"type": "string"},
        "values": {"type": "array", "items": {"type": "string"}},
        "kwesties": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": {"type": "string", "enum": ["team", "private"]},
        "status": {"type": "string", "enum": [s.value for s in CaseStatus]},
    },
}
FILTER_PARAMS = [
    {"name": name, "in": "query", "required": False, "schema": schema}
    for name, schema in [
        ("page", {"type": "integer", "minimum": 1}),
        ("team", {"type": "string"}),
        ("kwestie", {"type": "integer", "minimum": 1, "maximum": 7}),
        ("status", {"type": "string", "enum": [s.value for s in CaseStatus]}),
        ("author", {"type": "integer"}),
        ("tag", {"type": "string"}),
        ("since", {"type": "string", "format": "date"}),
        ("until", {"type": "string", "format": "date"}),
    ]
]


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "url": url_for("cases.show", case_id=case.id, _external=True),
        "team": case.team.slug,
        "author": {"id": case.author.id, "name": case.author.name, "handle": case.author.handle},
        "status": str(case.status),
        "version": case.version,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        **services.case_json(case),
    }


@bp.get("/kwesties")
@api_public
@doc("The seven kwesties of wijkgericht werken", tags=["cases"])
def kwesties() -> ResponseReturnValue:
    results = [
        {
            "number": k.number,
            "slug": k.slug,
            "name": k.name,
            "description": k.description,
            "questions": k.questions,
        }
        for k in services.all_kwesties()
    ]
    return jsonify(total=len(results), results=results)


@bp.get("/cases")
@api_member
@doc("Cases the token user may read, newest first", tags=["cases"], params=FILTER_PARAMS)
def list_cases() -> ResponseReturnValue:
    user = api_user()
    query = parse_filter(request.args).apply(access.visible_cases(user))
    if request.args.get("team"):
        query = query.where(Case.team.has(Team.slug == request.args["team"]))
    query = query.options(selectinload(Case.author), selectinload(Case.team))
    return paged(query, case_out)


@bp.post("/cases")
@api_member
@doc(
    "Write a case in one of the token user's teams",
    tags=["cases"],
    body={
        **CASE_SCHEMA,
        "required": ["title"],
        "properties": {**CASE_SCHEMA["properties"], "team": {"type": "string"}},
    },
    responses={"201": {"description": "Created"}, "422": {"description": "Invalid fields"}},
)
def create_case() -> ResponseReturnValue:
    user = api_user()
    body = json_body()
    team_slug = body.pop("team", None)
    status = body.pop("status", CaseStatus.CONCEPT)
    writable = [m.team for m in user.memberships if has(user, Perm.CASE_CREATE, team_id=m.team_id)]
    if team_slug is None and len(writable) == 1:
        team = writable[0]
    else:
        team = next((t for t in writable if t.slug == team_slug), None)
    if team is None:
        raise Invalid(fields={"team": [str(_l("Kies een team waarin u casussen mag schrijven."))]})
    if not isinstance(status, str) or status not in {s.value for s in CaseStatus}:
        raise Invalid(fields={"status": [str(_l("Kies een status uit de lijst."))]})
    case = services.create_case(user, team, services.parse_input(body), status=CaseStatus(status))
    db.session.commit()
    return jsonify(case_out(case)), 201


@bp.get("/cases/<int:case_id>")
@api_scoped("case")
@doc("One case with its full text (the read is audited)", tags=["cases"])
def get_case(case_id: int) -> ResponseReturnValue:
    user = api_user()
    case = access.get_case_for(user, case_id)
    record("case.read", actor=user, obj=case)
    db.session.commit()
    return jsonify(case_out(case))


@bp.patch("/cases/<int:case_id>")
@api_scoped("case")
@doc(
    "Change a case; `version` must be the version you read (else 409)",
    tags=["cases"],
    body={
        **CASE_SCHEMA,
        "required": ["version"],
        "properties": {**CASE_SCHEMA["properties"], "version": {"type": "integer"}},
    },
    responses={"200": {"description": "Saved"}, "409": {"description": "Stale version"}},
)
def patch_case(case_id: int) -> ResponseReturnValue:
    user = api_user()
    case = access.get_case_for(user, case_id, access.CaseAction.EDIT)  # 404 before any 400
    body = json_body()
    version = body.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise Invalid(fields={"version": [str(_l("Geef de versie mee die u las (een getal)."))]})
    status = body.pop("status", None)
    current = services.CaseInput(**services.case_json(case))
    data = services.parse_input(body, base=current)
    case = services.update_case(user, case_id, data, expected_version=version)
    if status is not None:
        if not isinstance(status, str):
            raise Invalid(fields={"status": [str(_l("Kies een status uit de lijst."))]})
        db.session.flush()
        case = services.set_status(user, case_id, status, expected_version=case.version)
    db.session.commit()
    return jsonify(case_out(case))
