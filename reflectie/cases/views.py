"""Case pages; for now the public page about the seven kwesties."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from reflectie.cases import services
from reflectie.permissions import public

bp = Blueprint("cases", __name__)


@bp.get("/kwesties")
@public
def kwesties() -> ResponseReturnValue:
    return render_template("cases/kwesties.html", kwesties=services.all_kwesties())
