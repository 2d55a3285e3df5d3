"""Word-level phrase matching that forgives the ways letters vary a wording.

Letters write the same guideline, specialty or state with different case,
punctuation, "&" for "and", hyphens and plurals ("Facet Joint Diagnostic
Blocks (injections)" vs "facet joint diagnostic block"). Comparing normalised
word tokens instead of strings makes every vocabulary alias match all those
spellings, and each token keeps its character offsets so a match maps back to
the exact span the letter printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Iterable, TypeVar

T = TypeVar("T")

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?(?:-[A-Za-z0-9]+)*|&")
_NO_PLURAL = ("ss", "us", "is")


@dataclass(frozen=True, slots=True)
class Token:
    norm: str  # normalised form used for matching
    text: str  # as printed
    start: int
    end: int


@lru_cache(maxsize=1 << 16)
def normalize_word(word: str) -> str:
    """Lower-case, "&" -> "and", drop apostrophes and hyphens, drop a plural "s"."""
    if word == "&":
        return "and"
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "").replace("-", "")
    if len(w) > 3 and w.endswith("s") and not w.endswith(_NO_PLURAL):
        w = w[:-1]
    return w


def tokenize(text: str) -> list[Token]:
    return [Token(normalize_word(m.group(0)), m.group(0), m.start(), m.end())
            for m in _TOKEN.finditer(text)]


def phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(t.norm for t in tokenize(phrase))


class PhraseIndex(Generic[T]):
    """Longest-match lookup of many phrases over a token list."""

    def __init__(self, entries: Iterable[tuple[str, T]] = ()) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        for phrase, payload in entries:
            self.add(phrase, payload)

    def add(self, phrase: str, payload: T) -> None:
        key = phrase_key(phrase)
        if not key:
            return
        bucket = self._by_first.setdefault(key[0], [])
        if any(k == key for k, _ in bucket):
            return  # first wording wins
        bucket.append((key, payload))
        bucket.sort(key=lambda kp: -len(kp[0]))

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def longest(self, tokens: list[Token], i: int) -> tuple[int, T] | None:
        """(number of tokens, payload) of the longest phrase starting at token i."""
        bucket = self._by_first.get(tokens[i].norm)
        if not bucket:
            return None
        n = len(tokens)
        for key, payload in bucket:
            k = len(key)
            if i + k <= n and all(tokens[i + j].norm == key[j] for j in range(1, k)):
                return k, payload
        return None

    def find_all(self, text: str) -> list[tuple[int, int, T]]:
        """Non-overlapping longest matches left to right: (start, end, payload)."""
        tokens = tokenize(text)
        out: list[tuple[int, int, T]] = []
        i = 0
        while i < len(tokens):
            hit = self.longest(tokens, i)
            if hit:
                k, payload = hit
                out.append((tokens[i].start, tokens[i + k - 1].end, payload))
                i += k
            else:
                i += 1
        return out
