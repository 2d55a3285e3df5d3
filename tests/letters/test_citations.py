"""Guideline citations: every wording a letter uses comes out as one canonical key."""

from __future__ import annotations

import pytest

from indexer.passages.citations import citations_in_query, extract_citations

FACET = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"


@pytest.mark.parametrize(
    "wording",
    [
        "ODG, Neck Chapter Facet joint diagnostic blocks",
        "Official Disability Guidelines (ODG) Neck and Upper Back Chapter, Facet joint diagnostic blocks",
        "Official Disability Guidelines (ODG) Neck and Upper Back (Acute & Chronic), Facet joint diagnostic blocks",
        "ODG: Neck and Upper back Chapter, Facet Joint Diagnostic Blocks (injections)",
    ],
)
def test_the_four_spellings_of_the_issue_give_one_key(wording):
    text = f"Decision based on Non-MTUS Citation {wording}."
    [c] = extract_citations(text, "reviewer_guideline", "reviewer")
    assert (c.key, c.source, c.chapter, c.topic) == (
        FACET,
        "ODG",
        "Neck and Upper Back",
        "Facet joint diagnostic blocks",
    )
    assert c.raw == wording and text[c.start : c.end] == wording
    assert (c.field, c.cited_by) == ("reviewer_guideline", "reviewer")


def test_one_paragraph_three_topics_of_one_chapter():
    text = (
        "Decision based on Non-MTUS Citation ODG, Neck Chapter Facet joint diagnostic blocks, facet joint "
        "pain signs and symptoms, Facet joint therapeutic steroid injections."
    )
    cites = extract_citations(text, "reviewer_guideline", "reviewer")
    assert [c.topic for c in cites] == [
        "Facet joint diagnostic blocks",
        "Facet joint pain, signs & symptoms",
        "Facet joint therapeutic steroid injections",
    ]
    assert {c.chapter for c in cites} == {"Neck and Upper Back"}
    assert [c.raw for c in cites][1:] == [
        "facet joint pain signs and symptoms",
        "Facet joint therapeutic steroid injections",
    ]


def test_acoem_chapter_is_an_mtus_part_with_pages():
    [c] = extract_citations(
        "Decision based on MTUS ACOEM Chapter 8 Neck and Upper Back Complaints Page(s): 174.",
        "reviewer_guideline",
        "reviewer",
    )
    assert (c.source, c.chapter, c.topic, c.pages) == (
        "MTUS",
        "ACOEM Chapter 8 Neck and Upper Back Complaints",
        None,
        "174",
    )
    assert c.key == "MTUS | ACOEM Chapter 8 Neck and Upper Back Complaints"


def test_acoem_cited_outside_the_mtus_is_source_acoem():
    [c] = extract_citations(
        "Decision based on Non-MTUS Citation ACOEM Practice Guidelines, 3rd Edition, Chapter 12 Low Back Disorders.",
        "g",
        "reviewer",
    )
    assert (c.source, c.chapter) == ("ACOEM", "ACOEM Chapter 12 Low Back Complaints")


@pytest.mark.parametrize(
    "text,key,pages",
    [
        (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Massage therapy Page(s): 60.",
            "MTUS | Chronic Pain Medical Treatment Guidelines | Massage therapy",
            "60",
        ),
        (
            "Decision based on MTUS Chronic Pain Medical Treatment Guidelines, Opioids, criteria for use, pages 76 - 80.",
            "MTUS | Chronic Pain Medical Treatment Guidelines | Opioids, criteria for use",
            "76-80",
        ),
        (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Epidural steroid injections (ESIs), Page(s): 46.",
            "MTUS | Chronic Pain Medical Treatment Guidelines | Epidural steroid injections (ESIs)",
            "46",
        ),
        (
            "Decision based on MTUS Acupuncture Treatment Guidelines.",
            "MTUS | Acupuncture Medical Treatment Guidelines",
            None,
        ),
        ("Decision based on Non-MTUS Citation ODG Low Back Disorders", "ODG | Low Back", None),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain (Chronic), Opioids, criteria for use",
            "ODG | Pain | Opioids, criteria for use",
            None,
        ),
        (
            "Decision based on Non-MTUS Citation ODG Knee & Leg (Acute & Chronic), Continuous-flow cryotherapy",
            "ODG | Knee & Leg | Continuous-flow cryotherapy",
            None,
        ),
        (
            "Decision based on Non-MTUS Citation ODG Mental Illness & Stress, Cognitive therapy for PTSD",
            "ODG | Mental Illness & Stress | Cognitive therapy for PTSD",
            None,
        ),
    ],
)
def test_common_wordings(text, key, pages):
    cites = extract_citations(text, "g", "reviewer")
    assert [(c.key, c.pages) for c in cites] == [(key, pages)]


def test_not_based_on_mtus_sentence_cites_nothing():
    text = "The Claims Administrator did not base their decision on the MTUS."
    assert extract_citations(text, "g", "claims_administrator") == []


def test_unknown_topic_after_a_known_chapter_is_kept_as_written():
    [c] = extract_citations(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), "
        "Neck & Upper Back, Facet Joint Blocks.",
        "g",
        "claims_administrator",
    )
    assert c.key == "ODG | Neck and Upper Back | Facet joint blocks"


def test_other_sources_keep_their_text():
    [c] = extract_citations(
        "Decision based on Non-MTUS Citation Lee J, et al. Opioid use in chronic pain. Spine 2010;35:1-9.",
        "g",
        "reviewer",
    )
    assert c.source == "Other" and c.topic.startswith("Lee J, et al. Opioid use in chronic pain")
    [c] = extract_citations(
        "Decision based on Non-MTUS Citation FDA prescribing information for Lyrica.", "g", "reviewer"
    )
    assert (c.source, c.chapter, c.topic) == ("Other", "FDA", "Pregabalin (Lyrica)")


def test_rationale_prose_names_guidelines_only_when_explicit():
    text = (
        "California MTUS/ACOEM does not specifically address. Official Disability Guidelines supports medial "
        "branch blocks for patients with low back pain. Guidelines recommend a home exercise program."
    )
    cites = extract_citations(text, "rationale", "rationale")
    assert [(c.source, c.raw) for c in cites] == [
        ("MTUS", "California MTUS/ACOEM"),
        ("ODG", "Official Disability Guidelines"),
    ]
    assert all(c.cited_by == "rationale" for c in cites)
    # a topic word in prose far from a guideline name is not a citation topic
    assert all(c.topic is None for c in cites)


def test_offsets_are_relative_to_the_field_text():
    text = "  Decision based on Non-MTUS Citation ODG, Low Back Chapter, Lumbar supports.\n\nMore."
    [c] = extract_citations(text, "g", "reviewer")
    assert text[c.start : c.end] == c.raw == "ODG, Low Back Chapter, Lumbar supports"


def test_empty_and_junk_text():
    assert extract_citations("", "g", "reviewer") == []
    assert extract_citations("((((: : ,,, ODG ODG ODG )))) Page(s): 5", "g", "reviewer")[0].source == "ODG"


@pytest.mark.parametrize(
    "query,keys",
    [
        ("ODG Neck Facet joint diagnostic blocks", [FACET]),
        ("odg neck and upper back facet joint diagnostic block", [FACET]),
        ("MTUS chronic pain massage therapy", ["MTUS | Chronic Pain Medical Treatment Guidelines | Massage therapy"]),
        ("ODG low back", ["ODG | Low Back"]),
        ("ODG Facet joint diagnostic blocks", [FACET, "ODG | Low Back | Facet joint diagnostic blocks"]),
        (
            "Chronic Pain Medical Treatment Guidelines opioids criteria for use",
            ["MTUS | Chronic Pain Medical Treatment Guidelines | Opioids, criteria for use"],
        ),
        ("medial branch block radiculopathy", []),
        ("facet joint diagnostic blocks", []),
        ("chronic pain acupuncture", []),
        ("ODG", []),
        ("", []),
        ('"unbalanced (facet AND', []),
    ],
)
def test_citations_in_query(query, keys):
    assert citations_in_query(query) == keys
