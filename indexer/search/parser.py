"""The query language: one forgiving parser from text to the query tree.

Syntax (words are ANDed; case-insensitive; English stemming):
    facet joint                  both words (stemmed: "blocks" finds "block")
    "no more than 2 levels"      exact phrase;  "facet block"~5  phrase with 5 positions of slack
    radicular w/5 block          within five words, either order (also NEAR/5; /s and /p)
    norco OR hydrocodone         either;  AND is implied, may be written
    -sedation, NOT sedation      exclude;  parentheses group
    inject*                      prefix;   inject!   root expander (inject, injection, injectable...)
    item:norco  rationale:"..."  restrict to a field (item, rationale, summary, guideline, ...);
                                 summary: is the letter's case summary, searched only when named
    citation:"..." cited_by:reviewer   the citation as the IMR reviewer cited it
    decision:overturned  citation:"ODG | Neck and Upper Back | Facet joint diagnostic blocks"
    specialty:anesthesiology ... any facet name inline (see types.FACETS)

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

from indexer.search import vocab_adapter
from indexer.search.analysis import stem, terms, words
from indexer.search.tree import (
    FIELD_ALIASES,
    And,
    FacetTerm,
    MatchAll,
    Near,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Pin,
    Prefix,
    Term,
    leaves,
    restrict,
    simplify,
)
from indexer.search.types import CITATION_FACETS, FACETS

MAX_QUERY_CHARS = 1000
MAX_LEAVES = 64
MAX_NEAR_DISTANCE = 1000
MAX_SLOP = 1000
MIN_PREFIX = 2
CITED_BY = "cited_by"  # a modifier of citation terms, not a facet of its own
CITATION_PIN_SCORE = 1000.0

FACET_ALIASES: dict[str, str] = {f: f for f in FACETS}
FACET_ALIASES.update({"cite": "citation", "cites": "citation", "state": "licensure",
                      "region": "body_region", "year": "decision_year", "cited_by": CITED_BY})
# `citation:"..." cited_by:reviewer`: who cited the guidelines named beside it
CITED_BY_WORDS = {"reviewer": "reviewer", "imr": "reviewer", "maximus": "reviewer",
                  "claims_administrator": "claims_administrator", "administrator": "claims_administrator",
                  "claims": "claims_administrator", "ca": "claims_administrator", "ur": "claims_administrator",
                  "utilization_review": "claims_administrator"}
BOOLEAN_WORDS = {"true": "true", "yes": "true", "y": "true", "1": "true",
                 "false": "false", "no": "false", "n": "false", "0": "false"}


# --------------------------------------------------------------------------- lexer

@dataclass
class Tok:
    kind: str  # WORD PHRASE PREFIX ROOT AND OR NOT MINUS PROX FIELD LP RP
    text: str = ""
    num: int = 0  # PROX distance / PHRASE slop
    facet: str | None = None  # FIELD: facet name, or None for a text field
    fields: tuple[str, ...] = ()  # FIELD: text fields


_PROX = re.compile(r"(?i)^(?:w|near|within)/(\d{1,6})$")
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
        messages.append(
            f"The query is {len(cleaned):,} characters long; only the first {len(cut):,} were searched."
        )
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
                messages.append('A quotation mark was not closed; read the rest of the query as a phrase.')
                body, i = text[i + 1:], n
            else:
                body, i = text[i + 1:end], end + 1
            slop = 0
            m = _SLOP.match(text, i)
            if m:
                slop = min(int(m.group(1)), MAX_SLOP)
                i = m.end()
            toks.append(Tok("PHRASE", body, num=slop))
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
    return toks


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
    m = _PROX.match(word)
    if m:
        toks.append(Tok("PROX", word, num=max(1, min(int(m.group(1)), MAX_NEAR_DISTANCE))))
        return
    if word.lower() in ("/s", "/p"):
        distance = 20 if word.lower() == "/s" else 50
        messages.append(f"Read {word} (same sentence/paragraph) as w/{distance}.")
        toks.append(Tok("PROX", word, num=distance))
        return
    if ":" in word:
        name, _, rest = word.partition(":")
        key = name.lower()
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
    m = re.search(r"~\d*$", word)
    if m and m.start() > 0:
        messages.append(f"Fuzzy matching ({word[m.start():]}) is not supported; searched {word[:m.start()]!r} exactly.")
        word = word[: m.start()]
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
            if tok.kind in ("AND", "OR"):
                self.take()
                nxt = self.peek()
                if not items:
                    self.note(f"Ignored an {tok.kind} with nothing before it.")
                elif nxt is None or nxt.kind in ("RP", "OR", "AND"):
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
            if nxt is None or nxt.kind in ("RP", "OR", "AND"):
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
            if nxt is None or nxt.kind in ("RP", "OR", "AND"):
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
            if nxt is None or nxt.kind in ("RP", "OR", "AND", "PROX"):
                self.note(f"Ignored {tok.text} with nothing after it.")
                continue
            right = self.parse_primary()
            if left is None or right is None:
                self.note(f"Ignored {tok.text}: it needs a word or phrase on each side.")
                left = left or right
                continue
            left = _near(left, right, tok.num, self)
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
        if kind in ("AND", "OR", "PROX"):
            self.take()
            self.note(f"Ignored {tok.text or kind} where a word was expected.")
            return None
        if kind in ("NOT", "MINUS"):
            return self.parse_unary()
        if kind == "FIELD":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("WORD", "PHRASE", "PREFIX", "ROOT", "LP"):
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
        else:
            node = _prefix(tok.text, tok.kind == "ROOT", self)
        if node is not None:
            self.leaf_count += 1
        return node


def _word(text: str) -> Node | None:
    ts = terms(text)
    ws = [m for m in re.findall(r"[^\W_]+", text)]
    if not ts:
        return None
    if len(ts) == 1:
        return Term(ws[0] if len(ws) == 1 else text, ts[0])
    return Phrase(tuple(ws[: len(ts)]) if len(ws) == len(ts) else tuple(ts), tuple(ts))


def _phrase(text: str, slop: int) -> Node | None:
    ts = terms(text)
    ws = re.findall(r"[^\W_]+", text)
    if not ts:
        return None
    display = tuple(ws) if len(ws) == len(ts) else tuple(ts)
    if len(ts) == 1:
        return Term(display[0], ts[0])
    return Phrase(display, tuple(ts), slop)


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


def _near(left: Node, right: Node, distance: int, p: _Parser) -> Node:
    ok = (Term, Phrase)
    if isinstance(left, ok) and isinstance(right, ok):
        return Near(left, right, distance)
    # w/N between groups: distribute over ORs of words/phrases, else fall back to AND
    lefts = _alternatives(left)
    rights = _alternatives(right)
    if lefts and rights and len(lefts) * len(rights) <= 16:
        return Or(tuple(Near(a, b, distance) for a in lefts for b in rights))
    p.note(f"w/{distance} works between words or phrases; read it as AND here.")
    return And((left, right))


def _alternatives(node: Node) -> list[Node] | None:
    if isinstance(node, (Term, Phrase)):
        return [node]
    if isinstance(node, Or):
        out: list[Node] = []
        for c in node.children:
            alts = _alternatives(c)
            if alts is None:
                return None
            out.extend(alts)
        return out
    return None


def _to_facet(facet: str, node: Node, p: _Parser) -> Node | None:
    """Turn the value(s) after `facet:` into facet terms (groups keep their logic)."""
    if isinstance(node, Term):
        return _facet_value(facet, node.text, p)
    if isinstance(node, Phrase):
        return _facet_value(facet, " ".join(node.words), p)
    if isinstance(node, Prefix):
        return _facet_value(facet, node.text, p)
    if isinstance(node, (And, Or)):
        kids = [k for k in (_to_facet(facet, c, p) for c in node.children) if k is not None]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else type(node)(tuple(kids))
    if isinstance(node, Not):
        kid = _to_facet(facet, node.child, p)
        return Not(kid) if kid is not None else None
    return None


def _facet_value(facet: str, value: str, p: _Parser) -> Node | None:
    value = " ".join(value.split())
    if not value:
        p.note(f"{facet}: has no value after the colon; it was ignored.")
        return None
    if facet == "mtus_based":
        norm = BOOLEAN_WORDS.get(value.lower())
        if norm is None:
            p.note(f"mtus_based:{value} should be true or false; it was ignored.")
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
    if isinstance(node, FacetTerm) and node.facet == CITED_BY:
        _note(messages, "cited_by: applies to citation: terms beside it (citation:\"...\" cited_by:reviewer); "
                        "it was ignored.")
        return MatchAll()
    if isinstance(node, And):
        who = [c.value for c in node.children if isinstance(c, FacetTerm) and c.facet == CITED_BY]
        rest = tuple(_apply_cited_by(c, messages) for c in node.children
                     if not (isinstance(c, FacetTerm) and c.facet == CITED_BY))
        if who:
            if len(set(who)) > 1:
                _note(messages, "cited_by: was given twice with different parties; used the first.")
            rewritten = tuple(_cited_by(c, who[0]) for c in rest)
            if rewritten == rest:
                _note(messages, "cited_by: applies to citation: terms beside it; there were none, so it was ignored.")
            rest = rewritten
        return And(rest) if len(rest) > 1 else (rest[0] if rest else MatchAll())
    if isinstance(node, Or):
        return Or(tuple(_apply_cited_by(c, messages) for c in node.children))
    if isinstance(node, Not):
        return Not(_apply_cited_by(node.child, messages))
    return node


def _cited_by(node: Node, who: str) -> Node:
    if isinstance(node, FacetTerm) and node.facet == "citation":
        mine = FacetTerm("reviewer_citation", node.value)
        return mine if who == "reviewer" else And((node, Not(mine)))
    if isinstance(node, Or):
        return Or(tuple(_cited_by(c, who) for c in node.children))
    if isinstance(node, Not):
        return Not(_cited_by(node.child, who))
    return node


def _note(messages: list[str], msg: str) -> None:
    if msg not in messages:
        messages.append(msg)


# --------------------------------------------------------------------------- expansion

def _expand(node: Node) -> Node:
    """Abbreviations both ways: MBB -> "medial branch block" and back."""
    if isinstance(node, Term):
        alts = _term_alternatives(node)
        return node if len(alts) == 1 else Or(tuple(alts))
    if isinstance(node, Phrase):
        alts = _phrase_alternatives(node)
        return node if len(alts) == 1 else Or(tuple(alts))
    if isinstance(node, Near):
        lefts = _leaf_alternatives(node.left)
        rights = _leaf_alternatives(node.right)
        if len(lefts) == 1 and len(rights) == 1:
            return node
        return Or(tuple(Near(a, b, node.distance, node.fields) for a in lefts[:4] for b in rights[:4]))
    if isinstance(node, And):
        return And(tuple(c if done else _expand(c) for c, done in _merge_runs(list(node.children))))
    if isinstance(node, Or):
        return Or(tuple(_expand(c) for c in node.children))
    if isinstance(node, Not):
        return Not(_expand(node.child))
    if isinstance(node, Pin):
        return Pin(_expand(node.child), node.score)
    return node


def _leaf_alternatives(node: Term | Phrase) -> list[Term | Phrase]:
    if isinstance(node, Term):
        return _term_alternatives(node)
    return _phrase_alternatives(node)


def _term_alternatives(t: Term) -> list[Term | Phrase]:
    out: list[Term | Phrase] = [t]
    for a in vocab_adapter.abbreviations_for_word(t.text, t.term):
        for text, exp_terms in a.expansions:
            cand: Term | Phrase
            if len(exp_terms) == 1:
                cand = Term(text, exp_terms[0], t.fields)
            else:
                cand = Phrase(tuple(re.findall(r"[^\W_]+", text)) if len(re.findall(r"[^\W_]+", text)) == len(exp_terms) else exp_terms, exp_terms, 0, t.fields)
            if not any(_same_terms(cand, o) for o in out):
                out.append(cand)
    return out


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
            seq = tuple(ts[start:start + size])
            for a in vocab_adapter.abbreviations_for_terms(seq):
                nts = ts[:start] + [a.term] + ts[start + size:]
                nws = ws[:start] + [a.abbr] + ws[start + size:] if len(ws) == len(ts) else nts
                cand: Term | Phrase = (Term(a.abbr, a.term, ph.fields) if len(nts) == 1
                                       else Phrase(tuple(nws), tuple(nts), ph.slop, ph.fields))
                if not any(_same_terms(cand, o) for o in out):
                    out.append(cand)
    # abbreviation -> expansion
    for i, (w, t) in enumerate(zip(ws if len(ws) == len(ts) else ts, ts)):
        for a in vocab_adapter.abbreviations_for_word(w, t):
            for text, exp_terms in a.expansions:
                nts = ts[:i] + list(exp_terms) + ts[i + 1:]
                exp_words = re.findall(r"[^\W_]+", text)
                nws = (ws[:i] + exp_words + ws[i + 1:]) if len(ws) == len(ts) else nts
                if len(nws) != len(nts):
                    nws = nts
                cand = Phrase(tuple(nws), tuple(nts), ph.slop, ph.fields)
                if not any(_same_terms(cand, o) for o in out):
                    out.append(cand)
    return out[:8]


def _merge_runs(children: list[Node]) -> list[tuple[Node, bool]]:
    """Bare words spelling an expansion (medial branch block) also match its abbreviation.

    Returns (node, already_expanded) pairs."""
    longest = vocab_adapter.max_expansion_length()
    if longest < 2:
        return [(c, False) for c in children]
    out: list[tuple[Node, bool]] = []
    i = 0
    while i < len(children):
        matched = False
        for size in range(min(longest, len(children) - i), 1, -1):
            run = children[i:i + size]
            if not all(isinstance(c, Term) and c.fields == run[0].fields for c in run):
                continue
            seq = tuple(c.term for c in run)  # type: ignore[union-attr]
            abbrs = vocab_adapter.abbreviations_for_terms(seq)
            if abbrs:
                fields = run[0].fields  # type: ignore[union-attr]
                words_ = tuple(c.text for c in run)  # type: ignore[union-attr]
                alts: list[Node] = [Phrase(words_, seq, 0, fields)]
                for a in abbrs:
                    cand = Term(a.abbr, a.term, fields)
                    if not any(_same_terms(cand, o) for o in alts):
                        alts.append(cand)
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
            pin = Pin(Or(tuple(FacetTerm("citation", k) for k in matched)) if len(matched) > 1
                      else FacetTerm("citation", matched[0]), CITATION_PIN_SCORE)
            tree = simplify(Or((tree, pin)))
        inline = [leaf.value for leaf, neg in leaves(tree)
                  if isinstance(leaf, FacetTerm) and leaf.facet in CITATION_FACETS and not neg]
        for key in inline:
            if key not in matched:
                matched.append(key)
        return ParsedQuery(original, tree, messages, matched)
    except RecursionError:
        return ParsedQuery(original, MatchAll(),
                           ["The query is nested too deeply to read; showing all passages."], [])


def _has_text(tree: Node) -> bool:
    return any(isinstance(leaf, (Term, Phrase, Prefix, Near)) and not neg for leaf, neg in leaves(tree))


def _citation_keys(text: str, tree: Node) -> list[str]:
    """Citation keys the free text reads as (only for queries with plain words)."""
    plain = [leaf for leaf, neg in leaves(tree) if isinstance(leaf, (Term, Phrase)) and not neg and not leaf.fields]
    if len(plain) < 2 and not any(isinstance(leaf, Phrase) for leaf in plain):
        return []
    return vocab_adapter.citations_in_query(text)
