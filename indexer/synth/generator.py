"""Compose one synthetic IMR letter and the facts it was built from.

`generate_letter(rng, index)` returns the letter text (already PDF-damaged) and
an `Expected` record: what a correct parser must read back (letter id, items,
decisions, citation keys, reviewer credentials, patient, dates). The corpus
writer stores these records as `manifest.jsonl`, and the round-trip test
compares them with the parser's output, which makes the generator a parser test.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from indexer.model import make_passage_id
from indexer.synth import content as C
from indexer.synth.citations import GuidelineWriter, Written
from indexer.synth.layout import PageLayout
from indexer.synth.people import Credentials, pick_credentials

DECISION_OVERTURN_RATE = 0.12
ITEM_COUNT_WEIGHTS = (30, 27, 18, 12, 8, 5)  # 1..6 items per letter: mean ~2.6


@dataclass
class ExpectedPassage:
    item: str
    decision: str
    treatment: str
    body_region: str | None
    family: str
    mtus_based: bool
    citation_keys: list[str]  # sorted, claims administrator + reviewer paragraphs
    claims_administrator_keys: list[str]
    reviewer_keys: list[str]


@dataclass
class Expected:
    index: int
    letter_id: str
    file: str  # relative path under the output folder
    case_number: str | None
    date_of_injury: str
    decision_date: str | None
    date_assigned: str | None
    specialties: list[str]
    licensure: list[str]
    credential_style: str
    age: int
    sex: str
    header_block: bool
    passages: list[ExpectedPassage] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def letter_rng(seed: int, index: int) -> random.Random:
    """Each letter has its own generator, so output is the same however work is split."""
    return random.Random(f"imr-synth:{seed}:{index}")


def file_name(index: int, rng: random.Random) -> str:
    """`0001234_<16 hex>.txt` in a folder per thousand, like the DWC's downloads."""
    return f"{index // 1000:04d}/{index:07d}_{rng.getrandbits(64):016x}.txt"


def case_number(seed: int, index: int, year: int) -> str:
    """Unique per index: 7919 is coprime with 10**7, so the map is a bijection."""
    return f"CM{year % 100:02d}-{(index * 7919 + seed * 104729) % 10_000_000:07d}"


def generate_letter(
    rng: random.Random, index: int = 0, seed: int = 0, writer: GuidelineWriter | None = None
) -> tuple[str, Expected]:
    """The letter text (PDF-damaged) and what a correct parser must read back from it."""
    composed = _compose(rng, index, seed, writer or GuidelineWriter.default())
    return composed.text, composed.expected


@dataclass
class _Composed:
    text: str
    expected: Expected
    items: list[_Item]
    summary: str
    regions: list[str]


def _compose(rng: random.Random, index: int, seed: int, writer: GuidelineWriter) -> _Composed:
    name = file_name(index, rng)
    decided = _pick_date(rng)
    injured = decided - timedelta(days=int(rng.triangular(60, 365 * 20, 365 * 2)))
    assigned = decided - timedelta(days=rng.randint(10, 45))
    received = assigned - timedelta(days=rng.randint(2, 12))
    ur_denial = received - timedelta(days=rng.randint(5, 40))
    creds = pick_credentials(rng)
    age = rng.randint(22, 74)
    sex = rng.choice(("female", "male"))
    regions = _pick_regions(rng)
    header = rng.random() < 0.45
    case_no = case_number(seed, index, decided.year) if header else None
    letter_id = case_no or name.rsplit("/", 1)[1][:-4]
    style = _Style(rng)

    items = [_make_item(rng, regions, writer, style) for _ in range(_weighted_count(rng))]
    expected = Expected(
        index=index,
        letter_id=letter_id,
        file=name,
        case_number=case_no,
        date_of_injury=injured.isoformat(),
        decision_date=decided.isoformat() if header else None,
        date_assigned=assigned.isoformat() if header else None,
        specialties=creds.specialties,
        licensure=creds.licensure,
        credential_style=creds.style,
        age=age,
        sex=sex,
        header_block=header,
        passages=[it.expected for it in items],
    )

    page = PageLayout(rng, footers=rng.random() < 0.35)
    if header:
        _header_block(page, rng, style, case_no or "", injured, decided, assigned, received, ur_denial, items)
    _intro(page, rng, creds)
    summary = _summary(page, rng, style, age, sex, injured, regions, items)
    _issues(page, rng, items)
    return _Composed(page.render(), expected, items, summary, regions)


def synthetic_letter(seed: int, index: int, writer: GuidelineWriter | None = None):
    """The letter as text, its expectations, and the `Letter` a perfect parser would return.

    The `Letter` is built from the generator's own facts, with no parsing: the
    benchmarks use it to build indexes of a million passages in minutes, and
    to time the engine alone. Citation spans point at their wording in the
    guideline paragraphs.
    """
    from indexer.model import Citation, Letter, Passage, Patient, Reviewer

    composed = _compose(letter_rng(seed, index), index, seed, writer or GuidelineWriter.default())
    exp = composed.expected
    passages = []
    for n, it in enumerate(composed.items, start=1):
        ca_text = f"{it.ca.text}"
        rev_text = f"{it.reviewer.text}"
        cites = []
        for field_name, who, written in (
            ("claims_administrator_guideline", "claims_administrator", it.ca),
            ("reviewer_guideline", "reviewer", it.reviewer),
        ):
            for sp in written.spans:
                cites.append(
                    Citation(
                        sp.source,
                        sp.chapter,
                        sp.topic,
                        sp.pages,
                        who,
                        written.text[sp.start : sp.end],
                        field_name,
                        sp.start,
                        sp.end,
                        edition=sp.edition,
                    )
                )
        passages.append(
            Passage(
                passage_id=make_passage_id(exp.letter_id, n),
                letter_id=exp.letter_id,
                ordinal=n,
                item=it.text,
                decision=it.decision,
                claims_administrator_guideline=ca_text,
                reviewer_guideline=rev_text,
                rationale=it.rationale,
                treatment=it.family.treatment,
                body_region=it.region,
                mtus_based=it.reviewer.mtus_based,
                citations=cites,
                claims_administrator_mtus_based=it.ca.mtus_based if it.ca.text else None,
            )
        )
    text = composed.text
    letter = Letter(
        letter_id=exp.letter_id,
        source_file=exp.file,
        case_number=exp.case_number,
        date_of_injury=exp.date_of_injury,
        date_assigned=exp.date_assigned,
        decision_date=exp.decision_date,
        reviewer=Reviewer(
            specialties=list(exp.specialties), board_certified=list(exp.specialties), licensure=list(exp.licensure)
        ),
        patient=Patient(age=exp.age, sex=exp.sex),
        summary=composed.summary,
        body_regions=[r for r in composed.regions if r],
        text=" ".join(line.strip() for line in text.split("\n") if line.strip()),
        passages=passages,
    )
    return text, exp, letter


# --- pieces of the letter -------------------------------------------------


class _Style:
    """Per-letter habits: date format, sentence spacing, how the worker is named."""

    def __init__(self, rng: random.Random) -> None:
        self.short_dates = rng.random() < 0.5
        self.double_space = rng.random() < 0.4
        self.worker = rng.choice(("injured worker", "patient", "claimant", "injured worker", "applicant"))

    def date(self, d: date) -> str:
        if self.short_dates:
            return f"{d.month}/{d.day}/{d.year % 100:02d}"
        return f"{d.month:02d}/{d.day:02d}/{d.year}"

    def join(self, sentences: list[str]) -> str:
        return ("  " if self.double_space else " ").join(s for s in sentences if s)


@dataclass
class _Item:
    text: str
    short: str
    family: C.Family
    region: str | None
    decision: str
    ca: Written
    reviewer: Written
    rationale: str
    expected: ExpectedPassage


def _pick_date(rng: random.Random) -> date:
    start, end = date(2013, 3, 1), date(2025, 6, 30)
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _pick_regions(rng: random.Random) -> list[str]:
    weights = {
        "lumbar": 30,
        "cervical": 20,
        "shoulder": 14,
        "knee": 12,
        "wrist/hand": 7,
        "thoracic": 4,
        "elbow": 3,
        "ankle/foot": 4,
        "hip": 3,
        "psyche": 3,
    }
    names = list(weights)
    first = rng.choices(names, [weights[n] for n in names])[0]
    regions = [first]
    if rng.random() < 0.5:
        second = rng.choices(names, [weights[n] for n in names])[0]
        if second != first:
            regions.append(second)
    return regions


def _weighted_count(rng: random.Random) -> int:
    return rng.choices(range(1, 7), ITEM_COUNT_WEIGHTS)[0]


_FAMILY_WEIGHTS = [f.weight for f in C.FAMILIES]


def _make_item(rng: random.Random, regions: list[str], writer: GuidelineWriter, style: _Style) -> _Item:
    for attempt in range(20):
        family = rng.choices(C.FAMILIES, _FAMILY_WEIGHTS)[0]
        usable = [r for r in regions if r in family.regions]
        if family.regions and not usable and attempt < 19 and rng.random() < 0.7:
            continue  # prefer treatments for the injured regions
        break
    if not family.regions:
        region = regions[0] if family.treatment != "medication" else None
    else:
        region = rng.choice(usable) if usable else rng.choice(family.regions)
    fills = _fills(rng, family, region)
    text = _fill(rng.choice(family.items), fills)
    text = text[0].upper() + text[1:]
    decision = "Overturned" if rng.random() < DECISION_OVERTURN_RATE else "Upheld"
    region_obj = C.REGIONS.get(region) if region else None
    refs = writer.resolve(family, region_obj, fills)
    ca_refs, rev_refs = _split_refs(rng, refs)
    ca = writer.paragraph(rng, ca_refs, who="claims_administrator")
    rev = writer.paragraph(rng, rev_refs, who="reviewer")
    short = fills.get("drug") or _short(text)
    rationale = _rationale(rng, family, fills, decision, short, style)
    expected = ExpectedPassage(
        item=text,
        decision=decision,
        treatment=family.treatment,
        body_region=region,
        family=family.name,
        mtus_based=rev.mtus_based,
        citation_keys=sorted(set(ca.keys) | set(rev.keys)),
        claims_administrator_keys=sorted(set(ca.keys)),
        reviewer_keys=sorted(set(rev.keys)),
    )
    return _Item(text, short, family, region, decision, ca, rev, rationale, expected)


def _fills(rng: random.Random, family: C.Family, region: str | None) -> dict[str, str]:
    reg = C.REGIONS.get(region) if region else None
    side = rng.choice(("right", "left", "bilateral")) if reg and reg.sided else rng.choice(("right", "left"))
    phrase = rng.choice(reg.phrases) if reg else "low back"
    levels = _levels(rng, reg)
    surgery = rng.choice(C.SURGERIES.get(region or "", (("Lumbar surgery", "surgery", "Surgery"),)))
    dme = rng.choice(C.DME.get(region or "", (("Lumbar support brace", "Lumbar supports"),)))
    f = {
        "pre": rng.choice(C.MED_PREFIX),
        "qty": str(rng.choice((30, 60, 90, 120, 180, 20, 15, 10))),
        "refills": str(rng.randint(1, 5)),
        "dos": f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(2013, 2024)}",
        "year": str(rng.randint(2010, 2016)),
        "side": side,
        "region_phrase": phrase,
        "region_adj": _adjective(rng, region),
        "side_region": f"{side} {phrase}" if reg and reg.sided else phrase,
        "levels": levels,
        "bilat": rng.choice(("bilaterally", "bilateral", "right", "left")),
        "Bilateral": rng.choice(("Bilateral", "Right", "Left", "Bilateral")),
        "n": str(rng.choice((4, 6, 8, 12, 3, 10, 16))),
        "freq": rng.choice(
            (
                "2 times a week for 6 weeks",
                "2x4",
                "3x4",
                "1 time weekly for 4 weeks",
                "twice weekly for 3 weeks",
                "x 12 sessions",
                "2x6",
            )
        ),
        "hours": str(rng.choice((80, 160, 4, 6, 8))),
        "days": str(rng.choice((5, 7, 3))),
        "limbs": rng.choice(("upper extremities", "lower extremities")),
        "limb": rng.choice(("upper extremity", "lower extremity")),
        "surgery": surgery[0],
        "surgery_joint": surgery[1],
        "surgery_topic": surgery[2],
        "dme": dme[0],
        "dme_topic": dme[1],
        "ci": rng.choice(("", "Interlaminar ", "")),
    }
    f["Side"] = f["side"].capitalize()
    if family.fills.get("drug"):
        f["drug"] = rng.choice(family.fills["drug"])
    return f


def _adjective(rng: random.Random, region: str | None) -> str:
    return {
        "cervical": "cervical",
        "lumbar": rng.choice(("lumbar", "lumbar", "lumbosacral")),
        "thoracic": "thoracic",
    }.get(region or "", "lumbar")


def _levels(rng: random.Random, reg: C.Region | None) -> str:
    if not reg or not reg.levels:
        return "L4-L5"
    k = rng.choice((1, 2, 2, 3))
    start = rng.randint(0, max(0, len(reg.levels) - k))
    chosen = reg.levels[start : start + k]
    if len(chosen) == 1:
        return chosen[0]
    return rng.choice((", ".join(chosen[:-1]) + " and " + chosen[-1], ", ".join(chosen)))


def _fill(template: str, fills: dict[str, str]) -> str:
    out = template
    for key, value in fills.items():
        out = out.replace("{" + key + "}", value)
    return " ".join(out.split())


def _short(text: str) -> str:
    words = text.split()
    return " ".join(words[:6]).lower().rstrip(",")


def _split_refs(rng: random.Random, refs: list) -> tuple[list, list]:
    """The claims administrator and the reviewer cite overlapping subsets of the family's entries."""
    if not refs:
        return [], []
    k_ca = rng.randint(1, min(2, len(refs)))
    k_rev = rng.randint(1, min(3, len(refs)))
    return rng.sample(refs, k_ca), rng.sample(refs, k_rev)


_ATTRIBUTIONS = (
    "Guidelines state that",
    "The guidelines note that",
    "Per the guidelines,",
    "Evidence-based guidelines indicate that",
    "Guidelines recommend that",
    "Guidelines reiterate that",
)


def _rationale(
    rng: random.Random, family: C.Family, fills: dict[str, str], decision: str, short: str, style: _Style
) -> str:
    sentences: list[str] = []
    if rng.random() < 0.5:
        sentences.append(
            f"Regarding the request for {short}, the {style.worker} has "
            f"{rng.choice(C.PRIOR_TREATMENTS)} documented in the records reviewed."
        )
    crit = rng.sample(family.criteria, rng.randint(1, len(family.criteria)))
    for c in crit:
        att = rng.choice(_ATTRIBUTIONS)
        sentences.append(f"{att} {_fill(c, fills)}.")
    sentences.append(
        f"Within the documentation available for review, the {style.worker} "
        f"{rng.choice(('reports', 'continues to report', 'describes'))} persistent symptoms."
    )
    reasons = family.overturned if decision == "Overturned" else family.upheld
    for r in rng.sample(reasons, rng.randint(1, len(reasons))):
        lead = (
            rng.choice(("In this case,", "However,", "Here,", "", "Additionally,"))
            if decision == "Upheld"
            else rng.choice(("In this case,", "Here,", "", "Furthermore,"))
        )
        sentence = _fill(r, fills)
        sentences.append(f"{lead} {sentence}." if lead else sentence[0].upper() + sentence[1:] + ".")
    closers = C.OVERTURN_CLOSERS if decision == "Overturned" else C.UPHOLD_CLOSERS
    sentences.append(rng.choice(closers).replace("{short}", short))
    return style.join(sentences)


def _header_block(
    page: PageLayout,
    rng: random.Random,
    style: _Style,
    case_no: str,
    injured: date,
    decided: date,
    assigned: date,
    received: date,
    ur_denial: date,
    items: list[_Item],
) -> None:
    def d(x: date) -> str:
        return f"{x.month:02d}/{x.day:02d}/{x.year}"

    pairs = [
        ("Case Number:", case_no),
        ("Date Assigned:", d(assigned)),
        ("Date of Injury:", d(injured)),
        ("Decision Date:", d(decided)),
        ("UR Denial Date:", d(ur_denial)),
        ("Priority:", rng.choice(("Standard", "Standard", "Expedited"))),
        ("Application Received:", d(received)),
    ]
    two_per_line = rng.random() < 0.5
    if rng.random() < 0.3:
        pairs.insert(1, ("Employee Name:", ""))
        pairs.insert(2, ("Provider Name:", ""))
    i = 0
    while i < len(pairs):
        if two_per_line and i + 1 < len(pairs):
            (a, av), (b, bv) = pairs[i], pairs[i + 1]
            page.add_line(f"{a} {av}   {b} {bv} ".replace("  ", "  "))
            i += 2
        else:
            a, av = pairs[i]
            page.add_line(f"{a} {av} ")
            i += 1
    if rng.random() < 0.5:
        page.spacer()
        page.add_line("Treatment(s) in Dispute Listed on IMR Application: ")
        page.paragraph(
            style.join([it.text + ";" if n < len(items) - 1 else it.text for n, it in enumerate(items)]),
            break_hyphens=False,
        )
    page.spacer()
    page.spacer()


_INTRO_1 = (
    "MAXIMUS Federal Services sent the complete case file to {a_reviewer}. He/she has no affiliation with the "
    "employer, employee, providers or the claims administrator."
)
_INTRO_2 = (
    "He/she has been in active clinical practice for more than five years and is currently working at least 24 "
    "hours a week in active practice. The {reviewer} was selected based on his/her clinical experience, "
    "education, background, and expertise in the same or similar specialties that evaluate and/or treat the "
    "medical condition and disputed items/{services}. He/she is familiar with governing laws and regulations, "
    "including the strength of evidence hierarchy that applies to Independent Medical Review determinations."
)


def _intro(page: PageLayout, rng: random.Random, creds: Credentials) -> None:
    reviewer = rng.choice(("expert reviewer", "physician reviewer", "expert reviewer"))
    article = "an" if reviewer[0] in "aeiou" else "a"
    page.add_line(" HOW THE IMR FINAL DETERMINATION WAS MADE ")
    parts = [_INTRO_1.format(a_reviewer=f"{article} {reviewer}")]
    if creds.style == "sentence":
        parts.append(creds.sentence(reviewer))
    parts.append(_INTRO_2.format(reviewer=reviewer, services=rng.choice(("services", "Service"))))
    page.paragraph(" ".join(parts))
    page.spacer()
    if creds.style == "block":
        page.add_line("The Expert Reviewer has the following credentials: ")
        for line in creds.block_lines():
            page.add_line(line)
        page.spacer()


def _summary(
    page: PageLayout,
    rng: random.Random,
    style: _Style,
    age: int,
    sex: str,
    injured: date,
    regions: list[str],
    items: list[_Item],
) -> str:
    page.add_line("CLINICAL CASE SUMMARY ")
    page.paragraph(
        "The expert reviewer developed the following clinical case summary based on a review of the "
        "case file, including all medical records: "
    )
    page.spacer()
    noun = {"female": rng.choice(("female", "female", "woman")), "male": rng.choice(("male", "male", "man"))}[sex]
    hyph = rng.random() < 0.4
    agep = f"{age}-year-old" if hyph else f"{age} year old"
    when = style.date(injured)
    first = rng.choice(
        (
            f"The {style.worker} is a {agep} {noun}, who sustained an industrial/work injury on {when}.",
            f"The {style.worker} is a {agep} {noun} who reported a work-related injury on {when} {rng.choice(C.MECHANISMS)}.",
            f"The {style.worker} is a {agep} {noun} whose date of injury is {when}.",
            f"The {style.worker} is a {agep} {noun} {rng.choice(C.OCCUPATIONS)} who sustained a work related injury on {when}.",
        )
    )
    regs = [C.REGIONS[r] for r in regions]
    dx = [rng.choice(r.diagnoses) for r in regs] + [rng.choice(r.diagnoses) for r in regs if rng.random() < 0.5]
    dx = list(dict.fromkeys(dx))
    meds = rng.sample(C.PRIOR_MEDS, rng.randint(1, 4))
    treats = rng.sample(C.PRIOR_TREATMENTS, rng.randint(2, 5))
    visit = injured + timedelta(days=rng.randint(30, 900))
    sentences = [
        first,
        f"{rng.choice(('The diagnoses have included', 'The injured worker was diagnosed as having', 'Diagnoses include'))} "
        f"{_and(dx)}.",
        f"Treatment to date has included {_and(treats)}.",
        f"Per the primary treating physician's progress report (PR-2) dated {style.date(visit)}, the {style.worker} "
        f"complains of {_and([rng.choice(r.complaints) for r in regs])}.",
        f"Current medications include {_and(meds)}.",
        f"Examination revealed {_and([rng.choice(r.findings) for r in regs])}.",
        f"The treatment plan includes {_and([it.short for it in items])}.",
    ]
    if rng.random() < 0.4:
        sentences.insert(2, f"The mechanism of injury was {rng.choice(C.MECHANISMS)}.")
    summary = style.join(sentences)
    page.paragraph(summary)
    page.spacer()
    return summary


def _and(xs: list[str]) -> str:
    if len(xs) == 1:
        return xs[0]
    return ", ".join(xs[:-1]) + " and " + xs[-1]


def _issues(page: PageLayout, rng: random.Random, items: list[_Item]) -> None:
    page.add_line("IMR ISSUES, DECISIONS AND RATIONALES ")
    page.paragraph("The Final Determination was based on decisions for the disputed items/services set forth below: ")
    page.spacer()
    for it in items:
        sep = rng.choice((": ", ":  ", ": ", ": "))
        r = rng.random()
        if r < 0.08:  # the decision word printed on the next line, no blank between
            lines = _wrapped(page, it.text + ":" + " ")
            for line in lines[:-1]:
                page.add_line(line)
            page.add_line(lines[-1] + " ", blank_after=0)
            page.add_line(f"{it.decision} ")
        elif r < 0.14:  # on the next printed line
            page.paragraph(it.text + ":", break_hyphens=True)
            page.add_line(f"{it.decision} ")
        else:
            page.paragraph(f"{it.text}{sep}{it.decision} ", break_hyphens=True)
        if rng.random() < 0.3:
            page.add_line("", blank_after=1)
        else:
            page.spacer()
        page.paragraph(f"Claims Administrator guideline: {it.ca.text}")
        page.spacer()
        page.paragraph(f"MAXIMUS guideline: {it.reviewer.text}")
        page.spacer()
        page.paragraph(f"Decision rationale: {it.rationale}")
        page.spacer()


def _wrapped(page: PageLayout, text: str) -> list[str]:
    from indexer.synth.layout import wrap

    return wrap(text, page.rng.randint(88, 97))
