"""URL builders shared by pages, so every link to a search state or a passage
is written the same way (and stays a permalink)."""

from __future__ import annotations

from flask import url_for

from webapp.search.state import SearchState


def search_url(state: SearchState, endpoint: str = "search.search", **extra: object) -> str:
    return url_for(endpoint, **state.params().to_dict(flat=False), **extra)


def passage_url(letter_id: str, ordinal: int, q: str = "", _external: bool = False) -> str:
    """The letter page scrolled to one passage, highlighting the query if there is one."""
    values: dict[str, object] = {"letter_id": letter_id, "_anchor": f"p-{ordinal}"}
    if q:
        values["q"] = q
    return url_for("letters.show", _external=_external, **values)


def citation_url(key: str) -> str:
    return url_for("citations.show", key=key)
