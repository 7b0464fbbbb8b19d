"""Markdown → sanitised HTML (nh3 allow-list): the only place user Markdown is rendered (R-15)."""

from __future__ import annotations

from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "hr", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=512)
def _render(text: str) -> Markup:
    html = md.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])  # noqa: TID251
    return Markup(sanitise(html))  # noqa: S704 - sanitised by nh3 just above


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to HTML that is safe to put in a page.

    `tables` and `fenced_code` only: `attr_list` (in `extra`) would let authors write
    attributes, which nh3 strips anyway, so it stays off.
    """
    if not text:
        return Markup("")
    # Cached: a case page shows the same texts again and again; the cache is per process,
    # keyed by the text itself, so an edited text is simply a new entry.
    return _render(text)
