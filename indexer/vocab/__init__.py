"""Canonical vocabularies, kept as TOML data files beside this module.

The vocabularies grow with the corpus, so they are data, not code: add a
wording, topic, drug or specialty to a `.toml` file and every user (parser,
search, synthetic-letter generator) picks it up. Each loader reads its file
once per process (cached) and returns immutable objects.

Loaders (all cached, no arguments):

- `abbreviations() -> dict[str, list[str]]`       abbreviations.toml: "MBB" -> ["medial branch block"]
- `abbreviation_equivalents() -> dict[str, list[str]]`  the same table usable both ways, keyed by the
                                                   lowercased term: "mbb" -> ["medial branch block"],
                                                   "medial branch block" -> ["MBB"]
- `sources() -> list[Source]`                      guidelines.toml: MTUS, ODG, ACOEM, Other and their wordings
- `chapters() -> list[Chapter]`                    guidelines.toml: canonical chapters per source, with
                                                   `aliases` (wordings used after the source word) and
                                                   `standalone_aliases` (wordings that name it alone)
- `chapter_by_key() -> dict[str, Chapter]`         "ODG | Neck and Upper Back" -> Chapter
- `topics() -> list[Topic]`                        guidelines.toml: canonical topics, their wordings and the
                                                   "SOURCE | Chapter" keys where they are usually found
- `mtus_parts() -> list[MtusPart]`               guidelines.toml: MTUS parts as the 2016-17 letters name them
                                                   ("Low Back Complaints 2004, Section(s): ..."), their
                                                   editions and section titles
- `acoem_chapters() -> list[str]`                 guidelines.toml: ACOEM chapter titles of its later
                                                   editions (cited outside the MTUS)
- `guideline_fillers() -> list[str]`               words between chapter and topic that mean nothing
                                                   ("Chapter", "(Acute & Chronic)", "Procedure Summary")
- `treatments() -> list[TreatmentCategory]`        treatments.toml: category, trigger words, regex patterns
- `medication_classes() -> dict[str, list[str]]`   treatments.toml: drug class -> drug names
- `body_regions() -> list[BodyRegion]`             body_regions.toml: region, trigger words, regex patterns
- `specialties() -> list[Specialty]`               specialties.toml: reviewer specialty and its aliases
- `states() -> dict[str, str]`                     states.toml: "California" -> "CA"
- `drug_names() -> list[tuple[str, ...]]`          drugs.toml: one tuple per drug, generic name first, then
                                                   the brand names letters use ("hydrocodone", "Norco", ...)
- `equivalent_names() -> list[tuple[str, ...]]`    equivalents.toml: other wordings of one thing
                                                   ("preoperative", "pre-op", "preop")
- `compound_prefixes() -> tuple[str, ...]`         equivalents.toml: beginnings written joined or hyphenated

Every wording list puts the canonical wording first where it is also an alias.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from indexer.model import citation_key


@dataclass(frozen=True)
class Source:
    name: str  # "MTUS" | "ODG" | "ACOEM" | "Other"
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Chapter:
    source: str
    name: str
    aliases: tuple[str, ...]  # need the source word before them ("ODG ... Neck")
    standalone_aliases: tuple[str, ...]  # name the chapter on their own
    body_region: str | None = None
    generic: bool = False  # catch-all ("ACOEM Practice Guidelines"), replaced by a numbered chapter
    acoem_chapter: int | None = None

    @property
    def key(self) -> str:
        return citation_key(self.source, self.name)

    @property
    def wordings(self) -> tuple[str, ...]:
        """Every wording of this chapter (for generators): standalone ones first."""
        return self.standalone_aliases + self.aliases


@dataclass(frozen=True)
class Topic:
    name: str
    aliases: tuple[str, ...]
    chapters: tuple[str, ...]  # "SOURCE | Chapter" keys where the topic usually appears


@dataclass(frozen=True)
class MtusPart:
    """An MTUS part as the 2016-17 letters name it ("Low Back Complaints 2004, Section(s): ...")."""

    chapter: str  # canonical MTUS chapter name
    wordings: tuple[str, ...]
    editions: tuple[str, ...]
    sections: tuple[str, ...]  # known section titles (some hold commas)
    section_chapters: tuple[tuple[str, str], ...] = ()  # section title -> a chapter of its own
    numbered_sections: bool = False  # "3.3.6 Opioids for ...: Use of Urine Drug Testing (UDT)"


@dataclass(frozen=True)
class TreatmentCategory:
    name: str
    triggers: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class BodyRegion:
    name: str
    triggers: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Specialty:
    name: str
    aliases: tuple[str, ...]


def _load(name: str) -> dict[str, Any]:
    with resources.files(__name__).joinpath(name).open("rb") as fh:
        return tomllib.load(fh)


@cache
def abbreviations() -> dict[str, list[str]]:
    data = _load("abbreviations.toml")["abbreviations"]
    return {k: list(v) for k, v in data.items()}


@cache
def abbreviation_equivalents() -> dict[str, list[str]]:
    """Both directions of `abbreviations()`, keyed by lowercased term."""
    out: dict[str, list[str]] = {}

    def add(term: str, other: str) -> None:
        bucket = out.setdefault(term.lower(), [])
        if other not in bucket and other.lower() != term.lower():
            bucket.append(other)

    for abbr, expansions in abbreviations().items():
        for exp in expansions:
            add(abbr, exp)
            add(exp, abbr)
    return out


@cache
def _guidelines() -> dict[str, Any]:
    return _load("guidelines.toml")


@cache
def sources() -> list[Source]:
    return [Source(s["name"], tuple(s.get("aliases", ()))) for s in _guidelines()["source"]]


@cache
def chapters() -> list[Chapter]:
    return [
        Chapter(
            source=c["source"],
            name=c["name"],
            aliases=tuple(c.get("aliases", ())),
            standalone_aliases=tuple(c.get("standalone_aliases", ())),
            body_region=c.get("body_region"),
            generic=bool(c.get("generic", False)),
            acoem_chapter=c.get("acoem_chapter"),
        )
        for c in _guidelines()["chapter"]
    ]


@cache
def chapter_by_key() -> dict[str, Chapter]:
    return {c.key: c for c in chapters()}


@cache
def topics() -> list[Topic]:
    return [Topic(t["name"], tuple(t.get("aliases", ())), tuple(t.get("chapters", ()))) for t in _guidelines()["topic"]]


@cache
def mtus_parts() -> list[MtusPart]:
    data = _guidelines()
    acoem = tuple(data.get("mtus_sections", {}).get("acoem", ()))
    out = []
    for p in data.get("mtus_part", ()):
        chapter = p["chapter"]
        own = tuple(p.get("sections", ()))
        # ACOEM body-part chapters share their section titles
        sections = own + acoem if chapter.startswith("ACOEM Chapter") else own
        out.append(
            MtusPart(
                chapter,
                tuple(p["wordings"]),
                tuple(p.get("editions", ())),
                sections,
                tuple(p.get("section_chapters", {}).items()),
                bool(p.get("numbered_sections", False)),
            )
        )
    return out


@cache
def acoem_chapters() -> list[str]:
    """Chapter titles of the ACOEM guidelines' later editions, as cited outside the MTUS."""
    return list(_guidelines().get("acoem_outside_mtus", {}).get("chapters", ()))


@cache
def guideline_fillers() -> list[str]:
    return list(_guidelines().get("fillers", ()))


@cache
def treatments() -> list[TreatmentCategory]:
    return [
        TreatmentCategory(c["name"], tuple(c.get("triggers", ())), tuple(c.get("patterns", ())))
        for c in _load("treatments.toml")["category"]
    ]


@cache
def medication_classes() -> dict[str, list[str]]:
    data = _load("treatments.toml").get("category_classes", {}).get("medication", {})
    return {k: list(v) for k, v in data.items()}


@cache
def body_regions() -> list[BodyRegion]:
    return [
        BodyRegion(r["name"], tuple(r.get("triggers", ())), tuple(r.get("patterns", ())))
        for r in _load("body_regions.toml")["region"]
    ]


@cache
def specialties() -> list[Specialty]:
    return [Specialty(s["name"], tuple(s.get("aliases", ()))) for s in _load("specialties.toml")["specialty"]]


@cache
def states() -> dict[str, str]:
    return dict(_load("states.toml")["states"])


__all__ = [
    "BodyRegion",
    "Chapter",
    "MtusPart",
    "Source",
    "Specialty",
    "Topic",
    "TreatmentCategory",
    "abbreviation_equivalents",
    "abbreviations",
    "acoem_chapters",
    "body_regions",
    "chapter_by_key",
    "chapters",
    "compound_prefixes",
    "drug_names",
    "equivalent_names",
    "guideline_fillers",
    "medication_classes",
    "mtus_parts",
    "sources",
    "specialties",
    "states",
    "topics",
    "treatments",
]


@cache
def drug_names() -> list[tuple[str, ...]]:
    """Each drug's names, generic first: search treats them as synonyms both ways."""
    out = []
    for entry in _load("drugs.toml").get("drug", []):
        names = [str(entry["generic"])] + [str(n) for n in entry.get("names", [])]
        out.append(tuple(dict.fromkeys(n.strip() for n in names if n.strip())))
    return out


@cache
def equivalent_names() -> list[tuple[str, ...]]:
    """Other wordings of one thing (pre-op, preoperative): synonyms both ways, like drug names."""
    out = []
    for entry in _load("equivalents.toml").get("same", []):
        names = tuple(dict.fromkeys(str(n).strip() for n in entry.get("names", []) if str(n).strip()))
        if len(names) > 1:
            out.append(names)
    return out


@cache
def compound_prefixes() -> tuple[str, ...]:
    """Word beginnings letters write both joined and hyphenated (pre-operative, preoperative)."""
    prefixes = _load("equivalents.toml").get("compounds", {}).get("prefixes", [])
    return tuple(sorted({str(p).lower() for p in prefixes if str(p).strip()}, key=lambda p: (-len(p), p)))
