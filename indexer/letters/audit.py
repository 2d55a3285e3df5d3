"""`imr vocab audit`: the guideline wordings in letters the vocabulary does not know.

The vocabulary (indexer/vocab/guidelines.toml) grows from data: this reads letters, and for
every citation in a guideline paragraph whose chapter or topic does not canonicalise to a
known entry, counts the wording and keeps an example letter. A citation is unknown when:
- its chapter is missing (an ODG citation naming no chapter is fine only with a known topic)
  or is not a chapter of its source in the vocabulary (an MTUS part named as written);
- its topic is not a known topic, nor a section title the vocabulary lists for its MTUS part;
- it is `Other` with no publisher the vocabulary knows (a genuinely unknown source).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer import vocab
from indexer.letters import UnreadableLetterError, parse_file
from indexer.model import Citation
from indexer.passages.citations import canonical_topic

LETTER_SUFFIXES = (".txt", ".pdf")


@dataclass
class Unknown:
    kind: str  # "chapter", "topic" or "source"
    key: str  # the canonical key as the parser made it
    wording: str  # the words the letter printed (the citation's span)
    count: int = 0
    example: str = ""  # a letter file that uses it


@dataclass
class AuditReport:
    files: int = 0
    citations: int = 0
    unreadable: list[dict] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "files": self.files,
            "citations": self.citations,
            "unreadable": self.unreadable,
            "unknown": [u.__dict__ for u in self.unknown],
        }


@lru_cache(maxsize=1)
def _known_chapters() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for c in vocab.chapters():
        out.setdefault(c.source, set()).add(c.name)
    # ACOEM cited outside the MTUS names the chapters of its later editions too
    out.setdefault("ACOEM", set()).update(vocab.acoem_chapters())
    # ACOEM's numbered chapters are MTUS chapters cited as ACOEM
    out["ACOEM"].update(out.get("MTUS", ()))
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _part_sections() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for p in vocab.mtus_parts():
        out.setdefault(p.chapter, set()).update(s.lower() for s in p.sections)
    return {k: frozenset(v) for k, v in out.items()}


def unknown_kind(c: Citation) -> str | None:
    """Why a citation does not canonicalise ("source", "chapter", "topic"), or None."""
    if c.source == "Other":
        return "source" if c.chapter is None else None
    if c.chapter is None:
        # the source alone ("Non-MTUS Citation Official Disability Guidelines (ODG).") is known
        if c.topic is not None and canonical_topic(c.topic) != c.topic:
            return "chapter"
        return None
    if c.chapter not in _known_chapters().get(c.source, ()):
        return "chapter"
    if (
        c.topic is not None
        and canonical_topic(c.topic) != c.topic
        and c.topic.lower() not in _part_sections().get(c.chapter, ())
    ):
        return "topic"
    return None


def letter_files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in LETTER_SUFFIXES and not f.name.startswith(".")
            )
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(str(raw))
    return out


def audit(paths: Iterable[str | Path]) -> AuditReport:
    report = AuditReport()
    found: dict[tuple[str, str], Unknown] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for path in letter_files(paths):
        report.files += 1
        try:
            letter = parse_file(path)
        except UnreadableLetterError as exc:
            report.unreadable.append({"file": str(path), "reason": str(exc)})
            continue
        for p in letter.passages:
            for c in p.citations:
                if c.cited_by == "rationale":
                    continue
                report.citations += 1
                kind = unknown_kind(c)
                if kind is None:
                    continue
                wording = " ".join(c.raw.split())
                ident = (kind, c.key)
                counts[ident] += 1
                if ident not in found:
                    found[ident] = Unknown(kind, c.key, wording, example=str(path))
    for ident, u in found.items():
        u.count = counts[ident]
    report.unknown = sorted(found.values(), key=lambda u: (-u.count, u.kind, u.key))
    return report
