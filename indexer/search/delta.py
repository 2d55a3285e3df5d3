"""Which passages indexed after a point in an index's history match a query.

This is what alerts ask after every indexing run: "of the passages that are
new since this saved search last looked, which match it?". The answer comes
from a throwaway index holding only those new passages, built with the same
engine from the same documents (`docs_for_letter`), over which every saved
search is then run. Why this design:

- Exact, and engine-independent. Whether a passage matches a query depends
  only on that passage's own fields, never on the rest of the corpus (scores
  do, and alerts do not use them), so a passage matches in the small index
  exactly when it matches in the live one. Only the `SearchEngine` interface
  and the service's own query parsing and filter cleaning are used, so every
  engine, present or future, answers alerts the way it answers searches.
- What is new is exact too: the letter store numbers every passage id the
  first time the index holds it (`passage_seq`, carried from generation to
  generation and across `--rebuild`), so a re-indexed or re-parsed letter is
  not "new", and a saved search's cursor (the highest number it has seen)
  says precisely what it has not seen, whichever run or command indexed it.
- Cheap at scale: the cost follows the new passages, not the corpus. A month
  of DWC letters (about 14,000 letters, some 30,000 passages) is indexed into
  the small index in seconds, and each saved search then runs over those few
  thousand documents in a millisecond or two. Running every saved search over
  the whole 1M-passage index and subtracting what it had seen would instead
  cost every broad search (`decision:upheld`: half the corpus) hundreds of
  thousands of ids per run, and storing those ids per search would make the
  database grow with searches x corpus.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.index.documents import docs_for_letter
from indexer.index.engine import SearchEngine
from indexer.query.types import SearchRequest

if TYPE_CHECKING:  # pragma: no cover
    from indexer.search.service import SearchService


@dataclass(frozen=True)
class NewPassage:
    passage_id: str
    letter_id: str
    seq: int  # when the index first held it (see LetterStore.passage_seq)


class DeltaIndex:
    """The passages first indexed after `after_seq`, searchable on their own.

    Use as a context manager; the temporary index is removed on close."""

    def __init__(
        self, service: SearchService, passages: list[NewPassage], engine: SearchEngine | None, folder: Path | None
    ):
        self.service = service
        self.passages = passages
        self.seq_of = {p.passage_id: p.seq for p in passages}
        self._engine = engine
        self._folder = folder

    @classmethod
    def build(cls, service: SearchService, after_seq: int) -> DeltaIndex:
        passages = [NewPassage(pid, lid, seq) for pid, lid, seq in service.passages_after(after_seq)]
        if not passages:
            return cls(service, [], None, None)
        wanted: dict[str, set[str]] = {}
        for p in passages:
            wanted.setdefault(p.letter_id, set()).add(p.passage_id)
        folder = Path(tempfile.mkdtemp(prefix="imr-delta-"))
        engine = None
        try:
            engine = service.home.scratch_engine(folder / "engine")
            for letter_id, ids in wanted.items():
                letter = service.get_letter(letter_id)
                if letter is None:
                    continue
                engine.add(d for d in docs_for_letter(letter) if d.passage_id in ids)
            engine.commit()
        except BaseException:
            if engine is not None:
                engine.close()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return cls(service, passages, engine, folder)

    def matches(
        self,
        query: str,
        filters: dict[str, list[str]],
        after_seq: int = 0,
        dates: dict[str, str] | None = None,
        scope: str = "passage",
    ) -> list[str]:
        """Ids of the new passages (numbered above `after_seq`) that match, oldest first.
        `dates`: the request's date parameters (decided_from, ... as SearchRequest has them);
        `scope`: "letter" when unrestricted words also match the case summary."""
        if self._engine is None:
            return []
        d = dates or {}
        req = SearchRequest(
            query=query,
            filters=filters,
            scope=scope,
            decided_from=d.get("decided_from"),
            decided_to=d.get("decided_to"),
            injured_from=d.get("injured_from"),
            injured_to=d.get("injured_to"),
        )
        tree, clean = self.service.compile_request(req)
        total = self._engine.count(tree, clean)
        if not total:
            return []
        hits = self._engine.search(tree, clean, "decision_date", 0, total).hits
        ids = [h.passage_id for h in hits if self.seq_of.get(h.passage_id, 0) > after_seq]
        return sorted(ids, key=lambda pid: self.seq_of[pid])

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> DeltaIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
