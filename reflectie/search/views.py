"""The search page (/zoeken): a GET form, facets as plain links, works without JavaScript.
Each search is on the audit log without its words (R-21)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from reflectie.audit.throttle import per_user
from reflectie.db import short_write
from reflectie.permissions import member
from reflectie.search import services
from reflectie.search.backend import FACETS

bp = Blueprint("search", __name__)

FACET_TITLES = {
    "type": _l("Soort"),
    "kwestie": _l("Kwestie"),
    "tag": _l("Label"),
    "method": _l("Werkvorm"),
    "year": _l("Jaar"),
}
PER_PAGE = 10


def request_filters() -> dict[str, set[str]]:
    return services.clean_filters({name: request.args.getlist(name) for name in FACETS})


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) >= 1 else 1


@bp.get("/zoeken")
@member
@per_user("RATELIMIT_SEARCH", "search")  # R-35, refusals on the audit log
def results() -> ResponseReturnValue:
    q = request.args.get("q", "")[:500]
    sort = "date" if request.args.get("sort") == "date" else "relevance"
    filters = request_filters()
    page = services.search(
        current_user, q, filters=filters, sort=sort, page=_page_arg(), per_page=PER_PAGE
    )

    def link(**changes: object) -> str:
        """This search with some arguments changed (facet toggles, sorting, paging)."""
        args: dict[str, object] = {"q": q} if q else {}
        for name, values in filters.items():
            args[name] = sorted(values)
        if sort == "date":
            args["sort"] = "date"
        for name, value in changes.items():
            if value is None:
                args.pop(name, None)
            else:
                args[name] = value
        return url_for("search.results", **args)  # type: ignore[arg-type]

    def toggle(name: str, value: str) -> str:
        current = set(filters.get(name, set()))
        current ^= {value}
        return link(**{name: sorted(current) or None, "page": None})

    html = render_template(
        "search/results.html",
        page=page,
        q=q,
        sort=sort,
        filters=filters,
        facet_titles=FACET_TITLES,
        link=link,
        toggle=toggle,
    )
    with short_write():  # the search on the audit log (R-21: never its words)
        services.record_search(current_user, page, filters, channel="ui")
    # this URL carries the search words; no request from this page (its stylesheet,
    # scripts, an opened result) may repeat them in a Referer, where access logs keep them.
    return html, {"Referrer-Policy": "no-referrer"}
