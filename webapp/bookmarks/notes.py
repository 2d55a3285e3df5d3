"""Notes are Markdown written by the user: rendered with `markdown`, then
sanitised with `nh3` so that no script, event handler, style or `javascript:`
link survives, whatever the note contains. Exports keep the note as Markdown,
made safe the same way (`safe_markdown`): whoever renders the exported file
gets the note's formatting and text, never its markup."""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
    "abbr",
    "dl",
    "dt",
    "dd",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style", "template", "iframe", "object", "embed", "noscript"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


@lru_cache(maxsize=2048)
def _render(text: str) -> str:
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return _CLEANER.clean(html)


def render_note(text: str | None) -> Markup:
    """Safe HTML for a note (empty Markup for no note)."""
    if not text or not text.strip():
        return Markup("")
    return Markup(_render(text))


# Code (fenced blocks, indented lines are plain text anyway, and `inline spans`) is shown
# literally by every Markdown renderer, so it is kept as written.
_CODE = re.compile(r"(^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\2[^\n]*$|\Z)|`+[^`\n]*`+)", re.M | re.S)
# A link or reference target up to its first ":" before any "/", "?", "#" or ")": its
# scheme. Browsers drop tabs and newlines in URLs and decode entities in attributes, so
# a scheme is kept only if it is exactly an allowed one ("java&#115;cript:" is not).
_LINK_TARGET = re.compile(r"(\]\(\s*<?|^\s{0,3}\[[^\]\n]+\]:\s*<?)([^/?#)\n]*?):", re.M)


def _scheme(m: re.Match) -> str:
    scheme = m.group(2)
    return m.group(1) + (scheme if scheme.lower() in URL_SCHEMES else "#blocked") + ":"


def _neutralise(text: str) -> str:
    # raw HTML (and <autolinks>) shows as text; & too, so no entity can spell a scheme
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _LINK_TARGET.sub(_scheme, text)


def safe_markdown(text: str | None) -> str:
    """A note as Markdown for an export: formatting kept, raw HTML escaped so it reads
    as text, and links to anything but http(s)/mailto turned into inert fragments."""
    if not text:
        return ""
    out, last = [], 0
    for m in _CODE.finditer(text):
        out.append(_neutralise(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_neutralise(text[last:]))
    return "".join(out)
