"""The query language: one forgiving parser from text to the query tree.

Syntax (words are ANDed; case-insensitive; English stemming):
    facet joint                  both words (stemmed: "blocks" finds "block")
    "no more than 2 levels"      exact phrase;  "facet block"~5  phrase with 5 positions of slack
    radicular w/5 block          within five words, either order (also /5, NEAR/5)
    radicular pre/5 block        radicular first, block at most five words after it (also +5)
    facet w/s injection          in the same sentence (also /s; pre/s, +s: in that order)
    facet w/p injection          in the same paragraph: one field of the passage (also /p, pre/p, +p)
    norco & refill               & is AND;  norco % tramadol, norco BUT NOT tramadol: exclude the rest
    norco OR hydrocodone         either;  AND is implied, may be written
    -sedation, NOT sedation      exclude;  parentheses group
    inject*                      prefix;   inject!   root expander (inject, injection, injectable...)
    acupunture~  acupunture~1    fuzzy: the index's words within 2 (1) edits
    item:norco  rationale:"..."  restrict to a field (item, rationale, summary, guideline, ...);
                                 summary: is the letter's case summary, searched only when named
    citation:"..." cited_by:reviewer   the citation as the IMR reviewer cited it
    decision:overturned  citation:"ODG | Neck and Upper Back | Facet joint diagnostic blocks"
    decided:2016-01..2016-06     decision date in a range (also injured:, >2020, <=2017, 2016..)
    decision_year:2018..2020     a year facet with a range is the same date range
    specialty:anesthesiology ... any facet name inline (see query/facets.py)

Nothing here raises on user input: a malformed query is read as well as it can
be and `ParsedQuery.messages` says how (unbalanced quotes and parentheses,
dangling operators, empty field values, control characters, over-long input).
After parsing, abbreviations expand both ways (MBB <-> "medial branch block")
and a query that reads as a guideline citation pins the passages citing it first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from indexer.query import facets
from indexer.query.analysis import PARAGRAPH_SPAN, SENTENCE_SPAN, stem, tokens, words
from indexer.query.tree import (
    FIELD_ALIASES,
    And,
    FacetTerm,
    Fuzzy,
    MatchAll,
    Near,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Pin,
    Prefix,
    Range,
    Term,
    leaves,
    restrict,
    simplify,
    to_string,
)
from indexer.query.types import CITATION_FACETS
from indexer.query.visit import TreeRewriter, TreeVisitor
from indexer.search import dates, vocab_adapter

MAX_QUERY_CHARS = 1000
MAX_LEAVES = 64
MAX_NEAR_DISTANCE = 1000
MAX_SLOP = 1000
MIN_PREFIX = 2
CITED_BY = "cited_by"  # a modifier of citation terms, not a facet of its own
MAX_FUZZY = 2  # edits `word~` allows
CITATION_PIN_SCORE = 1000.0

FACET_ALIASES: dict[str, str] = facets.aliases()
FACET_ALIASES[CITED_BY] = CITED_BY
# `citation:"..." cited_by:reviewer`: who cited the guidelines named beside it
CITED_BY_WORDS = {
    "reviewer": "reviewer",
    "imr": "reviewer",
    "maximus": "reviewer",
    "claims_administrator": "claims_administrator",
    "administrator": "claims_administrator",
    "claims": "claims_administrator",
    "ca": "claims_administrator",
    "ur": "claims_administrator",
    "utilization_review": "claims_administrator",
}
# date ranges: `decided:2016-01..2016-06`, `injured:<2015`; a year facet with a range
# (`decision_year:2018..2020`, `decision_year:>2020`) is the same date range
RANGE_ALIASES: dict[str, str] = {
    "decided": "decision_date",
    "decision_date": "decision_date",
    "injured": "injury_date",
    "injury_date": "injury_date",
    "date_of_injury": "injury_date",
}
YEAR_FACETS = facets.date_fields()
BOOLEAN_WORDS = {
    "true": "true",
    "yes": "true",
    "y": "true",
    "1": "true",
    "false": "false",
    "no": "false",
    "n": "false",
    "0": "false",
}


# --------------------------------------------------------------------------- lexer


@dataclass
class Tok:
    kind: str  # WORD PHRASE PREFIX ROOT AND OR NOT MINUS PROX BUTNOT ATLEAST FIELD LP RP
    text: str = ""
    num: int = 0  # PROX distance / PHRASE slop / ATLEAST count
    facet: str | None = None  # FIELD: facet name, or None for a text field
    fields: tuple[str, ...] = ()  # FIELD: text fields
    ordered: bool = False  # PROX: pre/n, +n (the first word precedes)


# Connectors as Westlaw and Lexis write them: w/5 /5 NEAR/5 (within five words,
# either order), pre/5 +5 (the first word precedes), w/s /s (same sentence),
# w/p /p (same paragraph: one field of the passage), pre/s +s, pre/p +p.
_PROX = re.compile(r"(?i)^(w|near|within|pre|p|\+)?/?(\d{1,6}|s|p)$")
_ATLEAST = re.compile(r"(?i)^atleast(\d{1,3})$")
_SLOP = re.compile(r"~(\d{1,6})")
_FIELD_NAME = re.compile(r"^[A-Za-z_]{2,40}$")


def _clean(text: str, messages: list[str]) -> str:
    """Remove control characters and cap the length, saying so."""
    out = []
    removed = False
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\f\v":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != "\u200d":
            removed = True
            out.append(" ")
        else:
            out.append(ch)
    cleaned = "".join(out)
    if removed:
        messages.append("Removed control characters from the query.")
    if len(cleaned) > MAX_QUERY_CHARS:
        cut = cleaned[:MAX_QUERY_CHARS]
        if " " in cut[-40:]:
            cut = cut[: cut.rfind(" ")]
        messages.append(f"The query is {len(cleaned):,} characters long; only the first {len(cut):,} were searched.")
        cleaned = cut
    return cleaned


def lex(text: str, messages: list[str]) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            toks.append(Tok("LP"))
            i += 1
            continue
        if ch == ")":
            toks.append(Tok("RP"))
            i += 1
            continue
        if ch == '"' or ch in "\u201c\u201d":
            end = -1
            for j in range(i + 1, n):
                if text[j] == '"' or text[j] in "\u201c\u201d":
                    end = j
                    break
            if end < 0:
                messages.append("A quotation mark was not closed; read the rest of the query as a phrase.")
                body, i = text[i + 1 :], n
            else:
                body, i = text[i + 1 : end], end + 1
            slop = 0
            m = _SLOP.match(text, i)
            if m:
                slop = min(int(m.group(1)), MAX_SLOP)
                i = m.end()
            toks.append(Tok("PHRASE", body, num=slop))
            continue
        m = _PLUS_PROX.match(text, i) if ch == "+" else None
        if m:
            _classify(m.group(), toks, messages, next_char="")
            i = m.end()
            continue
        if ch in "-+" and i + 1 < n and not text[i + 1].isspace():
            if ch == "-":
                toks.append(Tok("MINUS"))
            i += 1
            continue
        # a word: up to whitespace, a parenthesis or a quote
        j = i
        while j < n and not text[j].isspace() and text[j] not in '()"\u201c\u201d':
            j += 1
        word = text[i:j]
        i = j
        _classify(word, toks, messages, next_char=text[i] if i < n else "")
    return _join_quantities(toks)


# Words written after a number as one quantity: "15 mg" is searched as the phrase
# "15 mg" (as "15mg" is), not as 15 AND mg anywhere in the passage.
UNITS = frozenset(
    "mg mcg g gm gram grams kg ml cc l meq iu unit units mmol % percent tab tabs tablet "
    "tablets cap caps capsule capsules patch patches hr hrs hour hours day days week weeks "
    "month months session sessions visit visits refill refills level levels".split()
)
_NUMBER = re.compile(r"#?\d+(?:[.,/]\d+)*")


_PLUS_PROX = re.compile(r"\+(?:\d{1,6}|[sSpP])(?=[\s()\"]|$)")


def _join_quantities(toks: list[Tok]) -> list[Tok]:
    """`15 mg`, `x 12`, `# 60`: a number and its unit (or `x`/`#` and a number) as one phrase."""
    out: list[Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        if (
            tok.kind in ("NOT", "WORD")
            and tok.text.upper() in ("NOT", "")
            and prev is not None
            and prev.kind == "WORD"
            and prev.text.upper() == "BUT"
            and (tok.kind == "NOT" or tok.text == "not")
        ):
            out[-1] = Tok("BUTNOT", f"{prev.text} {tok.text or 'NOT'}")  # Westlaw's exclusion, also %
            continue
        if (
            tok.kind == "WORD"
            and prev is not None
            and prev.kind == "WORD"
            and " " not in prev.text
            and (
                (_NUMBER.fullmatch(prev.text) and tok.text.lower() in UNITS)
                or (prev.text.lower() in ("x", "#") and _NUMBER.fullmatch(tok.text))
            )
        ):
            out[-1] = Tok("WORD", prev.text + " " + tok.text)
            continue
        out.append(tok)
    return out


def _classify(word: str, toks: list[Tok], messages: list[str], next_char: str) -> None:
    if word in ("AND", "&&", "&"):
        toks.append(Tok("AND"))
        return
    if word in ("OR", "||", "|"):
        toks.append(Tok("OR"))
        return
    if word == "NOT":
        toks.append(Tok("NOT"))
        return
    if word == "%":
        toks.append(Tok("BUTNOT", word))
        return
    m = _PROX.match(word)
    if m and ("/" in word or word[0] == "+"):
        how, unit = (m.group(1) or "").lower(), m.group(2).lower()
        if how == "p" and word[1] != "/":
            m = None  # "p5" is a word
        if m is not None:
            if unit == "s":
                distance = SENTENCE_SPAN
            elif unit == "p":
                distance = PARAGRAPH_SPAN
            else:
                distance = int(unit)
                if distance > MAX_NEAR_DISTANCE:
                    messages.append(
                        f"{word}: proximity is capped at {MAX_NEAR_DISTANCE} words; "
                        f"searched within {MAX_NEAR_DISTANCE}."
                    )
                distance = max(1, min(distance, MAX_NEAR_DISTANCE))
            toks.append(Tok("PROX", word, num=distance, ordered=how in ("pre", "p", "+")))
            return
    m = _ATLEAST.match(word)
    if m and next_char == "(":
        toks.append(Tok("ATLEAST", word, num=int(m.group(1))))
        return
    if m:
        messages.append(f"{word}: counting occurrences (atleastN(word)) is not supported; searched {word!r} as a word.")
    if ":" in word:
        name, _, rest = word.partition(":")
        key = name.lower()
        year_range = FACET_ALIASES.get(key) in YEAR_FACETS and (".." in rest or rest[:1] in ("<", ">"))
        if key in RANGE_ALIASES or year_range:
            field_ = RANGE_ALIASES.get(key) or YEAR_FACETS[FACET_ALIASES[key]]
            if not rest:
                messages.append(
                    f"{name}: has no dates after the colon; it was ignored. Write e.g. {name}:2016-01..2016-06"
                )
                return
            try:
                start, end = dates.parse_range(rest)
            except dates.DateError as exc:
                messages.append(f"{name}:{rest[:40]} was ignored: {exc}.")
                return
            toks.append(Tok("RANGE", word, facet=field_, fields=(start or "", end or "")))
            return
        if key in FACET_ALIASES or key in FIELD_ALIASES:
            facet = FACET_ALIASES.get(key) if key not in FIELD_ALIASES else None
            fields = FIELD_ALIASES.get(key, ())
            if not rest and next_char not in ('"', "(", "\u201c", "\u201d"):
                messages.append(f"{name}: has no value after the colon; it was ignored.")
                return
            toks.append(Tok("FIELD", name, facet=facet, fields=fields))
            if rest:
                _classify(rest, toks, messages, next_char)
            return
        if _FIELD_NAME.match(name) and rest:
            messages.append(f'"{name}" is not a field or facet; searched "{word}" as words.')
    if word.endswith("*") or word.endswith("!"):
        root = word.endswith("!")
        stripped = word.rstrip("*!")
        if stripped:
            toks.append(Tok("ROOT" if root else "PREFIX", stripped))
        return
    if "*" in word or "?" in word:
        messages.append(f"Wildcards work only at the end of a word; searched {word!r} without them.")
        word = word.replace("*", " ").replace("?", " ")
    m = re.search(r"~(\d*)$", word)
    if m and m.start() > 0:
        distance = int(m.group(1)) if m.group(1) else MAX_FUZZY
        if not 1 <= distance <= MAX_FUZZY:
            messages.append(f"{word}: fuzzy matching allows 1 or {MAX_FUZZY} edits; used {MAX_FUZZY}.")
            distance = MAX_FUZZY
        toks.append(Tok("FUZZY", word[: m.start()], num=distance))
        return
    toks.append(Tok("WORD", word))


# --------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent with recovery: every method returns a node or None."""

    def __init__(self, toks: list[Tok], messages: list[str]):
        self.toks = toks
        self.pos = 0
        self.messages = messages
        self.leaf_count = 0
        self.capped = False

    def peek(self) -> Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def note(self, msg: str) -> None:
        if msg not in self.messages:
            self.messages.append(msg)

    # Precedence, loosest first (as in Westlaw and web search engines):
    #   query := and ;  and := or ([AND] or)* ;  or := unary (OR unary)* ;
    #   unary := (NOT|-) unary | near ;  near := primary (w/N primary)*
    def parse(self) -> Node | None:
        parts: list[Node] = []
        while self.peek() is not None:
            node = self.parse_and()
            if node is not None:
                parts.append(node)
            tok = self.peek()
            if tok is not None and tok.kind == "RP":
                self.take()
                self.note("Ignored a closing parenthesis that had no opening one.")
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_and(self) -> Node | None:
        items: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "RP":
                break
            if tok.kind == "BUTNOT":
                # BUT NOT / %: everything after it (in this group) is excluded
                self.take()
                if tok.text not in ("%", "BUT NOT"):
                    self.note(
                        f"Read “{tok.text}” as BUT NOT: what follows is excluded. "
                        f'Put it in quotes ("{tok.text}") to search the words.'
                    )
                rest = self.parse_and()
                if rest is None:
                    self.note(f"Ignored {tok.text} with nothing after it.")
                else:
                    if not items:
                        self.note(f"{tok.text} has nothing before it: showing every passage without the rest.")
                    items.append(rest.child if isinstance(rest, Not) else Not(rest))
                break
            if tok.kind in ("AND", "OR"):
                self.take()
                nxt = self.peek()
                if not items:
                    self.note(f"Ignored an {tok.kind} with nothing before it.")
                elif nxt is None or nxt.kind in ("RP", "OR", "AND", "BUTNOT"):
                    self.note(f"Ignored an {tok.kind} with nothing after it.")
                continue
            node = self.parse_or()
            if node is not None:
                items.append(node)
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_or(self) -> Node | None:
        first = self.parse_unary()
        options: list[Node] = [first] if first is not None else []
        while (tok := self.peek()) is not None and tok.kind == "OR":
            nxt = self.toks[self.pos + 1] if self.pos + 1 < len(self.toks) else None
            if nxt is None or nxt.kind in ("RP", "OR", "AND", "BUTNOT"):
                break  # parse_and reports the dangling OR
            if not options:
                break
            self.take()
            node = self.parse_unary()
            if node is not None:
                options.append(node)
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(tuple(options))

    def parse_unary(self) -> Node | None:
        tok = self.peek()
        if tok is not None and tok.kind in ("NOT", "MINUS"):
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("RP", "OR", "AND", "BUTNOT"):
                self.note(f"Ignored a {'NOT' if tok.kind == 'NOT' else '-'} with nothing after it.")
                return None
            if nxt.kind in ("NOT", "MINUS"):
                self.take()
                self.note("Read a double negation as a plain term.")
                return self.parse_unary()
            child = self.parse_unary()
            if child is None:
                return None
            if isinstance(child, Not):
                return child.child
            return Not(child)
        return self.parse_near()

    def parse_near(self) -> Node | None:
        left = self.parse_primary()
        while (tok := self.peek()) is not None and tok.kind == "PROX":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("RP", "OR", "AND", "PROX", "BUTNOT"):
                self.note(f"Ignored {tok.text} with nothing after it.")
                continue
            right = self.parse_primary()
            if left is None or right is None:
                self.note(f"Ignored {tok.text}: it needs a word or phrase on each side.")
                left = left or right
                continue
            left = _near(left, right, tok.num, self, tok.ordered, tok.text)
        return left

    def parse_primary(self) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        kind = tok.kind
        if kind == "LP":
            self.take()
            node = self.parse_and()
            if self.peek() is None:
                self.note("Added a missing closing parenthesis.")
            else:
                self.take()
            return node
        if kind == "RP":
            return None  # the caller decides (stray or closing)
        if kind in ("AND", "OR", "PROX", "BUTNOT"):
            self.take()
            self.note(f"Ignored {tok.text or kind} where a word was expected.")
            return None
        if kind == "RANGE":
            self.take()
            return Range(tok.facet or "decision_date", tok.fields[0] or None, tok.fields[1] or None)
        if kind == "ATLEAST":
            # counting occurrences exactly is beyond Tantivy's queries: say so, search the words
            self.take()
            inner = self.parse_primary()
            if inner is not None:
                self.note(
                    f"{tok.text}(...) is not supported: the index cannot count how often a word "
                    f"occurs exactly, so it was searched as {to_string(inner)}."
                )
            return inner
        if kind in ("NOT", "MINUS"):
            return self.parse_unary()
        if kind == "FIELD":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("WORD", "PHRASE", "PREFIX", "ROOT", "FUZZY", "LP"):
                self.note(f"{tok.text}: has no value after the colon; it was ignored.")
                return None
            if tok.facet is not None and nxt.kind != "LP":
                self.take()  # the raw value: citation keys keep their "|" separators
                return _facet_value(tok.facet, nxt.text, self)
            value = self.parse_primary()
            if value is None:
                return None
            if tok.facet is not None:
                return _to_facet(tok.facet, value, self)
            return restrict(value, tok.fields)
        self.take()
        return self._leaf(tok)

    def _leaf(self, tok: Tok) -> Node | None:
        if self.leaf_count >= MAX_LEAVES:
            if not self.capped:
                self.note(f"The query has more than {MAX_LEAVES} terms; the rest were ignored.")
                self.capped = True
            return None
        node: Node | None
        if tok.kind == "WORD":
            node = _word(tok.text)
        elif tok.kind == "PHRASE":
            node = _phrase(tok.text, tok.num)
        elif tok.kind == "FUZZY":
            node = _fuzzy(tok.text, tok.num, self)
        else:
            node = _prefix(tok.text, tok.kind == "ROOT", self)
        if node is not None:
            self.leaf_count += 1
        return node


def _analysed(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(display words, indexed terms) of `text` by the shared analysis. A word the
    analysis reads as another form shows as that form (L4-5 -> L4 L5, 15mg -> 15 mg)."""
    toks = list(tokens(text))
    upper = any(ch.isupper() for ch in text)
    display = tuple(t.text if t.text.lower() == t.lower else t.lower.upper() if upper else t.lower for t in toks)
    return display, tuple(t.term for t in toks)


def _word(text: str) -> Node | None:
    ws, ts = _analysed(text)
    if not ts:
        return None
    if len(ts) == 1:
        return Term(ws[0], ts[0])
    return Phrase(ws, ts)


def _phrase(text: str, slop: int) -> Node | None:
    ws, ts = _analysed(text)
    if not ts:
        return None
    if len(ts) == 1:
        return Term(ws[0], ts[0])
    return Phrase(ws, ts, slop)


def _fuzzy(text: str, distance: int, p: _Parser) -> Node | None:
    ws, ts = _analysed(text)
    if len(ts) != 1:
        if ts:
            p.note(f"{text}~: fuzzy matching works on one word; searched {text!r} exactly.")
        return _word(text)
    return Fuzzy(ws[0], ts[0], distance)


def _prefix(text: str, root: bool, p: _Parser) -> Node | None:
    ws = words(text)
    if not ws:
        return None
    last = ws[-1]
    head = [Term(w, stem(w)) for w in ws[:-1]]
    if len(last) < MIN_PREFIX:
        p.note(f"{text}{'!' if root else '*'}: too short to expand; searched as a word.")
        leaf: Node = Term(last, stem(last))
    else:
        pre = stem(last) if root else last
        if root and len(pre) < MIN_PREFIX:
            pre = last
        leaf = Prefix(text if len(ws) == 1 else last, pre, root)
    if head:
        return And(tuple(head) + (leaf,))
    return leaf


def _near(left: Node, right: Node, distance: int, p: _Parser, ordered: bool = False, written: str = "") -> Node:
    ok = (Term, Phrase)
    if isinstance(left, ok) and isinstance(right, ok):
        return Near(left, right, distance, ordered=ordered)
    # w/N between groups: distribute over ORs of words/phrases, else fall back to AND
    lefts = _alternatives(left)
    rights = _alternatives(right)
    if lefts and rights and len(lefts) * len(rights) <= 16:
        return Or(tuple(Near(a, b, distance, ordered=ordered) for a in lefts for b in rights))
    p.note(f"{written or 'w/' + str(distance)} works between words, phrases or OR-groups of them; read it as AND here.")
    return And((left, right))


def _alternatives(node: Node) -> list[Term | Phrase] | None:
    """The words and phrases `node` offers as alternatives (a word, a phrase, an OR
    of them), or None when it is anything else (w/N then falls back to AND)."""
    return _ALTERNATIVES.visit(node)


class _Alternatives(TreeVisitor[list[Term | Phrase] | None]):
    def visit_Term(self, node: Term) -> list[Term | Phrase] | None:
        return [node]

    def visit_Phrase(self, node: Phrase) -> list[Term | Phrase] | None:
        return [node]

    def visit_Or(self, node: Or) -> list[Term | Phrase] | None:
        out: list[Term | Phrase] = []
        for c in node.children:
            alts = self.visit(c)
            if alts is None:
                return None
            out.extend(alts)
        return out

    def _none(self, node: Node) -> list[Term | Phrase] | None:
        return None

    visit_Prefix = visit_Fuzzy = visit_Near = visit_And = visit_Not = visit_FacetTerm = _none
    visit_Range = visit_Pin = visit_MatchAll = visit_InLetters = _none


_ALTERNATIVES = _Alternatives()


def _to_facet(facet: str, node: Node, p: _Parser) -> Node | None:
    """Turn the value(s) after `facet:` into facet terms (groups keep their logic)."""
    return _ToFacet(facet, p).visit(node)


class _ToFacet(TreeVisitor[Node | None]):
    """The words of each leaf as the facet's value; what has no words (a range, a
    nested facet term) is dropped."""

    def __init__(self, facet: str, p: _Parser):
        self.facet = facet
        self.p = p

    def visit_Term(self, node: Term) -> Node | None:
        return _facet_value(self.facet, node.text, self.p)

    def visit_Phrase(self, node: Phrase) -> Node | None:
        return _facet_value(self.facet, " ".join(node.words), self.p)

    def visit_Prefix(self, node: Prefix) -> Node | None:
        return _facet_value(self.facet, node.text, self.p)

    def visit_Fuzzy(self, node: Fuzzy) -> Node | None:
        return _facet_value(self.facet, node.text, self.p)

    def visit_And(self, node: And) -> Node | None:
        kids = [k for k in (self.visit(c) for c in node.children) if k is not None]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else And(tuple(kids))

    def visit_Or(self, node: Or) -> Node | None:
        kids = [k for k in (self.visit(c) for c in node.children) if k is not None]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else Or(tuple(kids))

    def visit_Not(self, node: Not) -> Node | None:
        kid = self.visit(node.child)
        return Not(kid) if kid is not None else None

    def _none(self, node: Node) -> Node | None:
        return None

    visit_Near = visit_FacetTerm = visit_Range = visit_Pin = visit_MatchAll = visit_InLetters = _none


def _facet_value(facet: str, value: str, p: _Parser) -> Node | None:
    value = " ".join(value.split())
    if not value:
        p.note(f"{facet}: has no value after the colon; it was ignored.")
        return None
    spec = facets.REGISTRY.get(facet)  # None for cited_by, a modifier
    if spec is not None and spec.kind == "boolean":
        norm = BOOLEAN_WORDS.get(value.lower())
        if norm is None:
            p.note(f"{facet}:{value} should be true or false; it was ignored.")
            return None
        return FacetTerm(facet, norm)
    if facet == CITED_BY:
        who = CITED_BY_WORDS.get(value.lower().replace(" ", "_"))
        if who is None:
            p.note(f"cited_by:{value} should be reviewer or claims_administrator; it was ignored.")
            return None
        return FacetTerm(CITED_BY, who)
    if facet == "citation" and "|" not in value:
        keys = vocab_adapter.citations_in_query(value)
        if keys:
            terms_ = [FacetTerm("citation", k) for k in keys]
            return terms_[0] if len(terms_) == 1 else Or(tuple(terms_))
        p.note(f'citation:"{value}" is not a recognised guideline citation; matched it literally.')
    return FacetTerm(facet, value)


# --------------------------------------------------------------------------- cited_by


def _apply_cited_by(node: Node, messages: list[str]) -> Node:
    """`citation:X cited_by:reviewer` -> `reviewer_citation:X`: X as the IMR reviewer
    cited it. `cited_by:claims_administrator` -> citation:X and not
    reviewer_citation:X: cited only in the claims administrator's paragraph.
    A cited_by term applies to the citation terms of the AND group it is in."""
    return _ApplyCitedBy(messages).visit(node)


class _ApplyCitedBy(TreeRewriter):
    def __init__(self, messages: list[str]):
        self.messages = messages

    def visit_FacetTerm(self, node: FacetTerm) -> Node:
        if node.facet != CITED_BY:
            return node
        _note(
            self.messages,
            'cited_by: applies to citation: terms beside it (citation:"..." cited_by:reviewer); it was ignored.',
        )
        return MatchAll()

    def visit_And(self, node: And) -> Node:
        who = [c.value for c in node.children if isinstance(c, FacetTerm) and c.facet == CITED_BY]
        rest = tuple(self.visit(c) for c in node.children if not (isinstance(c, FacetTerm) and c.facet == CITED_BY))
        if who:
            if len(set(who)) > 1:
                _note(self.messages, "cited_by: was given twice with different parties; used the first.")
            rewritten = tuple(_CitedBy(who[0]).visit(c) for c in rest)
            if rewritten == rest:
                _note(
                    self.messages, "cited_by: applies to citation: terms beside it; there were none, so it was ignored."
                )
            rest = rewritten
        return And(rest) if len(rest) > 1 else (rest[0] if rest else MatchAll())

    def visit_Pin(self, node: Pin) -> Node:
        return node  # pins are added after cited_by is applied


class _CitedBy(TreeRewriter):
    """The citation terms of one AND group (and the ORs and NOTs in it) as cited by `who`."""

    def __init__(self, who: str):
        self.who = who

    def visit_FacetTerm(self, node: FacetTerm) -> Node:
        if node.facet != "citation":
            return node
        mine = FacetTerm("reviewer_citation", node.value)
        return mine if self.who == "reviewer" else And((node, Not(mine)))

    def visit_And(self, node: And) -> Node:
        return node  # a group of its own: a cited_by term inside it applies there

    def visit_Pin(self, node: Pin) -> Node:
        return node


def _note(messages: list[str], msg: str) -> None:
    if msg not in messages:
        messages.append(msg)


# --------------------------------------------------------------------------- expansion


def _expand(node: Node) -> Node:
    """Abbreviations both ways: MBB -> "medial branch block" and back."""
    return _EXPAND.visit(node)


class _Expand(TreeRewriter):
    def visit_Term(self, node: Term) -> Node:
        alts = _term_alternatives(node)
        return node if len(alts) == 1 else Or(tuple(alts))

    def visit_Phrase(self, node: Phrase) -> Node:
        alts = _phrase_alternatives(node)
        return node if len(alts) == 1 else Or(tuple(alts))

    def visit_Near(self, node: Near) -> Node:
        lefts = _leaf_alternatives(node.left)
        rights = _leaf_alternatives(node.right)
        if len(lefts) == 1 and len(rights) == 1:
            return node
        return Or(tuple(replace(node, left=a, right=b) for a in lefts[:4] for b in rights[:4]))

    def visit_And(self, node: And) -> Node:
        return And(tuple(c if done else self.visit(c) for c, done in _merge_runs(list(node.children))))


_EXPAND = _Expand()


def _leaf_alternatives(node: Term | Phrase) -> list[Term | Phrase]:
    if isinstance(node, Term):
        return _term_alternatives(node)
    return _phrase_alternatives(node)


def _named(text: str, exp_terms: tuple[str, ...], fields: tuple[str, ...], slop: int = 0) -> Term | Phrase:
    """A vocabulary wording (an expansion, a drug name) as a leaf."""
    words_ = _analysed(text)[0]
    if len(words_) != len(exp_terms):
        words_ = exp_terms
    if len(exp_terms) == 1:
        return Term(words_[0], exp_terms[0], fields)
    return Phrase(tuple(words_), tuple(exp_terms), slop, fields)


def _add(out: list, cand: Node) -> None:
    if not any(_same_terms(cand, o) for o in out):
        out.append(cand)


def _term_alternatives(t: Term) -> list[Term | Phrase]:
    out: list[Term | Phrase] = [t]
    for a in vocab_adapter.abbreviations_for_word(t.text, t.term):
        for text, exp_terms in a.expansions:
            _add(out, _named(text, exp_terms, t.fields))
    for text, syn_terms in vocab_adapter.drug_synonyms((t.term,)):
        _add(out, _named(text, syn_terms, t.fields))
    # a joined compound also as letters hyphenate it: postoperative -> "post operative"
    halves = vocab_adapter.split_compound(t.text)
    if halves is not None:
        ws, ts = _analysed(" ".join(halves))
        if len(ts) == 2:
            _add(out, Phrase(ws, ts, 0, t.fields))
    # a phrase holding a word already searched alone adds nothing ("hydrocodone/APAP" next to hydrocodone)
    words_alone = {o.term for o in out if isinstance(o, Term)}
    return [o for o in out if not (isinstance(o, Phrase) and words_alone.intersection(o.terms))]


def _same_terms(a: Node, b: Node) -> bool:
    ta = (a.term,) if isinstance(a, Term) else getattr(a, "terms", None)
    tb = (b.term,) if isinstance(b, Term) else getattr(b, "terms", None)
    return ta == tb and getattr(a, "fields", ()) == getattr(b, "fields", ())


def _phrase_alternatives(ph: Phrase) -> list[Term | Phrase]:
    """The phrase, plus variants with one expansion <-> abbreviation swapped."""
    out: list[Term | Phrase] = [ph]
    ts, ws = list(ph.terms), list(ph.words)
    longest = vocab_adapter.max_expansion_length()
    # expansion -> abbreviation
    for size in range(min(longest, len(ts)), 1, -1):
        for start in range(0, len(ts) - size + 1):
            seq = tuple(ts[start : start + size])
            for a in vocab_adapter.abbreviations_for_terms(seq):
                nts = ts[:start] + [a.term] + ts[start + size :]
                nws = ws[:start] + [a.abbr] + ws[start + size :] if len(ws) == len(ts) else nts
                cand: Term | Phrase = (
                    Term(a.abbr, a.term, ph.fields)
                    if len(nts) == 1
                    else Phrase(tuple(nws), tuple(nts), ph.slop, ph.fields)
                )
                if not any(_same_terms(cand, o) for o in out):
                    out.append(cand)
    # the whole phrase is a drug name ("lidocaine patch" -> Lidoderm), or one of its words is
    for text, syn_terms in vocab_adapter.drug_synonyms(tuple(ts)):
        _add(out, _named(text, syn_terms, ph.fields, ph.slop if len(syn_terms) > 1 else 0))
    for i, t in enumerate(ts):
        for text, syn_terms in vocab_adapter.drug_synonyms((t,)):
            if len(syn_terms) == 1:
                nws = (ws[:i] + [text] + ws[i + 1 :]) if len(ws) == len(ts) else ts[:i] + [syn_terms[0]] + ts[i + 1 :]
                _add(out, Phrase(tuple(nws), tuple(ts[:i] + [syn_terms[0]] + ts[i + 1 :]), ph.slop, ph.fields))
    # a hyphenated compound also as letters write it joined: "pre operative" -> preoperative
    if len(ws) == len(ts) == 2 and ph.slop == 0 and vocab_adapter.joins_compound(ws[0]):
        joined_words, joined_terms = _analysed(ws[0] + ws[1])
        if len(joined_terms) == 1:
            _add(out, Term(joined_words[0], joined_terms[0], ph.fields))
    # abbreviation -> expansion
    for i, (w, t) in enumerate(zip(ws if len(ws) == len(ts) else ts, ts, strict=True)):
        for a in vocab_adapter.abbreviations_for_word(w, t):
            for text, exp_terms in a.expansions:
                nts = ts[:i] + list(exp_terms) + ts[i + 1 :]
                exp_words = re.findall(r"[^\W_]+", text)
                nws = (ws[:i] + exp_words + ws[i + 1 :]) if len(ws) == len(ts) else nts
                if len(nws) != len(nts):
                    nws = nts
                cand = Phrase(tuple(nws), tuple(nts), ph.slop, ph.fields)
                if not any(_same_terms(cand, o) for o in out):
                    out.append(cand)
    return out[:8]


def _merge_runs(children: list[Node]) -> list[tuple[Node, bool]]:
    """Bare words spelling an expansion (medial branch block) also match its abbreviation.

    Returns (node, already_expanded) pairs."""
    longest = max(vocab_adapter.max_expansion_length(), vocab_adapter.max_drug_name_length())
    if longest < 2:
        return [(c, False) for c in children]
    out: list[tuple[Node, bool]] = []
    i = 0
    while i < len(children):
        matched = False
        for size in range(min(longest, len(children) - i), 1, -1):
            run = [c for c in children[i : i + size] if isinstance(c, Term)]
            if len(run) < size or any(c.fields != run[0].fields for c in run):
                continue
            seq = tuple(c.term for c in run)
            abbrs = vocab_adapter.abbreviations_for_terms(seq)
            drugs = vocab_adapter.drug_synonyms(seq)
            if abbrs or drugs:
                fields = run[0].fields
                words_ = tuple(c.text for c in run)
                alts: list[Node] = [Phrase(words_, seq, 0, fields)]
                for a in abbrs:
                    _add(alts, Term(a.abbr, a.term, fields))
                for text, syn_terms in drugs:
                    _add(alts, _named(text, syn_terms, fields))
                # the words still count where they appear apart, ranked below the phrase
                apart = And(tuple(_expand(c) for c in run))
                out.append((Or((apart, *alts)), True))
                i += size
                matched = True
                break
        if not matched:
            out.append((children[i], False))
            i += 1
    return out


# --------------------------------------------------------------------------- entry point


def parse_query(text: str | None) -> ParsedQuery:
    """Parse a user's query. Never raises; see `ParsedQuery.messages`."""
    original = text or ""
    messages: list[str] = []
    try:
        cleaned = _clean(original, messages)
        toks = lex(cleaned, messages)
        parser = _Parser(toks, messages)
        tree = parser.parse()
        if tree is None:
            if cleaned.strip() and not messages:
                messages.append("Nothing searchable in the query (only punctuation); showing all passages.")
            tree = MatchAll()
        tree = simplify(_expand(simplify(_apply_cited_by(simplify(tree), messages))))
        matched = _citation_keys(cleaned, tree)
        if matched and _has_text(tree):
            pin = Pin(
                Or(tuple(FacetTerm("citation", k) for k in matched))
                if len(matched) > 1
                else FacetTerm("citation", matched[0]),
                CITATION_PIN_SCORE,
            )
            tree = simplify(Or((tree, pin)))
        inline = [
            leaf.value
            for leaf, neg in leaves(tree)
            if isinstance(leaf, FacetTerm) and leaf.facet in CITATION_FACETS and not neg
        ]
        for key in inline:
            if key not in matched:
                matched.append(key)
        return ParsedQuery(original, tree, messages, matched)
    except RecursionError:
        return ParsedQuery(original, MatchAll(), ["The query is nested too deeply to read; showing all passages."], [])


def _has_text(tree: Node) -> bool:
    return any(isinstance(leaf, (Term, Phrase, Prefix, Fuzzy, Near)) and not neg for leaf, neg in leaves(tree))


def _citation_keys(text: str, tree: Node) -> list[str]:
    """Citation keys the free text reads as (only for queries with plain words)."""
    plain = [leaf for leaf, neg in leaves(tree) if isinstance(leaf, (Term, Phrase)) and not neg and not leaf.fields]
    if len(plain) < 2 and not any(isinstance(leaf, Phrase) for leaf in plain):
        return []
    return vocab_adapter.citations_in_query(text)
