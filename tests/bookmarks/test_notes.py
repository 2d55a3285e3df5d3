"""Notes are Markdown; whatever a note contains, it renders inert."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.bookmarks.conftest import save
from webapp.bookmarks.notes import render_note

NECK = "000_d9810e0ddbbc91c8-1"

HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<p onclick="alert(1)">x</p>',
    "<iframe src=https://evil.example></iframe>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"></svg>',
    "<style>body{display:none}</style>",
    "text {: onclick=alert(1) }",
]


class Elements(HTMLParser):
    """Every element and attribute in a fragment, as a browser would see them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("note", HOSTILE)
def test_hostile_markdown_renders_inert(note):
    out = str(render_note(note))
    for tag, attrs in Elements(out).tags:
        assert tag not in {"script", "iframe", "img", "style", "svg", "object", "embed"}, out
        for name, value in attrs.items():
            assert not name.startswith("on"), out
            assert name not in {"style", "src"}, out
            if name == "href":
                assert urlsplit((value or "").strip()).scheme in {"http", "https", "mailto", ""}, out
                assert "javascript" not in (value or "").lower(), out
    assert "<script" not in out.lower()


def test_markdown_still_formats():
    out = str(render_note("**bold** _it_\n\n- one\n- two\n\n> quoted\n\n[MTUS](https://www.dir.ca.gov/)"))
    assert "<strong>bold</strong>" in out and "<em>it</em>" in out
    assert "<li>one</li>" in out and "<blockquote>" in out
    assert '<a href="https://www.dir.ca.gov/" rel="noopener noreferrer nofollow">MTUS</a>' in out


def test_empty_note_renders_nothing():
    assert str(render_note("")) == "" and str(render_note("   \n")) == ""


def test_hostile_note_is_inert_on_the_pages_and_in_json(client):
    note = "<script>alert('x')</script> [go](javascript:alert(1)) **ok**"
    bm = save(client, NECK, note=note)
    assert "<script" not in bm["note_html"] and "javascript:" not in bm["note_html"]
    assert bm["note"] == note  # the source is kept as written
    for path in ("/bookmarks", f"/bookmarks/{bm['id']}"):
        text = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in text
        assert 'href="javascript:' not in text.lower()
        assert "<strong>ok</strong>" in text
