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
from functools import lru_cache

from indexer import vocab
from indexer.passages.phrases import PhraseIndex, Token, tokenize


@lru_cache(maxsize=None)
def _index(kind: str) -> tuple[PhraseIndex, list[tuple[str, re.Pattern[str]]]]:
    """(trigger index, regex patterns) for "treatment" or "region"; payload (name, exact words or None)."""
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
    return idx, patterns


def _exact_ok(tokens: list[Token], i: int, exact: tuple[str, ...] | None) -> bool:
    if exact is None:
        return True
    for j, word in enumerate(exact):
        if i + j >= len(tokens):
            return False
        text = tokens[i + j].text
        if text != word and text != word + "s":
            return False
    return True


def _hits(text: str, kind: str, first_only: bool) -> list[tuple[int, int, str]]:
    """(start, -length, name) of trigger and pattern matches, earliest first."""
    idx, patterns = _index(kind)
    tokens = tokenize(text)
    hits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        hit = idx.longest(tokens, i)
        if hit:
            k, (name, exact) = hit
            if _exact_ok(tokens, i, exact):
                hits.append((tokens[i].start, -(tokens[i + k - 1].end - tokens[i].start), name))
                if first_only:
                    break
                i += k
                continue
        i += 1
    limit = hits[0][0] if (first_only and hits) else len(text)
    for name, rx in patterns:
        m = rx.search(text, 0, limit + 1) if first_only else rx.search(text)
        if m:
            hits.append((m.start(), -(m.end() - m.start()), name))
    hits.sort()
    return hits


def treatment_of(item: str) -> str | None:
    """Canonical treatment category of a disputed item, or None.

    Dose patterns ("20mg", "5%") only decide when no trigger word matched."""
    if not item:
        return None
    idx, patterns = _index("treatment")
    tokens = tokenize(item)
    for i in range(len(tokens)):
        hit = idx.longest(tokens, i)
        if hit and _exact_ok(tokens, i, hit[1][1]):
            return hit[1][0]
    for name, rx in patterns:
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
