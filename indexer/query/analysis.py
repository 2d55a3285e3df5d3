"""Text analysis shared by every engine, the query compiler and the highlighter.

Tantivy's built-in `en_stem` analyzer splits on anything that is not a letter
or digit, drops tokens of 40 bytes or more, lowercases, and applies the
Snowball English (Porter2) stemmer. This module reproduces exactly that in
Python (checked against Tantivy on ~650k distinct words), so that:

- the Whoosh engine indexes the very same terms Tantivy does (one conformance
  suite, same expected results);
- the query tree is analysed once, in shared code, for every engine;
- highlights computed in Python mark exactly the words the engine matched.

On top of `en_stem`, the analysis reads the forms letters write one way and
users type another the same way everywhere (`tokens()` is the one definition;
engines index its output pre-tokenised, so no engine can differ):

- a number glued to a unit splits: `15mg` -> `15 mg` (so `15 mg` = `15mg`),
  `10/325mg` -> `10 325 mg`, `x12` -> `x 12`, `3x` -> `3 x`;
- a spinal level range names both levels: `L4-5` = `L4/5` = `L4-L5` -> `l4 l5`,
  `C5-6` -> `c5 c6`, `T12-L1` -> `t12 l1`;
- sentences are kept apart: the first word of a sentence is SENTENCE_GAP
  positions after the last word of the one before, so "same sentence" is a
  proximity query of SENTENCE_GAP words (see `SENTENCE_SPAN`), and phrases and
  `w/n` never join words of two sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

# Changes whenever tokens() would index a text differently: an index built with
# another version is rebuilt from scratch (indexer.index.pipeline).
ANALYSIS_VERSION = "2"  # 2: dosages, levels, sentence gaps, case numbers, oldest-first keys

# Letters and digits (Unicode), no underscore: Rust's char::is_alphanumeric.
WORD_RE = re.compile(r"[^\W_]+")
MAX_TOKEN_BYTES = 40  # tantivy's RemoveLongFilter limit used by en_stem

_STEMMER = snowballstemmer.stemmer("english")


class Token(NamedTuple):
    """One token (a tuple: built for every word indexed, so as cheap as Python allows)."""

    text: str  # the surface form as written
    term: str  # the indexed term: lowercased and stemmed
    lower: str  # lowercased surface form (for prefix matching)
    start: int  # character offsets in the analysed text
    end: int
    position: int


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lowercased word (cached: highlighting stems the same words often)."""
    return _STEMMER.stemWord(word)


def _keep(word: str) -> bool:
    # a word under 10 characters cannot reach 40 bytes of UTF-8
    return len(word) < 10 or (len(word) < MAX_TOKEN_BYTES and len(word.encode("utf-8")) < MAX_TOKEN_BYTES)


# Positions between the last word of a sentence and the first of the next. A
# sentence longer than MAX_SENTENCE_WORDS words (text without punctuation) is
# cut there, so any two words of one sentence are at most SENTENCE_SPAN apart
# and words of two sentences always further.
SENTENCE_GAP = 2000
MAX_SENTENCE_WORDS = 1000
SENTENCE_SPAN = SENTENCE_GAP  # proximity that means "same sentence"
PARAGRAPH_SPAN = 1 << 30  # proximity that means "same field": no field holds more positions

# words after which a period does not end a sentence
_NO_BREAK_AFTER = frozenset(
    "dr mr mrs ms prof st vs eg ie al etc approx fig figs pp pg vol ed eds sec ch chap "
    "inc co corp ltd jr sr md phd esq".split()
)
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s")
_PARAGRAPH_END = re.compile(r"\n[^\S\n]*\n")
_PIECES = re.compile(r"[^\W\d_]*\d+|[^\W\d_]+")
_LEVEL_HEAD = re.compile(r"[CTLSctls](\d{1,2})")
_LEVEL_LINKS = frozenset(("-", "/", "\u2013", "\u2014"))
_LEVEL_MAX = {"c": 8, "t": 12, "l": 6, "s": 5}
_UNIT_X = re.compile(r"[xX](\d+)")

# Text that tokens() reads differently from plain en_stem words (a digit before a
# letter, x before a digit, a spinal level range). Used to strip such forms from
# text compared with en_stem; the fast paths use `special_heads` instead.
SPECIAL_RE = re.compile(r"\d[^\W\d_]|(?<![^\W_])[xX]\d|(?<![^\W_])[CTLSctls]\d{1,2}\s?[-/\u2013\u2014]\s?\d")
# `normalized_ascii` text as classes: digits "0", letters "a", anything else " ".
_DIGIT_CLASS = bytes(ord("0") if 48 <= b <= 57 else ord("a") if 97 <= b <= 122 else ord(" ") for b in range(256))


def special_heads(norm: bytes) -> frozenset[str]:
    """The first letters of every word and word piece that `tokens()` reads
    differently from the plain words of this `normalized_ascii` text: a digit
    before a letter (325mg), x and digits (x12), a spinal level and the number
    after it (L4-5). Empty when there is none. A fast path that looks only for
    words with other heads sees exactly the tokens tokens() gives.

    Found with bytes.find over a class string (C speed: the highlighter calls this
    for every field it marks); a superset is harmless (the caller takes the slow,
    exact path)."""
    cls = norm.translate(_DIGIT_CLASS)
    words: list[bytes] = []
    i = cls.find(b"0a")
    while i >= 0:  # 325mg, 2nd, 3x
        start, end = cls.rfind(b" ", 0, i) + 1, cls.find(b" ", i)
        words.append(norm[start:end])
        i = cls.find(b"0a", end)
    i = norm.find(b" x")
    while i >= 0:  # x12
        if cls[i + 2 : i + 3] == b"0":
            words.append(norm[i + 1 : cls.find(b" ", i + 1)])
        i = norm.find(b" x", i + 2)
    levels: list[str] = []
    for pattern in (b" a0 ", b" a00 "):  # L4-5: a level, then a number word
        i = cls.find(pattern)
        while i >= 0:
            j = i + len(pattern) - 1
            k = j
            while cls[k : k + 1] == b" " and k < len(cls) - 1:
                k += 1
            if norm[i + 1 : i + 2] in (b"c", b"t", b"l", b"s") and cls[k : k + 1] == b"0":
                number = norm[k : cls.find(b" ", k)]
                words += [norm[i + 1 : j], number]
                levels.append(chr(norm[i + 1]) + number[:1].decode("ascii"))
            i = cls.find(pattern, j)
    if not words:
        return frozenset()
    heads: set[str] = set(levels)
    for raw in words:
        word = raw.decode("ascii")
        heads.add(word[:2])
        for piece in _PIECES.findall(word):
            heads.update((piece[:1], piece[:2], piece[1:3]))  # x12 -> x, 12
    return frozenset(heads)


def sentence_break(text: str, prev_start: int, prev_end: int, start: int) -> bool:
    """Does a new sentence start at `start`, the previous word being text[prev_start:prev_end]?

    A blank line always ends one; a period (or ! ?), maybe closed by a quote or
    bracket, then a space, ends one when the next word starts with a capital or
    a digit and the period does not follow an abbreviation or an initial."""
    if start - prev_end < 2:
        return False
    gap = text[prev_end:start]
    if "\n" in gap and _PARAGRAPH_END.search(gap):
        return True
    m = _SENTENCE_END.search(gap)
    if m is None:
        return False
    first = text[start]
    if not (first.isupper() or first.isdigit()):
        return False
    if gap[m.start()] == "." and m.start() == 0:
        prev = text[prev_start:prev_end]
        if (len(prev) == 1 and prev.isalpha()) or prev.lower() in _NO_BREAK_AFTER:
            return False  # an initial or an abbreviation
    return True


def tokens(text: str) -> Iterator[Token]:
    """Tokens with offsets and positions, as the engines index them.

    Like tantivy, a dropped over-long token still takes up a position. One loop,
    plain words first: the engines index every word through here."""
    position = -1
    sentence_words = 0
    prev_start = prev_end = 0
    level = ""  # region letter of a spinal level just read ("l" after "L4")
    for m in WORD_RE.finditer(text):
        word = m.group()
        start, end = m.span()
        if position >= 0 and (
            sentence_words >= MAX_SENTENCE_WORDS
            or (start - prev_end > 1 and sentence_break(text, prev_start, prev_end, start))
        ):
            position += SENTENCE_GAP
            sentence_words = 0
        sentence_words += 1
        if word.isalpha():
            position += 1
            level = ""
            if len(word) < 10 or _keep(word):
                lower = word.lower()
                yield Token(word, stem(lower), lower, start, end, position)
        elif word.isdigit():
            position += 1
            lower = word
            if level and len(word) <= 2 and text[prev_end:start].strip() in _LEVEL_LINKS:
                lower = level + word  # L4-5: the 5 is L5
            else:
                level = ""
            if len(word) < 10 or _keep(word):
                yield Token(word, stem(lower), lower, start, end, position)
        else:
            level = ""
            head = _LEVEL_HEAD.fullmatch(word)
            if head is not None and int(head.group(1)) <= _LEVEL_MAX[word[0].lower()]:
                level = word[0].lower()
            for p in _PIECES.finditer(word):
                piece = p.group()
                ps = start + p.start()
                x = _UNIT_X.fullmatch(piece)
                if x is not None:  # x12 -> x 12
                    position += 1
                    yield Token(piece[0], "x", "x", ps, ps + 1, position)
                    piece, ps = x.group(1), ps + 1
                position += 1
                if _keep(piece):
                    lower = piece.lower()
                    yield Token(piece, stem(lower), lower, ps, ps + len(piece), position)
        prev_start, prev_end = start, end


LONG_TOKEN = "_"  # stands for an over-long word in sentence_values (never a query term)


def sentence_values(text: str) -> list[str]:
    """The indexed terms of `text`, one space-separated string per sentence.

    For an engine that takes text rather than tokens: index the strings as the
    values of one multi-valued field with a whitespace tokenizer and a position
    gap between values that puts the first word of each value SENTENCE_GAP + 1
    positions after the last word of the value before (tokens() numbering): words
    of one sentence are then exactly as far apart as tokens() puts them, and words
    of two sentences further than SENTENCE_SPAN, so every query matches the same.
    An over-long word inside a sentence, which tokens() drops but counts, is
    written LONG_TOKEN so it keeps its place."""
    values: list[list[str]] = []
    last = None
    for _surface, _lower, term, position in _all_terms(text):
        if last is None or position - last > 1:
            values.append([])
        values[-1].append(term if term is not None else LONG_TOKEN)
        last = position
    return [" ".join(v) for v in values]


def _all_terms(text: str):
    """(surface, lower, term or None if over-long, position) of every word piece."""
    kept = {t.position: t for t in tokens(text)}
    if not kept:
        return
    # positions tokens() skipped within a sentence are over-long words
    ordered = sorted(kept)
    for i, p in enumerate(ordered):
        if i and 1 < p - ordered[i - 1] <= SENTENCE_GAP:
            for missing in range(ordered[i - 1] + 1, p):
                yield "", "", None, missing
        t = kept[p]
        yield t.text, t.lower, t.term, p


# ASCII text as a class string: letters and digits -> "a", anything else -> " "
WORD_CLASS_TABLE = bytes(ord("a") if chr(b).isascii() and chr(b).isalnum() else ord(" ") for b in range(256))


# ASCII text as "normalised" bytes: letters lowercased, digits kept, anything
# else (underscore included) a space. Words are then exactly the runs between
# spaces, WORD_RE's tokens, at the same offsets.
NORM_TABLE = bytes(
    b | 0x20 if chr(b).isascii() and chr(b).isalpha() else b if chr(b).isascii() and chr(b).isdigit() else ord(" ")
    for b in range(256)
)


def normalized_ascii(text: str) -> bytes:
    """`text` (ASCII) normalised, between two spaces: byte i + 1 is character i."""
    return b" " + text.encode("ascii").translate(NORM_TABLE) + b" "


@lru_cache(maxsize=1024)
def candidate_bytes_regex(heads: frozenset[str]) -> re.Pattern | None:
    """Finds, in `normalized_ascii` text, every word whose first two letters (the
    whole word, for a one-letter head) are in `heads`, with the space before it:
    a match [i, j) is the word at characters [i, j - 1) of the text.

    Starting each match at a literal space lets Python's regex engine jump from
    space to space in C: of the forms measured on the benchmark queries' hit
    fields, the fastest (a pattern starting with a word boundary took twice as long)."""
    alts = []
    for h in sorted(heads, key=lambda x: (-len(x), x)):
        if not h or len(h) > 2 or not h.isascii() or h != h.lower() or not WORD_RE.fullmatch(h):
            continue  # such a head never starts an ASCII word
        alts.append(re.escape(h) + ("[a-z0-9]*" if len(h) == 2 else "(?= )"))
    if not alts:
        return None
    return re.compile((" (?:" + "|".join(alts) + ")").encode("ascii"))


def _may_break(text: str) -> bool:
    return "." in text or "!" in text or "?" in text or "\n" in text


def candidate_tokens(text: str, heads: frozenset[str], positions: bool = True) -> list[Token]:
    """Only the tokens whose first two letters are in `heads`, positions intact.

    Snowball keeps a word's first two letters in its stem, so a highlighter
    looking for known terms can skip stemming every other word (most of them).
    ASCII text (nearly all letters) is scanned by one regex that jumps from
    candidate to candidate, counting the words skipped (in C) only when
    `positions` are needed (phrases, proximity); without, every position is 0.
    Text with special forms or, when positions are wanted, sentence ends is
    read by tokens() itself."""
    norm = normalized_ascii(text) if text.isascii() else b""  # byte i + 1 is character i
    special = special_heads(norm) if norm else frozenset()
    # a special form shifts the positions of every word after it; without positions
    # only the words it touches matter
    if norm and ((not positions and heads.isdisjoint(special)) or (positions and not special and not _may_break(text))):
        rx = candidate_bytes_regex(heads)
        if rx is None:
            return []
        found = []
        position = last = 0
        if positions:
            # words skipped between candidates = word starts (" a") in the class string
            count = norm.translate(WORD_CLASS_TABLE).count
        for m in rx.finditer(norm):
            start, end = m.span()  # the space before the word, then the word
            end -= 1
            if positions:
                position += count(b" a", last, start)
                last = end
            if end - start < MAX_TOKEN_BYTES:  # ASCII: one byte per character
                lower = norm[start + 1 : end + 1].decode("ascii")
                found.append(Token(text[start:end], stem(lower), lower, start, end, position))
            if positions:
                position += 1
        return found
    return [t for t in tokens(text) if t.lower[:2] in heads]


def terms(text: str) -> list[str]:
    """The indexed terms of `text`, in order."""
    return [t.term for t in tokens(text)]


def words(text: str) -> list[str]:
    """The lowercased, unstemmed words of `text` (for prefix queries)."""
    return [t.lower for t in tokens(text)]
