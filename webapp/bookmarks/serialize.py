"""Bookmarks and matters as JSON-ready dicts: one shape for the API, the
bookmarks page's JSON twin and the JSON export (which import reads back)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from webapp.bookmarks.notes import render_note
from webapp.db.models import Bookmark, Matter
from webapp.urls import passage_url


def iso(dt) -> str | None:
    return dt.isoformat(timespec="seconds") if dt is not None else None


def matter_json(m: Matter, count: int | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"id": m.id, "name": m.name, "created_at": iso(m.created_at)}
    if count is not None:
        d["bookmarks"] = count
    return d


def letter_url(bm: Bookmark) -> str:
    return passage_url(bm.letter_id, bm.ordinal)


def bookmark_json(bm: Bookmark, in_index: bool | None = None, urls: bool = True) -> dict[str, Any]:
    snap = bm.snapshot or {}
    d: dict[str, Any] = {
        "id": bm.id,
        "passage_id": bm.passage_id,
        "letter_id": bm.letter_id,
        "ordinal": bm.ordinal,
        "item": bm.item,
        "decision": bm.decision,
        "decision_date": bm.decision_date,
        "date_of_injury": (snap.get("letter") or {}).get("date_of_injury"),
        "case_number": (snap.get("letter") or {}).get("case_number"),
        "citations": list(bm.citation_keys),
        "note": bm.note,
        "note_html": str(render_note(bm.note)),
        "matters": [{"id": m.id, "name": m.name} for m in bm.matters],
        "created_at": iso(bm.created_at),
        "updated_at": iso(bm.updated_at),
        "in_index": in_index,
        "snapshot": snap,
    }
    if urls:
        d["url"] = url_for("bookmarks_api.bookmark", bookmark_id=bm.id)
        d["page_url"] = url_for("bookmarks.edit", bookmark_id=bm.id)
        d["letter_url"] = letter_url(bm)
    return d
