"""Text analysis shared by every engine, the query compiler and the highlighter.

Tantivy's built-in `en_stem` analyzer splits on anything that is not a letter
or digit, drops tokens of 40 bytes or more, lowercases, and applies the
Snowball English (Porter2) stemmer. This module reproduces exactly that in
Python (checked against Tantivy on ~650k distinct words), so that:

- the Whoosh engine indexes the very same terms Tantivy does (one conformance
  suite, same expected results);
- the query tree is analysed once, in shared code, for every engine;
- highlights computed in Python mark exactly the words the engine matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

import snowballstemmer

# Letters and digits (Unicode), no underscore: Rust's char::is_alphanumeric.
WORD_RE = re.compile(r"[^\W_]+")
MAX_TOKEN_BYTES = 40  # tantivy's RemoveLongFilter limit used by en_stem

_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
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


def tokens(text: str) -> Iterator[Token]:
    """Tokens with offsets and positions, as the engines index them."""
    # Like tantivy, a dropped over-long token still takes up a position.
    for position, m in enumerate(WORD_RE.finditer(text)):
        word = m.group()
        if not _keep(word):
            continue
        lower = word.lower()
        yield Token(word, stem(lower), lower, m.start(), m.end(), position)


# ASCII text as a class string: letters and digits -> "a", anything else -> " "
WORD_CLASS_TABLE = bytes(ord("a") if chr(b).isascii() and chr(b).isalnum() else ord(" ") for b in range(256))


# ASCII text as "normalised" bytes: letters lowercased, digits kept, anything
# else (underscore included) a space. Words are then exactly the runs between
# spaces, WORD_RE's tokens, at the same offsets.
NORM_TABLE = bytes(b | 0x20 if chr(b).isascii() and chr(b).isalpha() else b if chr(b).isascii() and chr(b).isdigit()
                   else ord(" ") for b in range(256))


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


def candidate_tokens(text: str, heads: frozenset[str], positions: bool = True) -> list[Token]:
    """Only the tokens whose first two letters are in `heads`, positions intact.

    Snowball keeps a word's first two letters in its stem, so a highlighter
    looking for known terms can skip stemming every other word (most of them).
    ASCII text (nearly all letters) is scanned by one regex that jumps from
    candidate to candidate, counting the words skipped (in C) only when
    `positions` are needed (phrases, proximity); without, every position is 0."""
    if text.isascii():
        rx = candidate_bytes_regex(heads)
        if rx is None:
            return []
        norm = normalized_ascii(text)  # byte i + 1 is character i
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
                lower = norm[start + 1:end + 1].decode("ascii")
                found.append(Token(text[start:end], stem(lower), lower, start, end, position))
            if positions:
                position += 1
        return found
    out = []
    for position, m in enumerate(WORD_RE.finditer(text)):
        word = m.group()
        lower = word.lower()
        if lower[:2] not in heads or not _keep(word):
            continue
        out.append(Token(word, stem(lower), lower, m.start(), m.end(), position))
    return out


def terms(text: str) -> list[str]:
    """The indexed terms of `text`, in order."""
    return [stem(m.lower()) for m in WORD_RE.findall(text) if _keep(m)]


def words(text: str) -> list[str]:
    """The lowercased, unstemmed words of `text` (for prefix queries)."""
    return [m.lower() for m in WORD_RE.findall(text) if _keep(m)]
