"""Markdown is rendered and sanitised in one place (R-15)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from reflectie.markup import ATTRIBUTES, TAGS, render_markdown, sanitise

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klik](javascript:alert(1))",
    "[klik](jav&#x09;ascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '<a href="javascript:alert(document.cookie)">x</a>',
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<math><mi><style><img src=x onerror=alert(1)></style></mi></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<form action=https://evil.example><input name=x></form>",
    "[a][1]\n\n[1]: javascript:alert(1)",
    "## Kop {: onmouseover=alert(1) }",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    '<div onclick="alert(1)">x</div>',
    "<object data=x></object><embed src=x>",
    "<base href='https://evil.example/'>",
]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _parsed(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("payload", PAYLOADS)
def test_known_xss_vectors_are_neutralised(payload):
    """R-15: known XSS vectors in Markdown are neutralised."""
    html = str(render_markdown(payload))
    lowered = html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "data:" not in lowered
    for tag, attrs in _parsed(html).tags:
        assert tag in TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            assert name != "style"
            assert name in ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, name)
            if name == "href":
                assert value is not None
                assert value.startswith(("http://", "https://", "mailto:", "/", "#")), value


def test_ordinary_markdown_keeps_its_structure():
    html = str(
        render_markdown(
            "**Vet** en *schuin*, een [link](https://example.org).\n\n- een\n- twee\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    assert "<strong>Vet</strong>" in html
    assert "<em>schuin</em>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>twee</li>" in html
    assert "<table>" in html


def test_sanitising_is_idempotent():
    for payload in PAYLOADS:
        once = str(render_markdown(payload))
        assert sanitise(once) == once


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
