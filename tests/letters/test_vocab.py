"""The vocabularies are consistent data: every wording leads back to its own canonical entry."""

from __future__ import annotations

import pytest

from indexer import vocab
from indexer.letters.fields import specialties_in, states_in
from indexer.passages.citations import extract_citations


def test_abbreviations_both_ways():
    abbr = vocab.abbreviations()
    assert abbr["MBB"] == ["medial branch block"]
    assert "proton pump inhibitor" in abbr["PPI"]
    assert "epidural steroid injection" in abbr["ESI"]
    assert set(abbr["RFA"]) >= {"radiofrequency ablation", "radiofrequency neurotomy"}
    for k in ("PT", "CBT", "NSAID", "TENS", "MRI", "EMG", "NCV", "HEP", "TPI"):
        assert abbr[k], k
    both = vocab.abbreviation_equivalents()
    assert "MBB" in both["medial branch block"] and "medial branch block" in both["mbb"]


def test_topic_chapter_references_exist():
    keys = vocab.chapter_by_key()
    for t in vocab.topics():
        assert t.chapters, t.name
        for ch in t.chapters:
            assert ch in keys, (t.name, ch)


SOURCE_WORD = {"MTUS": "MTUS", "ODG": "Official Disability Guidelines (ODG)", "Other": "", "ACOEM": "ACOEM"}


@pytest.mark.parametrize("chapter", vocab.chapters(), ids=lambda c: c.key)
def test_every_chapter_wording_reads_as_its_chapter(chapter):
    for wording in chapter.aliases + chapter.standalone_aliases:
        prefix = "" if wording in chapter.standalone_aliases else SOURCE_WORD[chapter.source] + " "
        text = f"Decision based on {prefix}{wording}."
        cites = extract_citations(text, "g", "reviewer")
        assert [c.key for c in cites][:1] == [chapter.key], wording


@pytest.mark.parametrize("topic", vocab.topics(), ids=lambda t: t.name)
def test_every_topic_wording_reads_as_its_topic(topic):
    chapter = vocab.chapter_by_key()[topic.chapters[0]]
    lead = chapter.standalone_aliases[0] if chapter.standalone_aliases else f"ODG {chapter.name}"
    for wording in (topic.name, *topic.aliases):
        text = f"Decision based on {lead}, {wording}."
        keys = [c.key for c in extract_citations(text, "g", "reviewer")]
        assert keys == [f"{chapter.key} | {topic.name}"], (wording, keys)


def test_specialty_and_state_wordings():
    for s in vocab.specialties():
        for wording in (s.name, *s.aliases):
            assert specialties_in(wording) == [s.name], wording
    for name, _code in vocab.states().items():
        assert states_in(f"licensed in {name}") == [name]
    assert states_in("CA, NV") == ["California", "Nevada"]


def test_treatment_and_region_vocabularies_are_well_formed():
    cats = vocab.treatments()
    assert {
        "injection",
        "physical therapy",
        "acupuncture",
        "medication",
        "imaging",
        "surgery",
        "DME",
        "psychotherapy",
        "chiropractic",
        "massage",
    } <= {c.name for c in cats}
    assert all(c.triggers for c in cats)
    regions = {r.name for r in vocab.body_regions()}
    assert {"cervical", "thoracic", "lumbar", "shoulder", "knee"} <= regions
    assert "opioids" in vocab.medication_classes()
