"""Write guideline paragraphs the way IMR letters word them, and know their keys.

Everything canonical comes from `indexer.vocab` (guidelines.toml): a family's
reference names a topic and a chapter, this module resolves both to their
canonical entries and prints them in one of the vocabulary's wordings, e.g.
`ODG | Neck and Upper Back | Facet joint diagnostic blocks` may come out as
`Official Disability Guidelines (ODG) Neck & Upper Back (Acute & Chronic),
Facet joint diagnostic blocks (injections)`. The keys a correct parser must
extract travel with the text.

A wording is used only when it names exactly one canonical entry (after the
matcher's normalisation), so every expected key is well defined.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from indexer import vocab
from indexer.model import citation_key
from indexer.synth import content as C


@dataclass(frozen=True)
class Resolved:
    source: str
    chapter: str
    topic: str | None
    pages: str | None

    @property
    def key(self) -> str:
        return citation_key(self.source, self.chapter, self.topic)


@dataclass
class Span:
    """Where one expected citation sits in the paragraph text (for oracle letters)."""

    source: str
    chapter: str | None
    topic: str | None
    pages: str | None
    start: int
    end: int
    edition: str | None = None


@dataclass
class Written:
    text: str
    keys: list[str]
    mtus_based: bool
    spans: list[Span] = field(default_factory=list)


def norm(text: str) -> str:
    """Case, punctuation, `&`/and, hyphen joins and plural `s` do not distinguish wordings."""
    t = text.lower().replace("&", " and ")
    t = re.sub(r"(\w)-(\w)", r"\1\2", t)
    words = re.findall(r"[a-z0-9]+", t)
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


_NOT_MTUS = {
    "claims_administrator": "The Claims Administrator did not base their decision on the MTUS.",
    "reviewer": "The Expert Reviewer did not base their decision on the MTUS.",
}
# The same, as MAXIMUS letters word it from late 2016.
_OUTSIDE_MTUS = {
    "claims_administrator": "The Claims Administrator based their decision on recommendation(s) outside of the MTUS Guidelines.",
    "reviewer": "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines.",
}
# Share of paragraphs written in the 2016-17 statement style ("Decision based on MTUS Low Back
# Complaints 2004, Section(s): Special Studies, Summary."); the rest in the older wordings.
STATEMENT_STYLE_RATE = 0.5


class GuidelineWriter:
    """Resolves family references against the vocabulary and prints paragraphs."""

    def __init__(self) -> None:
        self.chapters = {c.key: c for c in vocab.chapters()}
        self.topics = {t.name: t for t in vocab.topics()}
        by_alias: dict[str, set[str]] = defaultdict(set)
        for t in vocab.topics():
            for wording in (t.name, *t.aliases):
                by_alias[norm(wording)].add(t.name)
        chapter_words = {norm(w) for c in vocab.chapters() for w in (c.name, *c.wordings)}
        self._topic_by_alias = {a: next(iter(names)) for a, names in by_alias.items() if len(names) == 1}
        # Printable wordings: unambiguous, not also a chapter wording, not a bare acronym.
        self.topic_wordings: dict[str, list[str]] = {}
        for t in vocab.topics():
            good = [
                w
                for w in dict.fromkeys((t.name, *t.aliases))
                if len(by_alias[norm(w)]) == 1 and norm(w) not in chapter_words and not w.isupper()
            ]
            self.topic_wordings[t.name] = good or [t.name]
        sources = {s.name: s for s in vocab.sources()}
        self.odg_words = [w for w in sources["ODG"].aliases if w] or ["ODG"]
        self.others = [c for c in vocab.chapters() if c.source == "Other"]
        self.parts = {p.chapter: p for p in vocab.mtus_parts() if not p.section_chapters}
        self._cache: dict[tuple, list[Resolved]] = {}

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> GuidelineWriter:
        return GuidelineWriter()

    # -- resolution ----------------------------------------------------------

    def canonical_topic(self, name: str | None) -> str | None:
        if name is None:
            return None
        if name in self.topics:
            return name
        return self._topic_by_alias.get(norm(name))

    def resolve(self, family: C.Family, region: C.Region | None, fills: dict[str, str]) -> list[Resolved]:
        out: list[Resolved] = []
        for ref in family.refs:
            chapter: str | None = ref.chapter
            pages: tuple[str, ...] = ref.pages
            if chapter == "{odg}":
                chapter = region.odg if region else None
            elif chapter == "{acoem}":
                chapter, pages = (region.acoem, region.acoem_pages) if region else (None, ())
            if not chapter or citation_key(ref.source, chapter) not in self.chapters:
                continue
            topic = ref.topic
            if topic and topic.startswith("{"):
                topic = fills.get(topic.strip("{}"))
            canon = self.canonical_topic(topic)
            if topic and not canon:
                continue  # a topic the vocabulary does not know cannot have a defined key
            out.append(Resolved(ref.source, chapter, canon, ",".join(pages) if pages else None))
        return out

    # -- printing ------------------------------------------------------------

    def paragraph(self, rng: random.Random, refs: list[Resolved], who: str) -> Written:
        mtus = [r for r in refs if r.source == "MTUS"]
        odg = [r for r in refs if r.source == "ODG"]
        sep = rng.choice(("  ", " "))
        text = ""
        keys: list[str] = []
        spans: list[Span] = []

        def add(sentence: str, cites: list[tuple[Resolved | None, str, str | None, int, int]]) -> None:
            nonlocal text
            base = len(text) + (len(sep) if text else 0)
            text = f"{text}{sep}{sentence}" if text else sentence
            for r, source, chapter, s0, s1 in cites:
                topic = r.topic if r else None
                pages = r.pages.split(",")[0] if r and r.pages else None
                spans.append(Span(source, chapter, topic, pages, base + s0, base + s1))

        modern = rng.random() < STATEMENT_STYLE_RATE
        if not mtus:
            add((_OUTSIDE_MTUS if modern else _NOT_MTUS)[who], [])
        mtus_parts: dict[str, list[Resolved]] = defaultdict(list)
        for r in mtus:
            if modern and r.chapter in self.parts and (r.topic is None or "," not in r.topic):
                mtus_parts[r.chapter].append(r)
                continue
            sentence, s0, page = self._mtus_sentence(rng, r)
            add(sentence, [(Resolved(r.source, r.chapter, r.topic, page), "MTUS", r.chapter, s0, len(sentence) - 1)])
            keys.append(r.key)
        for chapter, group in mtus_parts.items():
            sentence, cites, edition = self._part_sentence(rng, chapter, group)
            add(
                sentence,
                [(Resolved(r.source, r.chapter, r.topic, None), "MTUS", r.chapter, s0, s1) for r, s0, s1 in cites],
            )
            for sp in spans[-len(cites) :]:
                sp.edition = edition
            keys.extend(r.key for r in group)
        by_chapter: dict[str, list[Resolved]] = defaultdict(list)
        for r in odg:
            by_chapter[r.chapter].append(r)
        for chapter, group in by_chapter.items():
            sentence, cites = self._odg_sentence(rng, chapter, group)
            add(sentence, [(r, "ODG", chapter, s0, s1) for r, s0, s1 in cites])
            keys.extend(r.key for r in group)
        if self.others and rng.random() < 0.08:
            other = rng.choice(self.others)
            words = rng.choice(other.wordings)
            lead = "Decision based on Non-MTUS Citation "
            add(f"{lead}{words}.", [(None, "Other", other.name, len(lead), len(lead) + len(words))])
            keys.append(other.key)
        return Written(text, keys, bool(mtus), spans)

    def _topic_words(self, rng: random.Random, topic: str) -> str:
        return rng.choice(self.topic_wordings.get(topic, [topic]))

    def _mtus_sentence(self, rng: random.Random, r: Resolved) -> tuple[str, int, str | None]:
        """The sentence, where the citation starts in it, and the page printed."""
        chapter = self.chapters[citation_key("MTUS", r.chapter)]
        ch_words = rng.choice(chapter.wordings or (chapter.name,))
        lead = "MTUS " if not ch_words.upper().startswith(("MTUS", "CA MTUS")) else ""
        head = "Decision based on "
        text = f"{head}{lead}{ch_words}"
        if r.topic:
            text += f" {self._topic_words(rng, r.topic)}"
        page = None
        if r.pages:
            page = rng.choice(r.pages.split(","))
            text += rng.choice((f" Page(s): {page}", f", Page(s): {page}", f" Page(s): {page}"))
        return text + ".", len(head), page

    def _part_sentence(
        self, rng: random.Random, chapter: str, group: list[Resolved]
    ) -> tuple[str, list[tuple[Resolved, int, int]], str]:
        """ "Decision based on MTUS Low Back Complaints 2004, Section(s): A, B.": the sentence,
        each citation's span (the first from the part's name) and the edition printed."""
        part = self.parts[chapter]
        edition = rng.choice(part.editions) if part.editions else "2004"
        head = "Decision based on MTUS "
        text = f"{head}{rng.choice(part.wordings)} {edition}"
        topics = list(dict.fromkeys(r for r in group if r.topic))
        bare = [r for r in group if not r.topic]
        cites: list[tuple[Resolved, int, int]] = []
        if topics:
            text += ", Section(s): "
            for n, r in enumerate(topics):
                if n:
                    text += ", "
                start = len(head) if n == 0 else len(text)
                text += r.topic or ""
                cites.append((r, start, len(text)))
        cites += [(r, len(head), len(text)) for r in bare if not topics]
        return text + ".", cites, edition

    def _odg_sentence(
        self, rng: random.Random, chapter_name: str, group: list[Resolved]
    ) -> tuple[str, list[tuple[Resolved, int, int]]]:
        """The sentence and, per citation, the span of its wording (source + chapter + topic)."""
        chapter = self.chapters[citation_key("ODG", chapter_name)]
        if chapter.standalone_aliases and rng.random() < 0.2:
            head = rng.choice(chapter.standalone_aliases)
        else:
            head = (
                rng.choice(self.odg_words)
                + rng.choice((" ", ", ", ": ", " "))
                + rng.choice(chapter.aliases or (chapter.name,))
            )
        lead = "Decision based on Non-MTUS Citation "
        with_topic = [r for r in group if r.topic]
        if not with_topic:
            return f"{lead}{head}.", [(r, len(lead), len(lead) + len(head)) for r in group]
        text = f"{lead}{head}{rng.choice((', ', ' ', ', '))}"
        cites: list[tuple[Resolved, int, int]] = []
        for n, r in enumerate(with_topic):
            if n:
                text += ", "
            words = self._topic_words(rng, r.topic or "")
            start = len(lead) if n == 0 else len(text)
            text += words
            cites.append((r, start, len(text)))
        return text + ".", cites
