"""ODG citations whose topic wording repeats a chapter word stay one citation.

Many ODG topic wordings carry a body-part word that is also a chapter wording
("Fusion, anterior cervical", "Collars (cervical)", "Lumbar traction", "Knee brace"),
and some chapter wordings run into the topic ("Pain, Chronic" before "Chronic pain
programs"). Read greedily, "ODG Cervical, Fusion, anterior cervical" became a
chapterless `ODG | Fusion (spinal)` plus a stray `ODG | Neck and Upper Back`, so a
search for the Neck and Upper Back fusion citation missed the letter.
"""

from __future__ import annotations

import pytest

from indexer import vocab
from indexer.model import citation_key
from indexer.passages.citations import extract_citations
from indexer.synth.citations import GuidelineWriter
from indexer.text.phrases import tokens_of

NECK_FUSION = "ODG | Neck and Upper Back | Fusion (spinal)"
NECK_COLLAR = "ODG | Neck and Upper Back | Cervical collar"


def _cites(wording: str, lead: str = "Decision based on Non-MTUS Citation "):
    text = f"{lead}{wording}."
    cites = extract_citations(text, "reviewer_guideline", "reviewer")
    for c in cites:  # the UI highlights raw at [start, end)
        assert text[c.start : c.end] == c.raw
    return cites


@pytest.mark.parametrize(
    "wording, key",
    [
        ("Official Disability Guideline Cervical, Fusion, anterior cervical", NECK_FUSION),
        ("(ODG) Cervical, Collars (cervical)", NECK_COLLAR),
    ],
)
def test_the_reported_wordings_give_one_citation_spanning_the_wording(wording, key):
    [c] = _cites(wording)
    assert c.key == key
    assert c.raw == wording  # the whole wording is highlighted, the source's parenthesis included


@pytest.mark.parametrize(
    "wording, key",
    [
        # the chapter alias followed by a topic that starts with a chapter word
        ("ODG Cervical, Fusion", NECK_FUSION),
        ("ODG Cervical Fusion (spinal)", NECK_FUSION),
        ("ODG-TWC, Cervical Collars (cervical)", NECK_COLLAR),
        ("ODG Guidelines, Cervical, Traction", "ODG | Neck and Upper Back | Traction"),
        ("ODG Cervical Traction (mechanical)", "ODG | Neck and Upper Back | Traction"),
        # Low Back / lumbar
        ("ODG Lumbar, Fusion", "ODG | Low Back | Fusion (spinal)"),
        ("the Official Disability Guidelines Lumbar Fusion", "ODG | Low Back | Fusion (spinal)"),
        ("ODG Lumbar, Fusion, lumbar", "ODG | Low Back | Fusion (spinal)"),
        ("ODG Lumbar, Traction", "ODG | Low Back | Traction"),
        ("ODG Low Back, Lumbar supports", "ODG | Low Back | Lumbar supports"),
        # Knee
        (
            "Official Disability Guidelines Knee, Arthroscopy",
            "ODG | Knee & Leg | Arthroscopic surgery for osteoarthritis",
        ),
        ("ODG Knee, Knee brace", "ODG | Knee & Leg | Knee brace"),
        ("ODG Knee & Leg Chapter, Knee joint replacement, knee", "ODG | Knee & Leg | Knee joint replacement"),
        # a chapter wording ("Pain, Chronic") that runs into the topic ("Chronic pain programs")
        ("ODG Pain, Chronic pain programs", "ODG | Pain | Functional restoration programs (FRPs)"),
        (
            "Official Disability Guidelines, Pain, Chronic pain programs, intensity",
            "ODG | Pain | Chronic pain programs, intensity",
        ),
        # a topic wording that names its own chapter implies it
        ("ODG Cervical collar", NECK_COLLAR),
    ],
)
def test_chapter_words_inside_the_topic_wording_do_not_split_it(wording, key):
    assert [c.key for c in _cites(wording)] == [key]


def test_after_a_chapter_a_topic_starting_with_a_chapter_word_is_that_chapters_topic():
    assert [c.key for c in _cites("ODG Neck and Upper Back, Cervical traction")] == [
        "ODG | Neck and Upper Back | Traction"
    ]
    # "Lumbar sympathetic block" is filed under Pain: "Lumbar" is not read as the Low Back chapter
    [c] = _cites("ODG Lumbar sympathetic block")
    assert c.chapter != "Low Back"


@pytest.mark.parametrize(
    "wording, keys",
    [
        (
            "ODG Low Back, Fusion; Cervical, Traction",
            ["ODG | Low Back | Fusion (spinal)", "ODG | Neck and Upper Back | Traction"],
        ),
        (
            "ODG Knee & Leg, Knee brace. ODG Low Back, Lumbar supports",
            ["ODG | Knee & Leg | Knee brace", "ODG | Low Back | Lumbar supports"],
        ),
        (
            "ODG Neck Chapter, Facet joint diagnostic blocks, Cervical, Traction",
            ["ODG | Neck and Upper Back | Facet joint diagnostic blocks", "ODG | Neck and Upper Back | Traction"],
        ),
        (
            "ODG Low Back, Fusion (spinal), Knee, Knee brace",
            ["ODG | Low Back | Fusion (spinal)", "ODG | Knee & Leg | Knee brace"],
        ),
        ("ODG Low Back, Fusion (spinal); ODG Neck, Cervical collar", ["ODG | Low Back | Fusion (spinal)", NECK_COLLAR]),
    ],
)
def test_separate_citations_in_one_paragraph_stay_separate(wording, keys):
    assert [c.key for c in _cites(wording)] == keys


def _chapter_word_cases() -> list[tuple[str, str]]:
    """Every ODG chapter wording the generator prints, with every printable wording of each
    topic of that chapter whose wording contains any ODG chapter wording: the bug's class."""
    odg = [ch for ch in vocab.chapters() if ch.source == "ODG"]
    chapter_words = {tokens_of(a).norms for ch in odg for a in ch.aliases}
    longest = max(map(len, chapter_words))

    def has_chapter_words(wording: str) -> bool:
        n = tokens_of(wording).norms
        return any(n[s : s + k] in chapter_words for s in range(len(n)) for k in range(1, longest + 1))

    writer = GuidelineWriter.default()
    cases = []
    for ch in odg:
        for topic in vocab.topics():
            if ch.key not in topic.chapters:
                continue
            key = citation_key("ODG", ch.name, topic.name)
            for words in writer.topic_wordings[topic.name]:
                if has_chapter_words(words) or any(
                    tokens_of(a).norms[-1:] == tokens_of(words).norms[:1] for a in ch.aliases
                ):
                    cases += [(f"ODG {alias}{sep}{words}", key) for alias in ch.aliases for sep in (", ", " ")]
    return cases


def test_every_chapter_wording_with_every_chapter_word_topic_wording():
    cases = _chapter_word_cases()
    assert len(cases) > 100  # the vocabulary has many such wordings
    wrong = [(w, key, [c.key for c in _cites(w)]) for w, key in cases if [c.key for c in _cites(w)] != [key]]
    assert not wrong, f"{len(wrong)} of {len(cases)} wordings misread, e.g. {wrong[:5]}"
