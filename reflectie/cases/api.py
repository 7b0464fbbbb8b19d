"""/api/v1 endpoints of cases: the kwesties."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from reflectie.api import api_public, doc
from reflectie.cases import services

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")


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
