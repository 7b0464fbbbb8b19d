"""/api/v1 endpoints of publishing and teaching: detection, published cases, collections.

A published case in the API carries no team, no case id and no author: nothing links it back
to the original (the team's own pages show that link, the API never does).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from reflectie.api import api_member, api_scoped, api_user, doc, json_body, paged
from reflectie.errors import Invalid
from reflectie.publishing import access, services
from reflectie.publishing.models import Publication

bp = Blueprint("publishing_api", __name__, url_prefix="/api/v1")

FINDING = {
    "type": "object",
    "properties": {
        "start": {"type": "integer"},
        "end": {"type": "integer"},
        "kind": {"type": "string"},
        "text": {"type": "string"},
    },
}


def publication_out(pub: Publication, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": pub.id,
        "url": url_for("publishing.show", publication_id=pub.id, _external=True),
        "title": pub.title,
        "kwesties": list(pub.kwesties or []),
        "values": list(pub.values or []),
        "themes": list(pub.themes or []),
        "method": pub.method.slug if pub.method else None,
        "published_at": pub.published_at.isoformat() if pub.published_at else None,
    }
    if full:
        out.update(
            situation=pub.situation,
            help_question=pub.help_question,
            dilemma=pub.dilemma,
            stakeholders=pub.stakeholders,
            own_role=pub.own_role,
            outcome=(
                {
                    "dilemma": pub.outcome_dilemma,
                    "considerations": pub.outcome_considerations,
                    "conclusion": pub.outcome_conclusion,
                }
                if pub.show_outcome
                else None
            ),
            colophon={
                "anonymised": True,
                "source": services.colophon(pub)["source"],
            },
        )
    return out


@bp.post("/publishing/detect")
@api_member
@doc(
    "Find personal data in a Dutch text (names, addresses, phone numbers, BSN, IBAN, …)",
    tags=["publishing"],
    body={
        "type": "object",
        "required": ["text"],
        "properties": {"text": {"type": "string", "maxLength": services.MAX_TEXT}},
    },
    responses={
        "200": {
            "description": "Findings in text order; `engine` is `fallback` when the detector "
            "process is not running and only the built-in patterns were used.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "findings": {"type": "array", "items": FINDING},
                            "engine": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
def detect() -> ResponseReturnValue:
    body = json_body()
    text = body.get("text")
    if not isinstance(text, str):
        raise Invalid(fields={"text": [str(_l("Geef de tekst mee als tekenreeks."))]})
    if len(text) > services.MAX_TEXT:
        raise Invalid(fields={"text": [str(_l("Deze tekst is te lang."))]})
    result = services.detect_text(text)
    return jsonify(findings=[f.as_dict() for f in result.findings], engine=result.engine)


@bp.get("/published-cases")
@api_member
@doc("Published (anonymised) cases the token user may read", tags=["publishing"])
def list_published() -> ResponseReturnValue:
    query = (
        access.published_for(api_user())
        .options(selectinload(Publication.method))
        .order_by(Publication.published_at.desc())
    )
    return paged(query, publication_out)


@bp.get("/published-cases/<int:publication_id>")
@api_scoped("publication")
@doc("One published case", tags=["publishing"])
def get_published(publication_id: int) -> ResponseReturnValue:
    pub = access.get_publication_for(api_user(), publication_id, access.PubAction.READ)
    return jsonify(publication_out(pub, full=True))
