"""The fast highlighter marks exactly what the plain algorithm marks.

Highlighting takes shortcuts for speed (a byte-level scan that only stops at
words whose first letters could match, per-query word memos, exact phrases
checked without word positions, fragment windows found by bisection). Each
test here states the plain rule (tokenise everything, compare every term, try
every window) in a few obvious lines and checks the highlighter against it on
generated text and on the sample letters, plus the behaviour users see:
escaping, stems, phrases, prefixes, proximity, negation, bounded fragments.
"""

from __future__ import annotations

import json
import re
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from indexer.index.store import LetterStore, _unpack, pack_letter
from indexer.letters import parse_file
from indexer.query.analysis import tokens
from indexer.query.tree import Near, Phrase, Prefix, Term, leaves
from indexer.query.types import Run
from indexer.search import highlight
from indexer.search.highlight import FRAGMENT_CHARS, MAX_FRAGMENTS, SHORT_FIELD, Highlighter
from indexer.search.parser import parse_query
from tests.search.conftest import html
from tests.search.fixtures import sample_letters
from webapp.highlights import to_html

FIELDS = ("item", "rationale", "claims_administrator_guideline", "reviewer_guideline", "summary")

QUERIES = [
    "medial branch block",
    "MBB radicular",
    "ESI",
    "radicular w/5 injection",
    '"facet block"~5',
    "opioid* functional improvement",
    "neuropath! pain",
    "item:norco",
    "norco -tramadol",
    "NOT surgery knee",
    '"no more than two levels"',
    "physical therapy home exercise program",
    "ODG Neck Facet joint diagnostic blocks",
    '"straight leg raise"',
    "lying",
    "dying skies",
    "a",
    "x w/2 y",
    '"pain pain"',
    "block w/1 block",
    'rationale:"functional improvement"',
    "guideline:opioids",
    "naïve café",
    "Øre",
    "script",
    "amp",
    '"medial branch"~2 w/3 block',
    "generously ability possibility",
    "20mg",
    "é",
    "radicular pre/3 injection",
    "facet w/s block",
    "block /p radicular",
    "medial +s branch",
    "20 mg",
    "L4-5",
    "x 12",
    "325 mg",
    "C5-6 w/3 block",
    "mg",
    "12",
    "l5",
    '"L4 5"',
    "T12-L1",
]
TREES = {q: parse_query(q).tree for q in QUERIES}

# words that exercise stems, heads, digits, underscores, case, unicode and over-long tokens
VOCAB = [
    "medial",
    "Medial",
    "MEDIAL",
    "branch",
    "branches",
    "block",
    "blocks",
    "blocked",
    "MBB",
    "radicular",
    "radiculopathy",
    "injection",
    "injections",
    "epidural",
    "steroid",
    "ESI",
    "facet",
    "Facets",
    "opioid",
    "opioids",
    "Opiates",
    "functional",
    "improvement",
    "neuropathic",
    "neuropathy",
    "pain",
    "painful",
    "Norco",
    "tramadol",
    "surgery",
    "knee",
    "no",
    "more",
    "than",
    "two",
    "levels",
    "physical",
    "therapy",
    "home",
    "exercise",
    "program",
    "PT",
    "HEP",
    "ODG",
    "neck",
    "joint",
    "diagnostic",
    "straight",
    "leg",
    "raise",
    "lying",
    "lie",
    "dying",
    "die",
    "skies",
    "sky",
    "a",
    "A",
    "x",
    "y",
    "the",
    "of",
    "and",
    "generously",
    "ability",
    "possibility",
    "20mg",
    "20",
    "mg",
    "naïve",
    "café",
    "Øre",
    "İstanbul",
    "é",
    "script",
    "amp",
    "block_b",
    "medial_branch",
    "x" * 45,
    "Ab" * 25,
    "lt",
    # forms the analysis reads specially: dosages, counts, spinal levels
    "325mg",
    "x12",
    "12",
    "3x",
    "L4",
    "5",
    "C5",
    "6",
    "T12",
    "L1",
    "l5",
    "Norco",
]
SEPARATORS = [" ", " ", " ", ", ", ". ", "-", "/", "_", "\n", " (", ") ", " & ", " <", "> ", '"', "'", "  "]


@st.composite
def texts(draw, min_words: int = 0, max_words: int = 60) -> str:
    words = draw(st.lists(st.sampled_from(VOCAB), min_size=min_words, max_size=max_words))
    out = []
    for w in words:
        out.append(w)
        out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


# ------------------------------------------------------------------ the plain rules
def plain_spans(tree, text: str, field: str | None) -> list[tuple[int, int]]:
    """What the query matches in `text`, by tokenising all of it and testing every token."""
    active = [
        leaf
        for leaf, negated in leaves(tree)
        if not negated
        and isinstance(leaf, (Term, Phrase, Prefix, Near))
        and (field is None or not leaf.fields or field in leaf.fields)
    ]
    toks = list(tokens(text))
    at = {t.position: i for i, t in enumerate(toks)}

    def occurrences(seq, slop):
        found = []
        for i, t in enumerate(toks):
            if t.term != seq[0]:
                continue
            group, pos, budget = [i], t.position, slop
            for want in seq[1:]:
                gap = next(
                    (
                        g
                        for g in range(budget + 1)
                        if at.get(pos + 1 + g) is not None and toks[at[pos + 1 + g]].term == want
                    ),
                    None,
                )
                if gap is None:
                    break
                budget -= gap
                pos += 1 + gap
                group.append(at[pos])
            else:
                found.append(group)
        return found

    marks = []
    for leaf in active:
        if isinstance(leaf, Term):
            marks += [(t.start, t.end) for t in toks if t.term == leaf.term]
        elif isinstance(leaf, Prefix):
            marks += [(t.start, t.end) for t in toks if t.term.startswith(leaf.prefix)]
        elif isinstance(leaf, Phrase):
            for group in occurrences(leaf.terms, leaf.slop):
                prev = None
                for i in group:  # adjacent words join into one mark
                    if prev is not None and toks[i].position == prev + 1:
                        marks[-1] = (marks[-1][0], toks[i].end)
                    else:
                        marks.append((toks[i].start, toks[i].end))
                    prev = toks[i].position
        else:

            def seq(node):
                return (node.term,) if isinstance(node, Term) else node.terms

            lefts, rights = occurrences(seq(leaf.left), 0), occurrences(seq(leaf.right), 0)
            for a in lefts:
                for b in rights:
                    pa, pb = [toks[i].position for i in a], [toks[i].position for i in b]
                    gap = pb[0] - pa[-1] if pb[0] > pa[-1] or leaf.ordered else pa[0] - pb[-1]
                    if 0 < gap <= leaf.distance:
                        marks += [(toks[i].start, toks[i].end) for i in a + b]
    merged: list[tuple[int, int]] = []
    for s, e in sorted(marks):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def shown(fragments) -> list[str]:
    return [html(f) for f in fragments]


def plain_render(text: str, spans) -> str:
    out, last = [], 0
    for s, e in spans:
        out += [str(escape(text[last:s])), "<mark>", str(escape(text[s:e])), "</mark>"]
        last = e
    return "".join(out) + str(escape(text[last:]))


def plain_fragments(text: str, spans, always: bool) -> list[str]:
    """Whole if short; else try a window before every match, keep the best that do not overlap."""
    if not text:
        return []
    if not spans:
        if not always:
            return []
        end = FRAGMENT_CHARS
        while end < len(text) and not text[end].isspace():
            end += 1
        return [plain_render(text[:end], []) + (" …" if FRAGMENT_CHARS < len(text) else "")]
    if len(text) <= SHORT_FIELD:
        return [plain_render(text, spans)]
    windows = []
    for s, _ in spans:
        start = max(0, s - FRAGMENT_CHARS // 4)
        inside = [(a, b) for a, b in spans if a >= start and b <= start + FRAGMENT_CHARS]
        windows.append((len({text[a:b].lower() for a, b in inside}), len(inside), -start))
    chosen: list[int] = []
    for _, _, neg in sorted(windows, reverse=True):
        start = -neg
        if (
            all(start + FRAGMENT_CHARS <= c or start >= c + FRAGMENT_CHARS for c in chosen)
            and len(chosen) < MAX_FRAGMENTS
        ):
            chosen.append(start)
    out = []
    for start in sorted(chosen):
        fs, fe = start, min(len(text), start + FRAGMENT_CHARS)
        while fs > 0 and not text[fs - 1].isspace():
            fs -= 1
        while fe < len(text) and not text[fe].isspace():
            fe += 1
        inner = [(a - fs, b - fs) for a, b in spans if a >= fs and b <= fe]
        out.append(("… " if fs > 0 else "") + plain_render(text[fs:fe], inner) + (" …" if fe < len(text) else ""))
    return out


# ------------------------------------------------------------------ equivalence
@settings(max_examples=400, deadline=None)
@given(texts(), st.sampled_from(QUERIES), st.sampled_from((None,) + FIELDS))
def test_spans_are_what_the_plain_rules_mark(text, query, field):
    assert Highlighter(TREES[query]).spans(text, field) == plain_spans(TREES[query], text, field)


@pytest.mark.slow  # ~20 s
def test_every_word_under_every_query():
    """Each vocabulary word next to each other one, in both orders, under every
    query and field: the cases random texts reach only by luck (lying -> lie)."""
    ascii_only = [w for w in VOCAB if w.isascii()]  # ASCII text takes the byte-level path
    for sep in (" ", ", ", "_", "-("):
        for words in (VOCAB, VOCAB[::-1], ascii_only, ascii_only[::-1]):
            text = sep.join(words)
            for query, tree in TREES.items():
                hl = Highlighter(tree)
                for field in (None,) + FIELDS:
                    spans = plain_spans(tree, text, field)
                    assert hl.spans(text, field) == spans, (query, field, sep)
                    assert shown(hl.fragments(text, field, always=True)) == plain_fragments(text, spans, True)


@pytest.mark.slow  # ~20 s
@settings(max_examples=200, deadline=None)
@given(texts(min_words=40, max_words=250), st.sampled_from(QUERIES), st.sampled_from(FIELDS), st.booleans())
def test_fragments_are_the_plain_best_windows(text, query, field, always):
    hl = Highlighter(TREES[query])
    expected = plain_fragments(text, plain_spans(TREES[query], text, field), always)
    assert shown(hl.fragments(text, field, always=always)) == expected
    assert html(hl.mark(text, field)) == plain_render(text, plain_spans(TREES[query], text, field))


def test_sample_letters_highlight_as_the_plain_rules_do(seed_files):
    """Real letters (both credential layouts, long summaries): every field, every query."""
    checked = 0
    for path in seed_files:
        letter = parse_file(path)
        for p in letter.passages:
            for query, tree in TREES.items():
                hl = Highlighter(tree)
                for field in FIELDS:
                    text = letter.summary if field == "summary" else getattr(p, field)
                    spans = plain_spans(tree, text or "", field)
                    assert hl.spans(text, field) == spans, (query, field)
                    assert shown(hl.fragments(text, field, always=True)) == plain_fragments(text or "", spans, True)
                    checked += bool(spans)
    assert checked > 50  # the queries do match these letters


def test_rules_are_shared_between_searches_without_mixing_fields():
    """Compiled rules are cached per query: a field restriction must still hold
    after the same words were highlighted unrestricted, and the other way round."""
    highlight.clear_caches()
    free, only_item = Highlighter(parse_query("norco").tree), Highlighter(parse_query("item:norco").tree)
    assert "<mark>" in html(free.mark("Norco 10/325", "rationale"))
    assert "<mark>" not in html(only_item.mark("Norco 10/325", "rationale"))
    assert html(only_item.mark("Norco 10/325", "item")) == "<mark>Norco</mark> 10/325"
    assert "<mark>" in html(Highlighter(parse_query("norco").tree).mark("NORCO", "summary"))


def test_a_full_word_memo_starts_over_and_stays_correct(monkeypatch):
    monkeypatch.setattr(highlight, "MEMO_LIMIT", 3)
    highlight.clear_caches()
    hl = Highlighter(parse_query("block").tree)
    text = "blocks blockers blocked blocking block blunt blue bland blocks"
    for _ in range(3):
        assert hl.spans(text) == plain_spans(parse_query("block").tree, text, None)


# ------------------------------------------------------------------ what users see
def mark(query: str, text: str, field: str | None = None) -> str:
    return html(Highlighter(parse_query(query).tree).mark(text, field))


def test_markup_in_letters_is_escaped_even_inside_marks():
    out = mark("script amp", "<script>alert('x')</script> & amp; \"quoted\"")
    assert out == (
        "&lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; "
        "<mark>amp</mark>; &#34;quoted&#34;"
    )
    runs = Highlighter(parse_query("x").tree).mark("<b>x</b>")
    assert runs == [Run("<b>"), Run("x", True), Run("</b>")]  # the core keeps the text; the web escapes
    assert isinstance(to_html(runs), Markup)


def test_negated_words_are_never_marked():
    assert mark("norco -tramadol", "Norco and tramadol") == "<mark>Norco</mark> and tramadol"
    assert mark("knee NOT surgery", "knee surgery") == "<mark>knee</mark> surgery"


def test_phrases_with_slop_and_proximity_mark_only_real_matches():
    assert (
        mark('"facet block"~2', "facet joint block; facet a b c block")
        == "<mark>facet</mark> joint <mark>block</mark>; facet a b c block"
    )
    assert (
        mark("radicular w/3 injection", "radicular pain; injection. x x x x radicular")
        == "<mark>radicular</mark> pain; <mark>injection</mark>. x x x x radicular"
    )


def test_an_over_long_word_breaks_a_phrase_but_not_its_words():
    long_word = "x" * 45
    assert mark('"medial block"', f"medial {long_word} block") == f"medial {long_word} block"
    assert (
        mark('"medial block"~1', f"medial {long_word} block") == f"<mark>medial</mark> {long_word} <mark>block</mark>"
    )
    assert mark("x*", long_word) == long_word  # the engines drop it, so nothing matched it


def test_underscores_and_punctuation_split_words_as_the_engines_do():
    assert (
        mark('"medial branch"', "medial_branch medial-branch")
        == "<mark>medial_branch</mark> <mark>medial-branch</mark>"
    )


def test_unicode_text_is_marked_by_the_same_rules():
    assert mark("naïve opioids", "Naïve patients on OPIOIDS") == "<mark>Naïve</mark> patients on <mark>OPIOIDS</mark>"
    assert mark("opioid", "café: opioids") == "café: <mark>opioids</mark>"


def test_fragments_are_bounded_and_only_show_text_from_the_field():
    text = " ".join(["filler"] * 300) + " medial branch block " + " ".join(["more words"] * 200) + " MBB."
    frags = shown(Highlighter(parse_query("MBB").tree).fragments(text, "rationale"))
    assert 1 <= len(frags) <= MAX_FRAGMENTS
    for f in frags:
        plain = f.replace("<mark>", "").replace("</mark>", "").removeprefix("… ").removesuffix(" …")
        assert plain in text and len(plain) <= FRAGMENT_CHARS + 40
    assert any("<mark>medial branch block</mark>" in f for f in frags)
    assert any("<mark>MBB</mark>" in f for f in frags)


# ------------------------------------------------------------------ the store read path
def test_hit_data_reads_back_what_was_stored(tmp_path):
    store = LetterStore(tmp_path / "s.sqlite", writable=True)
    letters = sample_letters()
    try:
        for letter in letters:
            store.put_letter(pack_letter(letter), f"/{letter.letter_id}.txt", replace=False)
        store.commit()
    finally:
        store.close()
    reader = LetterStore(tmp_path / "s.sqlite")
    try:
        wanted = {p.passage_id: (p, letter) for letter in letters for p in letter.passages}
        got = reader.hit_data(list(wanted) + ["no-such-passage"])
        assert set(got) == set(wanted)
        for pid, (p, letter) in wanted.items():
            assert got[pid].passage == p
            assert got[pid].summary == (letter.summary or "")
            assert got[pid].meta["decision_date"] == letter.decision_date
    finally:
        reader.close()


def test_stored_json_the_fast_decoder_refuses_still_reads():
    """Stores hold zlib-compressed JSON; values the fast decoder rejects are still read."""
    blob = zlib.compress(json.dumps({"a": float("nan"), "big": 2**70, "s": "é"}).encode("utf-8"))
    d = _unpack(blob)
    assert d["big"] == 2**70 and d["s"] == "é" and d["a"] != d["a"]
    assert _unpack(zlib.compress(json.dumps({"k": [1, "x"]}, ensure_ascii=False).encode())) == {"k": [1, "x"]}


@pytest.mark.parametrize("text", ["", "   ", "...", "_"])
def test_texts_without_words_give_nothing(text):
    hl = Highlighter(parse_query("norco").tree)
    assert hl.spans(text) == [] and hl.fragments(text) == []
    assert re.fullmatch(r"[^<]*", html(hl.mark(text)))
