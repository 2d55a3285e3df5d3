"""The bookmarks page's data, shared by the HTML page and its JSON twin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from webapp.bookmarks.serialize import bookmark_json, matter_json
from webapp.bookmarks.snapshot import passages_in_index
from webapp.bookmarks.store import (
    SORTS,
    BookmarkQuery,
    FilterOptions,
    MatterCount,
    Page,
    filter_options,
    list_bookmarks,
    list_matters,
)


@dataclass
class Listing:
    query: BookmarkQuery
    page: Page
    matters: list[MatterCount]
    options: FilterOptions
    in_index: dict[str, bool | None]

    @property
    def matter_name(self) -> str | None:
        for mc in self.matters:
            if mc.matter.id == self.query.matter:
                return mc.matter.name
        return None

    @property
    def missing(self) -> int:
        return sum(1 for v in self.in_index.values() if v is False)


def build_listing(session: Session, user_id: int, query: BookmarkQuery) -> Listing:
    page = list_bookmarks(session, user_id, query)
    return Listing(
        query=query,
        page=page,
        matters=list_matters(session, user_id),
        options=filter_options(session, user_id),
        in_index=passages_in_index([bm.passage_id for bm in page.bookmarks]),
    )


def listing_json(session: Session, user_id: int, query: BookmarkQuery) -> dict[str, Any]:
    listing = build_listing(session, user_id, query)
    return {
        "total": listing.page.total,
        "page": listing.page.page,
        "per_page": listing.page.per_page,
        "pages": listing.page.pages,
        "sort": query.sort,
        "sorts": list(SORTS),
        "filters": query.active(),
        "bookmarks": [bookmark_json(bm, listing.in_index.get(bm.passage_id)) for bm in listing.page.bookmarks],
        "matters": [matter_json(mc.matter, mc.count) for mc in listing.matters],
        "facets": {
            "decision": [{"value": v, "count": n} for v, n in listing.options.decisions],
            "citation": [{"value": v, "count": n} for v, n in listing.options.citations],
        },
    }
