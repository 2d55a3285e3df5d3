"""Guideline paragraphs in the statement style MAXIMUS letters use from late 2016.

    Claims Administrator guideline: The Claims Administrator based their decision on
    recommendation(s) outside of the MTUS Guidelines. Decision based on Non-MTUS Citation
    Official Disability Guidelines (ODG) Low Back Chapter, Preoperative lab testing.

    MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s): Special
    Studies, Summary, and Chronic Pain Medical Treatment 2016, Section(s): TENS, chronic pain
    (transcutaneous electrical nerve stimulation).

The paragraph is a list of statements, each opened by "Decision based on":
- `MTUS <part> <edition>[, Section(s): A, B][, and <part> <edition>...]`: one citation per
  section (the section is the topic), or one per part without sections; the edition year goes
  to `Citation.edition`. Parts, their editions and section titles are vocabulary data
  (`[[mtus_part]]` in guidelines.toml), so a title holding commas stays whole.
- `Non-MTUS Citation <text>`: the ODG (chapter, then topics), ACOEM outside the MTUS, or any
  other source (UpToDate, CMS, an article, a URL), kept as `Other` with a readable title.
The sentences "... based their decision on recommendation(s) outside of the MTUS Guidelines"
and "... did not cite any medical evidence" cite nothing.

Wordings this module does not know fall back to the general walk in `citations.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from urllib.parse import urlparse

from indexer import vocab
from indexer.model import Citation, CitationKey
from indexer.text.phrases import PhraseIndex, tokens_of

_STATEMENT = re.compile(r"\bDecision\s+based\s+on\s+", re.I)
_STYLE = re.compile(r"\bDecision\s+based\s+on\s+(?:MTUS\s|Non\s*-?\s*MTUS\b)", re.I)
_NON_MTUS = re.compile(r"Non\s*-?\s*MTUS\s+Citations?\s*:?\s*", re.I)
_MTUS = re.compile(r"(?:CA\s+|California\s+)?MTUS\s+", re.I)
_YEAR = r"(?:19|20)\d\d"
_SECTIONS = re.compile(r"\s*,?\s*Sections?\s*\(s\)\s*:\s*|\s*,?\s*Sections?\s*:\s*", re.I)
_PART_TAIL = re.compile(r"[\s,.;]*(?:\band\b)?[\s,.;]*$", re.I)
_NUMBERED = re.compile(r",\s+(?=\d+(?:\.\d+)+\s+[A-Z])")
# An MTUS part the vocabulary does not know, in the same style ("MTUS Hip Complaints 2017,
# Section(s): ..."): a capitalised name, its year, then sections or the statement's end.
_GENERIC_PART = re.compile(rf"[A-Z][A-Za-z'&/\- ,]{{2,80}}?\s{_YEAR}(?:\s*,\s*Sections?\s*\(s\)\s*:|\s*[.,;]|\s*$)")
_PAGES_ONLY = re.compile(r"^(?:p(?:ages?|gs?|p)?\.?\s*)?\d{1,4}(?:\s*-\s*\d{1,4})?$", re.I)


class _NotStatement(Exception):
    """An MTUS statement that is not in the part-edition-sections style after all."""


def statement_style(text: str) -> bool:
    """Whether a guideline paragraph is written in the statement style."""
    return _STYLE.search(text) is not None


@dataclass
class _Cite:
    source: str
    chapter: str | None
    topic: str | None
    start: int
    end: int
    edition: str | None = None
    pages: str | None = None


# ---------------------------------------------------------------- vocabulary


@dataclass
class _Part:
    part: vocab.MtusPart
    titles: PhraseIndex  # section titles -> canonical wording as listed
    section_chapters: dict[tuple[str, ...], str]


@lru_cache(maxsize=1)
def _parts() -> tuple[re.Pattern[str], dict[str, _Part]]:
    """One regex for every part wording followed by its edition year, and each wording's part."""
    from indexer.text.phrases import phrase_key

    by_wording: dict[str, _Part] = {}
    alts = []
    for p in vocab.mtus_parts():
        titles: PhraseIndex = PhraseIndex((t, t) for t in p.sections)
        info = _Part(p, titles, {phrase_key(s): ch for s, ch in p.section_chapters})
        for w in p.wordings:
            by_wording[_wkey(w)] = info
            alts.append(w)
    alts.sort(key=len, reverse=True)
    body = "|".join(_flex(w) for w in alts)
    rx = re.compile(rf"(?<![A-Za-z])(?P<part>{body})\s*,?\s*(?P<year>{_YEAR})\b", re.I)
    return rx, by_wording


def _flex(wording: str) -> str:
    """A wording as a regex forgiving spacing, "&" for "and" and hyphens for spaces."""
    out = []
    for tok in re.findall(r"&|and|[^\s&]+", wording):
        if tok in ("&", "and"):
            out.append(r"(?:&|and)")
        else:
            out.append(re.escape(tok).replace(r"\-", r"[-\s]?\s*"))
    return r"\s+".join(out).replace(r",\s+", r"\s*,\s*")


def _wkey(wording: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", wording.lower().replace("&", "and")).split())


# ---------------------------------------------------------------- MTUS statements


def _mtus(text: str, start: int, end: int) -> list[_Cite]:
    rx, by_wording = _parts()
    hits = list(rx.finditer(text, start, end))
    out: list[_Cite] = []
    if not hits or text[start : hits[0].start()].strip(" ,"):
        lead = re.match(rf"\s*(?P<part>[A-Z][A-Za-z'&/\- ]{{2,80}}?)\s*,?\s*(?P<year>{_YEAR})\b", text[start:end])
        if lead is None:
            return out
        # an MTUS part the vocabulary does not know: kept as the letter names it
        seg_end = hits[0].start() if hits else end
        out += _part_cites(
            text, None, lead.group("part"), lead.group("year"), start + lead.start("part"), start + lead.end(), seg_end
        )
    for k, m in enumerate(hits):
        seg_end = hits[k + 1].start() if k + 1 < len(hits) else end
        info = by_wording.get(_wkey(m.group("part")))
        out += _part_cites(text, info, m.group("part"), m.group("year"), m.start(), m.end(), seg_end)
    return out


def _part_cites(
    text: str, info: _Part | None, wording: str, year: str, start: int, head_end: int, seg_end: int
) -> list[_Cite]:
    chapter = info.part.chapter if info else " ".join(wording.split())
    tail = text[head_end:seg_end]
    tail_match = _PART_TAIL.search(tail)
    assert tail_match is not None  # the pattern matches the empty string at the end
    stop = head_end + tail_match.start()
    m = _SECTIONS.match(text, head_end, stop) if stop > head_end else None
    if not m:
        if text[head_end:stop].strip(" ,.;"):
            # "Chronic Pain Medical Treatment Guidelines 2009 Aquatherapy Page(s): 22": an older
            # wording that happens to hold a year; the general walk reads it
            raise _NotStatement
        return [_Cite("MTUS", chapter, None, start, head_end, year)]
    out = []
    pages: list[str] = []
    for title, s, e in _split_sections(text, m.end(), stop, info):
        if _PAGES_ONLY.match(title):  # "Elbow Complaints 2007, Section(s): 326": a page, not a section
            pages.append(re.sub(r"[^\d-]", "", title))
            continue
        own = info.section_chapters.get(_phrase(title)) if info else None
        if own:
            out.append(_Cite("MTUS", own, None, s, e, year))
            continue
        out.append(_Cite("MTUS", chapter, _topic_name(title, info), s, e, year))
    if not out:
        return [
            _Cite("MTUS", chapter, None, start, head_end if not pages else stop, year, pages=", ".join(pages) or None)
        ]
    out[0].start = start  # the first section's span starts at the part's name
    for c in out:
        c.pages = ", ".join(pages) or None
    return out


def _phrase(text: str) -> tuple[str, ...]:
    from indexer.text.phrases import phrase_key

    return phrase_key(text)


def _split_sections(text: str, start: int, end: int, info: _Part | None) -> list[tuple[str, int, int]]:
    """Section titles of "A, B, C" in text[start:end], known titles kept whole."""
    seg = text[start:end]
    if info and info.part.numbered_sections:
        cuts = [0] + [m.end() for m in _NUMBERED.finditer(seg)]
        bounds = [(a, (cuts[i + 1] if i + 1 < len(cuts) else len(seg))) for i, a in enumerate(cuts)]
        return [_piece(text, start + a, start + b) for a, b in bounds if seg[a:b].strip(" ,")]
    toks = tokens_of(seg)
    out: list[tuple[str, int, int]] = []
    pos = 0
    while pos < len(seg):
        while pos < len(seg) and seg[pos] in " ,;":
            pos += 1
        if pos >= len(seg):
            break
        stop = _known_title_end(seg, toks, pos, info)
        if stop is None:
            stop = _next_comma(seg, pos)
            # "Work conditioning, work hardening": a piece in lower case continues the title
            while stop < len(seg):
                nxt = stop + 1
                while nxt < len(seg) and seg[nxt] == " ":
                    nxt += 1
                if nxt < len(seg) and seg[nxt].islower() and _known_title_end(seg, toks, nxt, info) is None:
                    stop = _next_comma(seg, nxt)
                else:
                    break
        piece = _piece(text, start + pos, start + stop)
        if piece[0]:
            out.append(piece)
        pos = stop + 1
    return out


def _known_title_end(seg: str, toks, pos: int, info: _Part | None) -> int | None:
    """End offset of the longest known section title at `pos` that ends at a comma or the end."""
    if info is None or not info.titles:
        return None
    try:
        i = toks.starts.index(pos)
    except ValueError:
        return None
    norms = toks.norms
    for k in sorted(info.titles.lengths(norms[i]), reverse=True) if norms[i] in info.titles.first_words else ():
        if i + k > len(norms) or info.titles.match(norms, i, k) is None:
            continue
        e = toks.ends[i + k - 1]
        # a closing parenthesis or period may follow the title's last word
        while e < len(seg) and seg[e] in ").":
            e += 1
        rest = seg[e:].lstrip()
        if not rest or rest.startswith(","):
            return e
    return None


def _next_comma(seg: str, pos: int) -> int:
    depth = 0
    for j in range(pos, len(seg)):
        ch = seg[j]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            return j
    return len(seg)


def _piece(text: str, s: int, e: int) -> tuple[str, int, int]:
    raw = text[s:e]
    lead = len(raw) - len(raw.lstrip(" ,;"))
    s += lead
    raw = text[s:e].rstrip(" ,;.")
    e = s + len(raw)
    return " ".join(raw.split()), s, e


def _topic_name(title: str, info: _Part | None) -> str:
    from indexer.passages.citations import canonical_topic

    known = canonical_topic(title)
    if known:
        return known
    if info:
        norms = tokens_of(title).norms
        hit = info.titles.longest(norms, 0) if norms else None
        if hit and hit[0] == len(norms):
            return hit[1]
        # a misspelt title ("Diagnositc Criteria"): the part's title it is one slip away from
        close = get_close_matches(title.lower(), [t.lower() for t in info.part.sections], n=1, cutoff=0.85)
        if close and len(title) >= 8:
            known = next(t for t in info.part.sections if t.lower() == close[0])
            return canonical_topic(known) or known
    return title


# ---------------------------------------------------------------- non-MTUS statements

_ODG = re.compile(
    r"(?:the\s+)?(?:Official\s+Disability\s+Guidelines?(?:\s*\(ODG\))?|ODG)(?:\s*[-\u2013]?\s*TWC)?"
    r"(?:\s+guidelines?\b)?",
    re.I,
)
_ACOEM = re.compile(
    r"American\s+College\s+of\s+Occupational\s+and\s+Environmental\s+Medicine(?:\s*\(ACOEM\))?"
    r"|\bACOEM\b",
    re.I,
)
# Words about the guideline's version, not its content: the edition or update date, "Online Version".
_VERSION_NOISE = re.compile(
    r"\(?\s*(?:last\s+)?updated\s*:?\s*\d{1,2}/\d{1,2}/\d{2,4}\s*\)?|\(?\s*\d{1,2}/\d{1,2}/\d{2,4}\s*\)?"
    r"|\(?\s*(?:online|web)\s+(?:version|edition)\s*\)?|\bprocedure\s+summary\b|\(\s*(?:19|20)\d\d\s*\)"
    r"|(?<=[\s,(])(?:19|20)\d\d(?=[\s,.):]|$)",
    re.I,
)
# The Low Back chapter's full name after its short one: "Low Back - Lumbar & Thoracic (Acute &
# Chronic)", "Low Back-Lumbar & Thoracic", "Low Back (Thoracic and Lumbar, Acute and Chronic)".
_LOW_BACK_SUFFIX = re.compile(
    r"(?<=Back)\s*[-\u2013]?\s*\(?\s*(?:(?:Lumbar\s*)?(?:&|and)\s*Thoracic|Thoracic\s*(?:&|and)\s*Lumbar)"
    r"(?:\s*,?\s*Acute\s*(?:&|and)\s*Chronic)?\s*\)?",
    re.I,
)
_ACUTE_CHRONIC = re.compile(r"\(\s*(?:Acute\s*(?:&|and)\s*)?Chronic\s*\)|\bprocedures\b", re.I)
_EDITION_IN = re.compile(r"(?<![\d/])((?:19|20)\d\d)(?![\d/])")
_SKIP_PIECE = re.compile(r"^(?:topic|subheading|section|chapter|guidelines?|odg|and|the|index|preface)$", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_ACCESSED = re.compile(r"[,;]?\s*(?:accessed|retrieved|available)\b.*$", re.I | re.S)


def _odg_vocab() -> tuple[PhraseIndex, PhraseIndex]:
    from indexer.passages.citations import _vocab

    v = _vocab()
    return v.chapters_ctx["ODG"], v.fillers


def _blank(text: str, rx: re.Pattern[str]) -> str:
    """`text` with every match of `rx` replaced by spaces (offsets unchanged)."""
    return rx.sub(lambda m: " " * len(m.group(0)), text)


_OTHER_GUIDELINES = re.compile(r"\s*\b(?:and\s+)?Other\s+Medical\s+Treatment\s+Guidelines?\s*:?\s*", re.I)


def _non_mtus(text: str, start: int, end: int) -> list[_Cite]:
    other = _OTHER_GUIDELINES.search(text, start, end)
    if other and other.start() > start:
        # "ODG Hips and Pelvis, MRI and Other Medical Treatment Guidelines ACOEM Hip and Groin
        # Disorders, ...": a second citation, of whatever source it names
        return _non_mtus(text, start, other.start()) + _non_mtus(text, other.end(), end)
    body = text[start:end]
    sources = [(m.start(), m.end(), "ODG") for m in _ODG.finditer(body)]
    sources += [(m.start(), m.end(), "ACOEM") for m in _ACOEM.finditer(body)]
    sources.sort()
    if sources and body[: sources[0][0]].strip(" ,.;:(") and _starts_with_odg_chapter(body):
        # "Shoulder (Acute & Chronic), Physical Therapy, ODG Preface": an ODG chapter named first
        sources.insert(0, (0, 0, "ODG"))
    if not sources or body[: sources[0][0]].strip(" ,.;:("):
        # another source first (UpToDate, CMS, an article, a URL)
        return _better(_other(text, start, end), _fallback(text, start, end, "reviewer"))
    out: list[_Cite] = []
    for k, (s, e, src) in enumerate(sources):
        seg_end = sources[k + 1][0] if k + 1 < len(sources) else len(body)
        if s and body[s - 1] == "(" and body[e : e + 1] == ")":
            s, e = s - 1, e + 1  # "(ODG) Cervical, ...": the source's own parenthesis
        if src == "ODG":
            out += _better(
                _odg(text, start + s, start + e, start + seg_end),
                _fallback(text, start + s, start + seg_end, "reviewer"),
            )
        else:
            out += _acoem(text, start + s, start + e, start + seg_end)
    return out


def _starts_with_odg_chapter(body: str) -> bool:
    chapters_idx, _ = _odg_vocab()
    norms = tokens_of(body[:80]).norms
    return bool(norms) and norms[0] in chapters_idx.first_words and chapters_idx.longest(norms, 0) is not None


def _odg(text: str, s: int, e: int, end: int) -> list[_Cite]:
    chapters_idx, fillers = _odg_vocab()
    raw = text[e:end]
    editions = _EDITION_IN.findall(_blank(raw, re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")))
    edition = editions[0] if editions else None
    urls = list(_URL.finditer(raw))
    clean = _blank(_blank(_blank(_blank(raw, _VERSION_NOISE), _LOW_BACK_SUFFIX), _ACUTE_CHRONIC), _URL)
    pieces = _merge_known(clean, _pieces(clean))
    out: list[_Cite] = []
    chapters: list[str] = []  # chapters named since the last topic
    topics_seen = False
    pending: list[tuple[str, int, int]] = []  # topics named before any chapter

    def emit(topic: str | None, ts: int, te: int) -> None:
        owners: list[str | None] = [*chapters] if chapters else [None]  # None: no chapter named yet
        for ch in owners:
            out.append(_Cite("ODG", ch, topic, s if not out else e + ts, e + te, edition))

    for ps, pe in pieces:
        words = clean[ps:pe]
        toks = tokens_of(words)
        norms = toks.norms
        if not norms:
            continue
        i = 0
        chapter = None
        # a chapter wording at the start ("Low Back - Lumbar & Thoracic (Acute & Chronic) MRI"),
        # unless a known topic wording covers the whole piece ("Lumbar supports", "Knee brace")
        hit = chapters_idx.longest(norms, 0) if norms[0] in chapters_idx.first_words else None
        whole = _topic_of(words) if hit else None
        if whole and hit and hit[0] != len(norms):
            if not chapters:
                own = [
                    key.chapter for key in map(CitationKey.parse, whole.chapters) if key.source == "ODG" and key.chapter
                ]
                if hit[1].key in whole.chapters:
                    chapters.append(hit[1].name)
                elif own:
                    chapters.append(own[0])
            ts, te = ps + toks.starts[0], ps + toks.ends[-1]
            if chapters:
                emit(whole.name, ts, te)
                topics_seen = True
            else:
                pending.append((whole.name, ts, te))
            continue
        if hit:
            chapter, i = hit[1].name, hit[0]
        elif not chapters and not _is_topic(words):
            # or at the end ("MRI Elbow", "physical therapy, elbow chapter")
            for j in range(1, len(norms)):
                tail = chapters_idx.longest(norms, j) if norms[j] in chapters_idx.first_words else None
                rest = j + tail[0] if tail else 0
                while tail and rest < len(norms) and (filler := fillers.longest(norms, rest)):
                    rest += filler[0]
                if tail and rest == len(norms):
                    chapter = tail[1].name
                    norms_topic = (toks.starts[0], toks.ends[j - 1])
                    if chapter not in chapters or topics_seen:
                        if topics_seen:
                            chapters = []
                            topics_seen = False
                        chapters.append(chapter)
                    topic = _clean_topic(words[norms_topic[0] : norms_topic[1]])
                    if topic:
                        emit(topic, ps + norms_topic[0], ps + norms_topic[1])
                        topics_seen = True
                    chapter = "__done__"
                    break
            if chapter == "__done__":
                continue
        # skip fillers after the chapter ("Chapter", "(Acute & Chronic)") and the chapter named again
        while i < len(norms):
            f = fillers.longest(norms, i) if norms[i] in fillers.first_words else None
            again = chapters_idx.longest(norms, i) if chapter and norms[i] in chapters_idx.first_words else None
            if again and again[1].name == chapter:
                i += again[0]
            elif (
                chapter
                and norms[i] == "and"
                and i + 1 < len(norms)
                and norms[i + 1] in chapters_idx.first_words
                and (second := chapters_idx.longest(norms, i + 1))
            ):
                # "Low Back and neck Chapter": two chapters
                if chapter not in chapters:
                    chapters.append(chapter)
                chapter = second[1].name
                i += 1 + second[0]
            elif f:
                i += f[0]
            else:
                break
        if chapter:
            if topics_seen:  # a chapter after topics starts a new group of citations
                chapters = []
                topics_seen = False
            if chapter not in chapters:
                chapters.append(chapter)
            if pending:
                for t, ts, te in pending:
                    emit(t, ts, te)
                pending = []
                topics_seen = True
        if i < len(norms):
            ts, te = ps + toks.starts[i], ps + toks.ends[-1]
            # a closing parenthesis of the topic's own abbreviation
            while te < len(clean) and clean[te] == ")" and clean[ts:te].count("(") > clean[ts:te].count(")"):
                te += 1
            topic = _clean_topic(clean[ts:te])
            if topic:
                if chapters:
                    emit(topic, ts, te)
                    topics_seen = True
                else:
                    pending.append((topic, ts, te))
    for t, ts, te in pending:
        emit(t, ts, te)
        topics_seen = True
    if chapters and not topics_seen:
        for ch in chapters:
            out.append(_Cite("ODG", ch, None, s, e + pieces[-1][1] if pieces else e, edition))
    with_topic = {c.chapter for c in out if c.topic}
    out = [c for c in out if c.topic or c.chapter not in with_topic]
    if not out:
        out.append(_Cite("ODG", None, None, s, e, edition))
    for m in urls:
        out += _other(text, e + m.start(), e + m.end())
    return out


def _merge_known(clean: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Pieces rejoined where a known topic wording holds the separator ("Preoperative testing,
    general", "Opioids, specific drug list"), or where a piece in lower case continues the one
    before it; a piece "A and B" of two known topics is split."""
    from indexer.passages.citations import canonical_topic

    out: list[tuple[int, int]] = []
    k = 0
    while k < len(pieces):
        a, b = pieces[k]
        joined = None
        for n in (3, 2):
            if k + n <= len(pieces):
                end = pieces[k + n - 1][1]
                # the known wording may start inside the first piece ("Neck and Upper Back
                # TENS, chronic pain (...)"): try each word start, the whole piece first
                starts = [a] + [a + m.start() for m in re.finditer(r"(?<=\s)\S", clean[a:b])]
                for at in starts:
                    if _known_list_wording(clean[at:end]) and not (
                        _is_topic(clean[at:end]) and _known_wording(clean[at:b] + " chapter")
                    ):
                        joined = (at, end, n)
                        break
                if joined:
                    break
        if joined:
            if clean[a : joined[0]].strip():
                out.append((a, joined[0]))
            out.append((joined[0], joined[1]))
            k += joined[2]
            continue
        word = clean[a:b].strip()
        if _SKIP_PIECE.match(word):
            k += 1
            continue
        if (
            out
            and " " not in word
            and word[:1].islower()
            and clean[out[-1][1] : a].strip() == ","
            and not _known_wording(word + " chapter")
        ):
            out[-1] = (out[-1][0], b)
            k += 1
            continue
        both = re.match(r"(?P<l>.+?)\s+and\s+(?P<r>.+)$", clean[a:b].strip())
        if both and canonical_topic(both.group("l")) and canonical_topic(both.group("r")):
            at = clean.index(both.group(0), a)
            out.append((at, at + len(both.group("l"))))
            r_at = at + both.start("r")
            out.append((r_at, r_at + len(both.group("r"))))
            k += 1
            continue
        out.append((a, b))
        k += 1
    return out


@lru_cache(maxsize=1)
def _comma_wordings() -> frozenset[tuple[str, ...]]:
    """Topic and chapter wordings that hold a comma ("Preoperative testing, general",
    "Forearm, Wrist, and Hand"): list items rejoined only when they make one of these."""
    from indexer.text.phrases import phrase_key

    out: set[tuple[str, ...]] = set()
    for t in vocab.topics():
        out.update(phrase_key(a) for a in (t.name, *t.aliases) if "," in a)
    for c in vocab.chapters():
        out.update(phrase_key(a) for a in (c.name, *c.aliases, *c.standalone_aliases) if "," in a)
    return frozenset(out)


def _known_list_wording(words: str) -> bool:
    """`_known_wording` for list items rejoined across a comma: only a wording holding one."""
    from indexer.text.phrases import phrase_key

    chapters_idx, fillers = _odg_vocab()
    toks = tokens_of(words)
    norms = toks.norms
    # a chapter wording followed by fillers ("Forearm, Wrist, and Hand Chapter")
    k = len(norms)
    while (
        k > 0
        and norms[k - 1] in fillers.first_words
        and (fillers.longest(norms, k - 1) or (0,))[0] == len(norms) - k + 1
    ):
        k -= 1
    return phrase_key(words) in _comma_wordings() or (
        0 < k < len(norms) and phrase_key(words[: toks.ends[k - 1]]) in _comma_wordings()
    )


def _known_wording(words: str) -> bool:
    """Whether `words` are one known topic, or one ODG chapter wording (fillers may follow)."""
    if _is_topic(words):
        return True
    chapters_idx, fillers = _odg_vocab()
    norms = tokens_of(words).norms
    hit = chapters_idx.longest(norms, 0) if norms and norms[0] in chapters_idx.first_words else None
    if not hit:
        return False
    i = hit[0]
    while i < len(norms) and norms[i] in fillers.first_words and (filler := fillers.longest(norms, i)):
        i += filler[0]
    return i == len(norms) and len(norms) > 1


def _topic_of(words: str) -> vocab.Topic | None:
    from indexer.passages.citations import _vocab

    norms = tokens_of(words).norms
    v = _vocab()
    hit = v.topics.longest(norms, 0) if norms and norms[0] in v.topics.first_words else None
    return hit[1] if hit and hit[0] == len(norms) else None


def _is_topic(words: str) -> bool:
    from indexer.passages.citations import canonical_topic

    return canonical_topic(" ".join(words.split()).strip(" .,;:")) is not None


def _pieces(clean: str) -> list[tuple[int, int]]:
    """Spans of the list items in an ODG citation: split at , ; / " - " and ":" outside
    parentheses."""
    out = []
    depth = 0
    a = 0
    j = 0
    n = len(clean)
    while j < n:
        ch = clean[j]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            cut = 0
            if ch in ",;:":
                cut = 1
            elif ch == "/" and _slash_between_parts(clean, a, j):
                cut = 1
            elif ch in "-\u2013" and j > 0 and clean[j - 1] == " " and j + 1 < n and clean[j + 1] == " ":
                cut = 1
            elif (
                ch == "."
                and (j + 1 >= n or clean[j + 1] == " ")
                and not re.search(r"(?:\b[A-Za-z]|vs|al|ed)$", clean[a:j])
            ):
                cut = 1
            if cut:
                out.append((a, j))
                a = j + 1
        j += 1
    out.append((a, n))
    return [(x, y) for x, y in out if clean[x:y].strip(" .,;:-\u2013")]


_CHAPTERISH = re.compile(r"(?:chapter|section|preface|topic)\s*$", re.I)


def _slash_between_parts(clean: str, a: int, j: int) -> bool:
    """Whether a "/" separates a chapter from a topic ("Pain Section/Lidoderm", "Knee/DME",
    "Physical therapy/Preface") rather than joining two words ("Physical/Occupational Therapy")."""
    left = clean[a:j].strip()
    right = clean[j + 1 : j + 60].strip()
    if _CHAPTERISH.search(left) or re.match(r"preface\b", right, re.I):
        return True
    chapters_idx, _ = _odg_vocab()
    norms = tokens_of(left).norms
    whole = chapters_idx.longest(norms, 0) if norms else None
    return whole is not None and whole[0] == len(norms)


def _clean_topic(words: str) -> str | None:
    t = " ".join(words.split()).strip(" .,;:-\u2013")
    while t.count("(") > t.count(")") and t.startswith("("):
        t = t[1:].strip()
    if t.count(")") > t.count("(") and t.endswith(")"):
        t = t[:-1].strip()
    t = t.replace("\u00ae", "")
    t = re.sub(r"\s+Topic$", "", t, flags=re.I).strip()
    t = re.sub(r"^(?:and|or)\s+|\s+(?:and|or)$", "", t, flags=re.I).strip()
    if not t or _SKIP_PIECE.match(t) or sum(ch.isalpha() for ch in t) < 2:
        return None
    from indexer.passages.citations import _sentence_case, canonical_topic

    known = canonical_topic(t)
    if known:
        return known
    return _sentence_case(t)


_ACOEM_NOISE = re.compile(
    r"(?:Occupational\s+Medicine\s+)?Practice\s+Guidelines?|\bGuidelines?\b|\b\d(?:st|nd|rd|th)\s+ed(?:ition)?\.?"
    r"|\bp(?:ages?|gs?|p)?\.?\s*\d+(?:\s*-\s*\d+)?|\bChapter\b|\bChapt\w*",
    re.I,
)
_ACOEM_PAGES = re.compile(r"\bp(?:ages?|gs?|p)?\.?\s*(\d+(?:\s*-\s*\d+)?)", re.I)


def _acoem(text: str, s: int, e: int, end: int) -> list[_Cite]:
    """ACOEM cited outside the MTUS ("ACOEM Occupational Medicine Practice Guidelines, 3rd ed.,
    Shoulder Disorders, pg. 64"; "ACOEM: Low back disorders, diagnostic and treatment
    recommendations, ..., MRI"): its chapter (an ACOEM chapter the vocabulary knows, else
    the title as written) and the last, most specific, topic named."""
    raw = text[e:end]
    pages = _ACOEM_PAGES.search(raw)
    numbered = re.search(r"\bChapter\s+(\d{1,2})\b", raw, re.I)
    clean = _blank(_blank(raw, _VERSION_NOISE), _ACOEM_NOISE)
    known = _acoem_chapter_at(clean)
    if numbered and not known:
        by_number = {c.acoem_chapter: c.name for c in vocab.chapters() if c.acoem_chapter}
        name = by_number.get(int(numbered.group(1)))
        if name:
            title_end = _acoem_title_end(clean, numbered.end())
            known = (name, title_end)
    if known:
        chapter, stop = known
        rest_pieces = _merge_known(clean, _pieces(clean[stop:]))
        rest_pieces = [(a + stop, b + stop) for a, b in rest_pieces]
    else:
        pieces = _merge_known(clean, _pieces(clean))
        if not pieces:
            return [_Cite("ACOEM", None, None, s, e, None, pages.group(1) if pages else None)]
        a, b = pieces[0]
        chapter = _title(" ".join(clean[a:b].split()).strip(" .,;:"))
        rest_pieces = pieces[1:]
    topics = [(_clean_topic(clean[a:b]), a, b) for a, b in rest_pieces]
    topics = [t for t in topics if t[0]]
    stop = topics[-1][2] if topics else (rest_pieces[-1][1] if rest_pieces else len(clean.rstrip(" .")))
    return [
        _Cite(
            "ACOEM",
            chapter,
            topics[-1][0] if topics else None,
            s,
            e + max(stop, 1),
            None,
            pages.group(1) if pages else None,
        )
    ]


def _acoem_chapter_at(clean: str) -> tuple[str, int] | None:
    """A numbered ACOEM chapter named by its title at the start of `clean`: (name, end offset)."""
    toks = tokens_of(clean)
    norms = toks.norms
    first = next((k for k, n in enumerate(norms) if n not in ("acoem", "the")), None)
    if first is None:
        return None
    for name, title_norms in _acoem_titles():
        k = len(title_norms)
        if tuple(norms[first : first + k]) == title_norms:
            return name, toks.ends[first + k - 1]
    return None


def _acoem_title_end(clean: str, at: int) -> int:
    """End of the chapter title written after "Chapter 12" (up to the next list separator)."""
    m = re.compile(r"[^,;:.]*").match(clean, at)
    return m.end() if m else at


@lru_cache(maxsize=1)
def _acoem_titles() -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for c in vocab.chapters():
        if c.acoem_chapter:
            title = re.sub(r"^ACOEM\s+Chapter\s+\d+\s+", "", c.name)
            out.append((c.name, tokens_of(title).norms))
    return sorted(out, key=lambda t: len(t[1]), reverse=True)


_SMALL_WORDS = frozenset("a an and as at by for in of on or the to with".split())


def _title(text: str) -> str:
    words = text.split()
    return " ".join(
        w if (i and w.lower() in _SMALL_WORDS) or not w[:1].islower() else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def _other(text: str, start: int, end: int) -> list[_Cite]:
    """A source outside the guidelines, with a readable title: each URL is one citation (the
    site's known name, else its host, and the page's name); otherwise the publisher the
    vocabulary knows (UpToDate, Medscape, CMS, FDA ...) and the title as written, without
    "accessed from ... on <date>"."""
    body = text[start:end]
    out: list[_Cite] = []
    words = _blank(body, _URL)
    publisher = _publisher(body)
    if publisher:
        for alias in _other_aliases()[publisher]:
            words = re.sub(rf"\b{re.escape(alias)}\b", " ", words, flags=re.I)
    if len(re.findall(r"[A-Za-z]{3,}", _ACCESSED.sub("", words))) >= 2 and (titled := _URL.search(body)):
        # "Medscape, Tramadol dosing, http://reference.medscape.com/...": the title as written
        return _other(text, start, start + titled.start())
    for m in _URL.finditer(body):
        url = m.group(0).rstrip(".,;)")
        parsed = urlparse(url if "://" in url else "http://" + url)
        host = parsed.netloc.lower().removeprefix("www.")
        stem = [p for p in parsed.path.split("/") if p]
        name = re.sub(r"\.(?:html?|php|aspx?|pdf)$", "", stem[-1], flags=re.I) if stem else ""
        name = " ".join(w for w in re.split(r"[-_+]+", name) if not w.isdigit()).strip()
        publisher = _publisher(host) or host
        topic = name[:1].upper() + name[1:] if name and sum(c.isalpha() for c in name) > 2 else None
        out.append(_Cite("Other", publisher, topic, start + m.start(), start + m.start() + len(url)))
    if out:
        return out
    title = _ACCESSED.sub("", body)
    publisher = _publisher(body)
    cleaned = " ".join(title.split()).strip(" .,;:")
    if publisher:
        # "Sildenafil: Drug information, accessed from UpToDate.com ..." -> UpToDate | Sildenafil: ...
        for alias in sorted(_other_aliases()[publisher], key=len, reverse=True):
            cleaned = re.sub(rf"(?:,\s*)?\b{re.escape(alias)}\b(?:\s*[,:.-]\s*)?", " ", cleaned, flags=re.I)
        cleaned = " ".join(cleaned.split()).strip(" .,;:")
    # a title, not a whole reference: up to the first ";" or sentence end, and the next
    # sentence too when the first is only an author or publisher ("University of Michigan
    # Health System. Gastroesophageal reflux disease (GERD). Ann Arbor ...")
    sentences = re.split(r"(?<=[a-z)\]])[.;]\s+(?=[A-Z0-9(])", cleaned)
    if len(sentences) > 1:
        cleaned = sentences[0]
        if len(cleaned) < 50 and not publisher:
            cleaned = f"{cleaned}. {sentences[1]}"
    if len(cleaned) > 120:
        cleaned = cleaned[:120].rsplit(" ", 1)[0]
    if not cleaned and not publisher:
        return []
    lead = len(body) - len(body.lstrip(" ,.;:"))
    span_end = start + len(title.rstrip(" .,;:\n"))
    return [_Cite("Other", publisher, cleaned or None, start + lead, max(span_end, start + lead + 1))]


@lru_cache(maxsize=1)
def _other_aliases() -> dict[str, tuple[str, ...]]:
    return {c.name: (c.name, *c.standalone_aliases, *c.aliases) for c in vocab.chapters() if c.source == "Other"}


def _publisher(text: str) -> str | None:
    low = text.lower()
    best = None
    for name, aliases in _other_aliases().items():
        for a in aliases:
            a_low = a.lower()
            at = low.find(a_low)
            if (
                at >= 0
                and (at == 0 or not low[at - 1].isalnum())
                and (at + len(a_low) >= len(low) or not low[at + len(a_low)].isalnum() or "." in a_low)
            ):
                if best is None or at < best[0] or (at == best[0] and len(a) > best[1]):
                    best = (at, len(a), name)
    return best[2] if best else None


# ---------------------------------------------------------------- public


def statement_citations(text: str, field: str, cited_by: str) -> list[Citation]:
    """Citations of a statement-style guideline paragraph (see the module docstring)."""
    starts = list(_STATEMENT.finditer(text))
    out: list[Citation] = []
    seen: set[tuple[str, str | None, int]] = set()
    for k, m in enumerate(starts):
        s = m.end()
        e = starts[k + 1].start() if k + 1 < len(starts) else len(text)
        # a sentence that follows the statement and is not part of it ("The Expert Reviewer ...")
        cut = re.search(r"\.\s+The\s+(?:Claims\s+Administrator|Expert\s+Reviewer|IMR|Reviewer)\b", text[s:e])
        if cut:
            e = s + cut.start() + 1
        body = text[s:e]
        mtus = _MTUS.match(body)
        non = _NON_MTUS.match(body)
        if non:
            cites = _non_mtus(text, s + non.end(), e)
        elif mtus and (_parts()[0].match(text, s + mtus.end(), e) or _GENERIC_PART.match(text, s + mtus.end(), e)):
            try:
                cites = _mtus(text, s + mtus.end(), e)
            except _NotStatement:
                cites = _fallback(text, s, e, cited_by)
        else:
            cites = _fallback(text, s, e, cited_by)
        for c in cites:
            start, end = c.start, max(c.end, c.start + 1)
            key = (f"{c.source}|{c.chapter}|{c.topic}", c.edition, start)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Citation(
                    source=c.source,
                    chapter=c.chapter,
                    topic=c.topic,
                    pages=c.pages,
                    cited_by=cited_by,
                    raw=text[start:end],
                    field=field,
                    start=start,
                    end=end,
                    edition=c.edition,
                )
            )
    return out


def _better(mine: list[_Cite], walked: list[_Cite]) -> list[_Cite]:
    """The statement reader's citations, or the general walk's where the walk reads the same
    words as fewer or as many citations with fewer topics the vocabulary does not know.

    The walk knows the vocabulary's many topic wordings that hold chapter words or commas
    ("Cervical, Fusion, anterior cervical", "Knee brace"); the statement reader keeps what
    letters of this style write whole ("Electrodiagnostic testing (EMG/NCS)", "Voltaren Gel
    (diclofenac)"), where the walk splits at the parenthesis."""
    if not walked or len(walked) > len(mine):
        return mine
    u_walked, u_mine = _unknown(walked), _unknown(mine)
    if u_walked == u_mine and len(walked) == len(mine):
        # an Other source's title the vocabulary knows ("FDA ... for Lyrica" -> Pregabalin (Lyrica))
        return walked if _known_titles(walked) > _known_titles(mine) else mine
    return walked if u_walked < u_mine else mine


def _known_titles(cites: list[_Cite]) -> int:
    from indexer.passages.citations import canonical_topic

    return sum(1 for c in cites if c.topic and canonical_topic(c.topic) == c.topic)


def _unknown(cites: list[_Cite]) -> int:
    from indexer.passages.citations import canonical_topic

    bare = sum(2 for c in cites if c.chapter is None and c.topic is None)
    return bare + sum(
        1
        for c in cites
        if (c.topic is None if c.source == "Other" else (c.topic and canonical_topic(c.topic) != c.topic))
        or (c.source == "ODG" and c.chapter is None)
    )


def _fallback(text: str, s: int, e: int, cited_by: str) -> list[_Cite]:
    from indexer.passages.citations import extract_citations

    return [
        _Cite(c.source, c.chapter, c.topic, s + c.start, s + c.end, None, c.pages)
        for c in extract_citations(text[s:e], "x", cited_by)
        if c.start is not None and c.end is not None
    ]  # always set on a fresh parse
