"""What search needs from the parser's vocabularies, analysed into indexed terms.

`indexer.vocab` (abbreviations, drug names) and `indexer.passages.citations`
(citation wordings) belong to the parser; search reads them through here, as
the shared analysis's terms. The vocabularies ship with the package, so a
broken one fails loudly (the vocabulary tests load every file); only the
citation recogniser, which runs on whatever a user typed, is guarded: a bug in
it on an odd query is logged and the query searched without the citation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from indexer.query.analysis import terms
from indexer.vocab import abbreviations as abbreviation_table
from indexer.vocab import compound_prefixes, drug_names, equivalent_names

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Abbreviation:
    abbr: str  # as the vocabulary prints it, e.g. "MBB"
    term: str  # its indexed term, e.g. "mbb"
    expansions: tuple[tuple[str, tuple[str, ...]], ...]  # (text, indexed terms) per expansion


@lru_cache(maxsize=1)
def abbreviations() -> tuple[Abbreviation, ...]:
    out = []
    for abbr, expansions in sorted(abbreviation_table().items()):
        abbr_terms = terms(abbr)
        if len(abbr_terms) != 1:
            continue  # e.g. "COX-2": found as a phrase anyway
        exp = tuple((e, tuple(terms(e))) for e in expansions if terms(e))
        if exp:
            out.append(Abbreviation(abbr, abbr_terms[0], exp))
    return tuple(out)


@lru_cache(maxsize=1)
def _by_term() -> dict[str, list[Abbreviation]]:
    index: dict[str, list[Abbreviation]] = {}
    for a in abbreviations():
        index.setdefault(a.term, []).append(a)
    return index


@lru_cache(maxsize=1)
def _by_expansion() -> dict[tuple[str, ...], list[Abbreviation]]:
    index: dict[tuple[str, ...], list[Abbreviation]] = {}
    for a in abbreviations():
        for _, exp_terms in a.expansions:
            index.setdefault(exp_terms, []).append(a)
    return index


def abbreviations_for_word(word: str, term: str) -> list[Abbreviation]:
    """Abbreviations a typed word stands for.

    Case matters only for two-letter ones: `IF` is interferential, `if` is not."""
    found = []
    for a in _by_term().get(term, []):
        if len(a.abbr) <= 2 and not any(ch.isupper() for ch in word):
            continue
        found.append(a)
    return found


def abbreviations_for_terms(seq: tuple[str, ...]) -> list[Abbreviation]:
    """Abbreviations whose expansion is exactly this sequence of indexed terms."""
    return list(_by_expansion().get(seq, []))


def max_expansion_length() -> int:
    return max((len(k) for k in _by_expansion()), default=0)


@lru_cache(maxsize=1)
def _drug_groups() -> tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]:
    """Every drug's names as (text, indexed terms), from the vocabulary's drugs.toml,
    and the other groups of equivalent wordings (equivalents.toml)."""
    out = []
    for names in drug_names() + equivalent_names():
        analysed = tuple((n, tuple(terms(n))) for n in names if terms(n))
        if len(analysed) > 1:
            out.append(analysed)
    return tuple(out)


@lru_cache(maxsize=1)
def _drugs_by_terms() -> dict[tuple[str, ...], list[int]]:
    index: dict[tuple[str, ...], list[int]] = {}
    for i, group in enumerate(_drug_groups()):
        for _, seq in group:
            index.setdefault(seq, []).append(i)
    return index


def drug_synonyms(seq: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """The other names, as (text, indexed terms), of the drug(s) one of whose names
    is exactly this sequence of indexed terms: hydrocodone -> Norco, Vicodin, ..."""
    out: list[tuple[str, tuple[str, ...]]] = []
    groups = _drug_groups()
    for i in _drugs_by_terms().get(tuple(seq), ()):
        for text, names_terms in groups[i]:
            if names_terms != tuple(seq) and all(names_terms != o for _, o in out):
                out.append((text, names_terms))
    return out


def max_drug_name_length() -> int:
    return max((len(k) for k in _drugs_by_terms()), default=0)


@lru_cache(maxsize=1)
def known_terms() -> frozenset[str]:
    """Indexed terms of every abbreviation and drug name: words spelling help leaves alone."""
    out: set[str] = set()
    for a in abbreviations():
        out.add(a.term)
    for group in _drug_groups():
        for _, seq in group:
            out.update(seq)
    return frozenset(out)


def citations_in_query(text: str) -> list[str]:
    """Canonical citation keys the query text reads as (empty if none / unavailable)."""
    from indexer.passages.citations import citations_in_query as find

    try:
        keys = find(text)
    except Exception:  # noqa: BLE001 - a recogniser bug on an odd query must not fail the search
        log.exception("citations_in_query failed on %r; searched without a citation", text[:200])
        return []
    seen: list[str] = []
    for k in keys or []:
        if isinstance(k, str) and k and k not in seen:
            seen.append(k)
    return seen


@lru_cache(maxsize=1)
def _compound_prefixes() -> tuple[tuple[str, str], ...]:
    """(prefix, its indexed term), longest first."""
    return tuple((p, t[0]) for p in compound_prefixes() if len(t := terms(p)) == 1)


MIN_COMPOUND_REST = 4  # "preop" is a wording of its own (equivalents.toml), not pre + op


def split_compound(word: str) -> tuple[str, str] | None:
    """A joined compound's two halves as letters may hyphenate it:
    "postoperative" -> ("post", "operative"). None for other words."""
    lower = word.lower()
    if not lower.isalpha():
        return None
    for prefix, _ in _compound_prefixes():
        rest = lower[len(prefix) :]
        if lower.startswith(prefix) and len(rest) >= MIN_COMPOUND_REST:
            return prefix, rest
    return None


def joins_compound(first: str) -> bool:
    """Whether a hyphenated pair starting with this word may also be written joined."""
    return any(first.lower() == p for p, _ in _compound_prefixes())
