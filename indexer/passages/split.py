"""Splitting a letter's issues section into disputed items (the rationale-level unit).

Three shapes are recognised:
- decision lines (layouts 1 and 2): `<item>: Upheld` where the item may wrap
  over several lines, may contain colons (`(DOS: 3/18/2014)`) and the decision
  word may sit alone on the next line; then `Claims Administrator guideline:`,
  `MAXIMUS guideline:`, `Decision rationale:`;
- numbered decision sentences (2013 layout 3): `1. <item> is not medically
  necessary and appropriate.` followed by "The Claims Administrator based its
  decision on ...", "The Physician Reviewer based his/her decision on ...",
  `Rationale for the Decision:`;
- headed sections (layout 4): `ISSUE AT DISPUTE:`, `MEDICAL TREATMENT
  GUIDELINE(S) RELIED UPON ...:`, `RATIONALE FOR WHY ... IS/WAS NOT MEDICALLY
  NECESSARY:`.
The output keeps the letter's words; only line wraps and hyphenation are undone.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

from indexer.text.clean import reflow
from indexer.text.layout import Line, RawSection, paragraph_groups
from indexer.text.scan import AnchoredPattern


@dataclass
class RawItem:
    item: str
    decision: str | None
    claims_administrator_guideline: str = ""
    reviewer_guideline: str = ""
    rationale: str = ""
    item_context: str = ""


_DECISION_END = re.compile(r"^(?P<item>.*?\S)\s*:\s*(?P<dec>upheld|overturned)\b[\s.]*$", re.I)
_DECISION_ONLY = re.compile(r"^(?P<dec>upheld|overturned)\b[\s.]*$", re.I)
_SENTENCE_END = re.compile(r"""[.!?]["')\]]*$""")
_MAX_ITEM_LINES = 6
# A partly authorised request tells its story before the decision: "<original> was the original
# request. <part> was authorized by the Claims Administrator. The remaining IMR eligible portion
# of the original request, <rest> is: Upheld" (or "The Claims Administrator authorized <part>,
# leaving the original request IMR eligible. The original request, <rest> is: ..."). Its
# sentences end in these words; the header runs on across them, up to this many lines.
_STORY_SENTENCE_END = re.compile(r"(?:original\s+request|by\s+the\s+Claims\s+Administrator|IMR\s+eligible)\.\s*$", re.I)
_MAX_STORY_LINES = 12
_REMAINDER = re.compile(
    r"^(?P<ctx>.*?)\s*\b(?:The\s+remaining\s+(?:IMR\s+eligible\s+)?portion\s+of\s+the\s+original\s+request"
    r"|The\s+original\s+request)\s*,\s*(?P<item>\S.*?)(?:\s+(?:is|are))?\s*$",
    re.I | re.S,
)
_AUTHORISED = re.compile(r"\b(?:authori[sz]ed|approved|certified|modified)\b", re.I)

# Field labels in an item's body. "keep" labels are sentences that belong to the field.
_FIELD_LABELS: list[tuple[str, bool, str]] = [
    ("claims_administrator_guideline", False, r"Claims\s+Administrator(?:'s)?\s+guidelines?\s*:"),
    (
        "claims_administrator_guideline",
        False,
        r"Guidelines?\s+Used\s+by\s+(?:the\s+)?Claims\s+Administrator[^:\n]{0,80}:",
    ),
    (
        "claims_administrator_guideline",
        True,
        r"The\s+Claims\s+Administrator\s+based\s+(?:its|their|his/her|his|her)\s+decision\s+on",
    ),
    (
        "reviewer_guideline",
        False,
        r"(?:MAXIMUS|IMR|Expert\s+Reviewer|Physician\s+Reviewer|Professional\s+Reviewer|Reviewer)(?:'s)?\s+guidelines?\s*:",
    ),
    (
        "reviewer_guideline",
        False,
        r"Guidelines?\s+Used\s+by\s+(?:the\s+)?(?:Expert|Physician|Professional|Medical)\s+Reviewer[^:\n]{0,80}:",
    ),
    (
        "reviewer_guideline",
        True,
        r"The\s+(?:Expert|Physician|Professional|Medical)\s+Reviewer\s+(?:based\s+(?:its|their|his/her|his|her)\s+decision\s+on|relied\s+on|found\s+(?:that\s+)?the\s+guidelines?)",
    ),
    (
        "rationale",
        False,
        r"(?:Decision\s+rationale|Rationale\s+for\s+the\s+Decision|(?:The\s+)?(?:Expert|Physician|Professional)\s+Reviewer(?:'s)?\s+decision\s+rationale)\s*:",
    ),
]
_FIELD_RE = AnchoredPattern(
    re.compile("|".join(f"(?P<f{i}>{pat})" for i, (_, _, pat) in enumerate(_FIELD_LABELS)), re.I),
    # the words every label above starts with (item bodies are long: scan only where a label can start)
    [
        "Claims",
        "Guideline",
        "The",
        "MAXIMUS",
        "IMR",
        "Expert",
        "Physician",
        "Professional",
        "Reviewer",
        "Decision",
        "Rationale",
    ],
)
_LABEL_AT_START = re.compile(rf"^(?:{'|'.join(p for _, _, p in _FIELD_LABELS)})", re.I)
_LETTER_END = re.compile(r"^(?:cc\s*:|Sincerely\b|/[a-z]{2,4}$|Additional\s+Fact\s+Finding\b)", re.I)
_INTRO = re.compile(r"^The\s+Final\s+Determination\s+was\s+based\s+on\b", re.I)
_NECESSITY = re.compile(
    r"\b(?:is|are|was|were|be)\s+(?P<neg>not\s+)?medically\s+(?:necessary|reasonable)(?:\s+and\s+appropriate)?", re.I
)
_NUMBERED = re.compile(r"^\s*(?P<n>\d{1,2})\s*[.)]\s+(?P<rest>\S.*)$")


# ---------------------------------------------------------------- body fields


def split_fields(body: str) -> tuple[dict[str, str], str]:
    """Fields of an item body by their labels; returns (fields, text before the first label)."""
    fields: dict[str, list[str]] = {}
    matches = [m for m in _FIELD_RE.finditer(body) if _at_statement_start(body, m.start())]
    pre = body[: matches[0].start()] if matches else body
    for k, m in enumerate(matches):
        idx = int(next(name for name, val in m.groupdict().items() if val is not None)[1:])
        name, keep, _ = _FIELD_LABELS[idx]
        start = m.start() if keep else m.end()
        end = matches[k + 1].start() if k + 1 < len(matches) else len(body)
        text = body[start:end].strip()
        if text:
            fields.setdefault(name, []).append(text)
    return {k: "\n\n".join(v) for k, v in fields.items()}, pre.strip()


def _at_statement_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t")
    return not before or before[-1] in ".:;\n)" or before.endswith("--")


def _body_text(lines: list[Line], words: Container[str]) -> str:
    """A body's text: paragraphs reflowed; a field label always starts a new paragraph."""
    groups: list[list[str]] = []
    for ln in lines:
        if ln.para or not groups or _LABEL_AT_START.match(ln.text):
            groups.append([ln.text])
        else:
            groups[-1].append(ln.text)
    return "\n\n".join(reflow(g, words) for g in groups)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _make_item(item: str, decision: str | None, body_lines: list[Line], words: Container[str]) -> RawItem:
    body = _body_text(body_lines, words)
    fields, pre = split_fields(body)
    rationale = fields.get("rationale", "")
    if pre and not _INTRO.match(pre):
        rationale = f"{pre}\n\n{rationale}".strip() if rationale else pre
    item, context = split_authorised(_one_line(item))
    return RawItem(
        item=item,
        item_context=context,
        decision=decision,
        claims_administrator_guideline=_one_line(fields.get("claims_administrator_guideline", "")),
        reviewer_guideline=_one_line(fields.get("reviewer_guideline", "")),
        rationale=rationale,
    )


def _trim_letter_end(lines: list[Line]) -> list[Line]:
    for k, ln in enumerate(lines):
        if _LETTER_END.match(ln.text):
            return lines[:k]
    return lines


# ---------------------------------------------------------------- layouts 1 and 2


@dataclass
class _Header:
    start: int  # first line of the item
    end: int  # line holding the decision word
    item: str
    decision: str


def _decision_match(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`rx.match(text)` for the decision-line patterns, on lines that name a decision at all:
    the item pattern's lazy `.*?` would otherwise try every split of every line."""
    low = text.lower()
    if "upheld" not in low and "overturned" not in low:
        return None
    return rx.match(text)


def _decision_headers(lines: list[Line], words: Container[str]) -> list[_Header]:
    headers: list[_Header] = []
    floor = 0
    for i, ln in enumerate(lines):
        text = ln.text
        m = _decision_match(_DECISION_END, text)
        m2 = None if m else _decision_match(_DECISION_ONLY, text)
        if not (m or m2) or _LABEL_AT_START.match(text):
            continue
        if m:
            last, tail, decision = i, m.group("item"), m.group("dec")
        else:
            if not (
                m2
                and i > floor
                and lines[i - 1].text.rstrip().endswith(":")
                and not _LABEL_AT_START.match(lines[i - 1].text)
            ):
                continue
            last, tail, decision = i - 1, lines[i - 1].text.rstrip()[:-1].rstrip(), m2.group("dec")
        start = last
        parts = [tail]
        story_seen = False
        while start > floor and not lines[start].para:
            prev = lines[start - 1].text
            story = _STORY_SENTENCE_END.search(prev) is not None
            story_seen = story_seen or story
            if (last - start) >= (_MAX_STORY_LINES if story_seen else _MAX_ITEM_LINES) - 1:
                break
            if (
                _LABEL_AT_START.match(prev)
                or _decision_match(_DECISION_END, prev)
                or _decision_match(_DECISION_ONLY, prev)
                or _INTRO.match(prev)
            ):
                break
            if _SENTENCE_END.search(prev) and not story:
                break
            if prev.endswith(":") and _balanced(" ".join(parts)) and not _DATE_LABEL_END.search(prev):
                break
            start -= 1
            parts.insert(0, prev)
        item = reflow(parts, words)
        if _INTRO.match(item):
            continue
        headers.append(_Header(start, i, item, decision.capitalize()))
        floor = i + 1
    return headers


# "..., DOS:" / "11/11/2016: Upheld": a header wrapped after its date-of-service label
_DATE_LABEL_END = re.compile(r"\b(?:DOS|dates?\s+of\s+service|date)\s*:\s*$", re.I)


def split_authorised(item: str) -> tuple[str, str]:
    """(disputed item, authorisation sentences) of a header; ("item", "") when the request
    was not partly authorised. The header's story keeps its words, beside the item."""
    m = _REMAINDER.match(item)
    if not m:
        return item, ""
    ctx = m.group("ctx").strip()
    rest = m.group("item").strip(" ,;:")
    if not rest or (ctx and not _AUTHORISED.search(ctx)):
        return item, ""
    return rest, ctx


def _balanced(text: str) -> bool:
    return text.count("(") >= text.count(")")


def split_decision_lines(lines: list[Line], words: Container[str]) -> list[RawItem]:
    """Items of the `<item>: Upheld` layouts."""
    lines = _trim_letter_end(lines)
    headers = _decision_headers(lines, words)
    items = []
    for k, h in enumerate(headers):
        stop = headers[k + 1].start if k + 1 < len(headers) else len(lines)
        items.append(_make_item(h.item, h.decision, lines[h.end + 1 : stop], words))
    return items


# ---------------------------------------------------------------- layout 3


def split_numbered(lines: list[Line], words: Container[str]) -> list[RawItem]:
    """Items of the 2013 layout: `1. <item> is (not) medically necessary and appropriate.`"""
    lines = _trim_letter_end(lines)
    found: list[tuple[int, int, str, str, str]] = []  # start, end line, item, decision, remainder
    expected = 1
    i = 0
    while i < len(lines):
        m = _NUMBERED.match(lines[i].text)
        if not m or int(m.group("n")) != expected:
            i += 1
            continue
        acc = [m.group("rest")]
        j = i
        hit = None
        while True:
            joined = reflow(acc, words)
            hit = _NECESSITY.search(joined)
            if hit or j + 1 >= len(lines) or j - i >= _MAX_ITEM_LINES or _LABEL_AT_START.match(lines[j + 1].text):
                break
            j += 1
            acc.append(lines[j].text)
        if not hit:
            i += 1
            continue
        joined = reflow(acc, words)
        item = joined[: hit.start()].strip(" ,;:")
        after = joined[hit.end() :]
        dot = after.find(".")
        remainder = after[dot + 1 :].strip() if dot >= 0 else ""
        decision = "Upheld" if hit.group("neg") else "Overturned"
        found.append((i, j, item, decision, remainder))
        expected += 1
        i = j + 1
    if not found:
        single = _single_decision_sentence(lines, words)
        return [single] if single else []
    items = []
    for k, (_start, end, item, decision, remainder) in enumerate(found):
        stop = found[k + 1][0] if k + 1 < len(found) else len(lines)
        body = ([Line(remainder, True)] if remainder else []) + lines[end + 1 : stop]
        items.append(_make_item(item, decision, body, words))
    return items


def _single_decision_sentence(lines: list[Line], words: Container[str]) -> RawItem | None:
    groups = paragraph_groups(lines)
    if not groups:
        return None
    first = reflow(groups[0], words)
    hit = _NECESSITY.search(first)
    if not hit or hit.start() > 400:
        return None
    item = re.sub(r"^(?:The\s+)?(?:request(?:ed)?\s+for\s+)?", "", first[: hit.start()], flags=re.I).strip(" ,;:")
    item = first[: hit.start()].strip(" ,;:") if not item else item
    rest: list[Line] = []
    for g in groups[1:]:
        rest += [Line(t, j == 0) for j, t in enumerate(g)]
    return _make_item(item, "Upheld" if hit.group("neg") else "Overturned", rest, words)


# ---------------------------------------------------------------- layout 4


def split_headed(secs: list[RawSection], words: Container[str]) -> list[RawItem]:
    """The single item of a `MEDICAL PROFESSIONAL REVIEW` letter."""
    by_kind: dict[str, RawSection] = {}
    for s in secs:
        by_kind.setdefault(s.kind, s)
    issue = by_kind.get("issue_at_dispute")
    why = by_kind.get("rationale_why")
    if issue is None or (why is None and "guidelines_relied" not in by_kind):
        return []

    def text_of(kind: str) -> str:
        sec = by_kind.get(kind)
        if sec is None:
            return ""
        return "\n\n".join(reflow(g, words) for g in paragraph_groups(_trim_letter_end(sec.lines)))

    item = _one_line(text_of("issue_at_dispute"))
    rationale = text_of("rationale_why")
    decision: str | None = None
    if why is not None:
        decision = "Upheld" if why.heading_extra else "Overturned"
    else:
        hits = list(_NECESSITY.finditer(rationale))
        if hits:
            decision = "Upheld" if hits[-1].group("neg") else "Overturned"
    if not item:
        return []
    return [
        RawItem(
            item=item,
            decision=decision,
            reviewer_guideline=_one_line(text_of("guidelines_relied")),
            rationale=rationale,
        )
    ]
