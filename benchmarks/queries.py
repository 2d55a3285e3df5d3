"""The fixed query mix: what workers' compensation attorneys type, with facets.

Thirty-eight queries covering every part of the query language (keywords,
phrases, citations as typed and as `citation:` filters, proximity both ways,
prefix, root expander, abbreviations, field terms, boolean operators, an empty
browse) with zero to three facet filters each. Values refer to the canonical
vocabularies, so they exist in any corpus `imr synth` writes. Never reorder or
edit an entry in place: results are compared across runs; append instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BenchQuery:
    q: str
    filters: dict[str, list[str]] = field(default_factory=dict)
    kind: str = "keywords"


QUERIES: tuple[BenchQuery, ...] = (
    BenchQuery("medial branch block", kind="keywords"),
    BenchQuery('"no more than two levels"', kind="phrase"),
    BenchQuery("ODG Neck Facet joint diagnostic blocks", kind="citation"),
    BenchQuery("MBB radicular", {"decision": ["Upheld"]}, kind="abbreviation"),
    BenchQuery("ESI", {"decision": ["Upheld"], "body_region": ["lumbar"]}, kind="abbreviation"),
    BenchQuery("radicular w/5 injection", kind="proximity"),
    BenchQuery('"facet block"~5', {"body_region": ["cervical"]}, kind="proximity"),
    BenchQuery("opioid* functional improvement", {"treatment": ["medication"]}, kind="prefix"),
    BenchQuery("Norco", kind="keywords"),
    BenchQuery("PPI gastrointestinal", {"source": ["ODG"]}, kind="abbreviation"),
    BenchQuery(
        'citation:"MTUS | Chronic Pain Medical Treatment Guidelines | Opioids, criteria for use"',
        kind="citation filter",
    ),
    BenchQuery("urine drug screen", {"specialty": ["Physical Medicine & Rehabilitation"]}, kind="keywords"),
    BenchQuery("acupuncture functional improvement", {"decision": ["Overturned"]}, kind="keywords"),
    BenchQuery(
        "physical therapy home exercise program",
        {"body_region": ["lumbar"], "decision": ["Upheld"], "licensure": ["California"]},
        kind="keywords",
    ),
    BenchQuery("RFA", kind="abbreviation"),
    BenchQuery('"straight leg raise"', kind="phrase"),
    BenchQuery("MRI red flags", {"body_region": ["lumbar"]}, kind="abbreviation"),
    BenchQuery(
        "surgery conservative care",
        {"body_region": ["shoulder"], "treatment": ["surgery"], "decision": ["Overturned"]},
        kind="keywords",
    ),
    BenchQuery("TENS trial", kind="abbreviation"),
    BenchQuery("topical compound* gabapentin", kind="prefix"),
    BenchQuery("cyclobenzaprine OR Flexeril", {"decision": ["Upheld"]}, kind="boolean"),
    BenchQuery("muscle relaxant -Soma", kind="boolean"),
    BenchQuery("massage adjunct exercise", kind="keywords"),
    BenchQuery("chiropractic maintenance care", {"treatment": ["chiropractic"]}, kind="keywords"),
    BenchQuery("CBT sessions", {"decision": ["Upheld", "Overturned"]}, kind="abbreviation"),
    BenchQuery("zolpidem insomnia", kind="keywords"),
    BenchQuery("benzodiazepine dependence", {"specialty": ["Psychiatry", "Psychology"]}, kind="keywords"),
    BenchQuery('"carpal tunnel"', {"source": ["ODG"]}, kind="phrase"),
    BenchQuery("item:norco", {"decision": ["Upheld"]}, kind="field"),
    BenchQuery("decision:overturned epidural", kind="field"),
    BenchQuery("ODG Low Back MRIs", kind="citation"),
    BenchQuery("weaning withdrawal", kind="keywords"),
    BenchQuery("knee arthroplasty osteoarthritis", {"body_region": ["knee"]}, kind="keywords"),
    BenchQuery("(facet OR epidural) AND fluoroscopy", {"licensure": ["California"]}, kind="boolean"),
    BenchQuery("", {"decision": ["Overturned"], "injury_year": ["2012"]}, kind="browse"),
    BenchQuery("", kind="browse"),
    BenchQuery("functional restoration program motivation", kind="keywords"),
    BenchQuery("sedation confound*", {"mtus_based": ["false"]}, kind="prefix"),
    BenchQuery("neuropath! pain", {"treatment": ["medication"], "source": ["MTUS"]}, kind="root expander"),
)

assert len(QUERIES) >= 30
