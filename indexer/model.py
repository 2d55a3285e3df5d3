"""The domain: a Letter holds Passages, a Passage holds Citations.

These dataclasses are the contract between the parser, the index, the search
service and the web app. Everything is plain data (str/int/bool/list/None) so a
Letter round-trips through JSON (`to_dict` / `from_dict`) without loss: the
index keeps parsed letters as JSON and the web app renders them back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

DECISIONS = ("Upheld", "Overturned")

# Passage fields that hold free text a user searches and the UI highlights.
TEXT_FIELDS = ("item", "item_context", "rationale", "claims_administrator_guideline", "reviewer_guideline")


@dataclass
class Citation:
    """One guideline citation, canonicalised so differently worded letters agree.

    `raw` is the exact span in the passage field named by `field`, at
    `[start, end)`, so the UI can highlight what the letter actually said.
    """

    source: str  # MTUS, ACOEM, ODG or Other
    chapter: str | None
    topic: str | None
    pages: str | None
    cited_by: str  # claims_administrator, reviewer or rationale
    raw: str
    field: str  # passage field the span is in, e.g. "reviewer_guideline"
    # None when the span no longer points into one field (a passage folded from many)
    start: int | None
    end: int | None
    # The edition the letter names ("2004", "2009", "2016"...), None when it names none.
    # Not part of `key`: a chapter's citations aggregate across editions.
    edition: str | None = None

    @property
    def key(self) -> str:
        return citation_key(self.source, self.chapter, self.topic)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["key"] = self.key
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        kw: dict[str, Any] = {f.name: d.get(f.name) for f in fields(cls)}
        return cls(**kw)


def make_passage_id(letter_id: str, ordinal: int) -> str:
    """The id of a letter's passage: `<letter id>-<ordinal>` (ordinal 0: a letter kept as
    whole text). Ids are permalinks (bookmarks, saved-search hits and URLs keep them)."""
    return f"{letter_id}-{ordinal}"


KEY_SEPARATOR = " | "


@dataclass(frozen=True, order=True)
class CitationKey:
    """A canonical citation id: `source | chapter | topic`, the chapter and topic optional
    (`ODG`, `ODG | Low Back`, `ODG | Low Back | Lumbar supports`).

    Keys form a hierarchy: a key is *under* itself and every key it extends, and a
    citation filter on a key takes in every key under it (`ODG | Low Back` finds the
    passages citing one of its topics). Engines match that as the key or its
    `descendant_prefix`; everything else asks `is_under`."""

    parts: tuple[str, ...]

    @classmethod
    def of(cls, source: str, chapter: str | None = None, topic: str | None = None) -> CitationKey:
        return cls(tuple(p for p in (source, chapter, topic) if p))

    @classmethod
    def parse(cls, text: str) -> CitationKey:
        """A key as written (`ODG|Low Back`, `ODG | Low Back `): its parts, trimmed."""
        return cls(tuple(p.strip() for p in str(text).split("|") if p.strip()))

    def __str__(self) -> str:
        return KEY_SEPARATOR.join(self.parts)

    @property
    def source(self) -> str:
        return self.parts[0] if self.parts else ""

    @property
    def chapter(self) -> str | None:
        return self.parts[1] if len(self.parts) > 1 else None

    @property
    def topic(self) -> str | None:
        return KEY_SEPARATOR.join(self.parts[2:]) if len(self.parts) > 2 else None

    @property
    def parent(self) -> CitationKey | None:
        """The key one level up (a topic's chapter, a chapter's source); None for a source."""
        return CitationKey(self.parts[:-1]) if len(self.parts) > 1 else None

    def is_under(self, other: CitationKey) -> bool:
        """This key is `other` or one below it."""
        return self.parts[: len(other.parts)] == other.parts

    @property
    def descendant_prefix(self) -> str:
        """What every key strictly below this one starts with, as text (for prefix queries)."""
        return str(self) + KEY_SEPARATOR

    def lower(self) -> CitationKey:
        return CitationKey(tuple(p.lower() for p in self.parts))


def citation_key(source: str, chapter: str | None, topic: str | None = None) -> str:
    """`source | chapter | topic`, omitting empty parts: the canonical citation id as text."""
    return str(CitationKey.of(source, chapter, topic))


@dataclass
class Reviewer:
    specialties: list[str] = field(default_factory=list)
    board_certified: list[str] = field(default_factory=list)
    licensure: list[str] = field(default_factory=list)


@dataclass
class Patient:
    age: int | None = None
    sex: str | None = None  # "female" | "male" | None


@dataclass
class Section:
    """A titled section of the letter as printed (for the letter page)."""

    title: str
    text: str


@dataclass
class Passage:
    """One disputed item with its decision and rationale: the unit of search.

    A letter whose issues could not be recognised becomes a single passage with
    ordinal 0, decision None and `unparsed=True`, holding the whole text in
    `rationale`, so it stays searchable.
    """

    passage_id: str
    letter_id: str
    ordinal: int
    item: str
    decision: str | None
    claims_administrator_guideline: str = ""
    reviewer_guideline: str = ""
    rationale: str = ""
    treatment: str | None = None
    body_region: str | None = None
    # Who based what on the MTUS: `mtus_based` is the IMR reviewer's basis (what the
    # `mtus_based` facet filters on), `claims_administrator_mtus_based` the claims
    # administrator's. Each is False when that party says it went outside the MTUS,
    # True when it cites the MTUS, None when its paragraph is silent.
    mtus_based: bool | None = None
    citations: list[Citation] = field(default_factory=list)
    unparsed: bool = False
    claims_administrator_mtus_based: bool | None = None
    # For a partly authorised request: the letter's sentence about what was authorised
    # ("... was authorized by the Claims Administrator."); `item` is the disputed rest.
    item_context: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "citations"}
        d["citations"] = [c.to_dict() for c in self.citations]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        kw: dict[str, Any] = {f.name: d.get(f.name) for f in fields(cls) if f.name in d}
        kw["citations"] = [Citation.from_dict(c) for c in d.get("citations", [])]
        return cls(**kw)


@dataclass
class Letter:
    letter_id: str
    source_file: str
    case_number: str | None = None
    date_of_injury: str | None = None  # ISO dates: YYYY-MM-DD
    date_assigned: str | None = None
    decision_date: str | None = None
    ur_denial_date: str | None = None
    application_received: str | None = None
    reviewer: Reviewer = field(default_factory=Reviewer)
    patient: Patient = field(default_factory=Patient)
    summary: str = ""
    diagnoses: list[str] = field(default_factory=list)
    body_regions: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    text: str = ""  # the whole letter, cleaned of extraction damage
    warnings: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        return any(not p.unparsed for p in self.passages)

    def to_dict(self) -> dict[str, Any]:
        d = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("reviewer", "patient", "sections", "passages")
        }
        d["reviewer"] = asdict(self.reviewer)
        d["patient"] = asdict(self.patient)
        d["sections"] = [asdict(s) for s in self.sections]
        d["passages"] = [p.to_dict() for p in self.passages]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Letter:
        simple: dict[str, Any] = {
            f.name: d.get(f.name)
            for f in fields(cls)
            if f.name in d and f.name not in ("reviewer", "patient", "sections", "passages")
        }
        return cls(
            **simple,
            reviewer=Reviewer(**d.get("reviewer", {})),
            patient=Patient(**d.get("patient", {})),
            sections=[Section(**s) for s in d.get("sections", [])],
            passages=[Passage.from_dict(p) for p in d.get("passages", [])],
        )
