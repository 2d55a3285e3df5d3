"""Saved searches, their new results and search history, for one user at a time.

Like the bookmark store, every function takes the owner's id and never reads
another user's rows; an id that belongs to someone else is NotFound, exactly
like one that does not exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from indexer.query.tree import DEFAULT_SCOPE, SCOPES
from indexer.query.types import FACETS, SORTS
from indexer.search import dates
from webapp.bookmarks.store import NotFound, ValidationError, clean_name
from webapp.db import changed_rows
from webapp.db.models import (
    SAVED_NAME_MAX,
    AlertDigest,
    SavedSearch,
    SavedSearchHit,
    SearchHistory,
    utcnow,
)
from webapp.search.state import DATE_PARAMS

ALERTS = {
    "off": "Off",
    "instant": "As it happens",
    "daily": "Daily digest",
    "weekly": "Weekly digest",
}
HISTORY_KEEP = 100
MAX_QUERY = 5_000
MAX_FILTER_VALUES = 50
MAX_VALUE = 500
FIELDS = {"name", "q", "filters", "dates", "scope", "sort", "alert"}

__all__ = ["NotFound", "ValidationError"]


# --- validation ------------------------------------------------------------------


def validate_name(name: Any) -> str:
    return clean_name(name, "saved search", SAVED_NAME_MAX)


def validate_query(q: Any) -> str:
    if q is None:
        return ""
    if not isinstance(q, str):
        raise ValidationError("q must be text")
    q = q.strip()
    if len(q) > MAX_QUERY:
        raise ValidationError(f"q is at most {MAX_QUERY:,} characters")
    return q


def validate_filters(filters: Any) -> dict[str, list[str]]:
    """{facet: [values]} with known facets only, in the search page's order."""
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise ValidationError("filters must be an object: {facet: [values]}")
    unknown = sorted(set(filters) - set(FACETS))
    if unknown:
        raise ValidationError(f"unknown filter(s): {', '.join(map(str, unknown))}; filters are: {', '.join(FACETS)}")
    out: dict[str, list[str]] = {}
    for facet in FACETS:
        raw = filters.get(facet)
        if raw is None:
            continue
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ValidationError(f"filter {facet} must be a list of text values")
        values: list[str] = []
        for v in raw:
            v = " ".join(v.split())
            if len(v) > MAX_VALUE:
                raise ValidationError(f"a {facet} value is at most {MAX_VALUE} characters")
            if v and v not in values:
                values.append(v)
        if len(values) > MAX_FILTER_VALUES:
            raise ValidationError(f"at most {MAX_FILTER_VALUES} values per filter")
        if values:
            out[facet] = values
    return out


def validate_dates(raw: Any) -> dict[str, str]:
    """{decided_from, decided_to, injured_from, injured_to: 2016 | 2016-01 | 2016-01-31}."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError(f"dates must be an object with any of: {', '.join(DATE_PARAMS)}")
    unknown = sorted(set(raw) - set(DATE_PARAMS))
    if unknown:
        raise ValidationError(f"unknown date(s): {', '.join(map(str, unknown))}; dates are: {', '.join(DATE_PARAMS)}")
    out: dict[str, str] = {}
    for name in DATE_PARAMS:
        value = raw.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError(f"{name} must be a date as text (2016, 2016-01 or 2016-01-31)")
        try:
            dates.bound(value, end=name.endswith("_to"))
        except dates.DateError as exc:
            raise ValidationError(f"{name}: {exc}") from None
        out[name] = value.strip()
    return out


def _choice(value: Any, allowed, name: str, default: str) -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(f"{name} must be one of: {', '.join(allowed)}")
    return value


def validate_fields(data: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
    """The saved-search fields present in `data`, checked (all of them unless partial)."""
    out: dict[str, Any] = {}
    if not partial or "name" in data:
        out["name"] = validate_name(data.get("name"))
    if not partial or "q" in data:
        out["q"] = validate_query(data.get("q"))
    if not partial or "filters" in data:
        out["filters"] = validate_filters(data.get("filters"))
    if not partial or "dates" in data:
        out["dates"] = validate_dates(data.get("dates"))
    if not partial or "scope" in data:
        out["scope"] = _choice(data.get("scope"), SCOPES, "scope", DEFAULT_SCOPE)
    if not partial or "sort" in data:
        out["sort"] = _choice(data.get("sort"), SORTS, "sort", "relevance")
    if not partial or "alert" in data:
        out["alert"] = _choice(data.get("alert"), tuple(ALERTS), "alert", "off")
    return out


# --- saved searches ----------------------------------------------------------------


@dataclass
class SavedRow:
    search: SavedSearch
    new_count: int
    total_found: int
    pending_digest: AlertDigest | None = None  # a digest that could not be sent yet


def _name_taken(session: Session, user_id: int, name: str, other_than: int | None = None) -> bool:
    stmt = select(SavedSearch.id).where(SavedSearch.user_id == user_id, func.lower(SavedSearch.name) == name.lower())
    if other_than is not None:
        stmt = stmt.where(SavedSearch.id != other_than)
    return session.scalar(stmt.limit(1)) is not None


def unique_name(session: Session, user_id: int, name: str) -> str:
    """`name`, or `name (2)`, `name (3)` ... when the user already has one so named."""
    name = validate_name(name)
    candidate, n = name, 2
    while _name_taken(session, user_id, candidate):
        suffix = f" ({n})"
        candidate = name[: SAVED_NAME_MAX - len(suffix)] + suffix
        n += 1
    return candidate


def create_saved(
    session: Session, user_id: int, data: Mapping[str, Any], position: tuple[str | None, int] = (None, 0)
) -> SavedSearch:
    """Save a search. `position` is the live index's (lineage, top passage number):
    only passages indexed after it count as new for this search."""
    fields = validate_fields(data)
    if _name_taken(session, user_id, fields["name"]):
        raise ValidationError(f"you already have a saved search named {fields['name']!r}")
    now = utcnow()
    saved = SavedSearch(
        user_id=user_id,
        created_at=now,
        updated_at=now,
        last_viewed_at=now,
        last_mailed_at=now,
        cursor_lineage=position[0],
        cursor_seq=position[1],
        **fields,
    )
    session.add(saved)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ValidationError(f"you already have a saved search named {fields['name']!r}") from None
    return saved


def get_saved(session: Session, user_id: int, saved_id: int) -> SavedSearch:
    saved = session.scalar(select(SavedSearch).where(SavedSearch.id == saved_id, SavedSearch.user_id == user_id))
    if saved is None:
        raise NotFound(f"no saved search with id {saved_id}")
    return saved


def list_saved(session: Session, user_id: int) -> list[SavedRow]:
    """The user's saved searches (by name) with how many results are new since
    they last looked and how many were found in all, and any unsent digest."""
    new = func.count(case((SavedSearchHit.found_at > SavedSearch.last_viewed_at, SavedSearchHit.id)))
    rows = session.execute(
        select(SavedSearch, func.count(SavedSearchHit.id), new)
        .outerjoin(SavedSearchHit, SavedSearchHit.saved_search_id == SavedSearch.id)
        .where(SavedSearch.user_id == user_id)
        .group_by(SavedSearch.id)
        .order_by(func.lower(SavedSearch.name), SavedSearch.id)
    ).all()
    pending = pending_digests(session, user_id)
    by_search: dict[int, AlertDigest] = {}
    for digest, search_ids in pending:
        for sid in search_ids:
            by_search.setdefault(sid, digest)
    return [SavedRow(s, int(new_count or 0), int(total or 0), by_search.get(s.id)) for s, total, new_count in rows]


def saved_row(session: Session, user_id: int, saved_id: int) -> SavedRow:
    for row in list_saved(session, user_id):
        if row.search.id == saved_id:
            return row
    raise NotFound(f"no saved search with id {saved_id}")


def update_saved(session: Session, user_id: int, saved_id: int, data: Mapping[str, Any]) -> SavedSearch:
    saved = get_saved(session, user_id, saved_id)
    fields = validate_fields(data, partial=True)
    if not fields:
        raise ValidationError(f"nothing to change: send any of {', '.join(sorted(FIELDS))}")
    if "name" in fields and _name_taken(session, user_id, fields["name"], other_than=saved.id):
        raise ValidationError(f"you already have a saved search named {fields['name']!r}")
    if fields.get("alert", "off") != "off" and saved.alert == "off":
        # e-mail what is found from now on, not what piled up while alerts were off
        saved.last_mailed_at = utcnow()
    for key, value in fields.items():
        setattr(saved, key, value)
    saved.updated_at = utcnow()
    session.commit()
    return saved


def delete_saved(session: Session, user_id: int, saved_id: int) -> None:
    saved = get_saved(session, user_id, saved_id)
    session.delete(saved)
    session.commit()


def hits_of(
    session: Session, user_id: int, saved_id: int, only_new: bool = False, limit: int = 200
) -> list[SavedSearchHit]:
    """The search's recorded results, newest first (`only_new`: not yet looked at)."""
    saved = get_saved(session, user_id, saved_id)
    stmt = select(SavedSearchHit).where(SavedSearchHit.saved_search_id == saved.id)
    if only_new:
        stmt = stmt.where(SavedSearchHit.found_at > saved.last_viewed_at)
    stmt = stmt.order_by(SavedSearchHit.found_at.desc(), SavedSearchHit.seq.desc()).limit(limit)
    return list(session.scalars(stmt))


def mark_viewed(session: Session, user_id: int, saved_id: int) -> None:
    saved = get_saved(session, user_id, saved_id)
    saved.last_viewed_at = utcnow()
    session.commit()


# --- private feeds -----------------------------------------------------------------


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits: not guessable, fits the column


def enable_feed(session: Session, user_id: int, saved_id: int) -> SavedSearch:
    """Give the search a (new) private feed address; an old address stops working."""
    saved = get_saved(session, user_id, saved_id)
    saved.feed_token = new_feed_token()
    session.commit()
    return saved


def revoke_feed(session: Session, user_id: int, saved_id: int) -> SavedSearch:
    saved = get_saved(session, user_id, saved_id)
    saved.feed_token = None
    session.commit()
    return saved


def saved_by_feed_token(session: Session, token: str) -> SavedSearch | None:
    if not token or len(token) > 64:
        return None
    saved = session.scalar(select(SavedSearch).where(SavedSearch.feed_token == token))
    # the index lookup narrowed it down; compare in constant time anyway
    if saved is None or not secrets.compare_digest(saved.feed_token or "", token):
        return None
    return saved


def recent_hits(session: Session, saved_id: int, limit: int = 50) -> list[SavedSearchHit]:
    return list(
        session.scalars(
            select(SavedSearchHit)
            .where(SavedSearchHit.saved_search_id == saved_id)
            .order_by(SavedSearchHit.found_at.desc(), SavedSearchHit.seq.desc())
            .limit(limit)
        )
    )


# --- digests shown on /saved -------------------------------------------------------


def pending_digests(session: Session, user_id: int) -> list[tuple[AlertDigest, set[int]]]:
    """Digests not yet accepted by the mail server, with the searches they cover."""
    digests = list(
        session.scalars(
            select(AlertDigest)
            .where(AlertDigest.user_id == user_id, AlertDigest.status != "sent")
            .order_by(AlertDigest.created_at)
        )
    )
    out = []
    for d in digests:
        ids = set(
            session.scalars(select(SavedSearchHit.saved_search_id).where(SavedSearchHit.digest_id == d.id).distinct())
        )
        out.append((d, ids))
    return out


# --- search history ----------------------------------------------------------------


def record_search(
    session: Session,
    user_id: int,
    q: str,
    filters: dict[str, list[str]],
    sort: str,
    total: int,
    scope: str = DEFAULT_SCOPE,
    now: datetime | None = None,
    dates: dict[str, str] | None = None,
) -> None:
    """Remember a search; the same search again (e.g. paging) only moves to the top.
    Keeps the newest HISTORY_KEEP per user."""
    now = now or utcnow()
    last = session.scalar(
        select(SearchHistory)
        .where(SearchHistory.user_id == user_id)
        .order_by(SearchHistory.searched_at.desc(), SearchHistory.id.desc())
        .limit(1)
    )
    dates = dates or {}
    if (
        last is not None
        and last.q == q
        and (last.filters or {}) == filters
        and last.sort == sort
        and last.scope == scope
        and (last.dates or {}) == dates
    ):
        last.searched_at, last.total = now, total
    else:
        session.add(
            SearchHistory(
                user_id=user_id, q=q, filters=filters, dates=dates, sort=sort, scope=scope, total=total, searched_at=now
            )
        )
        session.flush()
        keep = (
            select(SearchHistory.id)
            .where(SearchHistory.user_id == user_id)
            .order_by(SearchHistory.searched_at.desc(), SearchHistory.id.desc())
            .limit(HISTORY_KEEP)
        )
        keep_ids = list(session.scalars(keep))
        session.execute(
            delete(SearchHistory).where(and_(SearchHistory.user_id == user_id, SearchHistory.id.not_in(keep_ids)))
        )
    session.commit()


def list_history(session: Session, user_id: int) -> list[SearchHistory]:
    return list(
        session.scalars(
            select(SearchHistory)
            .where(SearchHistory.user_id == user_id)
            .order_by(SearchHistory.searched_at.desc(), SearchHistory.id.desc())
            .limit(HISTORY_KEEP)
        )
    )


def clear_history(session: Session, user_id: int) -> int:
    deleted = changed_rows(session, delete(SearchHistory).where(SearchHistory.user_id == user_id))
    session.commit()
    return deleted
