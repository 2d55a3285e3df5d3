"""Treatment category and body region of a disputed item, from vocabulary trigger words.

Both facets take the category whose trigger appears EARLIEST in the text
("Physical therapy/massage" is physical therapy; "Cervical epidural steroid
injection under fluoroscopy" is an injection), the longer trigger on a tie.
Short all-caps triggers (PT, ESI, CT) match case-sensitively so the words
"pt" or "ct" in prose do not count. Triggers are looked up word by word in a
dictionary (`PhraseIndex`), so cost grows with the text, not the vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress

from indexer import vocab
from indexer.text.phrases import PhraseIndex, tokens_of


@dataclass(frozen=True)
class _Vocab:
    """Trigger index and regex patterns of one facet; payloads are (name, exact words or None)."""

    index: PhraseIndex
    firsts: frozenset[str]  # words a trigger can start with
    patterns: list[tuple[str, re.Pattern[str]]]
    any_pattern: re.Pattern[str] | None  # all patterns as one alternation, to find where the first can match


@cache
def _index(kind: str) -> _Vocab:
    """The vocabulary of "treatment" or "region", built once per process."""
    entries = vocab.treatments() if kind == "treatment" else vocab.body_regions()
    idx: PhraseIndex = PhraseIndex()
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for entry in entries:
        for trig in entry.triggers:
            exact = tuple(trig.split()) if trig.isupper() and len(trig) <= 5 else None
            idx.add(trig, (entry.name, exact))
        for pat in entry.patterns:
            # dose patterns are case-insensitive; spinal levels (C5-6, L4-L5) are not
            flags = re.I if kind == "treatment" else 0
            patterns.append((entry.name, re.compile(pat, flags)))
    return _Vocab(idx, frozenset(idx.first_words), patterns, _alternation(patterns))


def _alternation(patterns: list[tuple[str, re.Pattern[str]]]) -> re.Pattern[str] | None:
    """All patterns as one, each keeping its own case flag; None if they cannot be combined
    (e.g. two use the same group name), and then each pattern scans the text alone."""
    if not patterns:
        return None
    parts = [f"(?i:{rx.pattern})" if rx.flags & re.I else f"(?:{rx.pattern})" for _, rx in patterns]
    try:
        return re.compile("|".join(parts))
    except re.error:
        return None


def _exact_ok(words: Sequence[str], i: int, exact: tuple[str, ...] | None) -> bool:
    if exact is None:
        return True
    for j, word in enumerate(exact):
        if i + j >= len(words):
            return False
        text = words[i + j]
        if text != word and text != word + "s":
            return False
    return True


def _hits(text: str, kind: str, first_only: bool) -> list[tuple[int, int, str]]:
    """(start, -length, name) of trigger and pattern matches, earliest first."""
    v = _index(kind)
    toks = tokens_of(text)
    norms, firsts = toks.norms, v.firsts
    hits: list[tuple[int, int, str]] = []
    i = 0  # the next word a trigger may start at
    # only words that start some trigger are looked up (most words start none)
    for at in compress(range(len(norms)), map(firsts.__contains__, norms)):
        if at < i:
            continue  # inside the trigger just found
        i = at
        hit = v.index.longest(norms, i)
        if hit:
            k, (name, exact) = hit
            if _exact_ok(toks.words, i, exact):
                hits.append((toks.starts[i], -(toks.ends[i + k - 1] - toks.starts[i]), name))
                if first_only:
                    break
                i += k
                continue
        i += 1
    limit = hits[0][0] if (first_only and hits) else len(text)
    hits += _pattern_hits(v, text, limit if first_only else None)
    hits.sort()
    return hits


def _pattern_hits(v: _Vocab, text: str, limit: int | None) -> list[tuple[int, int, str]]:
    """Each pattern's first match (starting at or before `limit` when given).

    One pass of the combined alternation finds where the earliest of them starts
    (or that none matches, the usual case); each pattern then searches from there.
    """
    end = len(text) if limit is None else min(limit + 1, len(text))
    start = 0
    if v.any_pattern is not None:
        first = v.any_pattern.search(text, 0, end)
        if first is None:
            return []
        start = first.start()  # no pattern matches before the alternation does
    out = []
    for name, rx in v.patterns:
        m = rx.search(text, start, end)
        if m:
            out.append((m.start(), -(m.end() - m.start()), name))
    return out


def treatment_of(item: str) -> str | None:
    """Canonical treatment category of a disputed item, or None.

    Dose patterns ("20mg", "5%") only decide when no trigger word matched."""
    if not item:
        return None
    v = _index("treatment")
    toks = tokens_of(item)
    norms = toks.norms
    for i in range(len(norms)):
        if norms[i] not in v.firsts:
            continue
        hit = v.index.longest(norms, i)
        if hit and _exact_ok(toks.words, i, hit[1][1]):
            return hit[1][0]
    for name, rx in v.patterns:
        if rx.search(item):
            return name
    return None


def body_region_of(text: str) -> str | None:
    """The body region mentioned first in `text`, or None."""
    if not text:
        return None
    hits = _hits(text, "region", first_only=True)
    return hits[0][2] if hits else None


def body_regions_in(text: str) -> list[str]:
    """All body regions mentioned in `text`, in order of first mention."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for _, _, name in _hits(text, "region", first_only=False):
        seen.setdefault(name, None)
    return list(seen)
