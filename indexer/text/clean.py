"""Undoing the damage PDF extraction does to a letter's text.

Published letters went through PDF and back: lines wrap mid-sentence, a blank
line sits between every line, page headers and footers (`Page 2 of 3`, the
case number) interrupt sentences, and words are hyphenated across line breaks.
`paragraphs()` turns raw text into paragraphs of physical lines with that
damage removed; `reflow()` joins a paragraph's lines into running text,
undoing hyphenation (`sensa-`/`tion` -> `sensation`, but `L4-`/`L5` -> `L4-L5`).

The parser works on the lines (markers such as `Decision rationale:` start a
line), the user sees reflowed text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container

# ---------------------------------------------------------------- normalising

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200b": "",
        "\t": " ",
        "\ufeff": "",
        "\u2010": "-",
        "\u2011": "-",
    }
)
# C0 controls other than newline, carriage return and form feed (tab is a ligature entry above)
CONTROL_CHARS = (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F)
# One translation does both jobs: ligatures and odd spaces replaced, control characters
# dropped (`str.translate` is several times faster here than a regex substitution).
_LIGATURES_NO_CONTROLS = {**_LIGATURES, **dict.fromkeys(CONTROL_CHARS)}
_SOFT_HYPHEN_EOL = re.compile("\u00ad[ ]*\n")


def normalize(text: str) -> str:
    """Unify newlines, spaces and ligatures; keep form feeds as page breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SOFT_HYPHEN_EOL.sub("-\n", text).replace("\u00ad", "")
    return text.translate(_LIGATURES_NO_CONTROLS)


# ---------------------------------------------------------------- page furniture

# Footer shapes, as whole lines. The first two need the word "page"; the last one
# (a running header ending in "Page 2 of 3") also needs "Page n of m" at the end of
# the line, checked first because that pattern backtracks heavily on long lines.
_FOOTER_PAGE_AT_START = re.compile(
    r"^\s*page\s*\d+\s*(?:of\s*\d+)?\s*$"
    r"|^\s*page\s*\|\s*\d+\s*$",
    re.I,
)
_FOOTER_WITHOUT_PAGE = re.compile(
    r"^\s*\d+\s+of\s+\d+\s*$"
    r"|^\s*[-\u2013\u2014]\s*\d+\s*[-\u2013\u2014]\s*$",
    re.I,
)
# "CM15-0104522   Page 2 of 3", "IMR Case Number: CM15-... Page 2 of 3"
_FOOTER_RUNNING_HEADER = re.compile(
    r"^[A-Z0-9 #:().,/-]{0,60}(?:case\s*(?:number|no\.?|#)?\s*:?\s*)?[A-Z0-9 #:().,/-]{0,40}"
    r"\bpage\s*\d+\s*of\s*\d+\s*$",
    re.I,
)
_PAGE_N_OF_M_AT_END = re.compile(r"page\s*\d+\s*of\s*\d+\s*$", re.I)
_CASE_NUMBER_LINE = re.compile(
    r"^\s*(?:IMR\s+)?(?:case\s*(?:number|no\.?|#)\s*:?\s*)?[A-Z]{2,4}\d{2}-\d{5,8}\s*$", re.I
)
_DIGITS = re.compile(r"\d+")
_HAS_DIGIT = re.compile(r"\d")


def is_footer(line: str) -> bool:
    """`Page 2 of 3`, `2 of 3`, `- 2 -`, `CM15-0104522  Page 2 of 3` (cheap checks first)."""
    if len(line) > 110 or not _HAS_DIGIT.search(line):
        return False
    low = line.lower()
    if "page" in low:
        return _FOOTER_PAGE_AT_START.match(line) is not None or (
            _PAGE_N_OF_M_AT_END.search(line) is not None and _FOOTER_RUNNING_HEADER.match(line) is not None
        )
    if " of " not in low and "-" not in line and "\u2013" not in line and "\u2014" not in line:
        return False
    return _FOOTER_WITHOUT_PAGE.match(line) is not None


_STRUCTURAL = re.compile(
    r"(?::\s*|^)(?:upheld|overturned)\W*$|^(?:claims\s+administrator|maximus|decision\s+rationale|rationale\s+for"
    r"|the\s+(?:expert|physician|professional)\s+reviewer)|\bguidelines?\s*:|medically\s+necessary",
    re.I,
)


_FURNITURE_MAX = 80


def _page_edge_furniture(pages: list[list[str]]) -> set[str]:
    """Running headers/footers: short lines (digits ignored) at the top or bottom of
    at least half the pages and nowhere else. Lines that carry the letter's
    structure (decisions, field labels) never count, even when two items repeat them."""
    if len(pages) < 2:
        return set()
    at_edges: Counter[str] = Counter()
    everywhere: Counter[str] = Counter()
    for lines in pages:
        nonblank = [" ".join(ln.split()) for ln in lines if ln.strip()]
        for ln in nonblank:
            everywhere[_DIGITS.sub("#", ln)] += 1
        for ln in set(nonblank[:2] + nonblank[-2:]):
            # running headers are short; a full-width line of prose that recurs at page edges is
            # text the letter repeats (a summary copied into each rationale), not furniture
            if len(ln) <= _FURNITURE_MAX and not _STRUCTURAL.search(ln):
                at_edges[_DIGITS.sub("#", ln)] += 1
    needed = max(2, (len(pages) + 1) // 2)
    return {ln for ln, n in at_edges.items() if n >= needed and everywhere[ln] <= n}


# ---------------------------------------------------------------- paragraphs

_SENTENCE_END = re.compile(r"""[.!?:]["')\]]*$""")


def paragraphs(text: str) -> list[list[str]]:
    """Paragraphs of stripped physical lines, extraction damage removed.

    Blank-line doubling is detected per document: when nearly every line is
    followed by one blank line, one blank line means "same paragraph" and two
    or more mean a paragraph break. A page break or removed header/footer
    inside a sentence does not break the paragraph.
    """
    return paragraphs_of_normalized(normalize(text))


def paragraphs_of_normalized(text: str) -> list[list[str]]:
    """`paragraphs` of a text `normalize` has already been through (normalizing is idempotent)."""
    pages = [p.split("\n") for p in text.split("\f")]
    furniture = _page_edge_furniture(pages)
    # each text line with the blank lines before it, whether a page boundary or a removed
    # line (footer, repeated header) is among them, and how many lines were removed there
    entries: list[tuple[str, int, bool]] = []
    removed: list[int] = []
    blanks, cut, broke = 0, 0, False
    seen_case_line = False
    for pno, lines in enumerate(pages):
        if pno:
            broke = True
        nonblank_seen = 0
        for raw in lines:
            line = " ".join(raw.split())
            if not line:
                blanks += 1
                continue
            nonblank_seen += 1
            # a running header is kept once, where the letter starts
            keep_header = pno == 0 and nonblank_seen <= 2
            if not _HAS_DIGIT.search(line):
                # most lines: footers and case-number lines all have digits
                drop = bool(furniture) and not keep_header and line in furniture
            elif is_footer(line) or (furniture and not keep_header and _DIGITS.sub("#", line) in furniture):
                drop = True
            elif _CASE_NUMBER_LINE.match(line):
                drop, seen_case_line = seen_case_line, True
            else:
                drop = False
            if drop:
                broke, cut = True, cut + 1
            else:
                entries.append((line, blanks, broke))
                removed.append(cut)
                blanks, cut, broke = 0, 0, False
    if not entries:
        return []

    gaps = [b for _, b, br in entries[1:] if not br]
    doubled = _blank_lines_doubled(entries)
    threshold = 2 if doubled else 1
    no_blank_lines = bool(gaps) and not any(gaps)
    width = _typical_width([e[0] for e in entries]) if no_blank_lines else 0

    paras: list[list[str]] = []
    for i, (line, blanks, broke) in enumerate(entries):
        if not paras:
            paras.append([line])
            continue
        prev = paras[-1][-1]
        if broke and doubled:
            # each removed header/footer line brought its own doubling blank line
            new = blanks - removed[i] >= threshold
        elif broke:
            new = bool(_SENTENCE_END.search(prev)) and blanks >= threshold
        elif no_blank_lines:
            new = bool(_SENTENCE_END.search(prev)) and len(prev) < 0.7 * width
        else:
            new = blanks >= threshold and not (blanks == 1 and _continues(prev, line))
        if new:
            paras.append([line])
        else:
            paras[-1].append(line)
    return paras


# Words a sentence does not end on: a line ending in one continues on the next line.
_DANGLING = re.compile(
    r"\b(?:the|a|an|of|and|or|to|for|with|in|on|by|at|from|was|were|is|are|be|that|than|as"
    r"|per|non|whether|which|who)$",
    re.I,
)


def _continues(prev: str, line: str) -> bool:
    """Whether one blank line between `prev` and `line` is a page break inside a sentence, not a
    paragraph break. Text extracted from a PDF (pypdf's, as `.txt` letters are) marks page
    breaks with nothing but a blank line: a hyphenated word ("sensa-" / "tion"), a line that
    ends without punctuation before one in lower case, or on a word no sentence ends with,
    runs on (on the real letters every such blank line is a page break)."""
    if _SENTENCE_END.search(prev):
        return False
    return prev.endswith("-") or line[:1].islower() or _DANGLING.search(prev) is not None


def _blank_lines_doubled(entries: list[tuple[str, int, bool]]) -> bool:
    """True when one blank line separates the lines of a paragraph (the samples' damage).

    Then paragraphs are told apart by two or more blank lines; a document with
    one blank line between one-line paragraphs and none within them is not doubled.
    """
    gaps = [(entries[k - 1][0], b) for k, (_, b, br) in enumerate(entries) if k and not br]
    if len(gaps) < 3:
        return False
    zeros = sum(1 for _, g in gaps if g == 0)
    ones = [prev for prev, g in gaps if g == 1]
    if not ones or zeros > 0.1 * len(gaps):
        return False
    if any(g >= 2 for _, g in gaps):
        return True
    # only single blank lines: doubled if most of them cut a sentence
    cut = sum(1 for prev in ones if not _SENTENCE_END.search(prev))
    return cut > len(ones) / 2


def _typical_width(lines: list[str]) -> int:
    lengths = sorted(len(ln) for ln in lines)
    return lengths[int(len(lengths) * 0.8)] if lengths else 0


# ---------------------------------------------------------------- reflow

# Words that keep their hyphen when a line breaks after it ("non-" / "radicular")
# unless the letter itself spells the joined word elsewhere.
HYPHEN_PREFIXES = frozenset(
    """
non self well anti post long short follow work high low multi semi co ex bi mid
full half cross left right one two three four five six seven eight ten
""".split()
)
_TRAILING_WORD = re.compile(r"([A-Za-z0-9]+)-$")
_LEADING_WORD = re.compile(r"[A-Za-z0-9]+")
_WORDS = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def word_set(text: str) -> frozenset[str]:
    """Lower-cased words (hyphenated compounds kept whole) of a text, for `join_two`."""
    return frozenset(map(str.lower, _WORDS.findall(text)))


class LazyWordSet:
    """`word_set(text)`, built the first time a word is looked up.

    Only a line that ends in a hyphen before a lower-case word consults the
    letter's words, and most letters have no such line: they skip the cost
    of collecting every word of the letter.
    """

    __slots__ = ("_text", "_words")

    def __init__(self, text: str) -> None:
        self._text = text
        self._words: frozenset[str] | None = None

    def __contains__(self, word: object) -> bool:
        if self._words is None:
            self._words = word_set(self._text)
            self._text = ""
        return word in self._words


def join_two(left: str, right: str, words: Container[str] = frozenset()) -> str:
    """Join two physical lines, undoing a hyphenation across the break.

    `words` (from `word_set` of the whole letter) lets the letter's own
    spelling decide: "sensa-"/"tion" joins because "sensation" (or no
    hyphenated form) appears; "non-"/"radicular" keeps its hyphen.
    """
    if not left:
        return right
    if not right:
        return left
    sep = _separator(left, right, words)
    return left[:-1] + right if sep == "\0" else left + sep + right


def _separator(left: str, right: str, words: Container[str]) -> str:
    """What goes between two lines: " ", "" (keep the hyphen) or "\0" (drop the hyphen)."""
    if not left.endswith("-") or left.endswith("--"):
        return " "
    m = _TRAILING_WORD.search(left, max(0, len(left) - 64))
    if not m:
        return " "
    word = m.group(1)
    if right[0].islower() and word.isalpha():
        nxt = _LEADING_WORD.match(right)
        rest = nxt.group(0).lower() if nxt else ""
        joined, hyphenated = word.lower() + rest, f"{word.lower()}-{rest}"
        if joined in words:
            return "\0"
        if hyphenated not in words and word.lower() not in HYPHEN_PREFIXES:
            return "\0"  # sensa- / tion -> sensation
    return ""  # L4- / L5 -> L4-L5 ; non- / radicular -> non-radicular


def reflow(lines: list[str], words: Container[str] = frozenset()) -> str:
    """Join a paragraph's physical lines into running text."""
    parts: list[str] = []
    prev = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if parts:
            sep = _separator(prev, line, words)
            if sep == "\0":
                parts[-1] = parts[-1][:-1]
            elif sep:
                parts.append(sep)
        parts.append(line)
        prev = line
    return "".join(parts)
