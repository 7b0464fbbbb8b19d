"""Jinja filters and globals: Markdown, permissions, dates, cache-busted static files."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from reflectie.markup import render_markdown
from reflectie.permissions import Perm, Role, TeamKind, can


@cache
def _file_hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """URL of a static file with a content hash, so browsers may cache it for long."""
    folder = current_app.static_folder or ""
    return url_for("static", filename=filename, v=_file_hash(str(Path(folder) / filename)))


ROLE_LABELS = {
    Role.LID: _l("lid"),
    Role.LEERCOACH: _l("leercoach"),
    Role.TEAMLEIDER: _l("teamleider"),
    Role.DOCENT: _l("docent"),
    Role.STUDENT: _l("student"),
}
KIND_LABELS = {
    TeamKind.WIJKTEAM: _l("wijkteam"),
    TeamKind.INTERVISIEGROEP: _l("intervisiegroep"),
    TeamKind.KLAS: _l("klas"),
}


def user_can(perm: Perm | str, obj: Any) -> bool:
    return can(current_user, Perm(perm), obj)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["role"] = lambda role: ROLE_LABELS.get(role, role)
    app.jinja_env.filters["team_kind"] = lambda kind: KIND_LABELS.get(kind, kind)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.globals.update(
        can=user_can, get_locale=get_locale, static_url=static_url, Perm=Perm
    )
