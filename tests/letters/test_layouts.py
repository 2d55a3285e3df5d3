"""Letter layouts beyond the samples, several items per letter, and letters that cannot be parsed."""

from __future__ import annotations

from indexer.letters import parse_text
from indexer.letters.parse import NO_ISSUES

from .letters_factory import Item, LetterSpec, build_letter, double_blank_lines, wrap

THREE = [
    Item(
        "Retrospective request for Omeprazole 20mg #60 (DOS: 3/18/2014)",
        "Upheld",
        reviewer="Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain (Chronic), "
        "Proton pump inhibitors (PPIs).",
        rationale="There is no documented GI risk. Therefore the request is not medically necessary.",
    ),
    Item(
        "Physical therapy 2 times a week for 6 weeks for the right shoulder",
        "Overturned",
        claims="Decision based on MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99.",
        reviewer="Decision based on MTUS Postsurgical Treatment Guidelines Shoulder.",
        rationale="Postsurgical physical therapy is supported. Therefore the request is medically necessary.",
    ),
    Item(
        "Lumbar MRI without contrast",
        "Upheld",
        rationale="There are no red flags. Therefore the request is not medically necessary.",
    ),
]


def test_several_items_with_both_decisions():
    text = double_blank_lines(wrap(build_letter(LetterSpec(items=THREE)), 55))
    letter = parse_text(text, "three.txt")
    assert [(p.ordinal, p.item, p.decision) for p in letter.passages] == [
        (1, THREE[0].item, "Upheld"),
        (2, THREE[1].item, "Overturned"),
        (3, THREE[2].item, "Upheld"),
    ]
    assert [p.treatment for p in letter.passages] == ["medication", "physical therapy", "imaging"]
    # the omeprazole item names no region and its guideline chapter (ODG Pain) has none:
    # the case summary names only the low back, so that is its region
    assert [p.body_region for p in letter.passages] == ["lumbar", "shoulder", "lumbar"]
    assert [p.rationale for p in letter.passages] == [it.rationale for it in THREE]
    assert [c.key for c in letter.passages[0].citations if c.cited_by == "reviewer"] == [
        "ODG | Pain | Proton pump inhibitors (PPIs)"
    ]
    pt = letter.passages[1]
    assert [(c.key, c.pages, c.cited_by) for c in pt.citations] == [
        ("MTUS | Chronic Pain Medical Treatment Guidelines | Physical medicine", "98-99", "claims_administrator"),
        ("MTUS | Postsurgical Treatment Guidelines | Shoulder", None, "reviewer"),  # unknown topic kept as written
    ]
    assert pt.mtus_based is True
    assert letter.passages[0].mtus_based is False


def test_decision_word_on_the_next_line_and_colons_in_the_item():
    text = (
        build_letter(LetterSpec(items=THREE[:2]))
        .replace(": Upheld", ":\nUpheld")
        .replace(": Overturned", ":  \n Overturned")
    )
    letter = parse_text(text, "next.txt")
    assert [(p.item, p.decision) for p in letter.passages] == [(THREE[0].item, "Upheld"), (THREE[1].item, "Overturned")]


def test_layout_2_header_block():
    header = [
        "Case Number: CM15-0123456 Date Assigned: 06/01/2015",
        "Date of Injury: 09/06/2014 Decision Date: 07/10/2015",
        "UR Denial Date: 05/20/2015 Priority: Standard",
        "Application Received: 05/28/2015",
        "Employee Name: Provider Name:",
        "Treatment(s) in Dispute Listed on IMR Application: Lumbar MRI without contrast",
    ]
    spec = LetterSpec(
        items=THREE[2:],
        header=header,
        summary="The injured worker is a 61 year old gentleman who was injured at work. He reports low back pain.",
    )
    letter = parse_text(double_blank_lines(wrap(build_letter(spec), 70)), "whatever.txt")
    assert letter.letter_id == letter.case_number == "CM15-0123456"
    assert (
        letter.date_assigned,
        letter.date_of_injury,
        letter.decision_date,
        letter.ur_denial_date,
        letter.application_received,
    ) == ("2015-06-01", "2014-09-06", "2015-07-10", "2015-05-20", "2015-05-28")
    assert [p.passage_id for p in letter.passages] == ["CM15-0123456-1"]
    assert letter.patient.age == 61 and letter.patient.sex == "male"
    assert letter.sections[0].title == "" and "Case Number: CM15-0123456" in letter.sections[0].text


LAYOUT_3 = """MAXIMUS FEDERAL SERVICES, INC.
Independent Medical Review
Final Determination Letter
IMR Case Number: CM13-0001234
DOCUMENTS REVIEWED
Utilization review determination dated 7/12/2013.
Medical records from the primary treating physician.
CLINICAL CASE SUMMARY
The patient is a 52-year-old male who reported an injury on 01/15/2012. He complains of
neck pain with radiation to the right arm.
IMR DECISION(S) AND RATIONALE(S)
1. Physical therapy two times a week for four weeks for the cervical spine is not
medically necessary and appropriate.
The Claims Administrator based its decision on the Chronic Pain Medical Treatment
Guidelines, Physical Medicine, pages 98-99, which are part of the California Medical
Treatment Utilization Schedule (MTUS).
The Physician Reviewer based his/her decision on the MTUS Chronic Pain Medical
Treatment Guidelines, Physical Medicine, pages 98-99.
Rationale for the Decision:
The patient has completed 24 sessions of physical therapy without documented functional
improvement. The request is not medically necessary and appropriate.
2. Norco 10/325 mg #90 is medically necessary and appropriate.
The Claims Administrator based its decision on the Chronic Pain Medical Treatment
Guidelines, Opioids, criteria for use, pages 76-80.
The Physician Reviewer based his/her decision on the MTUS Chronic Pain Medical
Treatment Guidelines, Opioids, criteria for use, pages 76-80.
Rationale for the Decision:
The records document improved function and pain with Norco. The request is medically
necessary and appropriate.
The Physician Reviewer is Board Certified in Anesthesiology, has a subspecialty in Pain
Medicine and is licensed to practice in California and Nevada.
"""


def test_layout_3_numbered_decision_sentences():
    letter = parse_text(LAYOUT_3, "early.txt")
    assert letter.letter_id == "CM13-0001234"
    assert [(p.item, p.decision) for p in letter.passages] == [
        ("Physical therapy two times a week for four weeks for the cervical spine", "Upheld"),
        ("Norco 10/325 mg #90", "Overturned"),
    ]
    pt, norco = letter.passages
    assert pt.claims_administrator_guideline.startswith("The Claims Administrator based its decision on the Chronic")
    assert pt.reviewer_guideline.startswith("The Physician Reviewer based his/her decision on the MTUS")
    assert pt.rationale.startswith("The patient has completed 24 sessions")
    assert [c.key for c in pt.citations if c.cited_by != "rationale"] == [
        "MTUS | Chronic Pain Medical Treatment Guidelines | Physical medicine"
    ] * 2
    assert {c.key for c in norco.citations if c.cited_by == "reviewer"} == {
        "MTUS | Chronic Pain Medical Treatment Guidelines | Opioids, criteria for use"
    }
    assert norco.treatment == "medication"
    assert letter.reviewer.specialties == ["Anesthesiology", "Pain Medicine"]  # as the letter states it
    assert letter.reviewer.licensure == ["California", "Nevada"]
    assert letter.patient.age == 52 and letter.date_of_injury == "2012-01-15"
    assert "DOCUMENTS REVIEWED" in [s.title for s in letter.sections]


LAYOUT_4 = """MEDICAL PROFESSIONAL REVIEW
Case Number: CM16-0098765
ISSUE AT DISPUTE: Right knee arthroscopy with partial medial meniscectomy
CASE SUMMARY: The claimant is a 44 year old female warehouse worker who injured her right
knee on 2/3/2015 while lifting. An MRI showed a degenerative medial meniscus tear.
DOCUMENTS REVIEWED FOR DETERMINATION:
Progress reports, MRI report, utilization review.
MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:
Official Disability Guidelines (ODG), Knee & Leg (Acute & Chronic), Meniscectomy. The ODG
addresses the requested procedure.
RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:
Arthroscopic partial meniscectomy is not recommended for degenerative tears in the absence of
mechanical symptoms. Therefore the request is not medically necessary.
MEDICAL REVIEWER QUALIFICATIONS:
The reviewer is board certified in Orthopaedic Surgery and is licensed in California.
"""


def test_layout_4_medical_professional_review():
    letter = parse_text(LAYOUT_4, "mpr.txt")
    assert letter.letter_id == "CM16-0098765"
    [p] = letter.passages
    assert p.item == "Right knee arthroscopy with partial medial meniscectomy"
    assert p.decision == "Upheld"
    assert p.rationale.startswith("Arthroscopic partial meniscectomy is not recommended")
    assert "ODG | Knee & Leg | Meniscectomy" in [c.key for c in p.citations]
    assert (p.treatment, p.body_region) == ("surgery", "knee")
    assert letter.reviewer.specialties == ["Orthopedic Surgery"] and letter.reviewer.licensure == ["California"]
    assert letter.patient.age == 44 and letter.patient.sex == "female"
    assert letter.date_of_injury == "2015-02-03"


def test_truncated_letter_keeps_what_it_has():
    text = build_letter(LetterSpec(items=THREE))
    cut = text.index("There are no red flags") + len("There are no red")
    letter = parse_text(text[:cut], "cut.txt")
    assert [p.item for p in letter.passages] == [it.item for it in THREE]
    assert letter.passages[2].rationale == "There are no red"
    assert any("truncated" in w for w in letter.warnings)


def test_letter_cut_before_its_issues_yields_no_passages_and_a_warning():
    text = build_letter(LetterSpec(items=THREE))
    letter = parse_text(text[: text.index("IMR ISSUES")], "short.txt")
    assert letter.passages == [] and letter.warnings == [NO_ISSUES]
    assert letter.patient.age == 45 and letter.reviewer.specialties == ["Occupational Medicine"]
    assert "CLINICAL CASE SUMMARY" in letter.text


def test_not_an_imr_letter():
    letter = parse_text("Dear Sir,\n\nPlease find enclosed the invoice for March.\n\nRegards", "invoice.txt")
    assert letter.passages == [] and letter.warnings == [NO_ISSUES]
    assert letter.letter_id == "invoice" and "invoice for March" in letter.text


def test_damaged_issues_heading_still_finds_items():
    text = build_letter(LetterSpec(items=THREE[:2])).replace("IMR ISSUES, DECISIONS AND RATIONALES", "IMR ISSUES")
    letter = parse_text(text, "noheading.txt")
    assert [p.decision for p in letter.passages] == ["Upheld", "Overturned"]
    assert letter.warnings == ["no IMR issues heading: items recognised by their decision lines"]


def test_a_complete_letter_whose_last_sentence_lacks_its_period_is_not_called_truncated():
    text = build_letter(LetterSpec(items=THREE)).rstrip()
    assert text.endswith(".")
    letter = parse_text(text[:-1] + "\n", "no-period.txt")
    assert not any("truncated" in w for w in letter.warnings), letter.warnings
    cut = parse_text(text[:-1] + " and the\n", "cut.txt")
    assert any("truncated" in w for w in cut.warnings)
