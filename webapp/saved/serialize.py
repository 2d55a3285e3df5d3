"""Saved searches, their results and history entries as JSON-ready dicts (one
shape for the API and the pages' JSON twins), and the URLs that open them."""

from __future__ import annotations

from typing import Any

from flask import url_for

from webapp.bookmarks.serialize import iso
from webapp.db.models import SavedSearch, SavedSearchHit, SearchHistory
from webapp.presentation import citation_line
from webapp.saved.store import DEFAULT_SCOPE, SavedRow
from webapp.search.state import DATE_PARAMS, SearchState, _ordered


def state_of(
    q: str, filters: dict[str, list[str]] | None, sort: str, dates: dict[str, str] | None = None
) -> SearchState:
    dates = dates or {}
    return SearchState(
        q=q or "",
        filters=_ordered(filters or {}),
        sort=sort or "relevance",
        dates=tuple((name, dates[name]) for name in DATE_PARAMS if dates.get(name)),
    )


def search_link(
    q: str,
    filters: dict[str, list[str]] | None,
    sort: str,
    scope: str = DEFAULT_SCOPE,
    dates: dict[str, str] | None = None,
    endpoint: str = "search.search",
    **extra: Any,
) -> str:
    """The results page of a stored search (a permalink of its whole state)."""
    params: dict[str, Any] = state_of(q, filters, sort, dates).params().to_dict(flat=False)
    if scope and scope != DEFAULT_SCOPE:
        params["scope"] = [scope]
    return url_for(endpoint, **params, **extra)


def feed_url(saved: SavedSearch) -> str | None:
    if not saved.feed_token:
        return None
    return url_for("saved.feed", token=saved.feed_token, _external=True)


def saved_json(row: SavedRow) -> dict[str, Any]:
    s = row.search
    digest = row.pending_digest
    return {
        "id": s.id,
        "name": s.name,
        "q": s.q,
        "filters": s.filters or {},
        "dates": s.dates or {},
        "scope": s.scope,
        "sort": s.sort,
        "alert": s.alert,
        "new_count": row.new_count,
        "found_count": row.total_found,
        "created_at": iso(s.created_at),
        "updated_at": iso(s.updated_at),
        "last_viewed_at": iso(s.last_viewed_at),
        "feed_url": feed_url(s),
        "email_pending": None
        if digest is None
        else {
            "digest_id": digest.id,
            "attempts": digest.attempts,
            "last_error": digest.last_error,
            "last_attempt_at": iso(digest.last_attempt_at),
        },
        "url": url_for("saved_api.saved", saved_id=s.id),
        "new_url": url_for("saved_api.new", saved_id=s.id),
        "page_url": url_for("saved.new", saved_id=s.id),
        "search_url": search_link(s.q, s.filters, s.sort, s.scope, s.dates),
    }


def hit_json(hit: SavedSearchHit, is_new: bool | None = None) -> dict[str, Any]:
    snap = hit.snapshot or {}
    d = {
        "passage_id": hit.passage_id,
        "letter_id": hit.letter_id,
        "ordinal": snap.get("ordinal"),
        "item": snap.get("item"),
        "decision": snap.get("decision"),
        "case_number": snap.get("case_number"),
        "decision_date": snap.get("decision_date"),
        "date_of_injury": snap.get("date_of_injury"),
        "treatment": snap.get("treatment"),
        "body_region": snap.get("body_region"),
        "citations": snap.get("citations") or [],
        "excerpt": snap.get("excerpt"),
        "citation_line": hit_citation(hit),
        "found_at": iso(hit.found_at),
        "letter_url": url_for("letters.show", letter_id=hit.letter_id, _anchor=f"p-{snap.get('ordinal', 0)}"),
    }
    if is_new is not None:
        d["new"] = is_new
    return d


def hit_citation(hit: SavedSearchHit) -> str:
    snap = hit.snapshot or {}
    return citation_line(
        snap.get("case_number"),
        snap.get("decision_date"),
        snap.get("ordinal"),
        snap.get("item"),
        snap.get("decision"),
        hit.letter_id,
    )


def history_json(entry: SearchHistory) -> dict[str, Any]:
    return {
        "id": entry.id,
        "q": entry.q,
        "filters": entry.filters or {},
        "dates": entry.dates or {},
        "scope": entry.scope,
        "sort": entry.sort,
        "total": entry.total,
        "searched_at": iso(entry.searched_at),
        "search_url": search_link(entry.q, entry.filters, entry.sort, entry.scope, entry.dates),
    }
