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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain
from operator import itemgetter
from typing import Generic, TypeVar

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


# A token with the characters before it that cannot start one. `Tokens` appends an "&"
# (a one-character token) to the text, so the characters after the last token also
# come as a gap, never as a match that fails and is retried at every position.
_GAP_AND_TOKEN = re.compile(r"([^A-Za-z0-9&]*)(" + _TOKEN.pattern + ")")
_SECOND = itemgetter(1)


class Tokens:
    """The tokens of a text as parallel tuples: `words` as printed, `norms` normalised,
    `starts`/`ends` character offsets.

    The matchers walk every word of every rationale, so tokens are plain tuples
    built by C-level calls (one regex pass gives each word and the gap before it,
    running sums of their lengths give the offsets) rather than one object per word.
    Shared through `tokens_of`'s cache: never mutate one.
    """

    __slots__ = ("text", "words", "norms", "starts", "ends")

    def __init__(self, text: str) -> None:
        self.text = text
        pairs = _GAP_AND_TOKEN.findall(text + "&")
        pairs.pop()  # the "&" appended above
        self.words: tuple[str, ...] = tuple(map(_SECOND, pairs))
        self.norms: tuple[str, ...] = tuple(map(normalize_word, self.words))
        # gap, word, gap, word, ...: running sums of the lengths are each word's start and end
        bounds = list(accumulate(map(len, chain.from_iterable(pairs))))
        self.starts: tuple[int, ...] = tuple(bounds[0::2])
        self.ends: tuple[int, ...] = tuple(bounds[1::2])

    def __len__(self) -> int:
        return len(self.words)


@lru_cache(maxsize=64)
def tokens_of(text: str) -> Tokens:
    """`Tokens` of a text, cached: a passage's item and rationale are each read by
    several matchers (treatment, body region, citations)."""
    return Tokens(text)


def tokenize(text: str) -> list[Token]:
    """One `Token` per word (convenient where few words are looked at)."""
    t = tokens_of(text)
    return [Token(*fields) for fields in zip(t.norms, t.words, t.starts, t.ends, strict=True)]


def phrase_key(phrase: str) -> tuple[str, ...]:
    return tokens_of(phrase).norms


class PhraseIndex(Generic[T]):
    """Longest-match lookup of many phrases over a text's normalised words.

    Phrases are kept in one dict keyed by their word tuple, plus the phrase
    lengths that start with each first word (longest first): a lookup is one
    dict probe for most words and a tuple probe per candidate length otherwise.
    """

    def __init__(self, entries: Iterable[tuple[str, T]] = ()) -> None:
        self._phrases: dict[tuple[str, ...], T] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}  # first word -> phrase lengths, longest first
        # Normalised words a phrase can start with (a live view): any other word never starts a
        # match, and `word in index.first_words` is far cheaper than a `longest` call.
        self.first_words = self._lengths.keys()
        for phrase, payload in entries:
            self.add(phrase, payload)

    def add(self, phrase: str, payload: T) -> None:
        key = phrase_key(phrase)
        if not key or key in self._phrases:
            return  # first wording wins
        self._phrases[key] = payload
        lengths = set(self._lengths.get(key[0], ())) | {len(key)}
        self._lengths[key[0]] = tuple(sorted(lengths, reverse=True))

    def __bool__(self) -> bool:
        return bool(self._phrases)

    @property
    def multi_word_firsts(self) -> frozenset[str]:
        """First words of the phrases longer than one word."""
        return frozenset(w for w, lengths in self._lengths.items() if lengths[0] > 1)

    def longest(self, norms: Sequence[str], i: int) -> tuple[int, T] | None:
        """(number of words, payload) of the longest phrase starting at word i of `norms`
        (the `norms` of `Tokens`, a tuple)."""
        lengths = self._lengths.get(norms[i])
        if lengths is None:
            return None
        n = len(norms)
        phrases = self._phrases
        for k in lengths:
            if i + k <= n:
                payload = phrases.get(tuple(norms[i : i + k]), _MISSING)
                if payload is not _MISSING:
                    return k, payload  # type: ignore[return-value]  # not _MISSING: a T
        return None

    def lengths(self, word: str) -> tuple[int, ...]:
        """The word counts of the phrases that start with `word` (normalised), longest first."""
        return self._lengths.get(word, ())

    def match(self, norms: Sequence[str], i: int, k: int) -> T | None:
        """The payload of the phrase of exactly k words at word i of `norms`, if there is one:
        for callers that weigh a shorter match against what follows it."""
        if i + k > len(norms):
            return None
        payload = self._phrases.get(tuple(norms[i : i + k]), _MISSING)
        return None if payload is _MISSING else payload  # type: ignore[return-value]  # the sentinel is out: a T

    def find_all(self, text: str) -> list[tuple[int, int, T]]:
        """Non-overlapping longest matches left to right: (start, end, payload)."""
        toks = tokens_of(text)
        norms = toks.norms
        out: list[tuple[int, int, T]] = []
        i = 0
        while i < len(norms):
            hit = self.longest(norms, i)
            if hit:
                k, payload = hit
                out.append((toks.starts[i], toks.ends[i + k - 1], payload))
                i += k
            else:
                i += 1
        return out


_MISSING = object()
