"""Saving a passage from the index as a bookmark (snapshot taken now)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from webapp.bookmarks.snapshot import lookup_passage, snapshot_of
from webapp.bookmarks.store import create_bookmark, find_by_passage
from webapp.db.models import Bookmark


class PassageNotFound(LookupError):
    """The passage id is not in the current index."""


def save_passage(
    session: Session, user_id: int, passage_id: str, note: Any = "", matters: Iterable[Any] = ()
) -> tuple[Bookmark, bool]:
    """Bookmark a passage by id. An already saved passage is not looked up
    again (its snapshot stays as saved); new note text and matters are added."""
    existing = find_by_passage(session, user_id, passage_id)
    if existing is not None:
        return create_bookmark(session, user_id, existing.snapshot, note=note, matters=matters)
    found = lookup_passage(passage_id)
    if found is None:
        raise PassageNotFound(f"no passage with id {passage_id!r} in the index")
    passage, letter = found
    return create_bookmark(session, user_id, snapshot_of(passage, letter), note=note, matters=matters)
