"""More like this: passages whose rationale says the same things as a text.

The text (a passage's rationale, or a pasted denial) is reduced to its most
distinctive terms: each analysed word weighted by its frequency in the text
(sub-linear) times its inverse document frequency among rationales. Boilerplate
("medically necessary", "guidelines", "the records") occurs in most rationales,
so its idf is near zero and it never makes the cut; what is left is what this
rationale says that others mostly do not (the drug, the procedure, the finding).
The query is an OR of those terms over the rationale field, scored by the
engine's own BM25: a plain query tree that every engine already compiles.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from indexer.query import analysis
from indexer.query.tree import Node, Or, Term

FIELD = "rationale"
MAX_TERMS = 25  # enough to describe a rationale; more only adds near-random matches
MIN_TERM_CHARS = 3
MAX_DOC_SHARE = 0.2  # a term in more than a fifth of all rationales is boilerplate here
MAX_TEXT_CHARS = 20_000  # a pasted letter or appeal draft
# the widest top asked for, when the best matches are mostly undecided (the engine
# orders a score tie at the cut itself, see SearchEngine.more_like_this)
MAX_FETCH = 2_000
# Function words say nothing about a rationale; in a small index their idf is not
# low enough to keep them out (in a large one MAX_DOC_SHARE does).
STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his if in into is it its
of on or she such that the their then there these they this to was were which will with would""".split()
)


@dataclass(frozen=True)
class WeightedTerm:
    word: str  # the surface form most used in the text (for the "search them" link)
    term: str  # the analysed term the index holds
    weight: float
    doc_freq: int


def candidate_terms(text: str) -> tuple[Counter, dict[str, str]]:
    """Analysed terms of `text` with their counts, and each term's commonest surface form."""
    counts: Counter = Counter()
    surfaces: dict[str, Counter] = {}
    for tok in analysis.tokens(text[:MAX_TEXT_CHARS]):
        if len(tok.term) < MIN_TERM_CHARS or tok.term.isdigit() or tok.lower in STOPWORDS:
            continue  # dates, doses and article-like words describe no reasoning
        counts[tok.term] += 1
        surfaces.setdefault(tok.term, Counter())[tok.lower] += 1
    return counts, {t: c.most_common(1)[0][0] for t, c in surfaces.items()}


def distinctive_terms(
    text: str, doc_freqs: Callable[[Iterable[str]], dict[str, int]], total: int, limit: int = MAX_TERMS
) -> list[WeightedTerm]:
    """The `limit` most distinctive terms of `text`, best first (ties by term, so
    the same text always gives the same query)."""
    counts, surface = candidate_terms(text)
    if not counts or total <= 0:
        return []
    dfs = doc_freqs(list(counts))
    out = []
    for term, tf in counts.items():
        df = int(dfs.get(term, 0))
        if df == 0 or df > MAX_DOC_SHARE * total and total > 50:
            continue  # in no rationale (nothing to find) or in too many (boilerplate)
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        out.append(WeightedTerm(surface[term], term, (1 + math.log(tf)) * idf, df))
    out.sort(key=lambda w: (-w.weight, w.term))
    return out[:limit]


def similarity_query(terms: list[WeightedTerm]) -> Node | None:
    if not terms:
        return None
    leaves = tuple(Term(w.word, w.term, (FIELD,)) for w in terms)
    return leaves[0] if len(leaves) == 1 else Or(leaves)


def search_text(terms: list[WeightedTerm]) -> str:
    """The same query in the query language, for a "search them" link."""
    return " OR ".join(f"{FIELD}:{w.word}" for w in terms)
