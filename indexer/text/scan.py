"""Fast scanning for case-insensitive patterns whose matches begin with known words.

Python's `re` has no fast path for a case-insensitive pattern: `finditer`
tries every alternative at every character, which costs a parse about a
millisecond on a long letter for the label patterns alone. When every match
must begin with one of a few known words ("Date", "DOI", "Decision", ...),
`str.find` on a lower-cased copy finds the few places where a match can
start, and the pattern is tried only there.

`AnchoredPattern.finditer` returns exactly what `pattern.finditer` returns,
in the same order: the search is the same leftmost-first scan, it just skips
positions where no match can start. Texts where lower-casing and the regex
engine's case folding disagree (the four non-ASCII letters IGNORECASE folds
onto ASCII letters, or a lower-casing that changes the length) fall back to
the plain `finditer`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

# Non-ASCII letters that IGNORECASE matches to ASCII ones ("İ", "ı", "ſ", Kelvin "K")
# while `str.lower` does not map them onto those ASCII letters.
_FOLD_ODDITIES = re.compile("[\u0130\u0131\u017f\u212a]")


@lru_cache(maxsize=16)
def lowered(text: str) -> str | None:
    """`text` lower-cased when that is position-for-position what IGNORECASE compares, else None:
    then a word occurs in `text` in any case exactly where it occurs in the result.

    Cached because several patterns scan the same letter text in turn."""
    low = text.lower()
    if text.isascii():
        return low
    if len(low) != len(text) or _FOLD_ODDITIES.search(text):
        return None
    return low


class AnchoredPattern:
    """A compiled pattern plus the words (any case) that every one of its matches starts with.

    The pattern must not match the empty string, and each match must start with
    one of `first_words` as the regex compares them (tests check the wordings).
    `word_start=True` says the pattern opens with `\\b` (and its words with a
    letter or digit): a place right after a word character is then not tried.
    """

    def __init__(self, pattern: re.Pattern[str], first_words: Iterable[str], *, word_start: bool = False) -> None:
        words = {w.lower() for w in first_words}
        if not words or not all(w and w.isascii() for w in words):
            raise ValueError("first_words must be non-empty ASCII words")
        if word_start and not all(w[0].isalnum() for w in words):
            raise ValueError("word_start needs first words that start with a letter or digit")
        self.pattern = pattern
        self.first_words = tuple(sorted(words))
        self.word_start = word_start

    def _starts(self, low: str, pos: int) -> list[int]:
        """Every offset >= pos where one of the first words occurs (overlaps included), sorted.
        (An offset where two of the words start is listed twice: trying it twice changes nothing.)"""
        found: list[int] = []
        for word in self.first_words:
            at = low.find(word, pos)
            while at >= 0:
                found.append(at)
                at = low.find(word, at + 1)
        if len(self.first_words) > 1:
            found.sort()
        return found

    def finditer(self, text: str, pos: int = 0) -> Iterator[re.Match[str]]:
        """Same as `self.pattern.finditer(text, pos)`."""
        low = lowered(text)
        if low is None:
            yield from self.pattern.finditer(text, pos)
            return
        match = self.pattern.match
        word_start = self.word_start
        end = pos
        for start in self._starts(low, pos):
            if start < end:
                continue  # inside the previous match: finditer never looks there
            if word_start and start:
                before = text[start - 1]
                if before.isalnum() or before == "_":
                    continue  # no `\b` here: a word character (`\w`) is on the left
            m = match(text, start)
            if m is not None:
                yield m
                end = m.end()

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """Same as `self.pattern.search(text, pos)`."""
        return next(self.finditer(text, pos), None)
