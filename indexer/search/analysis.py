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


def candidate_tokens(text: str, heads: frozenset[str]) -> list[Token]:
    """Only the tokens whose first two letters are in `heads`, positions intact.

    Snowball keeps a word's first two letters in its stem, so a highlighter
    looking for known terms can skip stemming every other word (most of them)."""
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
