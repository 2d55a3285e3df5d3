"""Recording each saved search's new results after an indexing run.

A saved search keeps a cursor into the index's history: (lineage, the highest
passage number it has been checked against). A run builds one small index of
the passages above the lowest cursor (`indexer.search.delta`), runs every
saved search over it, records the matches above that search's own cursor and
moves the cursor to the top, in one transaction per search. Hits are unique
per (search, passage), so a passage is never recorded twice, whatever runs
overlap or repeat.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from indexer.model import Letter, Passage
from indexer.query.tree import DEFAULT_SCOPE
from indexer.search.delta import DeltaIndex
from webapp.db.models import SavedSearch, SavedSearchHit, User, utcnow

if TYPE_CHECKING:  # pragma: no cover
    from indexer.search.service import SearchService

log = logging.getLogger(__name__)
EXCERPT = 600  # characters of the rationale kept for digests and feeds


@dataclass
class SearchMatches:
    saved_search_id: int
    user: str
    name: str
    new: int
    passage_ids: list[str] = field(default_factory=list)


@dataclass
class MatchReport:
    generation: str | None = None
    lineage: str | None = None
    top: int = 0  # the highest passage number in the index
    new_passages: int = 0  # passages looked at (above the lowest cursor)
    checked: int = 0  # saved searches run
    baselined: int = 0  # searches whose cursor was (re)set without recording anything
    matches: list[SearchMatches] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def hit_snapshot(passage: Passage, letter: Letter | None) -> dict[str, Any]:
    """What a digest, a feed entry and the new-results page show of a passage."""
    rationale = " ".join((passage.rationale or "").split())
    return {
        "passage_id": passage.passage_id,
        "letter_id": passage.letter_id,
        "ordinal": passage.ordinal,
        "item": passage.item or "",
        "decision": passage.decision,
        "treatment": passage.treatment,
        "body_region": passage.body_region,
        "citations": [{"key": c.key, "pages": c.pages, "cited_by": c.cited_by} for c in passage.citations],
        "excerpt": rationale[:EXCERPT] + ("…" if len(rationale) > EXCERPT else ""),
        "case_number": letter.case_number if letter else None,
        "decision_date": letter.decision_date if letter else None,
        "date_of_injury": letter.date_of_injury if letter else None,
        "specialties": list(letter.reviewer.specialties) if letter else [],
    }


def record_new_matches(session: Session, service: SearchService) -> MatchReport:
    lineage, top = service.history_position()
    report = MatchReport(generation=service.generation, lineage=lineage, top=top)
    if lineage is None:
        log.warning("alerts: the index predates passage numbering; re-index once to enable alerts")
        return report
    rows = session.execute(
        select(SavedSearch, User.username).join(User, User.id == SavedSearch.user_id).order_by(SavedSearch.id)
    ).all()
    due: list[tuple[SavedSearch, str]] = []
    for saved, username in rows:
        if saved.cursor_lineage != lineage:
            # saved before this index existed, or the index was replaced by a new one:
            # its numbers mean nothing here, so start from now rather than call it all new
            saved.cursor_lineage, saved.cursor_seq = lineage, top
            report.baselined += 1
        elif saved.cursor_seq < top:
            due.append((saved, username))
    session.commit()
    if not due:
        return report
    low = min(saved.cursor_seq for saved, _ in due)
    letters: dict[str, Letter | None] = {}
    with DeltaIndex.build(service, low) as delta:
        report.new_passages = len(delta.passages)
        for saved, username in due:
            ids = delta.matches(
                saved.q,
                saved.filters or {},
                after_seq=saved.cursor_seq,
                dates=saved.dates,
                scope=saved.scope or DEFAULT_SCOPE,
            )
            added = _record(session, saved, ids, delta.seq_of, service, letters, top)
            report.checked += 1
            if added:
                report.matches.append(SearchMatches(saved.id, username, saved.name, len(added), added))
    return report


def _record(
    session: Session,
    saved: SavedSearch,
    ids: list[str],
    seq_of: dict[str, int],
    service: SearchService,
    letters: dict[str, Letter | None],
    top: int,
) -> list[str]:
    """Add the hits not recorded yet and move the cursor, in one transaction."""
    search_id = saved.id
    for attempt in range(2):
        known = (
            set(
                session.scalars(
                    select(SavedSearchHit.passage_id).where(
                        SavedSearchHit.saved_search_id == search_id, SavedSearchHit.passage_id.in_(ids)
                    )
                )
            )
            if ids
            else set()
        )
        added = []
        now = utcnow()
        for pid in ids:
            if pid in known:
                continue
            passage = service.get_passage(pid)
            if passage is None:
                continue
            if passage.letter_id not in letters:
                letters[passage.letter_id] = service.get_letter(passage.letter_id)
            session.add(
                SavedSearchHit(
                    saved_search_id=search_id,
                    passage_id=pid,
                    letter_id=passage.letter_id,
                    seq=seq_of.get(pid, 0),
                    found_at=now,
                    snapshot=hit_snapshot(passage, letters[passage.letter_id]),
                )
            )
            added.append(pid)
        saved.cursor_seq = max(saved.cursor_seq, top)
        try:
            session.commit()
            return added
        except IntegrityError:
            # another run recorded some of them first: read what it wrote and add the rest
            session.rollback()
            fresh = session.get(SavedSearch, search_id)
            if fresh is None or attempt:
                raise
            saved = fresh
    return []
