"""Highlights as HTML: the search core hands over text runs (`indexer.query.types.Run`),
plain text with the matched stretches flagged; here they are escaped and the matches
put in <mark>. The only place highlight HTML is made, so the only strings of a hit a
template may trust."""

from __future__ import annotations

from markupsafe import Markup

from indexer.query.types import Fragment


def _esc(text: str) -> str:
    """HTML-escape exactly as markupsafe.escape does (&#34; and &#39; for quotes),
    without building a Markup object per run (a results page escapes many)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&#34;")
    if "'" in text:
        text = text.replace("'", "&#39;")
    return text


def to_html(fragment: Fragment) -> Markup:
    """The fragment escaped, its marked runs in <mark>."""
    return Markup("".join(f"<mark>{_esc(run.text)}</mark>" if run.marked else _esc(run.text) for run in fragment))
