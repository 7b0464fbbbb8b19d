"""/api/v1 endpoints of accounts."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from reflectie.api import api_member, api_user, doc

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


@bp.get("/me")
@api_member
@doc("The user of the token, with their teams and roles", tags=["accounts"])
def me() -> ResponseReturnValue:
    user = api_user()
    return jsonify(
        id=user.id,
        email=user.email,
        name=user.name,
        handle=user.handle,
        locale=user.locale,
        is_admin=user.is_admin,
        teams=[
            {
                "slug": m.team.slug,
                "name": m.team.name,
                "kind": str(m.team.kind),
                "role": str(m.role),
                "organisation": m.team.organisation.slug,
            }
            for m in user.memberships
        ],
    )
