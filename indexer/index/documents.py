"""From a parsed Letter to the flat documents every engine indexes.

Engines only ever see `IndexDoc`s: what text goes in which field, which facet
values a passage carries and its sort keys are decided here, once, so two
engines cannot index the same letter differently.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from indexer.index import neardup
from indexer.model import Letter, Passage, make_passage_id
from indexer.query.facets import REGISTRY
from indexer.query.tree import SUMMARY_FIELD, TEXT_FIELDS

_EPOCH = date(1900, 1, 1)


@dataclass
class IndexDoc:
    passage_id: str
    letter_id: str
    ordinal: int
    text: dict[str, str]  # one entry per tree.TEXT_FIELDS
    facets: dict[str, list[str]] = field(default_factory=dict)  # display values per types.FACETS
    decision_key: int = 0  # sort keys: see sort_key()
    injury_key: int = 0
    letter_key: int = 0  # the letter as a number (letter_key()): letters are counted from it
    decision_key_asc: int = 0  # oldest first: see oldest_first_key()
    injury_key_asc: int = 0
    signature: bytes | None = None  # MinHash of the rationale (neardup); the group is set at indexing
    # what an engine's `prepare_docs` made of it in the parsing worker (engine-specific)
    prepared: dict | None = None


def whole_text_passage(letter: Letter) -> Passage:
    """The single passage that keeps a letter without recognisable issues searchable."""
    name = Path(letter.source_file).name if letter.source_file else letter.letter_id
    return Passage(
        passage_id=make_passage_id(letter.letter_id, 0),
        letter_id=letter.letter_id,
        ordinal=0,
        item=f"Whole letter (issues not recognised): {name}",
        decision=None,
        rationale=letter.text or letter.summary or "",
        unparsed=True,
    )


def ensure_passages(letter: Letter) -> Letter:
    """Give a letter without passages its whole-text passage (in place)."""
    if not letter.passages:
        letter.passages = [whole_text_passage(letter)]
    return letter


def _days(iso: str | None) -> int:
    if not iso:
        return 0
    try:
        return (date.fromisoformat(iso[:10]) - _EPOCH).days + 1
    except ValueError:
        return 0


def sort_key(iso_date: str | None, passage_id: str) -> int:
    """A u64 that orders by date (missing dates lowest) and then by a fixed
    per-passage number, so a date sort has a total, stable order in every engine."""
    return (max(_days(iso_date), 0) << 32) | zlib.crc32(passage_id.encode("utf-8"))


def letter_key(letter_id: str) -> int:
    """A u64 standing for a letter id, so engines count distinct letters from a
    numeric column. 64 bits of BLAKE2b: at 1.6 million letters the chance that
    any two share a key is below one in ten million."""
    return int.from_bytes(hashlib.blake2b(letter_id.encode("utf-8"), digest_size=8).digest(), "big")


MAX_DAY = 1 << 24  # days after 1900: beyond any real date


def oldest_first_key(iso_date: str | None, passage_id: str) -> int:
    """A u64 whose descending order is oldest date first, missing dates still last."""
    days = max(_days(iso_date), 0)
    crc = zlib.crc32(passage_id.encode("utf-8"))
    return ((MAX_DAY - days) << 32) | crc if days else crc


def date_key_range(start: str | None, end: str | None) -> tuple[int, int]:
    """Inclusive bounds on a `sort_key` for dates from `start` to `end` (ISO days;
    None = open). A passage without the date never falls inside."""
    lo = (_days(start) << 32) if start else (1 << 32)
    hi = ((_days(end) << 32) | 0xFFFFFFFF) if end else (1 << 64) - 1
    return lo, hi


def _unique(values) -> list[str]:
    out: list[str] = []
    for v in values:
        if v is None:
            continue
        v = " ".join(str(v).split())
        if v and v not in out:
            out.append(v)
    return out


def facet_values(letter: Letter, p: Passage) -> dict[str, list[str]]:
    """The passage's values of every facet, as the facet registry extracts them
    (the near-duplicate group is filled in by the indexer, which knows the other passages)."""
    return {name: _unique(f.values(letter, p)) if f.values else [] for name, f in REGISTRY.items()}


def letter_doc(letter_id: str, summary: str) -> IndexDoc:
    """The letter's own document in the letter index: its case summary, once.

    Passages do not carry the summary (it would be stored and indexed once per
    disputed item); a summary term is looked up here and stands for the
    passages of the letters it finds."""
    return IndexDoc(
        passage_id=letter_id,
        letter_id=letter_id,
        ordinal=0,
        text={SUMMARY_FIELD: summary or ""},
        letter_key=letter_key(letter_id),
    )


def docs_for_letter(letter: Letter) -> list[IndexDoc]:
    """The letter's passage documents (the letter index takes `letter_doc`)."""
    ensure_passages(letter)
    docs = []
    lkey = letter_key(letter.letter_id)
    for p in letter.passages:
        keys = _unique(c.key for c in p.citations)
        text = {
            # the authorisation sentence of a partly authorised request is searched with its item
            "item": f"{p.item}\n{p.item_context}" if p.item_context else (p.item or ""),
            "rationale": p.rationale or "",
            "claims_administrator_guideline": p.claims_administrator_guideline or "",
            "reviewer_guideline": p.reviewer_guideline or "",
            "citations": " ; ".join(keys),
            "case_number": letter.case_number or "",
        }
        docs.append(
            IndexDoc(
                passage_id=p.passage_id,
                letter_id=letter.letter_id,
                ordinal=p.ordinal,
                text={f: text.get(f, "") for f in TEXT_FIELDS},
                facets=facet_values(letter, p),
                decision_key=sort_key(letter.decision_date, p.passage_id),
                injury_key=sort_key(letter.date_of_injury, p.passage_id),
                letter_key=lkey,
                decision_key_asc=oldest_first_key(letter.decision_date, p.passage_id),
                injury_key_asc=oldest_first_key(letter.date_of_injury, p.passage_id),
                signature=None if p.unparsed else neardup.signature(p.rationale),
            )
        )
    return docs
