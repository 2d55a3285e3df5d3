"""Treatment category and body region of a disputed item, from vocabulary trigger words.

Both facets take the category whose trigger appears EARLIEST in the text
("Physical therapy/massage" is physical therapy; "Cervical epidural steroid
injection under fluoroscopy" is an injection), the longer trigger on a tie.
Short all-caps triggers (PT, ESI, CT) match case-sensitively so the words
"pt" or "ct" in prose do not count.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from indexer import vocab

_WORD_EDGE_L = r"(?<![A-Za-z0-9])"
_WORD_EDGE_R = r"(?![A-Za-z0-9])"


def _trigger_regex(triggers: Iterable[str], patterns: Iterable[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    insensitive, sensitive = [], []
    for t in sorted(set(triggers), key=len, reverse=True):
        body = re.escape(t).replace(r"\ ", r"[\s-]+")
        plural = "" if t.endswith("s") or not t[-1].isalpha() else "(?:s|es)?"
        piece = f"{_WORD_EDGE_L}{body}{plural}{_WORD_EDGE_R}"
        (sensitive if (t.isupper() and len(t) <= 5) else insensitive).append(piece)
    insensitive += list(patterns)
    ri = re.compile("|".join(insensitive), re.I) if insensitive else None
    rs = re.compile("|".join(sensitive)) if sensitive else None
    return ri, rs


@lru_cache(maxsize=1)
def _treatment_rules() -> list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]]:
    rules = []
    for c in vocab.treatments():
        # the dose patterns are a fallback, applied only when nothing else matched
        ri, rs = _trigger_regex(c.triggers, ())
        rules.append((c.name, ri, rs))
    return rules


@lru_cache(maxsize=1)
def _dose_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(c.name, re.compile(p, re.I)) for c in vocab.treatments() for p in c.patterns]


@lru_cache(maxsize=1)
def _region_rules() -> list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]]:
    rules = []
    for r in vocab.body_regions():
        ri, rs = _trigger_regex(r.triggers, ())
        pats = [re.compile(p) for p in r.patterns]
        rules.append((r.name, ri, rs))
        for p in pats:
            rules.append((r.name, None, p))  # spinal-level patterns are case-sensitive
    return rules


def _earliest(text: str, rules) -> list[tuple[int, int, str]]:
    hits: list[tuple[int, int, str]] = []
    for name, ri, rs in rules:
        best = None
        for rx in (ri, rs):
            if rx is None:
                continue
            m = rx.search(text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), -(m.end() - m.start()), name)
        if best:
            hits.append(best)
    hits.sort()
    return hits


def treatment_of(item: str) -> str | None:
    """Canonical treatment category of a disputed item, or None."""
    if not item:
        return None
    hits = _earliest(item, _treatment_rules())
    if hits:
        return hits[0][2]
    for name, rx in _dose_patterns():
        if rx.search(item):
            return name
    return None


def body_region_of(text: str) -> str | None:
    """The body region mentioned first in `text`, or None."""
    if not text:
        return None
    hits = _earliest(text, _region_rules())
    return hits[0][2] if hits else None


def body_regions_in(text: str) -> list[str]:
    """All body regions mentioned in `text`, in order of first mention."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for _, _, name in _earliest(text, _region_rules()):
        seen.setdefault(name, None)
    return list(seen)
