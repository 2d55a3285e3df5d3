"""The facets, as objects: one registry says what each facet is called, how
people read it and type it, and what kind of values it holds.

The indexer (`documents.facet_values`: what values a passage carries), the query
types (`types.FACETS` ...), the parser (`facet:value` names and
aliases, year ranges, true/false values), the search service (year order,
citation rules) and the web app (labels, help, value wording) all read it, so a
facet is added or renamed here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from indexer.model import Letter, Passage

FacetKind = Literal["keyword", "citation", "year", "boolean"]
# A passage's values of a facet (None and blanks are dropped, duplicates kept once).
Extract = Callable[[Letter, Passage], Iterable[str | None]]


@dataclass(frozen=True)
class Facet:
    """One facet.

    `kind`: "citation" values are citation keys, and a key also stands for every
    key below it (`ODG | Low Back` takes in `ODG | Low Back | Lumbar supports`);
    "year" values are the year of the date `date_field` (a range on the facet,
    `decision_year:2018..2020`, is that date's range; years list newest first);
    "boolean" values are `true`/`false` (shown Yes/No); "keyword" is plain text.
    `counted`: listed with counts beside the results and typeable inline; a facet
    that is not (the near-duplicate group) is indexed and filterable only.
    `values`: what the indexer stores for a passage (indexer.index.documents);
    None when the indexer fills it in itself (the group needs the other passages)."""

    name: str
    label: str
    help: str | None = None
    aliases: tuple[str, ...] = ()  # other names people type before the colon
    kind: FacetKind = "keyword"
    date_field: str | None = None
    counted: bool = True
    values: Extract | None = None


def edition_label(source: str, chapter: str | None, edition: str) -> str:
    """The `edition` facet value of one citation: the guideline part and the year the letter
    names, e.g. "MTUS Chronic Pain Medical Treatment Guidelines 2016". A bare year would
    lump the 2016 Chronic Pain and Opioid guidelines with every other 2016 part, and
    within a passage could not say which part it dates."""
    if chapter and source == "MTUS":
        return f"MTUS {chapter} {edition}"
    return " ".join(p for p in (source, chapter, edition) if p)


# In the order the results page lists them.
REGISTRY: dict[str, Facet] = {
    f.name: f
    for f in (
        Facet(
            "decision",
            "Decision",
            "Upheld: the denial stands. Overturned: the treatment was found medically necessary.",
            values=lambda letter, p: [p.decision],
        ),
        Facet(
            "citation",
            "Guideline cited (by anyone)",
            "Guideline citations by either party (the claims administrator's denial or the IMR reviewer), "
            "normalised so differently worded letters count together.",
            aliases=("cite", "cites"),
            kind="citation",
            values=lambda letter, p: (c.key for c in p.citations),
        ),
        Facet(
            "reviewer_citation",
            "Guideline the reviewer cited",
            "Only the guidelines the IMR reviewer relied on: what a precedent rests on.",
            kind="citation",
            # what the IMR reviewer relied on (their guideline paragraph or rationale),
            # apart from what the claims administrator's paragraph cited
            values=lambda letter, p: (c.key for c in p.citations if c.cited_by != "claims_administrator"),
        ),
        Facet("source", "Guideline source", values=lambda letter, p: (c.source for c in p.citations)),
        Facet("treatment", "Treatment", values=lambda letter, p: [p.treatment]),
        Facet(
            "body_region",
            "Body region",
            aliases=("region",),
            # the request's own region, else the letter's
            values=lambda letter, p: [p.body_region] if p.body_region else (letter.body_regions or []),
        ),
        Facet(
            "specialty",
            "Reviewer specialty",
            values=lambda letter, p: letter.reviewer.specialties or letter.reviewer.board_certified,
        ),
        Facet(
            "licensure", "Reviewer licensure", aliases=("state",), values=lambda letter, p: letter.reviewer.licensure
        ),
        Facet(
            "injury_year",
            "Year of injury",
            kind="year",
            date_field="injury_date",
            values=lambda letter, p: [letter.date_of_injury[:4]] if letter.date_of_injury else [],
        ),
        Facet(
            "decision_year",
            "Year decided",
            aliases=("year",),
            kind="year",
            date_field="decision_date",
            values=lambda letter, p: [letter.decision_date[:4]] if letter.decision_date else [],
        ),
        Facet(
            "mtus_based",
            "Reviewer based decision on MTUS",
            "Whether the IMR reviewer based the decision on the MTUS (No: the reviewer went outside "
            "the MTUS or cited nothing from it).",
            kind="boolean",
            values=lambda letter, p: [] if p.mtus_based is None else ["true" if p.mtus_based else "false"],
        ),
        Facet(
            "edition",
            "Guideline edition",
            "The guideline part and the edition year the letter names (e.g. the 2009 or 2016 "
            "Chronic Pain Medical Treatment Guidelines).",
            values=lambda letter, p: (edition_label(c.source, c.chapter, c.edition) for c in p.citations if c.edition),
        ),
        # the near-duplicate group of a passage's rationale (see indexer.index.neardup):
        # about one value per passage, so never counted
        Facet("rationale_group", "Near-identical to the rationale of", counted=False),
    )
}


def of_kind(kind: FacetKind) -> tuple[str, ...]:
    """The names of the facets of one kind, in registry order."""
    return tuple(f.name for f in REGISTRY.values() if f.kind == kind)


def aliases() -> dict[str, str]:
    """Every name people may type before a colon for a counted facet -> the facet."""
    out = {f.name: f.name for f in REGISTRY.values() if f.counted}
    out.update({a: f.name for f in REGISTRY.values() if f.counted for a in f.aliases})
    return out


def date_fields() -> dict[str, str]:
    """Each year facet -> the date field it is the year of."""
    return {f.name: f.date_field for f in REGISTRY.values() if f.kind == "year" and f.date_field}
