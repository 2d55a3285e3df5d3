"""Guideline paragraphs in the 2016-17 statement style, wordings beyond the real letters' own."""

from __future__ import annotations

import pytest

from indexer.passages.citations import extract_citations

CPMTG = "MTUS | Chronic Pain Medical Treatment Guidelines"


def cites(text: str):
    out = extract_citations(text, "reviewer_guideline", "reviewer")
    for c in out:
        assert text[c.start : c.end] == c.raw
    return [(c.key, c.edition) for c in out]


@pytest.mark.parametrize(
    "text, expected",
    [
        # one citation per section; titles holding commas stay whole; the edition on each
        (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids, criteria for use, "
            "TENS, chronic pain (transcutaneous electrical nerve stimulation), Weaning of Medications.",
            [
                (f"{CPMTG} | Opioids, criteria for use", "2016"),
                (f"{CPMTG} | TENS, chronic pain (transcutaneous electrical nerve stimulation)", "2016"),
                (f"{CPMTG} | Weaning of medications", "2016"),
            ],
        ),
        # a part the vocabulary does not know is kept as written, in the same shape
        (
            "Decision based on MTUS Hip and Groin Complaints 2017, Section(s): Imaging.",
            [("MTUS | Hip and Groin Complaints | Imaging", "2017")],
        ),
        # a page number listed as a section is a page, a misspelt section its title
        (
            "Decision based on MTUS Elbow Complaints 2007, Section(s): 326, Diagnositc Criteria.",
            [("MTUS | ACOEM Chapter 10 Elbow Disorders | Diagnostic Criteria", "2007")],
        ),
        # the ACOEM general chapters are named by their section
        (
            "Decision based on MTUS General Approaches 2004, Section(s): Pain, Suffering, and the Restoration of Function.",
            [("MTUS | ACOEM Chapter 6 Pain, Suffering, and the Restoration of Function", "2004")],
        ),
        # the reviewer going outside the MTUS cites nothing by saying so
        (
            "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. Decision "
            "based on Non-MTUS Citation Official Disability Guidelines (ODG) Chapter: Low Back-Lumbar & Thoracic "
            "(Acute & Chronic) 12/20/2016 MRI (magnetic resonance imaging).",
            [("ODG | Low Back | Magnetic resonance imaging (MRI)", None)],
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Fitness for Duty, Functional "
            "capacity evaluation (FCE).",
            [("ODG | Fitness for Duty | Functional capacity evaluation", None)],
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee/DME, Low Back Lumbar and "
            "Thoracic/Mattress selection.",
            [
                ("ODG | Knee & Leg | Durable medical equipment (DME)", None),
                ("ODG | Low Back | Mattress selection", None),
            ],
        ),
        # other sources: the publisher the vocabulary knows and a readable title
        (
            "Decision based on Non-MTUS Citation Medscape, Tramadol dosing, http://reference.medscape.com/drug/ultram-343324.",
            [("Other | Medscape | Tramadol dosing", None)],
        ),
        (
            "Decision based on Non-MTUS Citation Sildenafil: Drug information, accessed from UpToDate.com on 12/17/2016.",
            [("Other | UpToDate | Sildenafil: Drug information", None)],
        ),
        (
            "Decision based on Non-MTUS Citation http://www.drugs.com/famotidine.html.",
            [("Other | Drugs.com | Famotidine", None)],
        ),
    ],
)
def test_statement_style_wordings(text, expected):
    assert cites(text) == expected
