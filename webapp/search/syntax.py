"""The query language as users read it: every operator with an example.

One table feeds the syntax help page (`/search/syntax`), its JSON twin
(`/api/syntax`) and the tests: each example marked `sample` finds passages in
the sample corpus (`corpus/`), the others are checked on the conformance
fixtures (the sample letters have no case numbers, decision dates or dosages).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Operator:
    group: str
    syntax: str  # how it is written
    example: str  # a query using it
    meaning: str
    sample: bool = True  # the example finds passages in the sample corpus


SYNTAX: tuple[Operator, ...] = (
    # words, phrases, boolean
    Operator(
        "Words and phrases",
        "word word",
        "facet joint injection",
        "all the words, anywhere in the passage; plurals and other word forms match (stemming)",
    ),
    Operator("Words and phrases", '"a phrase"', '"medial branch blocks"', "the words next to each other, in order"),
    Operator(
        "Words and phrases",
        '"a phrase"~n',
        '"facet injection"~3',
        "the words near each other, with up to n positions of slack",
    ),
    Operator("Words and phrases", "word*", "radicul*", "words starting with these letters"),
    Operator(
        "Words and phrases",
        "word!",
        "inject!",
        "root expander: every word with the same root (inject, injection, injected)",
    ),
    Operator(
        "Words and phrases", "word~  word~1", "acupunture~", "fuzzy: the index's words within two edits (one with ~1)"
    ),
    Operator("Boolean", "AND  &", "facet & cervical", "both (AND is also implied between words)"),
    Operator("Boolean", "OR", "acupuncture OR chiropractic", "either"),
    Operator("Boolean", "-word  NOT", "injection -lumbar", "without the word"),
    Operator(
        "Boolean",
        "%  BUT NOT",
        "injection BUT NOT lumbar",
        "without anything that follows (Westlaw's but-not: the rest of the query is excluded)",
    ),
    Operator("Boolean", "( )", "(cervical OR neck) facet", "grouping"),
    # connectors
    Operator("Connectors", "/n  w/n  NEAR/n", "radicular /5 pain", "within n words of each other, either order"),
    Operator("Connectors", "pre/n  +n", "medial pre/2 block", "the first word, then the second within n words"),
    Operator("Connectors", "/s  w/s", "facet /s injection", "in the same sentence"),
    Operator("Connectors", "pre/s  +s", "facet +s injection", "in the same sentence, the first word first"),
    Operator(
        "Connectors",
        "/p  w/p",
        "facet /p injection",
        "in the same paragraph: one field of the passage (the item, the rationale, a guideline, the summary)",
    ),
    Operator("Connectors", "pre/p  +p", "facet +p neurotomy", "in the same paragraph, the first word first"),
    Operator(
        "Connectors",
        "atleastN(word)",
        "atleast3(pain)",
        "not supported: the index cannot count occurrences exactly; the page says so and searches the word",
    ),
    # forms letters write
    Operator(
        "Levels, doses, numbers",
        "C4-5  C4/5  C4-C5",
        "C4-5",
        "a spinal level range, however written (also L4-5 = L4/5 = L4-L5, T12-L1, L5-S1)",
    ),
    Operator("Levels, doses, numbers", "C5-6", "C5-6", "finds C5/6 and C5-C6 too"),
    Operator("Levels, doses, numbers", "8 visits", "8 visits", "a number and its unit are one phrase"),
    Operator(
        "Levels, doses, numbers",
        "10/325  Norco 10/325",
        "Norco 10/325",
        "a dose as letters write it (finds Norco 10/325mg)",
        sample=False,
    ),
    Operator(
        "Levels, doses, numbers", "15 mg  15mg", "Oxycodone 15 mg", "a dose with or without the space", sample=False
    ),
    Operator(
        "Levels, doses, numbers",
        "#60  x 12  x12",
        "physical therapy x 12",
        "a quantity (#60) or a count of sessions (x 12 = x12)",
        sample=False,
    ),
    Operator(
        "Case numbers",
        "CM16-0213037",
        "CM16-0213037",
        "the letter's passages; a query that is exactly a case number offers to open the letter",
        sample=False,
    ),
    Operator("Case numbers", "case:CM16*", "case:CM16*", "letters whose case number starts so", sample=False),
    # vocabulary
    Operator(
        "Vocabulary",
        "brand or generic drug name",
        "hydrocodone",
        "brand and generic names find each other (hydrocodone finds Norco, Ultram finds tramadol)",
        sample=False,
    ),
    Operator("Vocabulary", "abbreviation", "MBB", "abbreviations and their expansions find each other (MBB, ESI, PPI)"),
    Operator(
        "Vocabulary",
        "a guideline as letters cite it",
        "ODG Neck Facet joint diagnostic blocks",
        "passages citing that guideline rank first; the page offers the citation filter",
    ),
    # fields, facets, dates
    Operator(
        "Fields and facets",
        "field:value",
        "item:injection",
        "only in one field: item, rationale, summary, guideline, case",
    ),
    Operator(
        "Fields and facets",
        "facet:value",
        "specialty:anesthesiology",
        "a facet value: decision, citation, source, treatment, body_region, specialty, licensure, ...",
    ),
    Operator(
        "Fields and facets",
        'citation:"..."',
        'citation:"ODG | Neck and Upper Back | Facet joint diagnostic blocks"',
        "every passage citing that guideline, however the letter worded it",
    ),
    Operator(
        "Dates",
        "injured:2014  injured:2009..2011",
        "injured:2009..2011",
        "date of injury in a year, month (2014-04), day or range; open ranges 2014.. and ..2011",
    ),
    Operator(
        "Dates",
        "decided:2016-07..2016-12",
        "decided:2016-07..2016-12",
        "decision date in a range (also >2020, >=2020, <2017, <=2017)",
        sample=False,
    ),
    Operator(
        "Dates",
        "injury_year:2010..2014  decision_year:>2020",
        "injury_year:2010..2014",
        "a year facet with a range or comparison is the same date range",
    ),
)


def syntax_json() -> list[dict]:
    return [asdict(op) for op in SYNTAX]
