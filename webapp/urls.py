"""URL builders shared by pages, so every link to a search state or a passage
is written the same way (and stays a permalink)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import url_for
from werkzeug.datastructures import MultiDict

from webapp.search.state import SearchState, parse_state


def search_url(state: SearchState, endpoint: str = "search.search", **extra: object) -> str:
    return url_for(endpoint, **state.params().to_dict(flat=False), **extra)


def passage_url(letter_id: str, ordinal: int, q: str = "", _external: bool = False, back: str = "") -> str:
    """The letter page scrolled to one passage, highlighting the query if there is one;
    `back` is the results page it was opened from ("Back to results" returns there)."""
    values: dict[str, object] = {"letter_id": letter_id, "_anchor": f"p-{ordinal}"}
    if q:
        values["q"] = q
    if back:
        values["back"] = back
    return url_for("letters.show", _external=_external, **values)


def back_to_results_url(back: str | None) -> str | None:
    """A "back to results" link from a `back` parameter, rebuilt from the search
    state it names: only ever a search page of this site, whatever was sent."""
    if not back or len(back) > 8000:
        return None
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or parts.path != url_for("search.search"):
        return None
    return search_url(parse_state(MultiDict(parse_qsl(parts.query, keep_blank_values=False))).state)


def citation_url(key: str) -> str:
    return url_for("citations.show", key=key)
