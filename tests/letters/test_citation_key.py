"""CitationKey: the canonical citation id and its hierarchy, in one place."""

from __future__ import annotations

from indexer.model import Citation, CitationKey, citation_key

TOPIC = "ODG | Low Back | Lumbar supports"


def test_parse_and_str_round_trip_and_tidy_what_was_typed():
    key = CitationKey.parse(TOPIC)
    assert str(key) == TOPIC and key.parts == ("ODG", "Low Back", "Lumbar supports")
    assert CitationKey.parse(" ODG|Low Back |  Lumbar supports ") == key
    assert (key.source, key.chapter, key.topic) == ("ODG", "Low Back", "Lumbar supports")
    assert CitationKey.parse("MTUS").chapter is None and CitationKey.parse("MTUS").topic is None
    assert CitationKey.of("ODG", "Low Back", "Lumbar supports") == key
    assert citation_key("ODG", "Low Back", None) == "ODG | Low Back" == str(CitationKey.of("ODG", "Low Back"))


def test_parent_walks_up_to_the_source():
    key = CitationKey.parse(TOPIC)
    assert key.parent == CitationKey.parse("ODG | Low Back")
    assert key.parent.parent == CitationKey.parse("ODG")
    assert key.parent.parent.parent is None


def test_a_key_is_under_itself_and_the_keys_it_extends_only():
    key = CitationKey.parse(TOPIC)
    assert key.is_under(key) and key.is_under(CitationKey.parse("ODG | Low Back"))
    assert key.is_under(CitationKey.parse("ODG"))
    assert not CitationKey.parse("ODG | Low Back").is_under(key)
    # a longer chapter name that starts the same is not below it
    assert not CitationKey.parse("ODG | Low Back Pain | Lumbar supports").is_under(CitationKey.parse("ODG | Low Back"))
    assert not CitationKey.parse("MTUS | Low Back").is_under(CitationKey.parse("ODG"))
    assert CitationKey.parse("ODG | Low Back").descendant_prefix == "ODG | Low Back | "
    assert TOPIC.startswith(CitationKey.parse("ODG | Low Back").descendant_prefix)


def test_a_citation_names_its_key():
    c = Citation(
        source="ODG",
        chapter="Low Back",
        topic="Lumbar supports",
        pages=None,
        cited_by="reviewer",
        raw="ODG Low Back, Lumbar supports",
        field="reviewer_guideline",
        start=0,
        end=10,
    )
    assert c.key == TOPIC and CitationKey.parse(c.key).is_under(CitationKey.of("ODG", "Low Back"))
