"""Hand-made letters that exercise what the five seeds cannot (both decisions,
dates to sort by, several specialties, an unparsed letter, markup in text)."""

from __future__ import annotations

from indexer.model import Citation, Letter, Passage, Reviewer

OPIOIDS = "MTUS | Chronic Pain Medical Treatment Guidelines | Opioids"
FACET_DX = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"
PHYS_MED = "MTUS | Chronic Pain Medical Treatment Guidelines | Physical medicine"


def _cite(key: str, text: str, field: str = "reviewer_guideline") -> Citation:
    source, chapter, topic = key.split(" | ")
    start = text.index(topic)
    return Citation(source, chapter, topic, None, "reviewer", topic, field, start, start + len(topic))


def _p(
    lid: str,
    n: int,
    item: str,
    decision: str | None,
    rationale: str,
    guideline: str = "",
    cites: tuple[str, ...] = (),
    **kw,
) -> Passage:
    return Passage(
        passage_id=f"{lid}-{n}",
        letter_id=lid,
        ordinal=n,
        item=item,
        decision=decision,
        rationale=rationale,
        reviewer_guideline=guideline,
        citations=[_cite(k, guideline) for k in cites],
        **kw,
    )


def sample_letters() -> list[Letter]:
    a, b, c, d = "CM15-0000001", "CM16-0000002", "notaletter", "CM14-0000004"
    g_op = "Decision based on MTUS Chronic Pain Medical Treatment Guidelines Opioids, criteria for use."
    g_fx = "Official Disability Guidelines (ODG) Neck and Upper Back, Facet joint diagnostic blocks."
    g_pm = "Decision based on MTUS Chronic Pain Medical Treatment Guidelines Physical medicine."
    return [
        Letter(
            a,
            f"/letters/{a}.txt",
            case_number=a,
            date_of_injury="2012-03-04",
            decision_date="2015-06-01",
            reviewer=Reviewer(["Anesthesiology"], ["Anesthesiology"], ["California"]),
            summary="The injured worker has chronic neck pain after a fall from a ladder.",
            body_regions=["cervical"],
            passages=[
                _p(
                    a,
                    1,
                    "Norco 10/325mg #60",
                    "Overturned",
                    "Opioids are recommended for chronic pain when there is documented functional "
                    "improvement. The records document improvement in function.",
                    g_op,
                    (OPIOIDS,),
                    treatment="medication",
                    body_region="cervical",
                    mtus_based=True,
                ),
                _p(
                    a,
                    2,
                    "Cervical medial branch block at C4-C5",
                    "Upheld",
                    "Guidelines recommend no more than 2 levels. The patient has radicular symptoms, "
                    "so in this case a diagnostic block is not indicated.",
                    g_fx,
                    (FACET_DX,),
                    treatment="injection",
                    body_region="cervical",
                    mtus_based=False,
                ),
            ],
        ),
        Letter(
            b,
            f"/letters/{b}.txt",
            case_number=b,
            date_of_injury="2014-09-06",
            decision_date="2016-02-10",
            reviewer=Reviewer(["Physical Medicine & Rehabilitation", "Pain Management"], [], ["Massachusetts"]),
            summary="Low back pain radiating to the left leg.",
            body_regions=["lumbar"],
            passages=[
                _p(
                    b,
                    1,
                    "Lumbar epidural steroid injection L4-L5",
                    "Overturned",
                    "Radicular findings support the epidural block at one level.",
                    "",
                    (),
                    treatment="injection",
                    body_region="lumbar",
                    mtus_based=True,
                ),
                _p(
                    b,
                    2,
                    "Physical therapy 12 sessions",
                    "Upheld",
                    "Therapy is not supported after 24 prior sessions without functional improvement; "
                    "the block relieved radicular pain before. Injections were not discussed.",
                    g_pm,
                    (PHYS_MED,),
                    treatment="physical therapy",
                    body_region="lumbar",
                    mtus_based=True,
                ),
            ],
        ),
        Letter(
            c,
            f"/letters/{c}.txt",
            text="This is not an IMR letter. It mentions gabapentin and sedation.",
            warnings=["no IMR issues section found"],
        ),
        Letter(
            d,
            f"/letters/{d}.txt",
            case_number=d,
            date_of_injury="2010-01-15",
            decision_date="2014-01-01",
            reviewer=Reviewer(["Orthopedic Surgery"], [], ["California"]),
            summary="Gastritis history; takes ibuprofen.",
            passages=[
                _p(
                    d,
                    1,
                    "Proton pump inhibitor 20mg",
                    "Upheld",
                    "Not indicated without risk factors. <script>alert(1)</script> & co.",
                    "",
                    (),
                    treatment="medication",
                ),
                _p(
                    d,
                    2,
                    "Omeprazole 20mg #30",
                    "Upheld",
                    "A PPI is indicated for patients at intermediate risk, which is not shown here.",
                    "",
                    (),
                    treatment="medication",
                ),
            ],
        ),
    ]
