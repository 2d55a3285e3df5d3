"""Guideline citations: find them in a letter's text and give each its canonical key.

Letters word one citation many ways ("ODG, Neck Chapter Facet joint diagnostic
blocks" / "Official Disability Guidelines (ODG) Neck and Upper Back (Acute &
Chronic), Facet joint diagnostic blocks"); attorneys search the canonical form
`ODG | Neck and Upper Back | Facet joint diagnostic blocks`. The wordings live
in `indexer/vocab/guidelines.toml`; this module only walks the words.

How a guideline paragraph is read (`extract_citations`):
- It is cut into statements at "Decision based on ..." and at the sentence
  "... did not base their decision on the MTUS" (which cites nothing).
  "Non-MTUS Citation" marks the rest of its statement as non-MTUS.
- Inside a statement, words are matched left to right, longest wording first:
  a source word (MTUS, ODG, ...) opens a citation; a chapter wording sets its
  chapter (a chapter such as "Chronic Pain Medical Treatment Guidelines" implies
  its source); each topic wording after the chapter is one citation of that
  chapter, so "ODG, Neck Chapter A, B, C" gives three; "Page(s): 174" adds pages.
- Many topic wordings hold chapter words ("Fusion, anterior cervical", "Collars
  (cervical)", "Cervical traction", "Chronic pain programs"). Where the words read
  as chapter + topic or as one wording, the reading that covers more words wins
  (`_chapter_reading`, `_chapter_then_topic`), and the open citation's chapter
  named again inside or after its topic wording stays part of that citation.
- In guideline paragraphs a comma-separated phrase after a known chapter that is
  not a known topic is kept as a topic as written (sentence case), so unknown
  topics are still searchable. A non-MTUS statement naming no known source
  becomes source `Other` with its text as the topic.
- In rationale prose (`cited_by="rationale"`) only source and chapter wordings
  and topics that directly follow them count: "California MTUS/ACOEM",
  "Official Disability Guidelines", "the MTUS Guidelines".
- ACOEM chapters are MTUS parts: source MTUS, chapter "ACOEM Chapter 8 Neck and
  Upper Back Complaints". Source ACOEM only when cited as non-MTUS.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress

from indexer import vocab
from indexer.model import Citation, CitationKey, citation_key
from indexer.passages.statements import statement_citations, statement_style
from indexer.text.phrases import PhraseIndex, Tokens, phrase_key, tokens_of
from indexer.text.scan import AnchoredPattern, lowered

# Spans that end a statement and cite nothing themselves. These patterns scan every
# passage field, so each is searched only where its first word occurs (`AnchoredPattern`).
_STATEMENT_START = AnchoredPattern(
    re.compile(
        r"\b(?:decision\s+(?:was\s+)?based\s+on(?:\s+the)?"
        r"|based\s+(?:its|their|his/her|his|her|the)\s+decision\s+on(?:\s+the)?"
        r"|guidelines?\s+used\s+by\s+the\s+\w+(?:\s+\w+)?\s*:?)",
        re.I,
    ),
    ["decision", "based", "guideline"],
    word_start=True,
)
_NOT_MTUS = AnchoredPattern(
    re.compile(
        r"\b(?:did\s+not|didn't|does\s+not)\s+base\s+(?:their|its|his/her|his|her|the)\s+decisions?\s+on\s+"
        r"(?:the\s+)?(?:CA\s+|California\s+)?(?:MTUS|Medical\s+Treatment\s+Utilization\s+Schedule)\b\.?",
        re.I,
    ),
    ["did", "does"],
    word_start=True,
)
_PAGES = AnchoredPattern(
    re.compile(
        r"\b(?:pages?\s*\(s\)|pages?|pgs?|pp?)\s*[.:#]?\s*"
        r"(?P<p>\d{1,4}(?:\s*[-\u2013\u2014]\s*\d{1,4})?(?:\s*(?:,|&|and)\s*\d{1,4}(?:\s*[-\u2013\u2014]\s*\d{1,4})?)*)",
        re.I,
    ),
    ["p"],
    word_start=True,
)
# A sentence ends after the punctuation mark (the match starts with it so that
# `re` can skip straight to the next ".", "!" or "?").
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+(?=[A-Z0-9(])")
_ABBREV_BEFORE_DOT = re.compile(r"(?:\b[A-Za-z]|\bDr|\bvs|\bal|\bpp|\bVol|\bCh|\bNo|\bInc|\bFig|\bU\.S|\bet)\.$")
_DASHES = re.compile(r"\s*[-\u2013\u2014]\s*")
_LIST_SEP = re.compile(r"\s*(?:,|&|\band\b)\s*")

# First words that show an unknown phrase is prose, not a topic name.
_PROSE_START = frozenset(
    """
a an and are as at be because but by did do does for from has have he her his if in is it its
may not of on or part per regarding she should state states that the their there these they this
to under was were which while who will with would when where whether recommend recommends
""".split()
)
# Words that may introduce a topic ("FDA label for Lyrica") and are dropped from it.
_LEADING_PREPOSITIONS = frozenset({"for", "regarding", "re", "about", "see", "on", "under", "in"})
_MAX_TOPIC_WORDS = 9
# Punctuation between two unknown words that ends a topic written out in full.
_BREAKS_TOPIC = frozenset(",;:.()")
_NEVER = sys.maxsize  # an offset past the end of any text
_OTHER_TEXT_MAX = 200


@dataclass
class _Vocab:
    sources: PhraseIndex
    chapters_std: PhraseIndex
    chapters_ctx: dict[str, PhraseIndex]
    topics: PhraseIndex
    fillers: PhraseIndex
    topic_chapters: dict[str, tuple[str, ...]]
    # Words the walk must look at (see `_walk`): any other word is an unknown word.
    firsts: frozenset[str] = frozenset()
    # Words that matter when no citation is open (no source, chapter or citation
    # in progress): topics and source-bound chapters need an open citation, and a
    # one-word filler then changes nothing.
    clean_firsts: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    sources: PhraseIndex = PhraseIndex()
    for s in vocab.sources():
        for alias in (s.name, *s.aliases) if s.name != "Other" else ():
            sources.add(alias, s.name)
    std: PhraseIndex = PhraseIndex()
    ctx: dict[str, PhraseIndex] = {}
    for ch in vocab.chapters():
        for alias in ch.standalone_aliases:
            std.add(alias, ch)
        idx = ctx.setdefault(ch.source, PhraseIndex())
        for alias in (ch.name, *ch.standalone_aliases, *ch.aliases):
            idx.add(alias, ch)
    topics: PhraseIndex = PhraseIndex()
    for t in vocab.topics():
        for alias in (t.name, *t.aliases):
            topics.add(alias, t)
    fillers: PhraseIndex = PhraseIndex((f, None) for f in vocab.guideline_fillers())
    non_mtus = {"nonmtus", "non"}
    firsts = frozenset().union(
        sources.first_words,
        std.first_words,
        topics.first_words,
        fillers.first_words,
        non_mtus,
        *(idx.first_words for idx in ctx.values()),
    )
    clean = frozenset().union(
        sources.first_words,
        std.first_words,
        fillers.multi_word_firsts,
        non_mtus,
        ctx[""].first_words if "" in ctx else (),
    )
    return _Vocab(sources, std, ctx, topics, fillers, {t.name: t.chapters for t in vocab.topics()}, firsts, clean)


@lru_cache(maxsize=1)
def _prose_prefilter() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """Matches if a text may name a guideline: the first word of any source or standalone chapter
    wording, not preceded by a letter or digit. Also those words lower-cased (see `_may_cite`)."""
    firsts: set[str] = set()
    for s in vocab.sources():
        firsts.update(a.split()[0] for a in s.aliases if a.split())
        firsts.add(s.name)
    for ch in vocab.chapters():
        firsts.update(a.split()[0] for a in ch.standalone_aliases if a.split())
    stripped = {re.sub(r"[^A-Za-z0-9]+$", "", w) for w in firsts}
    words = sorted({w for w in stripped if len(w) > 1 and w.lower() not in ("the", "an")}, key=len, reverse=True)
    rx = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(w) for w in words) + ")", re.I)
    lower_words = tuple(w.lower() for w in words) if all(w.isascii() for w in words) else ()
    return rx, lower_words


_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _may_cite(text: str) -> bool:
    """Whether `_prose_prefilter` matches `text`: most rationales name a guideline, so rather
    than the regex trying its many words at every character, `str.find` looks for each word
    in the lower-cased text and stops at the first one that starts a word."""
    rx, words = _prose_prefilter()
    low = lowered(text) if words else None
    if low is None:
        return rx.search(text) is not None
    for word in words:
        at = low.find(word)
        while at >= 0:
            if at == 0 or low[at - 1] not in _ASCII_ALNUM:
                return True
            at = low.find(word, at + 1)
    return False


# ---------------------------------------------------------------- the walk


@dataclass
class _Cite:
    source: str
    chapter: vocab.Chapter | None
    topic: str | None
    start: int
    end: int
    pages: str | None = None


@dataclass
class _State:
    source: str | None = None
    chapter: vocab.Chapter | None = None
    non_mtus: bool = False
    current: _Cite | None = None
    done: list[_Cite] = field(default_factory=list)

    def flush(self) -> None:
        if self.current is not None:
            self.done.append(self.current)
            self.current = None

    def reset_context(self) -> None:
        self.flush()
        self.source = None
        self.chapter = None


def _source_for(chapter: vocab.Chapter, state: _State) -> str:
    if chapter.source == "MTUS" and (chapter.generic or chapter.acoem_chapter):
        if state.non_mtus or state.source == "ACOEM":
            return "ACOEM"
    return chapter.source


def _normalize_pages(raw: str) -> str:
    parts = [_DASHES.sub("-", p) for p in _LIST_SEP.split(raw.strip()) if p]
    return ", ".join(parts)


def _sentence_case(phrase: str) -> str:
    words = phrase.split()
    out = []
    for i, w in enumerate(words):
        if i and len(w) > 1 and w[0].isupper() and w[1:].islower():
            w = w.lower()
        out.append(w)
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def _clean_phrase(text: str) -> str:
    text = text.strip(" \t\n,;:.-\u2013\u2014")
    # drop an unbalanced trailing "(" or leading ")"
    while text.count("(") > text.count(")") and text.endswith("("):
        text = text[:-1].rstrip()
    if text.count(")") > text.count("(") and text.endswith(")"):
        text = text[:-1].rstrip()
    if text.count("(") > text.count(")") and text.startswith("("):
        text = text[1:].lstrip()
    return " ".join(text.split())


def _boundaries(text: str) -> tuple[list[tuple[int, int]], list[int], list[tuple[int, int, str]]]:
    """Statement-start spans (skipped, reset all), sentence ends, page spans."""
    skips = [(m.start(), m.end()) for m in _STATEMENT_START.finditer(text)]
    skips += [(m.start(), m.end()) for m in _NOT_MTUS.finditer(text)]
    skips.sort()
    sentences = []
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + 1
        before = text[max(0, end - 6) : end]
        if not _ABBREV_BEFORE_DOT.search(before):
            sentences.append(end)
    pages = [(m.start(), m.end(), _normalize_pages(m.group("p"))) for m in _PAGES.finditer(text)]
    return skips, sentences, pages


def _walk(text: str, mode: str) -> list[tuple[list[_Cite], bool, int, int]]:
    """Citations grouped by statement: (cites, non_mtus, stmt_start, stmt_end).

    mode: "guideline" (a guideline paragraph), "prose" (rationale text) or
    "query" (a search query: unknown words are skipped, never topics).

    Most words of a rationale cite nothing. While no citation is open, a word
    that starts no source, standalone chapter or multi-word filler wording and
    lies in no statement-start or page span changes nothing, so the walk jumps
    from one word that may matter to the next (`_must_visit`).
    """
    v = _vocab()
    toks = tokens_of(text)
    norms, words, starts, ends = toks.norms, toks.words, toks.starts, toks.ends
    skips, sentence_ends, pages = _boundaries(text)
    visit = _must_visit(norms, starts, v.clean_firsts, skips, pages)
    # a sentinel ends each list, sparing the loop below its bounds checks
    skips.append((_NEVER, _NEVER))
    sentence_ends.append(_NEVER)
    pages.append((_NEVER, _NEVER, ""))
    statements: list[tuple[list[_Cite], bool, int, int]] = []
    state = _State()
    stmt_start = 0
    unknown: list[int] = []  # indices of the unknown words after a chapter (a topic as written?)
    si = pi = ei = 0  # cursors into skips, pages, sentence_ends
    prev_end = 0

    def close_unknown() -> None:
        nonlocal unknown
        run, unknown = unknown, []
        if mode != "guideline" or not run or state.chapter is None or state.source is None:
            return
        while run and words[run[0]].lower() in _LEADING_PREPOSITIONS:
            run = run[1:]
        if not run:
            return
        if words[run[0]].lower() in _PROSE_START or len(run) > _MAX_TOPIC_WORDS:
            state.chapter = None if words[run[0]].lower() in _PROSE_START else state.chapter
            return
        if not any(words[j][0].isalpha() for j in run):
            return
        phrase = _clean_phrase(text[starts[run[0]] : ends[run[-1]]])
        if not phrase:
            return
        _add_topic(state, _sentence_case(phrase), starts[run[0]], ends[run[-1]])

    def end_statement(at: int) -> None:
        nonlocal stmt_start
        close_unknown()
        state.reset_context()
        if state.done or state.non_mtus:
            statements.append((state.done, state.non_mtus, stmt_start, at))
        state.done = []
        state.non_mtus = False
        stmt_start = at

    i = 0
    n = len(norms)
    while i < n:
        if state.current is None and state.source is None and state.chapter is None and not unknown:
            nxt = bisect_left(visit, i)
            j = visit[nxt] if nxt < len(visit) else n
            if j > i:  # the words in between are unknown words that change nothing
                prev_end = ends[j - 1]
                i = j
                if i >= n:
                    break
        start = starts[i]
        # statement starts ("Decision based on", "did not base ... MTUS")
        while skips[si][1] <= start:
            si += 1
        if skips[si][0] <= start < skips[si][1]:
            end_statement(skips[si][0])
            stmt_start = skips[si][1]
            while i < n and starts[i] < skips[si][1]:
                i += 1
            prev_end = skips[si][1]
            continue
        # sentence ends reset the chapter context
        while sentence_ends[ei] <= prev_end:
            ei += 1
        if prev_end <= sentence_ends[ei] <= start:
            close_unknown()
            state.reset_context()
            ei += 1
        if unknown and not _BREAKS_TOPIC.isdisjoint(text[prev_end:start]):
            close_unknown()
        # pages
        while pages[pi][1] <= start:
            pi += 1
        if pages[pi][0] <= start < pages[pi][1]:
            close_unknown()
            _add_pages(state, pages[pi][2], pages[pi][1])
            while i < n and starts[i] < pages[pi][1]:
                i += 1
            prev_end = pages[pi][1]
            continue
        norm = norms[i]
        # "Non-MTUS (Citation)"
        if norm == "nonmtus" or (norm == "non" and i + 1 < n and norms[i + 1] == "mtus"):
            close_unknown()
            state.reset_context()
            state.non_mtus = True
            i += 1 if norm == "nonmtus" else 2
            prev_end = ends[i - 1]
            continue

        if norm in v.firsts:
            # (each index is only asked about words that start one of its wordings)
            src = v.sources.longest(norms, i) if norm in v.sources.first_words else None
            std = v.chapters_std.longest(norms, i) if norm in v.chapters_std.first_words else None
            ctx_idx = v.chapters_ctx.get("MTUS" if state.source == "ACOEM" else (state.source or ""))
            ctx = ctx_idx.longest(norms, i) if ctx_idx and norm in ctx_idx.first_words else None
            if ctx and ctx_idx and ctx[0] > 1:
                ctx = _chapter_reading(v, ctx_idx, norms, i, ctx)
            chap = ctx if ctx and (not std or ctx[0] >= std[0]) else std  # the longer; ctx on a tie
            if src and chap and chap[0] > src[0] and i + src[0] < n:
                # "MTUS Chronic Pain Medical Treatment": source + chapter may beat a shorter
                # standalone wording that starts with the source word ("MTUS Chronic Pain"), and
                # "ODG Pain, Chronic pain programs" is source + chapter + topic, not the standalone
                # "ODG Pain (Chronic)" + stray words: the reading that covers more words wins,
                # on a tie the one whose guideline wording (before any topic) is longer
                after = v.chapters_ctx.get("MTUS" if src[1] == "ACOEM" else src[1])
                j = i + src[0]
                follow = after.longest(norms, j) if after and norms[j] in after.first_words else None
                if follow and after and follow[0] > 1:
                    follow = _chapter_reading(v, after, norms, j, follow)
                if follow and _reads_more(v, norms, i, src[0] + follow[0], chap[0]):
                    chap = None
            top = (
                v.topics.longest(norms, i) if (state.source or state.chapter) and norm in v.topics.first_words else None
            )
            if (
                chap
                and top
                and top[0] > chap[0]
                and _chapter_then_topic(v, text, toks, i, chap, top[0], chapter_open=state.chapter is not None)
            ):
                top = None  # "Cervical, Fusion": chapter "Cervical", then topic "Fusion"
            best = max(src[0] if src else 0, chap[0] if chap else 0, top[0] if top else 0)

            if (
                best
                and chap
                and chap[0] == best
                and not src
                and (not top or top[0] < best)
                and state.chapter is chap[1]
                and state.current is not None
                and state.current.chapter is chap[1]
            ):
                # The open citation's chapter named again ("Low Back, Fusion, lumbar",
                # "Collars (cervical)"): part of that citation's wording, not a new citation.
                k = chap[0]
                if unknown:
                    unknown.extend(range(i, i + k))  # inside a topic written out in full
                else:
                    state.current.end = max(state.current.end, ends[i + k - 1])
                i += k
                prev_end = ends[i - 1]
                continue

            if best:
                close_unknown()
                if src and src[0] == best and not (chap and chap[0] == best and state.chapter is None):
                    k = src[0]
                    state.flush()
                    state.source, state.chapter = src[1], None
                    state.current = _Cite(src[1], None, None, start, ends[i + k - 1])
                elif top and top[0] == best and (state.chapter is not None or not chap or chap[0] < best):
                    k = top[0]
                    if (
                        mode != "query"
                        and state.chapter is None
                        and chap
                        and chap[0] < k
                        and chap[1].key in top[1].chapters
                        and _source_for(chap[1], state) == state.source
                    ):
                        # "ODG Cervical collar", "(ODG) Cervical, Collars": a topic wording that
                        # starts with one of its own chapters' wordings names that chapter too
                        _add_chapter(state, chap[1], start, ends[i + chap[0] - 1])
                    _add_topic(state, top[1].name, start, ends[i + k - 1])
                else:
                    assert chap is not None  # `best` came from src, top or chap; neither src nor top won
                    k = chap[0]
                    _add_chapter(state, chap[1], start, ends[i + k - 1])
                i += k
                prev_end = ends[i - 1]
                continue

            fill = v.fillers.longest(norms, i) if norm in v.fillers.first_words else None
            if fill:
                k = fill[0]
                if state.current is not None and not unknown:
                    state.current.end = max(state.current.end, ends[i + k - 1])
                i += k
                prev_end = ends[i - 1]
                continue

        # an unknown word
        if mode == "prose":
            state.reset_context()
        elif mode == "guideline" and state.chapter is not None:
            unknown.append(i)
        prev_end = ends[i]
        i += 1
    end_statement(len(text))
    return statements


def _topic_after(v: _Vocab, norms: Sequence[str], j: int) -> int:
    """How many words from word j a topic wording covers, after at most one filler
    wording ("Chapter", "(Acute & Chronic)"); 0 when no topic starts there."""
    n = len(norms)
    skipped = 0
    if j < n and norms[j] in v.fillers.first_words:
        fill = v.fillers.longest(norms, j)
        if fill:
            skipped = fill[0]
            j += skipped
    if j >= n or norms[j] not in v.topics.first_words:
        return 0
    hit = v.topics.longest(norms, j)
    return skipped + hit[0] if hit else 0


def _reads_more(v: _Vocab, norms: Sequence[str], i: int, a: int, b: int) -> bool:
    """Whether a guideline wording of `a` words at word i, with the topic wording after it,
    reads more words than one of `b` words with its topic; on a tie, whether a > b.
    (Topics are looked up only where they can change the answer: this runs at every
    "MTUS Chronic Pain ..." and "ODG Neck and Upper Back ...".)"""
    if a == b:
        return False
    if a > b:
        t_b = _topic_after(v, norms, i + b)
        return not t_b or a + _topic_after(v, norms, i + a) >= b + t_b
    t_a = _topic_after(v, norms, i + a)
    return bool(t_a) and a + t_a > b + _topic_after(v, norms, i + b)


def _chapter_reading(
    v: _Vocab, idx: PhraseIndex, norms: Sequence[str], i: int, first: tuple[int, vocab.Chapter]
) -> tuple[int, vocab.Chapter]:
    """The chapter wording at word i that, with the topic wording after it, covers the most
    words, given `first`, the longest chapter wording there.

    Usually the longest chapter wording, but some chapter wordings run into a topic wording
    that starts with a chapter word: in "Pain, Chronic pain programs" the longest is
    "Pain, Chronic" (a wording of ODG Pain), which leaves "pain programs" matching nothing;
    "Pain" then "Chronic pain programs" reads every word. A shorter wording wins only when
    it covers strictly more."""
    topic_firsts = v.topics.first_words
    # shorter wordings after which a topic wording may start
    shorter = [k for k in idx.lengths(norms[i]) if k < first[0] and norms[i + k] in topic_firsts]
    if not shorter:
        return first
    best, best_cover = first, -1  # the longest's cover, looked up once a shorter one could beat it
    for k in shorter:  # longest first, so a tie keeps the longer
        cover = k + _topic_after(v, norms, i + k)
        if cover <= first[0] or cover <= best_cover:
            continue
        if best_cover < 0:
            best_cover = first[0] + _topic_after(v, norms, i + first[0])
            if cover <= best_cover:
                continue
        chapter = idx.match(norms, i, k)
        if chapter is not None:
            best, best_cover = (k, chapter), cover
    return best


def _chapter_then_topic(
    v: _Vocab, text: str, toks: Tokens, i: int, chap: tuple[int, vocab.Chapter], top_len: int, chapter_open: bool
) -> bool:
    """Whether the words at `i` read better as a chapter wording followed by a topic wording
    than as one longer topic wording that starts with the chapter's words.

    Some topic wordings start with a chapter word ("Cervical fusion", "Lumbar traction",
    "Knee brace"), so after "ODG Cervical, Fusion" the longest match alone would take
    "Cervical, Fusion" as a topic and lose the chapter. The two-part reading wins when a
    topic wording starts right after the chapter wording and, together, they cover at
    least the words the single topic would. A list separator (",", ";", ":") after the
    chapter wording decides it always. Without one ("ODG Cervical traction") the words are
    one wording unless no chapter is open yet and the topic that follows is one the
    vocabulary files under that chapter ("Lumbar sympathetic block" is a Pain topic, not
    Low Back's "Sympathetic block").
    """
    norms = toks.norms
    chap_len, chapter = chap
    after = i + chap_len
    if after >= len(norms) or norms[after] not in v.topics.first_words:
        return False
    nxt = v.topics.longest(norms, after)
    if nxt is None or chap_len + nxt[0] < top_len:
        return False
    gap = text[toks.ends[after - 1] : toks.starts[after]]
    if any(mark in gap for mark in ",;:"):
        return True
    return not chapter_open and chapter.key in nxt[1].chapters


def _must_visit(
    norms: Sequence[str],
    starts: Sequence[int],
    live: frozenset[str],
    skips: list[tuple[int, int]],
    pages: list[tuple[int, int, str]],
) -> list[int]:
    """Sorted indices of the words the walk must visit even when no citation is open:
    words in `live`, and every word inside a statement-start or page span."""
    visit = list(compress(range(len(norms)), map(live.__contains__, norms)))
    for span in (*skips, *pages):
        visit.extend(range(bisect_left(starts, span[0]), bisect_left(starts, span[1])))
    visit.sort()
    return visit


def _add_chapter(state: _State, chapter: vocab.Chapter, start: int, end: int) -> None:
    source = _source_for(chapter, state)
    cur = state.current
    if cur is not None and cur.topic is None and cur.chapter is None and cur.source == source:
        cur.chapter, cur.end = chapter, end
    elif (
        cur is not None
        and cur.topic is None
        and cur.chapter is not None
        and cur.chapter.generic
        and chapter.acoem_chapter
        and cur.source == source
    ):
        cur.chapter, cur.end = chapter, end  # "ACOEM Practice Guidelines, Chapter 12" -> chapter 12
    elif (
        cur is not None
        and cur.topic is None
        and cur.chapter is None
        and cur.source in ("MTUS", "ACOEM")
        and source in ("MTUS", "ACOEM")
    ):
        cur.chapter, cur.source, cur.end = chapter, source, end
    else:
        state.flush()
        state.current = _Cite(source, chapter, None, start, end)
    state.source, state.chapter = source, chapter


def _add_topic(state: _State, topic: str, start: int, end: int) -> None:
    cur = state.current
    if cur is not None and cur.topic is None and cur.chapter is state.chapter:
        cur.topic, cur.end = topic, end
    else:
        state.flush()
        state.current = _Cite(state.source or "Other", state.chapter, topic, start, end)


def _add_pages(state: _State, pages: str, end: int) -> None:
    target = state.current or (state.done[-1] if state.done else None)
    if target is None:
        return
    target.pages = pages
    target.end = max(target.end, end)
    for c in state.done:
        if c is not target and c.pages is None and c.chapter is target.chapter:
            c.pages = pages


# ---------------------------------------------------------------- public API


def extract_citations(text: str, field: str, cited_by: str) -> list[Citation]:
    """Citations in `text` (a passage field), offsets relative to `text`.

    `cited_by` is "claims_administrator" or "reviewer" for the guideline
    paragraphs, "rationale" for prose (only explicit guideline names count).
    """
    if not text or not text.strip():
        return []
    mode = "prose" if cited_by == "rationale" else "guideline"
    if mode == "guideline" and statement_style(text):
        return statement_citations(text, field, cited_by)
    if mode == "prose" and not _may_cite(text):
        return []
    out: list[Citation] = []
    seen: set[tuple[str, int]] = set()
    for cites, non_mtus, s_start, s_end in _walk(text, mode):
        specific_sources = {c.source for c in cites if c.chapter or c.topic}
        kept = [c for c in cites if c.chapter or c.topic or c.source not in specific_sources]
        # one bare source named twice in a statement is one citation
        bare_seen: set[str] = set()
        final = []
        for c in kept:
            if not (c.chapter or c.topic):
                if c.source in bare_seen:
                    continue
                bare_seen.add(c.source)
            final.append(c)
        if not final and non_mtus and mode == "guideline":
            other = _other_citation(text, s_start, s_end)
            if other:
                final = [other]
        for c in final:
            start, end = c.start, c.end
            raw = text[start:end]
            if _closes_unopened(raw) and text[start - 1 : start] == "(":
                start -= 1  # "(ODG) Cervical, ...": the source's own parenthesis
                raw = text[start:end]
            if raw.count("(") > raw.count(")") and text[end : end + 1] == ")":
                end += 1
                raw = text[start:end]
            chapter = c.chapter.name if c.chapter else None
            topic = c.topic
            key = (citation_key(c.source, chapter, topic), start)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Citation(
                    source=c.source,
                    chapter=chapter,
                    topic=topic,
                    pages=c.pages,
                    cited_by=cited_by,
                    raw=raw,
                    field=field,
                    start=start,
                    end=end,
                )
            )
    return out


def _closes_unopened(raw: str) -> bool:
    """Whether `raw` starts inside a parenthesis: its first ")" comes before any "("."""
    close = raw.find(")")
    return close >= 0 and not 0 <= raw.find("(") < close


def _other_citation(text: str, start: int, end: int) -> _Cite | None:
    seg = text[start:end]
    m = re.match(r"\s*(?:non[-\s]?mtus\s*)?(?:citations?\s*:?\s*)?", seg, re.I)
    off = start + (m.end() if m else 0)
    body = text[off:end]
    phrase = _clean_phrase(body)
    if not phrase or not any(ch.isalpha() for ch in phrase):
        return None
    lead = len(body) - len(body.lstrip(" \t\n,;:.-"))
    s = off + lead
    topic = phrase if len(phrase) <= _OTHER_TEXT_MAX else phrase[:_OTHER_TEXT_MAX].rsplit(" ", 1)[0]
    return _Cite("Other", None, topic, s, s + len(text[s:end].rstrip(" \t\n,;:.")))


def citation_keys(citations: list[Citation]) -> list[str]:
    """Distinct keys in first-seen order."""
    seen: dict[str, None] = {}
    for c in citations:
        seen.setdefault(c.key, None)
    return list(seen)


def citations_in_query(text: str) -> list[str]:
    """Canonical citation keys a free-text query reads as; [] for ordinary queries.

    Conservative: the query must name a source (ODG, MTUS, ...) or a chapter
    that names itself ("Chronic Pain Medical Treatment Guidelines"), and a
    chapter or topic. A topic named without its chapter expands to the chapters
    the vocabulary lists for it under that source.
    """
    if not text or not text.strip():
        return []
    v = _vocab()
    keys: dict[str, None] = {}
    for cites, _non, _s, _e in _walk(text[:2000], "query"):
        for c in cites:
            if c.chapter is not None:
                keys.setdefault(citation_key(c.source, c.chapter.name, c.topic), None)
            elif c.topic is not None:
                for ch_key in v.topic_chapters.get(c.topic, ()):
                    if CitationKey.parse(ch_key).source == c.source:
                        keys.setdefault(f"{ch_key} | {c.topic}", None)
    return list(keys)


def canonical_topic(phrase: str) -> str | None:
    """The canonical topic a wording names, if the vocabulary knows it."""
    key = phrase_key(phrase)
    if not key:
        return None
    v = _vocab()
    norms = tokens_of(phrase).norms
    hit = v.topics.longest(norms, 0)
    if hit and hit[0] == len(norms):
        return hit[1].name
    return None
