"""URL builders shared by pages, so every link to a search state or a passage
is written the same way (and stays a permalink)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from flask import url_for
from werkzeug.datastructures import MultiDict

if TYPE_CHECKING:  # only a type here: importing the search area at load would be circular
    from webapp.search.state import SearchState


def plain_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Request parameters safe to hand to `url_for`: names starting with `_` are
    url_for's own options (`_anchor`, `_method`, `_external`, `_scheme`), which a
    visitor's `?_method=POST` must not reach."""
    items = args.to_dict(flat=False) if hasattr(args, "to_dict") else dict(args)
    return {k: v for k, v in items.items() if not k.startswith("_")}


def search_url(state: SearchState, endpoint: str = "search.search", **extra: Any) -> str:
    params: dict[str, Any] = state.params().to_dict(flat=False)
    return url_for(endpoint, **params, **extra)


# A letter page shows this many issues per part (?part=N): a letter with 20,001 items
# made a 36.6 MB page in 3.2 s. Real letters have 1-15 issues, so one part.
PASSAGES_PER_PART = 50


def letter_part(ordinal: int) -> int:
    """The part of a letter page that shows the passage with this ordinal (1-based)."""
    return max(0, int(ordinal or 0) - 1) // PASSAGES_PER_PART + 1


def passage_url(letter_id: str, ordinal: int, q: str = "", _external: bool = False, back: str = "") -> str:
    """The letter page scrolled to one passage (on the part that shows it), highlighting
    the query if there is one; `back` is the results page it was opened from ("Back to
    results" returns there)."""
    values: dict[str, Any] = {"letter_id": letter_id, "_anchor": f"p-{ordinal}"}
    if q:
        values["q"] = q
    if back:
        values["back"] = back
    if letter_part(ordinal) > 1:
        values["part"] = letter_part(ordinal)
    return url_for("letters.show", _external=_external, **values)


def back_to_results_url(back: str | None) -> str | None:
    """A "back to results" link from a `back` parameter, rebuilt from the search
    state it names: only ever a search page of this site, whatever was sent."""
    if not back or len(back) > 8000:
        return None
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or parts.path != url_for("search.search"):
        return None
    from webapp.search.state import parse_state

    return search_url(parse_state(MultiDict(parse_qsl(parts.query, keep_blank_values=False))).state)


def citation_url(key: str) -> str:
    return url_for("citations.show", key=key)
