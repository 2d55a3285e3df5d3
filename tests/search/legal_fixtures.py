"""Hand-made letters for the way legal researchers search (issue 12): dosages,
spinal levels, case numbers, drug names, connectors, dates. Every expected hit
in test_legal_search.py is worked out by reading these texts."""

from __future__ import annotations

from indexer.model import Letter, Passage, Reviewer


def _p(lid: str, n: int, item: str, decision: str, rationale: str, **kw) -> Passage:
    return Passage(
        passage_id=f"{lid}-{n}", letter_id=lid, ordinal=n, item=item, decision=decision, rationale=rationale, **kw
    )


E, F, G, H = "CM16-0213037", "CM17-0000100", "CM21-0000200", "CM19-0000300"


def legal_letters() -> list[Letter]:
    rev = Reviewer(["Pain Management"], [], ["California"])
    return [
        Letter(
            E,
            f"/l/{E}.txt",
            case_number=E,
            date_of_injury="2016-10-13",
            decision_date="2016-12-09",
            reviewer=rev,
            summary="The injured worker has low back pain after lifting boxes.",
            passages=[
                _p(
                    E,
                    1,
                    "Norco 10/325mg #60",
                    "Upheld",
                    "Hydrocodone/APAP was requested for pain. The patient reports some pain relief. "
                    "Functional improvement was not documented, so pain control alone is not enough.",
                ),
                _p(
                    E,
                    2,
                    "Lumbar epidural steroid injection L4-5",
                    "Overturned",
                    "MRI shows stenosis at L4/5 with radicular pain. A facet injection was done before. "
                    "Guidelines support the injection.",
                ),
            ],
        ),
        Letter(
            F,
            f"/l/{F}.txt",
            case_number=F,
            date_of_injury="2015-02-01",
            decision_date="2017-03-01",
            reviewer=rev,
            summary="Neck pain with radiation to the arm.",
            passages=[
                _p(
                    F,
                    1,
                    "Oxycodone 15 mg #90",
                    "Upheld",
                    "Opioids need documented improvement in function. Pain is unchanged.",
                ),
                _p(
                    F,
                    2,
                    "Physical therapy x 12",
                    "Overturned",
                    "Twelve sessions of therapy are within guidelines for this injury.",
                ),
                _p(
                    F,
                    3,
                    "Cervical facet injection C5-6",
                    "Upheld",
                    "Injection of the facet joint at C5-C6 is not supported with radicular findings.",
                ),
            ],
        ),
        Letter(
            G,
            f"/l/{G}.txt",
            case_number=G,
            date_of_injury="2020-07-04",
            decision_date="2021-05-05",
            reviewer=rev,
            summary="Chronic neuropathic pain of the foot.",
            passages=[
                _p(
                    G,
                    1,
                    "Lidoderm patch 5% #30",
                    "Overturned",
                    "Lidocaine patches are recommended for localized neuropathic pain after first-line therapy.",
                ),
                _p(
                    G,
                    2,
                    "Flexeril 10mg #30",
                    "Upheld",
                    "Cyclobenzaprine is recommended for a short course only. Long use is not supported.",
                ),
                _p(
                    G,
                    3,
                    "Thoracolumbar fusion T12-L1",
                    "Upheld",
                    "Fusion at T12/L1 is not indicated without instability.",
                ),
            ],
        ),
        Letter(
            H,
            f"/l/{H}.txt",
            case_number=H,
            date_of_injury="2018-01-20",
            decision_date="2019-08-15",
            reviewer=rev,
            summary="Shoulder and wrist pain.",
            passages=[
                _p(
                    H,
                    1,
                    "Hydrocodone-acetaminophen 5/325mg x12",
                    "Upheld",
                    "Ongoing opioid use requires monitoring. Injection of the shoulder was not requested.",
                ),
                _p(
                    H,
                    2,
                    "Ultram 50mg",
                    "Overturned",
                    "Tramadol gave relief with improved function; facet pain is not at issue.",
                ),
            ],
        ),
    ]
