"""What a bookmark remembers about its passage.

A bookmark stores the passage id *and* a snapshot of the passage and its
letter as they were when saved. Re-indexing can renumber, reword or drop
passages; the attorney's saved rationale must still read the same, and the
page flags it when the passage is no longer in the index.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from flask import current_app

from indexer.model import DECISIONS, CitationKey, Letter, Passage, citation_key

SNAPSHOT_VERSION = 1
TEXT_LIMIT = 200_000  # per field; a rationale is a few thousand characters
SHORT_LIMIT = 1_000

PASSAGE_TEXT = ("item", "rationale", "claims_administrator_guideline", "reviewer_guideline")
PASSAGE_SHORT = ("treatment", "body_region")
LETTER_FIELDS = ("case_number", "date_of_injury", "date_assigned", "decision_date", "ur_denial_date", "source_file")
CITATION_FIELDS = ("source", "chapter", "topic", "pages", "cited_by", "raw")


class SnapshotError(ValueError):
    """A snapshot (usually from an imported file) is not usable; says why."""


def snapshot_of(passage: Passage, letter: Letter | None) -> dict[str, Any]:
    """The snapshot saved with a new bookmark."""
    snap: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "passage_id": passage.passage_id,
        "letter_id": passage.letter_id,
        "ordinal": passage.ordinal,
        "decision": passage.decision,
        "mtus_based": passage.mtus_based,
        "unparsed": bool(passage.unparsed),
        "citations": [{"key": c.key, **{f: getattr(c, f) for f in CITATION_FIELDS}} for c in passage.citations],
    }
    for name in PASSAGE_TEXT + PASSAGE_SHORT:
        snap[name] = getattr(passage, name)
    letter_meta: dict[str, Any] = {"letter_id": passage.letter_id}
    if letter is not None:
        for name in LETTER_FIELDS:
            letter_meta[name] = getattr(letter, name)
        letter_meta["specialties"] = list(letter.reviewer.specialties)
        letter_meta["licensure"] = list(letter.reviewer.licensure)
    snap["letter"] = letter_meta
    return normalize_snapshot(snap)


def _text(value: Any, limit: int, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise SnapshotError(f"{name} must be text")
    return value[:limit]


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SnapshotError(f"{name} must be a list of text")
    return [s[:SHORT_LIMIT] for s in (_text(v, SHORT_LIMIT, name) for v in value) if s]


def normalize_snapshot(raw: Any) -> dict[str, Any]:
    """Check and tidy a snapshot (ours or from an imported file): known fields
    only, right types, bounded sizes. Raises SnapshotError with the reason."""
    if not isinstance(raw, dict):
        raise SnapshotError("snapshot must be an object")
    passage_id = _text(raw.get("passage_id"), 255, "passage_id")
    if not passage_id:
        raise SnapshotError("snapshot needs a passage_id")
    letter = raw.get("letter") or {}
    if not isinstance(letter, dict):
        raise SnapshotError("snapshot letter must be an object")
    letter_id = _text(raw.get("letter_id") or letter.get("letter_id"), 255, "letter_id")
    if not letter_id:
        raise SnapshotError("snapshot needs a letter_id")
    decision = raw.get("decision")
    if decision is not None:
        decision = _text(decision, 32, "decision") or ""
        canon = {d.lower(): d for d in DECISIONS}
        decision = canon.get(decision.strip().lower(), decision.strip()) or None
    ordinal = raw.get("ordinal", 0)
    if isinstance(ordinal, bool) or not isinstance(ordinal, int):
        try:
            ordinal = int(ordinal)
        except (TypeError, ValueError):
            raise SnapshotError("ordinal must be a whole number") from None
    mtus = raw.get("mtus_based")
    snap: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "passage_id": passage_id,
        "letter_id": letter_id,
        "ordinal": ordinal,
        "decision": decision,
        "mtus_based": mtus if isinstance(mtus, bool) else None,
        "unparsed": bool(raw.get("unparsed", False)),
    }
    for name in PASSAGE_TEXT:
        snap[name] = _text(raw.get(name), TEXT_LIMIT, name) or ""
    for name in PASSAGE_SHORT:
        snap[name] = _text(raw.get(name), SHORT_LIMIT, name)
    citations = raw.get("citations") or []
    if not isinstance(citations, list):
        raise SnapshotError("citations must be a list")
    snap["citations"] = [_citation(c) for c in citations]
    meta: dict[str, Any] = {"letter_id": letter_id}
    for name in LETTER_FIELDS:
        meta[name] = _text(letter.get(name), SHORT_LIMIT, f"letter.{name}")
    meta["specialties"] = _strings(letter.get("specialties"), "letter.specialties")
    meta["licensure"] = _strings(letter.get("licensure"), "letter.licensure")
    snap["letter"] = meta
    return snap


def _citation(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):  # a bare key, e.g. from a hand-written file
        parsed = CitationKey.parse(raw)
        raw = {"source": parsed.source, "chapter": parsed.chapter, "topic": parsed.topic, "key": raw}
    if not isinstance(raw, dict):
        raise SnapshotError("each citation must be an object or a citation key")
    out = {f: _text(raw.get(f), SHORT_LIMIT, f"citation.{f}") for f in CITATION_FIELDS}
    if not out["source"]:
        raise SnapshotError("each citation needs a source")
    out["key"] = citation_key(out["source"], out["chapter"], out["topic"])
    return out


def cited_by_party(snapshot: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(keys the IMR reviewer cited, keys cited only in the claims administrator's
    paragraph), each distinct, in first-cited order."""
    reviewer: dict[str, None] = {}
    administrator: dict[str, None] = {}
    for c in snapshot.get("citations") or []:
        key = c.get("key")
        if key:
            (administrator if c.get("cited_by") == "claims_administrator" else reviewer).setdefault(key, None)
    return list(reviewer), [k for k in administrator if k not in reviewer]


def citation_keys(snapshot: dict[str, Any]) -> list[str]:
    """Distinct citation keys of a snapshot, in first-cited order."""
    seen: dict[str, None] = {}
    for c in snapshot.get("citations") or []:
        key = c.get("key")
        if key:
            seen.setdefault(key[:255], None)
    return list(seen)


# --- the index, through the web app's SearchService -------------------------


@runtime_checkable
class PassageLookup(Protocol):
    """What bookmarks read from the index: `SearchService` is one (the type checker
    holds it to this), and so must be any stand-in a test puts in its place."""

    def get_passage(self, passage_id: str) -> Passage | None:
        """The passage with this id (`model.make_passage_id`), None if the index has none."""

    def get_letter(self, letter_id: str) -> Letter | None:
        """The letter with this id, None if the index has none."""


def _service() -> PassageLookup:
    from webapp.service import get_service

    return get_service()


def lookup_passage(passage_id: str) -> tuple[Passage, Letter | None] | None:
    """The passage and its letter from the current index, or None if absent.

    Raises webapp.service.IndexUnavailable when there is no index at all.
    """
    service = _service()
    passage = service.get_passage(passage_id)
    if passage is None:
        return None
    letter = service.get_letter(passage.letter_id)
    return passage, letter


def passages_in_index(passage_ids: list[str]) -> dict[str, bool | None]:
    """For each id: True/False whether the index still holds it, None when the
    index cannot be read (unknown, so nothing is flagged wrongly)."""
    from webapp.service import IndexUnavailable

    try:
        service = _service()
    except IndexUnavailable as exc:  # no index: unknown, not "missing"
        current_app.logger.warning("bookmarks: index unavailable, cannot check passages: %s", exc)
        return dict.fromkeys(passage_ids)
    out: dict[str, bool | None] = {}
    for pid in passage_ids:
        try:
            out[pid] = service.get_passage(pid) is not None
        except Exception:  # noqa: BLE001 - the store's errors vary by engine; logged, shown as unknown
            current_app.logger.exception("bookmarks: passage lookup failed for %s", pid)
            out[pid] = None
    return out
