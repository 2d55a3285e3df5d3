"""The five sample letters: every fact the issue's done-when names, checked letter by letter."""

from __future__ import annotations

import pytest

from indexer.letters import parse_file

# file stem prefix -> what the letter states
EXPECTED = {
    "000": {
        "items": ["Bilateral cervical medial branch blocks under fluoroscopy and IV sedation (unspecified level)"],
        "specialties": ["Physical Medicine & Rehabilitation", "Pain Management"],
        "licensure": ["California"],
        "age": 58,
        "sex": "female",
        "injury": "2014-09-06",
    },
    "001": {
        "items": ["Request for left lumbar medial branch blocks (no levels provided)"],
        "specialties": ["Orthopedic Surgery"],
        "licensure": ["California"],
        "age": 56,
        "sex": "female",
        "injury": "2011-12-08",
    },
    "002": {
        "items": [
            "In-Office, Cervical Facet Joint Injection, C4/5, C5/6, C6/7, Bilaterally",
            "In-Office Acupuncture, 8 Visits, Unspecified Frequency",
        ],
        "specialties": ["Anesthesiology"],
        "licensure": ["California"],
        "age": 59,
        "sex": "male",
        "injury": "2009-01-16",
    },
    "003": {
        "items": [
            "Physical therapy (PT)/ Certified Massage Therapist (CMT) for the neck 1 time weekly for 4 "
            "weeks, quantity: 4 sessions",
            "Medial branch block for the cervical spine",
        ],
        "specialties": ["Physical Medicine & Rehabilitation", "Pain Management"],
        "licensure": ["Massachusetts"],
        "age": 48,
        "sex": "female",
        "injury": "2014-04-18",
    },
    "004": {
        "items": ["Cervical Epidural Steroid Injections (ESI) at Cervical 3-4, Cervical 4-5 under Fluoroscopy"],
        "specialties": ["Physical Medicine & Rehabilitation"],
        "licensure": ["California"],
        "age": 46,
        "sex": "female",
        "injury": None,
    },  # the letter never states the injury date
}
FACET_KEY = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"


@pytest.fixture(scope="module")
def letters(seed_files):
    return {f.name[:3]: parse_file(f) for f in seed_files}


def test_five_seeds_give_seven_upheld_passages(letters):
    passages = [p for L in letters.values() for p in L.passages]
    assert len(letters) == 5
    assert len(passages) == 7
    assert {p.decision for p in passages} == {"Upheld"}
    assert all(not L.warnings for L in letters.values()), {k: L.warnings for k, L in letters.items()}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_facts(letters, prefix):
    L, exp = letters[prefix], EXPECTED[prefix]
    assert [p.item for p in L.passages] == exp["items"]
    assert L.reviewer.specialties == exp["specialties"]
    assert L.reviewer.licensure == exp["licensure"]
    assert L.patient.age == exp["age"]
    assert L.patient.sex == exp["sex"]
    assert L.date_of_injury == exp["injury"]
    # no case number in the samples: the id is the file stem
    assert L.case_number is None and L.source_file.endswith(L.letter_id + ".txt")
    assert [p.passage_id for p in L.passages] == [f"{L.letter_id}-{n}" for n in range(1, len(exp["items"]) + 1)]


def test_board_certification_sentence_and_block(letters):
    assert letters["001"].reviewer.board_certified == ["Orthopedic Surgery"]
    assert letters["003"].reviewer.board_certified == ["Physical Medicine & Rehabilitation", "Pain Management"]


def test_facet_block_citation_in_exactly_three_passages(letters):
    citing = sorted(
        p.passage_id[:3] + str(p.ordinal)
        for L in letters.values()
        for p in L.passages
        if any(c.key == FACET_KEY for c in p.citations)
    )
    assert citing == ["0001", "0021", "0032"]


def test_reviewer_guideline_citations_and_pages(letters):
    p = letters["000"].passages[0]
    reviewer = [(c.key, c.pages) for c in p.citations if c.cited_by == "reviewer"]
    assert reviewer == [
        ("MTUS | ACOEM Chapter 8 Neck and Upper Back Complaints", "174"),
        (FACET_KEY, None),
        ("ODG | Neck and Upper Back | Facet joint pain, signs & symptoms", None),
        ("ODG | Neck and Upper Back | Facet joint therapeutic steroid injections", None),
    ]
    massage = letters["003"].passages[0]
    assert [(c.key, c.pages) for c in massage.citations if c.cited_by == "reviewer"] == [
        ("MTUS | Chronic Pain Medical Treatment Guidelines | Massage therapy", "60")
    ]


def test_rationale_prose_citations(letters):
    p = letters["001"].passages[0]
    prose = [c for c in p.citations if c.cited_by == "rationale"]
    assert [c.raw for c in prose] == ["California MTUS/ACOEM", "Official Disability Guidelines"]
    assert [c.source for c in prose] == ["MTUS", "ODG"]


def test_citation_spans_point_into_their_field(letters):
    for L in letters.values():
        for p in L.passages:
            for c in p.citations:
                assert getattr(p, c.field)[c.start : c.end] == c.raw


def test_mtus_based(letters):
    assert letters["001"].passages[0].mtus_based is False  # "did not base their decision on the MTUS"
    assert letters["003"].passages[1].mtus_based is False
    assert letters["003"].passages[0].mtus_based is True
    assert letters["004"].passages[0].mtus_based is True


def test_treatment_and_body_region(letters):
    got = [(p.treatment, p.body_region) for k in sorted(letters) for p in letters[k].passages]
    assert got == [
        ("injection", "cervical"),
        ("injection", "lumbar"),
        ("injection", "cervical"),
        ("acupuncture", None),
        ("physical therapy", "cervical"),
        ("injection", "cervical"),
        ("injection", "cervical"),
    ]


def test_fields_are_reflowed_and_complete(letters):
    p = letters["000"].passages[0]
    assert p.claims_administrator_guideline.startswith("The Claims Administrator did not base")
    assert "non-radicular" in p.rationale  # hyphen across the line break kept for "non-"
    assert p.rationale.endswith("the currently requested cervical medial branch block is not medically necessary.")
    assert "\n" not in p.item and "  " not in p.rationale


def test_sections_summary_and_text(letters):
    L = letters["000"]
    assert [s.title for s in L.sections] == [
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        "CLINICAL CASE SUMMARY",
        "IMR ISSUES, DECISIONS AND RATIONALES",
    ]
    assert "State(s) of Licensure: California\nCertification(s)/Specialty:" in L.sections[0].text
    assert L.summary.startswith("The injured worker is a 58 year old female")
    assert "Page" not in L.summary and "\n\n\n" not in L.text
    assert L.diagnoses[:2] == ["cervical degenerative disc disease", "cervical nucleus pulposus"]
    assert L.body_regions[0] == "cervical"


def test_letter_round_trips_through_json(letters):
    from indexer.model import Letter

    for L in letters.values():
        assert Letter.from_dict(L.to_dict()) == L
