"""The paste page's cite-check recognises every citation form the parser knows:
for every wording of every chapter and topic in the guideline vocabulary, what
the parser finds in a letter's guideline paragraph is found in pasted prose too."""

from __future__ import annotations

from indexer import vocab
from indexer.passages.citations import extract_citations
from webapp.similar.data import recognised_citations

PROSE = (
    "Utilization review non-certified the request on 01/05/2017. {sentence} The treating physician "
    "disagrees and asks for reconsideration."
)


def _forms() -> list[str]:
    forms = []
    sources = {s.name: s for s in vocab.sources()}
    for ch in vocab.chapters():
        source_words = (ch.source,) + tuple(sources[ch.source].aliases[:1]) if ch.source in sources else (ch.source,)
        for alias in (ch.name, *ch.standalone_aliases, *ch.aliases):
            for word in source_words:
                forms.append(f"Decision based on {word} {alias}.")
    for t in vocab.topics():
        for chapter_key in t.chapters:
            source, chapter = chapter_key.split(" | ", 1)
            for alias in t.aliases:
                forms.append(
                    f"Decision based on Non-MTUS Citation {source} {chapter}, {alias}."
                    if source != "MTUS"
                    else f"Decision based on MTUS {chapter}, {alias}."
                )
    return forms


def test_every_vocabulary_wording_the_parser_reads_is_recognised_in_pasted_text() -> None:
    forms = _forms()
    assert len(forms) > 200
    checked = 0
    for sentence in forms:
        expected = {c.key for c in extract_citations(sentence, "reviewer_guideline", "reviewer")}
        got = set(recognised_citations(PROSE.format(sentence=sentence)))
        assert expected <= got, (sentence, expected - got)
        checked += len(expected)
    assert checked > 200


def test_wordings_of_one_citation_are_canonicalised_together() -> None:
    text = (
        "The request was denied per ODG, Neck Chapter Facet joint diagnostic blocks. The reviewer also "
        "cited Official Disability Guidelines (ODG) Neck and Upper Back (Acute & Chronic), Facet joint "
        "diagnostic blocks, and MTUS Chronic Pain Medical Treatment Guidelines, Opioids, criteria for use, "
        "pages 76 - 80."
    )
    found = recognised_citations(text)
    assert list(found)[:2] == [
        "ODG | Neck and Upper Back | Facet joint diagnostic blocks",
        "MTUS | Chronic Pain Medical Treatment Guidelines | Opioids, criteria for use",
    ]
    assert found["ODG | Neck and Upper Back | Facet joint diagnostic blocks"].startswith("ODG")
