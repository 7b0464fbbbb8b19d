"""One search over cases, meeting records and methods (later threads and published cases).

The package imports no feature: features register document providers (registry.py) when the
app is created. Changes reach the index through the outbox (outbox.py); engines sit behind
backend.py (Whoosh embedded, PostgreSQL for several app servers).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_login import current_user

log = logging.getLogger(__name__)


def similar_for_template(doc_type: str, doc_id: int) -> list[Any]:
    """Jinja global `search_similar`: a failing index never breaks the page around it."""
    from reflectie.db import db
    from reflectie.search.services import similar

    try:
        # Only pages that loaded the document through its access function include this.
        return similar(current_user, doc_type, doc_id, checked=True, snippets=False)
    except Exception:
        db.session.rollback()
        log.exception("search: similar documents unavailable")
        return []


def init_app(app: Flask) -> None:
    from reflectie.search import outbox

    app.config.setdefault("SEARCH_BACKEND", "whoosh")
    if not app.config.get("SEARCH_INDEX_PATH"):
        app.config["SEARCH_INDEX_PATH"] = str(Path(app.instance_path) / "search" / "whoosh")
    from reflectie.search.services import index_status

    outbox.install(app)
    app.extensions.setdefault("health_checks", {})["search"] = index_status
    app.jinja_env.globals["search_similar"] = similar_for_template
