"""Every kind of PDF-extraction damage the issue names is undone."""

from __future__ import annotations

import pytest

from indexer.letters import parse_text
from indexer.text.clean import join_two, paragraphs, reflow, word_set

from .letters_factory import Item, LetterSpec, build_letter, double_blank_lines, paginate, wrap

RATIONALE = (
    "Guidelines recommend medial branch blocks for patients with cervical pain that is non-radicular "
    "and at no more than 2 levels bilaterally. The documentation shows radicular symptoms at L4-L5 and "
    "no documentation of failure of conservative treatment. Therefore the request is not medically "
    "necessary."
)
SPEC = LetterSpec(
    items=[
        Item("Retrospective request for Omeprazole 20mg #60 (DOS: 3/18/2014)", "Upheld", rationale=RATIONALE),
        Item(
            "Norco 10/325mg #90 with two refills for the management of chronic low back pain",
            "Overturned",
            rationale="Opioids are recommended when there is documented functional improvement. The records "
            "document improved function. Therefore the request is medically necessary.",
        ),
    ]
)


def facts(letter):
    return [
        (
            p.item,
            p.decision,
            p.claims_administrator_guideline,
            p.reviewer_guideline,
            p.rationale,
            [c.key for c in p.citations],
        )
        for p in letter.passages
    ]


@pytest.fixture(scope="module")
def clean_letter():
    letter = parse_text(build_letter(SPEC), "clean.txt")
    assert len(letter.passages) == 2 and not letter.warnings
    return letter


def test_lines_wrapped_mid_sentence(clean_letter):
    damaged = parse_text(wrap(build_letter(SPEC), 50), "wrapped.txt")
    assert facts(damaged) == facts(clean_letter)


def test_blank_line_between_every_line(clean_letter):
    damaged = parse_text(double_blank_lines(wrap(build_letter(SPEC), 70)), "doubled.txt")
    assert facts(damaged) == facts(clean_letter)
    assert damaged.summary == clean_letter.summary


@pytest.mark.parametrize("form_feed", [False, True])
def test_page_footers_removed_even_mid_sentence(clean_letter, form_feed):
    text = paginate(wrap(build_letter(SPEC), 60), lines_per_page=7, form_feed=form_feed)
    assert text.count("Page 2 of") == 1
    damaged = parse_text(text, "paged.txt")
    assert facts(damaged) == facts(clean_letter)
    assert "Page 2 of" not in damaged.text


def test_footers_with_doubled_blank_lines(clean_letter):
    text = double_blank_lines(paginate(wrap(build_letter(SPEC), 60), lines_per_page=9))
    assert facts(parse_text(text, "both.txt")) == facts(clean_letter)


def test_repeated_case_number_and_page_headers_removed():
    body = wrap(build_letter(SPEC), 60).split("\n")
    pages = [body[i : i + 10] for i in range(0, len(body), 10)]
    text = "\f".join(
        "\n".join(["CM15-0104522", "Independent Medical Review Final Determination", *p, f"Page {n} of {len(pages)}"])
        for n, p in enumerate(pages, 1)
    )
    letter = parse_text(text, "x.txt")
    assert letter.letter_id == "CM15-0104522"
    assert len(letter.passages) == 2
    assert all("Independent Medical Review Final Determination" not in p.rationale for p in letter.passages)
    assert all("CM15-0104522" not in p.rationale for p in letter.passages)


def test_hyphenation_across_line_breaks():
    assert join_two("decreased sensa-", "tion in the left arm") == "decreased sensation in the left arm"
    assert join_two("stenosis at L4-", "L5 and L5-S1") == "stenosis at L4-L5 and L5-S1"
    assert join_two("cervical pain that is non-", "radicular") == "cervical pain that is non-radicular"
    assert join_two("Decision based on Non-", "MTUS Citation") == "Decision based on Non-MTUS Citation"
    assert join_two("Low Back -", "Lumbar") == "Low Back - Lumbar"
    # the letter's own spelling decides for words it uses elsewhere
    words = word_set("a follow-up visit was scheduled")
    assert join_two("a follow-", "up visit", words) == "a follow-up visit"
    words = word_set("the nonradicular pattern")
    assert join_two("is non-", "radicular", words) == "is nonradicular"


def test_hyphenated_words_in_a_parsed_letter():
    rationale = (
        "Examination showed decreased sensation in the C6 dermatome and stenosis at L4-L5. "
        "Therefore the request is not medically necessary."
    )
    text = wrap(build_letter(LetterSpec(items=[Item("MRI of the cervical spine", rationale=rationale)])), 70)
    text = text.replace("decreased sensation", "decreased sensa-\ntion").replace("at L4-L5", "at L4-\nL5")
    letter = parse_text(double_blank_lines(text), "hy.txt")
    assert letter.passages[0].rationale == rationale


def test_paragraph_detection_single_spaced_without_blank_lines():
    text = wrap(build_letter(SPEC), 60).replace("\n\n", "\n")
    letter = parse_text(text, "dense.txt")
    assert [p.item for p in letter.passages] == [it.item for it in SPEC.items]
    assert [p.decision for p in letter.passages] == ["Upheld", "Overturned"]
    assert letter.passages[0].rationale == RATIONALE


def test_reflow_joins_lines_with_single_spaces():
    assert reflow(["The patient  ", "  reports pain."]) == "The patient reports pain."
    assert paragraphs("a\n\nb\n\nc\n\n\n\nd\n\ne\n\nf") == [["a", "b", "c"], ["d", "e", "f"]]


def test_pdf_style_page_breaks_in_text_letters_run_on():
    """pypdf's text marks a page break with one blank line only: a word hyphenated across it
    is rejoined and the sentence runs on, as in the PDF."""
    from indexer.text.clean import paragraphs

    text = (
        "The injured worker was seen on 11/03/2016 for neck pain.\nThe examination showed decreased sensa-\n\n"
        "tion in the left arm and weakness of the\n\nleft hand. Reflexes were\nsymmetric.\n \n"
        "A new paragraph starts here and\nends here.\n"
    )
    paras = paragraphs(text)
    assert [reflow(p) for p in paras] == [
        "The injured worker was seen on 11/03/2016 for neck pain. The examination showed decreased sensation "
        "in the left arm and weakness of the left hand. Reflexes were symmetric.",
        "A new paragraph starts here and ends here.",
    ]
