"""The facets, as objects: one registry says what each facet is called, how
people read it and type it, and what kind of values it holds.

The query types (`types.FACETS` ...), the parser (`facet:value` names and
aliases, year ranges, true/false values), the search service (year order,
citation rules) and the web app (labels, help, value wording) all read it, so a
facet is added or renamed here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FacetKind = Literal["keyword", "citation", "year", "boolean"]


@dataclass(frozen=True)
class Facet:
    """One facet.

    `kind`: "citation" values are citation keys, and a key also stands for every
    key below it (`ODG | Low Back` takes in `ODG | Low Back | Lumbar supports`);
    "year" values are the year of the date `date_field` (a range on the facet,
    `decision_year:2018..2020`, is that date's range; years list newest first);
    "boolean" values are `true`/`false` (shown Yes/No); "keyword" is plain text.
    `counted`: listed with counts beside the results and typeable inline; a facet
    that is not (the near-duplicate group) is indexed and filterable only."""

    name: str
    label: str
    help: str | None = None
    aliases: tuple[str, ...] = ()  # other names people type before the colon
    kind: FacetKind = "keyword"
    date_field: str | None = None
    counted: bool = True


# In the order the results page lists them.
REGISTRY: dict[str, Facet] = {
    f.name: f
    for f in (
        Facet(
            "decision",
            "Decision",
            "Upheld: the denial stands. Overturned: the treatment was found medically necessary.",
        ),
        Facet(
            "citation",
            "Guideline cited (by anyone)",
            "Guideline citations by either party (the claims administrator's denial or the IMR reviewer), "
            "normalised so differently worded letters count together.",
            aliases=("cite", "cites"),
            kind="citation",
        ),
        Facet(
            "reviewer_citation",
            "Guideline the reviewer cited",
            "Only the guidelines the IMR reviewer relied on: what a precedent rests on.",
            kind="citation",
        ),
        Facet("source", "Guideline source"),
        Facet("treatment", "Treatment"),
        Facet("body_region", "Body region", aliases=("region",)),
        Facet("specialty", "Reviewer specialty"),
        Facet("licensure", "Reviewer licensure", aliases=("state",)),
        Facet("injury_year", "Year of injury", kind="year", date_field="injury_date"),
        Facet("decision_year", "Year decided", aliases=("year",), kind="year", date_field="decision_date"),
        Facet(
            "mtus_based",
            "Reviewer based decision on MTUS",
            "Whether the IMR reviewer based the decision on the MTUS (No: the reviewer went outside "
            "the MTUS or cited nothing from it).",
            kind="boolean",
        ),
        Facet(
            "edition",
            "Guideline edition",
            "The guideline part and the edition year the letter names (e.g. the 2009 or 2016 "
            "Chronic Pain Medical Treatment Guidelines).",
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
