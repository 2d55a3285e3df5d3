"""The two things search needs from the parser's vocabularies, behind one seam.

`indexer.vocab.abbreviations()` and `indexer.passages.citations.citations_in_query()`
belong to the parser area. Search must keep answering even if those raise on an
odd query or are missing in a stripped-down install, so every call goes through
here and degrades to "no expansion" rather than failing the search.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from indexer.search.analysis import terms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Abbreviation:
    abbr: str  # as the vocabulary prints it, e.g. "MBB"
    term: str  # its indexed term, e.g. "mbb"
    expansions: tuple[tuple[str, tuple[str, ...]], ...]  # (text, indexed terms) per expansion


def _load_table() -> dict[str, list[str]]:
    """The parser area's loader; its TOML data file directly if the loader is absent."""
    try:
        from indexer.vocab import abbreviations as load
    except ImportError:
        import tomllib
        from pathlib import Path

        path = Path(__file__).resolve().parent.parent / "vocab" / "abbreviations.toml"
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        return {str(k): [str(x) for x in v] for k, v in data.get("abbreviations", data).items()
                if isinstance(v, list)}
    return load()


@lru_cache(maxsize=1)
def abbreviations() -> tuple[Abbreviation, ...]:
    try:
        table = _load_table()
    except Exception as exc:  # vocabulary missing or broken: search without expansion
        log.warning("abbreviation vocabulary unavailable: %s", exc)
        return ()
    out = []
    for abbr, expansions in sorted(table.items()):
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
    try:
        from indexer.vocab import drug_names, equivalent_names
        groups = drug_names() + equivalent_names()
    except Exception as exc:  # vocabulary missing or broken: search without drug synonyms
        log.warning("drug vocabulary unavailable: %s", exc)
        return ()
    out = []
    for names in groups:
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
    try:
        from indexer.passages.citations import citations_in_query as find
    except Exception:
        return []
    try:
        keys = find(text)
    except Exception as exc:  # a parser bug must not break search
        log.warning("citations_in_query failed on %r: %s", text[:200], exc)
        return []
    seen: list[str] = []
    for k in keys or []:
        if isinstance(k, str) and k and k not in seen:
            seen.append(k)
    return seen


@lru_cache(maxsize=1)
def _compound_prefixes() -> tuple[tuple[str, str], ...]:
    """(prefix, its indexed term), longest first."""
    try:
        from indexer.vocab import compound_prefixes
        prefixes = compound_prefixes()
    except Exception as exc:  # vocabulary missing or broken: search without compound spellings
        log.warning("compound vocabulary unavailable: %s", exc)
        return ()
    return tuple((p, t[0]) for p in prefixes if len(t := terms(p)) == 1)


MIN_COMPOUND_REST = 4  # "preop" is a wording of its own (equivalents.toml), not pre + op


def split_compound(word: str) -> tuple[str, str] | None:
    """A joined compound's two halves as letters may hyphenate it:
    "postoperative" -> ("post", "operative"). None for other words."""
    lower = word.lower()
    if not lower.isalpha():
        return None
    for prefix, _ in _compound_prefixes():
        rest = lower[len(prefix):]
        if lower.startswith(prefix) and len(rest) >= MIN_COMPOUND_REST:
            return prefix, rest
    return None


def joins_compound(first: str) -> bool:
    """Whether a hyphenated pair starting with this word may also be written joined."""
    return any(first.lower() == p for p, _ in _compound_prefixes())
