"""The OpenSearch engine: the same search contract on a distributed cluster.

For deployments that outgrow one machine: any number of app servers share one
cluster (and one PostgreSQL bookmark database); nothing is read from local
files. Per generation the cluster holds two indices:

    <prefix>-passages-g000007   one document per passage: analysed text, facets, sort keys
    <prefix>-store-g000007      the letter store: letters, passages as the model has them,
                                file records (incremental indexing) and meta values

behind the aliases `<prefix>-passages` and `<prefix>-store`. A build writes new
indices and publishes them by one atomic `_aliases` request that moves both
aliases; a crash before it leaves the aliases on the old indices.

An incremental run updates the live generation's indices in place, with bulk
requests (cloning would copy every shard for a month's 14,000 letters). It
first records the files and letters it may touch (a journal in the store
index) and turns refresh off on both indices, so readers keep searching the
state before the run; at the end one refresh shows all its changes at once,
and a revision alias (`<prefix>-revision-N` on the passages index) tells app
servers to drop what they cached of the old state. A run that dies leaves the
journal, and readers on the state before it; the next run clones that state,
removes from the clone everything the journal names or the dead run wrote (its
documents carry the run's id), reads those files again and publishes the clone
by the alias swap, so no reader ever sees half a run.

Terms equal the other engines': text is analysed by the application's own
analysis (`indexer.query.analysis`, Tantivy's en_stem) and indexed as its terms
joined by spaces into `whitespace`-analysed fields (an over-long word dropped by
the analysis keeps its position as the filler token "_", which no query term
can be). This needs no analysis plugin, so it runs on any cluster a user has.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import queue
import random
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.index import neardup
from indexer.index.documents import IndexDoc, date_key_range
from indexer.index.engine import (
    RANGE_KEYS,
    SORT_FIELDS,
    EngineError,
    EngineHit,
    EngineResult,
    Generation,
    IndexHome,
    SearchEngine,
    filter_nodes,
)
from indexer.index.opensearch_settings import OpenSearchSettings
from indexer.index.store import (
    LINEAGE_META,
    FileRecord,
    HitData,
    PackedLetter,
    _unpack,
    letter_dict,
    letter_meta,
    passage_dict,
)
from indexer.model import CitationKey, Letter, Passage
from indexer.query import analysis
from indexer.query.tree import (
    PASSAGE_TEXT_FIELDS,
    TEXT_FIELD_WEIGHTS,
    TEXT_FIELDS,
    And,
    FacetTerm,
    Fuzzy,
    InLetters,
    MatchAll,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Pin,
    Prefix,
    Range,
    Term,
)
from indexer.query.types import CITATION_FACETS, HIDDEN_FACETS, INDEXED_FACETS
from indexer.query.visit import TreeVisitor

if TYPE_CHECKING:  # pragma: no cover - opensearch-py is imported when the engine is used
    from opensearchpy import OpenSearch

log = logging.getLogger(__name__)

ALL_FIELD = "all"  # every text field again, as Tantivy's catch-all field
FILLER = "_"  # holds the position of a word the analysis drops
_MAX_FILL = 64  # a wider jump in positions than this is a sentence gap: a new value
# Lucene places a field's next value this many positions after the previous one's
# last token, plus one: exactly tokens()'s jump between sentences
POSITION_GAP = analysis.SENTENCE_GAP
MAX_LONG = (1 << 63) - 1
MAX_SLOP = (1 << 31) - 2  # "same field" proximity is a huge distance; Lucene's slop is an int
MAX_WINDOW = 10_000  # index.max_result_window: deeper pages use point in time + search_after
FIRST_BUCKETS = 1_000  # terms buckets asked for first; grown when a facet has more values
LETTER_PAGE = 10_000  # distinct letters per composite-aggregation page when counting letters
# a terms query holds at most index.max_terms_count (65,536) values: larger
# letter sets (a common word in the case summaries) go as several, ORed
TERMS_CHUNK = 65_536
KEEP_PREVIOUS = 1  # generations kept behind the live one, for app servers not yet switched
LOCK_LEASE = 120.0  # seconds a writer lock lasts unless renewed (a killed run's lock expires)
_GEN_WIDTH = 6
SCRATCH_STALE = 3600.0  # seconds after which a scratch index is taken for abandoned
JOURNAL = "journal"  # store documents: what an in-place run may touch (head + chunks)
JOURNAL_CHUNK = 2_000  # paths (and letter ids) per journal document
WRITE_TIMEOUT = {"request_timeout": 600}  # maintenance requests on a large index take minutes


def _t(field: str) -> str:
    return "t_" + field


@lru_cache(maxsize=256)
def analysed(text: str) -> tuple[str, ...]:
    """`text` as runs of indexed terms joined by spaces: one run per sentence.

    The terms and positions are `analysis.tokens()`'s: inside a run, positions
    follow each other (a word the analysis drops keeps its place as FILLER);
    between sentences `tokens()` leaves SENTENCE_GAP positions, which the fields'
    `position_increment_gap` reproduces between the values of the array.
    Cached because a letter's summary is indexed with each of its passages."""
    runs: list[str] = []
    run: list[str] = []
    last = -1
    for tok in analysis.tokens(text):
        gap = tok.position - last
        if run and gap > _MAX_FILL:
            runs.append(" ".join(run))
            run = []
        elif run:
            run.extend([FILLER] * (gap - 1))
        run.append(tok.term)
        last = tok.position
    if run:
        runs.append(" ".join(run))
    return tuple(runs)


def tie_key(passage_id: str) -> int:
    return zlib.crc32(passage_id.encode("utf-8"))


def _passages_mapping() -> dict:
    props: dict = {
        "passage_id": {"type": "keyword"},
        "letter_id": {"type": "keyword"},
        "tie": {"type": "long"},
        "run": {"type": "keyword"},  # the in-place run that wrote it (repairing a dead run finds them)
        # fielddata: the term dictionary with document counts, for spelling (loaded on first use)
        ALL_FIELD: {
            "type": "text",
            "analyzer": "whitespace",
            "position_increment_gap": POSITION_GAP,
            "fielddata": True,
        },
    }
    for f in TEXT_FIELDS:
        props[_t(f)] = {"type": "text", "analyzer": "whitespace", "position_increment_gap": POSITION_GAP}
    props.update(_facet_mapping(INDEXED_FACETS))
    for key in SORT_FIELDS.values():
        props[key] = {"type": "long"}
    return {"dynamic": "strict", "_source": {"includes": ["passage_id", "letter_id"]}, "properties": props}


def _facet_mapping(facets) -> dict:
    """Each facet as shown and lowercased (for filtering), both keywords."""
    return {name: {"type": "keyword"} for facet in facets for name in (facet, facet + "_k")}


_STORE_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},  # letter | passage | file | meta
        "key": {"type": "keyword"},  # the document id again (a sort key for listing)
        "letter_id": {"type": "keyword"},
        "ordinal": {"type": "integer"},
        "seq": {"type": "long"},  # kind seq: when the index first held a passage (LetterStore.passage_seq)
        "run": {"type": "keyword"},  # the in-place run that wrote it
        "src": {"type": "object", "enabled": False},  # what the model has, as JSON
    },
}
# fields added after the first release: put into older indices' mappings when they are written
# fields newer than some live indices' mappings, added when an index is opened for writing:
# the in-place run's stamp and the hidden near-duplicate group facet
_NEW_FIELDS = {"run": {"type": "keyword"}, **_facet_mapping(HIDDEN_FACETS)}
_NEW_STORE_FIELDS = {"seq": {"type": "long"}, "run": {"type": "keyword"}}


# ---------------------------------------------------------------------- bulk writing


# by score, equal scores in the shared tie order (CRC-32 of the id, then the id)
RELEVANCE_ORDER = [{"_score": "desc"}, {"tie": "asc"}, {"passage_id": "asc"}]


class BulkWriter:
    """Bulk requests over several parallel streams, with back-pressure.

    Operations on one letter always go through the same stream (hashed by its
    letter id), in order, so a delete is never overtaken by the re-index that
    follows it. Each stream has a short queue; when the cluster is slower than
    the indexer, `put` blocks instead of piling documents up in memory. Items the
    cluster rejects for load (429) are retried with backoff; other failures are
    collected and raised by `flush`."""

    def __init__(self, client, streams: int, chunk: int, retries: int = 6):
        self.client = client
        self.chunk = chunk
        self.retries = retries
        self.errors: list[str] = []
        self.sent = 0
        self._buffers: list[list[dict]] = [[] for _ in range(streams)]
        self._queues: list[queue.Queue] = [queue.Queue(maxsize=2) for _ in range(streams)]
        self._threads = [
            threading.Thread(target=self._run, args=(q,), daemon=True, name=f"imr-bulk-{i}")
            for i, q in enumerate(self._queues)
        ]
        for t in self._threads:
            t.start()

    def put(self, route: str, action: dict, source: dict | None = None) -> None:
        n = zlib.crc32(route.encode("utf-8")) % len(self._buffers)
        buf = self._buffers[n]
        buf.append(action)
        if source is not None:
            buf.append(source)
        if len(buf) >= self.chunk * 2:
            self._queues[n].put(buf)  # blocks while the stream is two requests behind
            self._buffers[n] = []

    def flush(self) -> None:
        for n, buf in enumerate(self._buffers):
            if buf:
                self._queues[n].put(buf)
                self._buffers[n] = []
        for q in self._queues:
            q.join()
        if self.errors:
            errors, self.errors = self.errors, []
            raise EngineError(f"OpenSearch refused {len(errors)} bulk operations; first: {errors[0]}")

    def close(self) -> None:
        for q in self._queues:
            q.put(None)
        for t in self._threads:
            t.join(timeout=60)

    def _run(self, q: queue.Queue) -> None:
        while True:
            body = q.get()
            try:
                if body is None:
                    return
                self._send(body)
            except Exception as exc:  # noqa: BLE001 - any failure is reported by flush(); the stream keeps serving
                log.warning("OpenSearch bulk request failed: %s", exc)
                self.errors.append(str(exc)[:500])
            finally:
                q.task_done()

    def _send(self, body: list[dict]) -> None:
        for attempt in range(self.retries + 1):
            resp = self.client.bulk(body=body, params={"request_timeout": 120})
            if not resp.get("errors"):
                self.sent += sum(1 for line in body if _is_action(line))
                return
            retry: list[dict] = []
            pairs = _pairs(body)
            for (action, source), item in zip(pairs, resp["items"], strict=True):
                result = next(iter(item.values()))
                status = result.get("status", 500)
                if status < 300 or ("delete" in action and status == 404):
                    continue
                if "create" in action and status == 409:
                    continue  # create only if absent (a passage's first number): present is fine
                if status == 429:
                    retry.append(action)
                    if source is not None:
                        retry.append(source)
                else:
                    self.errors.append(f"{status} {json.dumps(result.get('error'))[:300]}")
            if not retry:
                return
            body = retry
            time.sleep(min(30.0, 0.5 * 2**attempt) * (0.5 + random.random()))
        self.errors.append(f"{len(body)} operations still rejected (429) after {self.retries} retries")


def _is_action(line: dict) -> bool:
    return len(line) == 1 and next(iter(line)) in ("index", "delete", "create", "update")


def _pairs(body: list[dict]) -> list[tuple[dict, dict | None]]:
    out: list[tuple[dict, dict | None]] = []
    i = 0
    while i < len(body):
        action = body[i]
        if "delete" in action:
            out.append((action, None))
            i += 1
        else:
            out.append((action, body[i + 1]))
            i += 2
    return out


class _BulkTarget:
    """One index written through a BulkWriter (the engine's and the store's)."""

    client: OpenSearch
    index: str
    writable: bool
    settings: OpenSearchSettings | None
    _writer: BulkWriter | None
    # set on the live generation's indices during an in-place run: its id stamps every
    # document written, and nothing is refreshed until the home publishes the run
    run: str | None = None

    def _w(self) -> BulkWriter:
        if not self.writable:
            raise EngineError(f"{self.index} was opened read-only")
        if self._writer is None:
            s = self.settings
            self._writer = BulkWriter(self.client, s.bulk_streams if s else 2, s.bulk_docs if s else 500)
        return self._writer

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.flush()
        if self.run is None:
            self.client.indices.refresh(index=self.index)

    def _add_fields(self, fields: dict) -> None:
        """Put fields newer than an index's mapping into it (adding fields is allowed)."""
        self.client.indices.put_mapping(index=self.index, body={"properties": fields})

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


# ---------------------------------------------------------------------- the home


class OpenSearchHome(IndexHome):
    """Generations as index pairs behind two aliases on a cluster."""

    engine_name = "opensearch"
    updates_in_place = True

    def __init__(self, settings: OpenSearchSettings, name: str | None = None):
        self.settings = settings
        self.client = settings.client()
        self.prefix = settings.prefix + (f"-{_index_name(name)}" if name else "")
        self.passages_alias = f"{self.prefix}-passages"
        self.store_alias = f"{self.prefix}-store"
        self.letters_alias = f"{self.prefix}-letters"  # the letter index: case summaries, once per letter
        self.lock_index = f"{self.prefix}-lock"
        self.revision_alias = f"{self.prefix}-revision"
        self.scratch_prefix = f"{self.prefix}-scratch"
        self._updating: tuple[str, str] | None = None  # (generation, run id) of an in-place run

    def describe(self) -> str:
        return f"{','.join(self.settings.hosts)} ({self.prefix})"

    def missing_message(self) -> str:
        return (
            f"no opensearch index {self.passages_alias} at {','.join(self.settings.hosts)}; "
            "build one with: imr index PATH --engine opensearch"
        )

    def passages_index(self, gen: Generation) -> str:
        return f"{self.passages_alias}-{_base(gen)}"

    def store_index(self, gen: Generation) -> str:
        return f"{self.store_alias}-{_base(gen)}"

    def letters_index(self, gen: Generation) -> str:
        return f"{self.letters_alias}-{_base(gen)}"

    def _indices(self, gen: Generation) -> tuple[str, ...]:
        """Every index of a generation: passages, letter store, letter index."""
        return (self.passages_index(gen), self.store_index(gen), self.letters_index(gen))

    # ------------------------------------------------------------------ lifecycle
    def live(self) -> Generation | None:
        """The generation the passages alias is on, named with its revision (the
        in-place runs published on it: "g000007.r3"), so readers reopen after each."""
        from opensearchpy import NotFoundError

        try:
            held = self.client.indices.get_alias(name=f"{self.passages_alias},{self.revision_alias}-*")
        except NotFoundError:
            return None
        except Exception as exc:
            raise EngineError(f"cannot reach OpenSearch at {','.join(self.settings.hosts)}: {exc}") from exc
        holders = sorted(i for i, v in held.items() if self.passages_alias in v.get("aliases", {}))
        if not holders:
            return None
        base = holders[-1].rsplit("-", 1)[-1]
        revisions = [
            int(a.rsplit("-", 1)[-1])
            for a in held[holders[-1]].get("aliases", {})
            if a.startswith(self.revision_alias + "-") and a.rsplit("-", 1)[-1].isdigit()
        ]
        return Generation(f"{base}.r{max(revisions)}" if revisions else base)

    def create(self, clone_from: Generation | None) -> Generation:
        numbers = [n for n, _ in self._generations()]
        gen = Generation(f"g{(max(numbers) if numbers else 0) + 1:0{_GEN_WIDTH}d}")
        building = {"number_of_replicas": 0, "refresh_interval": "-1", "max_result_window": MAX_WINDOW}
        try:
            if clone_from is not None:
                # a new generation holding what `clone_from` holds (hard-linked segments, as
                # Tantivy's folders): the repair of an in-place run that died on it
                for source, target in zip(self._indices(clone_from), self._indices(gen), strict=True):
                    if self.client.indices.exists(index=source):
                        self._clone(source, target, building)
                journal = self._journal(self.store_index(clone_from))
                if journal is not None:
                    self._repair(gen, *journal)
                return gen
            for index in (self.passages_index(gen), self.letters_index(gen)):
                self.client.indices.create(
                    index=index,
                    body={
                        "settings": {"index": dict(building, number_of_shards=self.settings.shards)},
                        "mappings": _passages_mapping(),
                    },
                )
            self.client.indices.create(
                index=self.store_index(gen),
                body={"settings": {"index": dict(building, number_of_shards=1)}, "mappings": _STORE_MAPPING},
            )
        except BaseException:
            self.drop(gen)
            raise
        return gen

    def _clone(self, source: str, target: str, settings: dict) -> None:
        """Copy an index (its segments are hard-linked on each node). The source
        must refuse writes meanwhile; only the writer-lock holder writes anyway.
        The copy is of the last commit, which a flush makes hold every acknowledged
        write, also those a dead in-place run left unrefreshed (never shown to readers)."""
        self.client.indices.put_settings(index=source, body={"index": {"blocks.write": True}})
        try:
            self.client.indices.flush(index=source)  # the clone copies the last commit
            self.client.indices.clone(
                index=source,
                target=target,
                body={"settings": {"index": settings}},
                params={"wait_for_active_shards": "1", "request_timeout": 300},
            )
        finally:
            self.client.indices.put_settings(index=source, body={"index": {"blocks.write": None}})
        self.client.indices.put_settings(index=target, body={"index": {"blocks.write": None}})

    # ------------------------------------------------------------------ in-place runs
    def begin_update(self, live: Generation, paths, letter_ids) -> Generation:
        p, s, ltr = self._indices(live)
        run = uuid.uuid4().hex
        self.client.indices.put_mapping(index=f"{p},{ltr}", body={"properties": _NEW_FIELDS})
        self.client.indices.put_mapping(index=s, body={"properties": _NEW_STORE_FIELDS})
        # the journal first (chunks, then the head that makes it count), durable and
        # searchable; then refresh off, so readers keep the state before the run
        paths, letter_ids = list(paths), list(letter_ids)
        chunks = max(1, -(-max(len(paths), len(letter_ids)) // JOURNAL_CHUNK))
        for i in range(chunks):
            part = slice(i * JOURNAL_CHUNK, (i + 1) * JOURNAL_CHUNK)
            self.client.index(
                index=s,
                id=f"{JOURNAL}:{i}",
                body={
                    "kind": JOURNAL,
                    "key": f"{JOURNAL}:{i}",
                    "run": run,
                    "src": {"paths": paths[part], "letter_ids": letter_ids[part]},
                },
            )
        self.client.index(
            index=s,
            id=JOURNAL,
            body={"kind": JOURNAL, "key": JOURNAL, "run": run, "src": {"chunks": chunks, "started": time.time()}},
            params={"refresh": "true"},
        )
        self.client.indices.put_settings(index=f"{p},{s},{ltr}", body={"index": {"refresh_interval": "-1"}})
        self._updating = (_base(live), run)
        return live

    def interrupted(self, live: Generation) -> list[str] | None:
        journal = self._journal(self.store_index(live))
        return None if journal is None else journal[1]

    def _journal(self, store_index: str) -> tuple[str, list[str], list[str]] | None:
        """(run id, paths, letter ids) of the in-place run that died on this store, or None."""
        head = self.client.get(index=store_index, id=JOURNAL, params={"ignore": 404})
        if not head.get("found"):
            return None
        run, chunks = head["_source"]["run"], int(head["_source"]["src"]["chunks"])
        paths: list[str] = []
        ids: list[str] = []
        docs = self.client.mget(index=store_index, body={"ids": [f"{JOURNAL}:{i}" for i in range(chunks)]})
        for doc in docs["docs"]:
            if doc.get("found") and doc["_source"].get("run") == run:
                paths.extend(doc["_source"]["src"]["paths"])
                ids.extend(doc["_source"]["src"]["letter_ids"])
        return run, paths, ids

    def _repair(self, gen: Generation, run: str, paths: list[str], letter_ids: list[str]) -> None:
        """Remove from a clone of a generation an in-place run died on everything of
        the files and letters it named, and every letter it wrote (stamped with its id):
        the clone then holds exactly the state before that run, less those files,
        which the repairing run reads again."""
        p, s, ltr = self._indices(gen)
        self.client.indices.refresh(index=f"{p},{s},{ltr}")
        stamped = {"term": {"run": run}}
        doomed = sorted(
            set(letter_ids)
            | _letters_where(self.client, p, stamped)
            | _letters_where(self.client, s, stamped)
            | _letters_where(self.client, ltr, stamped)
        )
        # (searches and bulk deletes, not _delete_by_query: a cluster may lack the reindex module)
        for i in range(0, len(doomed), JOURNAL_CHUNK):
            chunk = {"terms": {"letter_id": doomed[i : i + JOURNAL_CHUNK]}}
            _delete_where(self.client, p, chunk, "passage_id")
            _delete_where(self.client, ltr, chunk, "passage_id")
            # passage numbers stay: a passage indexed again is not new (LetterStore.passage_seq)
            _delete_where(self.client, s, {"bool": {"filter": [chunk], "must_not": [{"term": {"kind": "seq"}}]}}, "key")
        for i in range(0, len(paths), JOURNAL_CHUNK):
            files = [_file_id(path) for path in paths[i : i + JOURNAL_CHUNK]]
            _delete_where(self.client, s, {"ids": {"values": files}}, "key")
        _delete_where(self.client, s, {"term": {"kind": JOURNAL}}, "key")
        self.client.indices.refresh(index=f"{p},{s},{ltr}")

    def _publish_in_place(self, gen: Generation) -> Generation:
        """Show an in-place run's changes, all at once, and name the new revision."""
        from indexer.index.pipeline import BROWSE_FACETS_META, DECIDED_LETTERS_META, browse_counts, decided_letters

        p, s, ltr = self._indices(gen)
        # every write of the run is acknowledged (the builder flushed its writers): the
        # journal goes first, since from here on there is nothing to repair, only to show
        self.client.delete(index=s, id=JOURNAL, params={"ignore": 404})
        _delete_where(self.client, s, {"term": {"kind": JOURNAL}}, "key")
        self.client.indices.refresh(index=f"{p},{s},{ltr}")  # the run's changes appear together
        live_engine = OpenSearchEngine(self.client, p, settings=self.settings)
        stored = {
            BROWSE_FACETS_META: json.dumps(browse_counts(live_engine)),
            DECIDED_LETTERS_META: str(decided_letters(live_engine)),
        }
        for key, value in stored.items():
            meta = f"meta:{key}"
            self.client.index(
                index=s,
                id=meta,
                body={"kind": "meta", "key": meta, "src": {"value": value}},
                params={"refresh": "true"},
            )
        self.client.indices.put_settings(index=f"{p},{s},{ltr}", body={"index": {"refresh_interval": None}})
        live = self.live()
        revision = int(live.name.split(".r", 1)[1]) + 1 if live is not None and ".r" in live.name else 1
        actions: list[dict] = (
            [{"remove": {"index": p, "alias": f"{self.revision_alias}-*"}}]
            if live is not None and ".r" in live.name
            else []
        )
        actions.append({"add": {"index": p, "alias": f"{self.revision_alias}-{revision:06d}"}})
        self.client.indices.update_aliases(body={"actions": actions})
        return Generation(f"{_base(gen)}.r{revision}")

    def scratch_engine(self, folder: Path) -> OpenSearchEngine:
        """A throwaway passages index on the cluster (one shard, no replica), deleted
        when the engine is closed; `sweep` deletes those a killed process left."""
        index = f"{self.scratch_prefix}-{uuid.uuid4().hex[:16]}"
        self.client.indices.create(
            index=index,
            body={
                "settings": {
                    "index": {"number_of_shards": 1, "number_of_replicas": 0, "max_result_window": MAX_WINDOW}
                },
                "mappings": _passages_mapping(),
            },
        )
        engine = OpenSearchEngine(self.client, index, writable=True, settings=self.settings)
        engine.drop_on_close = True
        return engine

    # ------------------------------------------------------------------ opening, publishing
    def open(self, gen: Generation, writable: bool = False):
        engine = OpenSearchEngine(self.client, self.passages_index(gen), writable=writable, settings=self.settings)
        store = OpenSearchStore(self.client, self.store_index(gen), writable=writable, settings=self.settings)
        if writable and self._updating is not None and self._updating[0] == _base(gen):
            engine.run = store.run = self._updating[1]
        return engine, store

    def open_letters(self, gen: Generation, writable: bool = False) -> OpenSearchEngine | None:
        if not writable and not self.has_letter_index(gen):
            return None
        engine = OpenSearchEngine(self.client, self.letters_index(gen), writable=writable, settings=self.settings)
        if writable and self._updating is not None and self._updating[0] == _base(gen):
            engine.run = self._updating[1]
        return engine

    def has_letter_index(self, gen: Generation) -> bool:
        return bool(self.client.indices.exists(index=self.letters_index(gen)))

    def publish(self, gen: Generation) -> Generation:
        if self._updating is not None and self._updating[0] == _base(gen):
            self._updating = None
            return self._publish_in_place(gen)
        indices = [i for i in self._indices(gen) if self.client.indices.exists(index=i)]
        replicas = (
            {"number_of_replicas": self.settings.replicas, "auto_expand_replicas": False}
            if self.settings.replicas is not None
            else {"auto_expand_replicas": "0-1"}
        )
        for index in indices:
            self.client.indices.put_settings(index=index, body={"index": dict(replicas, refresh_interval=None)})
        self.client.indices.refresh(index=",".join(indices))
        # replicas in place before the switch, so the new generation is as safe as the old
        self.client.cluster.health(
            index=",".join(indices),
            wait_for_status="green" if self._multi_node() else "yellow",
            params={"timeout": "120s", "request_timeout": 130},
        )
        actions = []
        current = self._alias_targets()
        for alias, new in zip(self._aliases(), self._indices(gen), strict=True):
            for old in current.get(alias, []):
                actions.append({"remove": {"index": old, "alias": alias}})
            if new in indices:
                actions.append({"add": {"index": new, "alias": alias}})
        self.client.indices.update_aliases(body={"actions": actions})  # atomic: all or none
        return Generation(gen.name)

    def drop(self, gen: Generation) -> None:
        if self._updating is not None and self._updating[0] == _base(gen):
            # an in-place run that failed: its journal stays, and the next run repairs
            self._updating = None
            return
        live = self.live()
        if live is not None and _base(live) == _base(gen):
            return  # never the live generation
        self.client.indices.delete(index=",".join(self._indices(gen)), params={"ignore_unavailable": "true"})

    def sweep(self) -> None:
        """Drop abandoned builds (newer than the live generation, never published) and
        generations older than the one kept behind the live one; lift a write block
        a killed run left on the live generation while cloning it, and the refresh
        pause of an in-place run that died after its journal was cleared (nothing
        to repair: its changes are complete, and shown now)."""
        live = self.live()
        gens = self._generations()
        if live is None:
            for _, gen in gens:
                self.drop(gen)
            return
        live_n = int(_base(live)[1:])
        older = [g for n, g in gens if n < live_n]
        for n, gen in gens:
            if n > live_n:
                self.drop(gen)
        for gen in older[:-KEEP_PREVIOUS] if KEEP_PREVIOUS else older:
            self.drop(gen)
        self._drop_stale_scratch()
        settings: dict = {"blocks.write": None}
        if self._journal(self.store_index(live)) is None:
            settings["refresh_interval"] = None
        indices = [i for i in self._indices(live) if self.client.indices.exists(index=i)]
        # (older generations have no letter index)
        self.client.indices.put_settings(index=",".join(indices), body={"index": settings})
        if "refresh_interval" in settings:
            self.client.indices.refresh(index=",".join(indices))

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One indexing run at a time: a lock document created only if absent. Its
        lease is renewed while the run lasts, so a run killed outright blocks the
        next one for at most LOCK_LEASE seconds."""
        from opensearchpy import ConflictError, OpenSearchException

        from indexer.index.generations import IndexBusy

        self._ensure_lock_index()
        owner = f"{_hostname()}:{os.getpid()}"
        body = {"owner": owner, "expires": time.time() + LOCK_LEASE}
        try:
            self.client.index(
                index=self.lock_index, id="writer", body=body, params={"op_type": "create", "refresh": "true"}
            )
        except ConflictError:
            held = self.client.get(index=self.lock_index, id="writer")
            if held["_source"].get("expires", 0) > time.time() and _owner_alive(held["_source"].get("owner", "")):
                raise IndexBusy(
                    f"another indexing run ({held['_source'].get('owner')}) is updating "
                    f"{self.prefix} on the cluster; try again when it finishes"
                ) from None
            try:  # a lease that ran out: its run died; take the lock over, unless someone else just did
                self.client.index(
                    index=self.lock_index,
                    id="writer",
                    body=body,
                    params={"if_seq_no": held["_seq_no"], "if_primary_term": held["_primary_term"], "refresh": "true"},
                )
            except ConflictError:
                raise IndexBusy(f"another indexing run is updating {self.prefix}; try again later") from None
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(LOCK_LEASE / 4):
                try:
                    self.client.update(
                        index=self.lock_index, id="writer", body={"doc": {"expires": time.time() + LOCK_LEASE}}
                    )
                except OpenSearchException as exc:  # retried next round; the lease covers a few misses
                    log.warning("cannot renew the indexing lock on %s: %s", self.prefix, exc)

        keeper = threading.Thread(target=renew, daemon=True, name="imr-lock")
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join(timeout=5)
            try:
                self.client.delete(index=self.lock_index, id="writer", params={"refresh": "true"})
            except OpenSearchException as exc:  # the lease expires on its own
                log.warning(
                    "cannot release the indexing lock on %s (it expires in %ss): %s", self.prefix, LOCK_LEASE, exc
                )

    # ------------------------------------------------------------------ helpers
    def _drop_stale_scratch(self) -> None:
        """Scratch indices older than SCRATCH_STALE seconds (their process died)."""
        listing = self.client.indices.get_settings(
            index=f"{self.scratch_prefix}-*",
            name="index.creation_date",
            params={"ignore_unavailable": "true", "allow_no_indices": "true"},
        )
        now_ms = time.time() * 1000
        for index, body in listing.items():
            created = int(body["settings"]["index"]["creation_date"])
            if now_ms - created > SCRATCH_STALE * 1000:
                self.client.indices.delete(index=index, params={"ignore_unavailable": "true"})

    def _ensure_lock_index(self) -> None:
        from opensearchpy import RequestError

        if self.client.indices.exists(index=self.lock_index):
            return
        try:
            self.client.indices.create(
                index=self.lock_index,
                body={
                    "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
                    "mappings": {"dynamic": False, "properties": {}},
                },
            )
        except RequestError as exc:  # created meanwhile by another run
            if "resource_already_exists" not in str(exc):
                raise

    def _generations(self) -> list[tuple[int, Generation]]:
        out = []
        listing = self.client.indices.get(
            index=",".join(f"{a}-g*" for a in self._aliases()),
            params={"ignore_unavailable": "true", "allow_no_indices": "true"},
        )
        for index in listing:
            tail = index.rsplit("-", 1)[-1]
            if tail.startswith("g") and tail[1:].isdigit():
                out.append((int(tail[1:]), Generation(tail)))
        return sorted(dict(out).items())

    def _alias_targets(self) -> dict[str, list[str]]:
        from opensearchpy import NotFoundError

        out: dict[str, list[str]] = {}
        for alias in self._aliases():
            try:
                out[alias] = sorted(self.client.indices.get_alias(name=alias))
            except NotFoundError:
                out[alias] = []
        return out

    def _aliases(self) -> tuple[str, ...]:
        """The aliases readers use, in the order of _indices()."""
        return (self.passages_alias, self.store_alias, self.letters_alias)

    def _multi_node(self) -> bool:
        return int(self.client.cluster.health().get("number_of_data_nodes", 1)) > 1


def _base(gen: Generation) -> str:
    """The generation's indices' name part: "g000007" of "g000007.r3"."""
    return gen.name.split(".", 1)[0]


def _delete_where(client, index: str, query: dict, key: str) -> None:
    """Delete every document matching `query` (ids found as `_ids_where` does, then bulk deletes)."""
    ids = _ids_where(client, index, query, key)
    for i in range(0, len(ids), 1000):
        body = [{"delete": {"_index": index, "_id": doc_id}} for doc_id in ids[i : i + 1000]]
        resp = client.bulk(body=body, params=WRITE_TIMEOUT)
        failed = [item for item in resp["items"] if item["delete"].get("status", 500) not in (200, 404)]
        if failed:
            raise EngineError(f"OpenSearch refused to delete from {index}: {json.dumps(failed[0])[:300]}")


def _letters_where(client, index: str, query: dict) -> set[str]:
    """The letter ids of every document matching `query` (a composite aggregation, paged)."""
    out: set[str] = set()
    after = None
    while True:
        comp: dict = {"size": 1000, "sources": [{"l": {"terms": {"field": "letter_id"}}}]}
        if after is not None:
            comp["after"] = after
        resp = client.search(index=index, body={"query": query, "size": 0, "aggs": {"c": {"composite": comp}}})
        agg = resp["aggregations"]["c"]
        out.update(str(b["key"]["l"]) for b in agg["buckets"])
        after = agg.get("after_key")
        if not agg["buckets"] or after is None:
            return out


def _index_name(name: str | Path) -> str:
    """An index folder's name as part of an index name (`data/index` -> `index`)."""
    raw = Path(str(name)).name.lower() or "index"
    clean = "".join(ch if ch.isalnum() or ch in "_-" else "-" for ch in raw).strip("-_") or "index"
    return clean[:60]


def _hostname() -> str:
    import socket

    return socket.gethostname()


def _owner_alive(owner: str) -> bool:
    """False when a lock's owner is a process on this machine that is gone (a
    killed run); an owner elsewhere counts as alive until its lease runs out."""
    host, _, pid = owner.rpartition(":")
    if host != _hostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------------- the engine


class OpenSearchEngine(_BulkTarget, SearchEngine, TreeVisitor[dict]):
    name = "opensearch"
    remote = True
    parallel_reads = True  # requests wait on the network, outside the GIL

    def __init__(self, client, index: str, writable: bool = False, settings: OpenSearchSettings | None = None):
        super().__init__(Path(index), writable)
        self.client = client
        self.index = index
        self.settings = settings
        self._buckets: dict[str, int] = {}
        self._writer: BulkWriter | None = None
        self._shards: int | None = None
        self.run: str | None = None
        self.drop_on_close = False  # a scratch index (see OpenSearchHome.scratch_engine)
        if writable:
            self._add_fields(_NEW_FIELDS)

    @classmethod
    def configured(cls) -> bool:
        return OpenSearchSettings.configured()

    @classmethod
    def home(cls, index_dir: Path | str | None) -> IndexHome:
        return OpenSearchHome(OpenSearchSettings.from_env(), str(index_dir) if index_dir else None)

    # ------------------------------------------------------------------ writing
    @classmethod
    def prepare_docs(cls, docs: list[IndexDoc]) -> None:
        for d in docs:
            d.prepared = _source(d)

    def add(self, docs: Iterable[IndexDoc]) -> int:
        writer = self._w()
        n = 0
        for d in docs:
            if d.prepared is not None:
                # prepared in a parse worker, before the indexer set the near-duplicate group
                src = d.prepared
                _put_facets(src, d, HIDDEN_FACETS)
            else:
                src = _source(d)
            if self.run is not None:
                src = dict(src, run=self.run)
            writer.put(d.letter_id, {"index": {"_index": self.index, "_id": d.passage_id}}, src)
            n += 1
        return n

    def delete_letter(self, letter_id: str) -> None:
        # the letter's passages from earlier runs (searchable: published generations
        # are refreshed, and a clone holds what its source held)
        for pid in _ids_where(self.client, self.index, {"term": {"letter_id": letter_id}}, "passage_id"):
            self._w().put(letter_id, {"delete": {"_index": self.index, "_id": pid}})

    def close(self) -> None:
        super().close()
        if self.drop_on_close:
            self.drop_on_close = False
            self.client.indices.delete(index=self.index, params={"ignore_unavailable": "true"})

    def clear_caches(self) -> None:
        """Empty the cluster's query, request and field-data caches for this index
        (benchmarks time queries never seen before)."""
        self.client.indices.clear_cache(index=self.index)

    # ------------------------------------------------------------------ reading
    def _search(self, body: dict, **params) -> dict:
        if self._shards is None:
            settings = self.client.indices.get_settings(index=self.index, name="index.number_of_shards")
            self._shards = int(next(iter(settings.values()))["settings"]["index"]["number_of_shards"])
        if self._shards > 1:
            # index-wide term statistics: scores (and so the order) do not depend on
            # which shard a passage landed on
            params.setdefault("search_type", "dfs_query_then_fetch")
        try:
            return self.client.search(index=self.index, body=body, params=params)
        except Exception as exc:
            raise EngineError(f"OpenSearch search failed: {exc}") from exc

    def _query(self, tree: Node, filters: dict[str, list[str]]) -> dict:
        groups = filter_nodes(filters)
        query = self.compile(tree)
        if not groups:
            return query
        return {"bool": {"must": [query], "filter": [self.compile(g) for g in groups]}}

    def search(self, tree, filters, sort, offset, limit) -> EngineResult:
        if sort in SORT_FIELDS:
            order = [{SORT_FIELDS[sort]: "desc"}, {"passage_id": "asc"}]
        else:
            order = RELEVANCE_ORDER
        return self._sorted_page(self._query(tree, filters), order, offset, limit, sort not in SORT_FIELDS)

    def relevance_page(self, tree, filters, offset, limit, total=None) -> EngineResult:
        # the shared tie order (CRC-32 of the id, then the id) is a native sort here
        return self.search(tree, filters, "relevance", offset, limit)

    def _sorted_page(self, query: dict, order: list, offset: int, limit: int, scored: bool) -> EngineResult:
        limit = max(limit, 0)
        if offset + limit <= MAX_WINDOW:
            resp = self._search(
                {
                    "query": query,
                    "sort": order,
                    "from": offset,
                    "size": limit,
                    "track_total_hits": True,
                    "track_scores": scored,
                    "_source": False,
                }
            )
            return self._result(resp, scored)
        return self._deep_page(query, order, offset, limit, scored)

    def _deep_page(self, query: dict, order: list, offset: int, limit: int, scored: bool) -> EngineResult:
        """A page beyond the result window: walk to it with search_after on a
        point in time, so every step sees the same index state."""
        from opensearchpy import OpenSearchException

        pit = self.client.create_pit(index=self.index, params={"keep_alive": "1m"})["pit_id"]
        try:
            after = None
            skipped = 0
            total = 0
            hits: list[EngineHit] = []
            while True:
                want = offset - skipped if skipped < offset else limit - len(hits)
                body: dict = {
                    "query": query,
                    "sort": order,
                    "size": min(MAX_WINDOW, max(want, 1)),
                    "track_total_hits": after is None,
                    "track_scores": scored,
                    "_source": False,
                    "pit": {"id": pit, "keep_alive": "1m"},
                }
                if after is not None:
                    body["search_after"] = after
                resp = self.client.search(body=body)
                if after is None:
                    total = int(resp["hits"]["total"]["value"])
                page = resp["hits"]["hits"]
                if not page:
                    break
                after = page[-1]["sort"]
                if skipped < offset:
                    skipped += len(page)
                    extra = skipped - offset
                    if extra > 0:  # cannot happen with exact sizes; kept for safety
                        hits.extend(self._hit(h, scored) for h in page[len(page) - extra :])
                    continue
                hits.extend(self._hit(h, scored) for h in page)
                if len(hits) >= limit:
                    break
            return EngineResult(total, hits[:limit])
        finally:
            try:
                self.client.delete_pit(body={"pit_id": [pit]})
            except OpenSearchException as exc:  # expires after keep_alive anyway
                log.info("cannot delete a point in time (it expires on its own): %s", exc)

    @staticmethod
    def _hit(h: dict, scored: bool) -> EngineHit:
        return EngineHit(h["_id"], float(h.get("_score") or 0.0) if scored else 0.0)

    def _result(self, resp: dict, scored: bool) -> EngineResult:
        hits = [self._hit(h, scored) for h in resp["hits"]["hits"]]
        return EngineResult(int(resp["hits"]["total"]["value"]), hits)

    def vocabulary(self, prefix: str) -> list[tuple[str, int]]:
        """Terms of the catch-all field starting with `prefix`, with the passages
        holding each: a terms aggregation over every passage (field data on the
        catch-all field, loaded the first time spelling asks)."""
        if not prefix:
            return []
        size = self._buckets.get("#vocabulary", FIRST_BUCKETS)
        while True:
            agg = {"terms": {"field": ALL_FIELD, "include": _regex_escape(prefix) + ".*", "size": size}}
            resp = self._search({"query": {"match_all": {}}, "size": 0, "track_total_hits": False, "aggs": {"v": agg}})
            out = resp["aggregations"]["v"]
            if not out.get("sum_other_doc_count") or size >= MAX_VOCABULARY:
                self._buckets["#vocabulary"] = size
                terms = [(str(b["key"]), int(b["doc_count"])) for b in out["buckets"] if b["key"] != FILLER]
                return sorted(terms, key=lambda kv: (-kv[1], kv[0]))
            size *= 8

    def doc_freq(self, term: str) -> int:
        return self.count_query({"term": {ALL_FIELD: term}})

    def more_like_this(self, field: str, terms, limit: int) -> list[EngineHit]:
        """A disjunction of term queries over the field without tracking the total:
        Lucene then skips passages that cannot reach the top (WAND). The window is
        sorted by score, then the shared tie order (a native sort here)."""
        terms = list(dict.fromkeys(terms))
        if not terms or limit <= 0:
            return []
        query = {"bool": {"should": [{"term": {_t(field): t}} for t in terms], "minimum_should_match": 1}}
        resp = self._search(
            {
                "query": query,
                "size": limit,
                "sort": RELEVANCE_ORDER,  # the shared tie order, native here
                "track_scores": True,
                "track_total_hits": False,
                "_source": False,
            }
        )
        return [self._hit(h, True) for h in resp["hits"]["hits"]]

    def doc_freqs(self, field: str, terms) -> dict[str, int]:
        """Passages holding each term in `field`, all in one request (a `filters`
        aggregation: one bucket per term) instead of a count request per term."""
        terms = list(dict.fromkeys(terms))
        if not terms:
            return {}
        flt = {str(i): {"term": {_t(field): t}} for i, t in enumerate(terms)}
        resp = self._search(
            {
                "query": {"match_all": {}},
                "size": 0,
                "track_total_hits": False,
                "aggs": {"df": {"filters": {"filters": flt}}},
            }
        )
        buckets = resp["aggregations"]["df"]["buckets"]
        return {t: int(buckets[str(i)]["doc_count"]) for i, t in enumerate(terms)}

    def count_query(self, query: dict) -> int:
        resp = self._search({"query": query, "size": 0, "track_total_hits": True})
        return int(resp["hits"]["total"]["value"])

    def count(self, tree, filters) -> int:
        return self.count_query(self._query(tree, filters))

    def letter_count(self, tree, filters, total=None) -> int:
        """Distinct letters among the matches, exactly: a composite aggregation over
        `letter_id`, paged (the `cardinality` aggregation only estimates)."""
        query = self._query(tree, filters)
        n = 0
        after = None
        while True:
            comp: dict = {"size": LETTER_PAGE, "sources": [{"l": {"terms": {"field": "letter_id"}}}]}
            if after is not None:
                comp["after"] = after
            resp = self._search(
                {"query": query, "size": 0, "track_total_hits": False, "aggs": {"letters": {"composite": comp}}}
            )
            agg = resp["aggregations"]["letters"]
            n += len(agg["buckets"])
            after = agg.get("after_key")
            if len(agg["buckets"]) < LETTER_PAGE or after is None:
                return n

    def matching_ids(self, tree, filters=None) -> list[str]:
        try:
            return _ids_where(self.client, self.index, self._query(tree, filters or {}), "passage_id")
        except Exception as exc:
            raise EngineError(f"OpenSearch search failed: {exc}") from exc

    def facet_counts(self, tree, filters, facets) -> dict[str, dict[str, int]]:
        return self.facet_counts_many(tree, [(filters, list(facets))])[0]

    def facet_counts_many(self, tree, requests) -> list[dict[str, dict[str, int]]]:
        """Every request in one search: filters shared by all requests narrow the
        query, the rest become filter sub-aggregations, one per request. Counts
        are exact: each terms aggregation asks for more buckets than the facet
        has values (sum_other_doc_count must be 0; otherwise it asks again with
        more), so every shard returns every value it holds."""
        reqs = [({k: list(v) for k, v in (f or {}).items() if v}, list(fs)) for f, fs in requests]
        live = [i for i, (_, fs) in enumerate(reqs) if fs]
        out: list[dict[str, dict[str, int]]] = [{} for _ in reqs]
        if not live:
            return out
        keyed = [{k: tuple(v) for k, v in reqs[i][0].items()} for i in live]
        common = {k: list(v) for k, v in keyed[0].items() if all(kf.get(k) == v for kf in keyed[1:])}
        rests = [{k: list(v) for k, v in kf.items() if k not in common} for kf in keyed]
        query = self._query(tree, common)
        while True:
            aggs: dict = {}
            for n, (i, rest) in enumerate(zip(live, rests, strict=True)):
                terms = {
                    f"f{j}": {"terms": {"field": f, "size": self._buckets.get(f, FIRST_BUCKETS)}}
                    for j, f in enumerate(reqs[i][1])
                }
                groups = filter_nodes(rest)
                flt = {"bool": {"filter": [self.compile(g) for g in groups]}} if groups else {"match_all": {}}
                aggs[f"r{n}"] = {"filter": flt, "aggs": terms}
            resp = self._search({"query": query, "size": 0, "track_total_hits": False, "aggs": aggs})
            grow = set()
            for n, i in enumerate(live):
                scope = resp["aggregations"][f"r{n}"]
                for j, f in enumerate(reqs[i][1]):
                    agg = scope[f"f{j}"]
                    if agg.get("sum_other_doc_count", 0) or agg.get("doc_count_error_upper_bound", 0):
                        grow.add(f)
                    out[i][f] = {str(b["key"]): int(b["doc_count"]) for b in agg["buckets"]}
            if not grow:
                return out
            for f in grow:  # more values than buckets asked for: ask again with room for all
                self._buckets[f] = self._buckets.get(f, FIRST_BUCKETS) * 8

    # ------------------------------------------------------------------ compiling
    def compile(self, node: Node) -> dict:
        return self.visit(node)

    def visit_Fuzzy(self, node: Fuzzy) -> dict:
        # the service resolves fuzzy words against the index before any engine sees them
        raise EngineError(f"unresolved fuzzy word {node.text!r}")

    def visit_MatchAll(self, node: MatchAll) -> dict:
        return {"match_all": {}}

    def visit_Term(self, node: Term) -> dict:
        return self._text(node.fields, lambda f: {"term": {f: node.term}})

    def visit_Phrase(self, node: Phrase) -> dict:
        if node.slop == 0:
            return self._text(node.fields, lambda f: {"match_phrase": {f: " ".join(node.terms)}})
        return self._per_field(node.fields, lambda f: _span_near(f, node.terms, node.slop))

    def visit_Prefix(self, node: Prefix) -> dict:
        return self._text(node.fields, lambda f: {"prefix": {f: node.prefix}})

    def visit_Near(self, node: Near) -> dict:
        # a w/n b: the two within n positions, either order; a pre/n b: b's first
        # word 1..n positions after a's last. Lucene's span slop counts the
        # positions between the two spans: n - 1.
        a, b = _terms(node.left), _terms(node.right)
        slop = min(max(node.distance - 1, 0), MAX_SLOP)
        return self._per_field(
            node.fields,
            lambda f: {
                "span_near": {
                    "clauses": [_span_near(f, a, 0), _span_near(f, b, 0)],
                    "slop": slop,
                    "in_order": bool(node.ordered),
                }
            },
        )

    def visit_Range(self, node: Range) -> dict:
        lo, hi = date_key_range(node.start, node.end)
        return {"range": {RANGE_KEYS[node.field]: {"gte": min(lo, MAX_LONG), "lte": min(hi, MAX_LONG)}}}

    def visit_FacetTerm(self, node: FacetTerm) -> dict:
        if node.facet not in INDEXED_FACETS:
            return {"match_none": {}}
        field, value = node.facet + "_k", node.value.lower()
        if node.facet not in CITATION_FACETS:
            return {"term": {field: value}}
        # a citation value also matches every citation below it
        key = CitationKey.parse(value)
        return {
            "bool": {
                "should": [{"term": {field: str(key)}}, {"prefix": {field: key.descendant_prefix}}],
                "minimum_should_match": 1,
            }
        }

    def visit_Pin(self, node: Pin) -> dict:
        return {"constant_score": {"filter": self.compile(node.child), "boost": node.score}}

    def visit_InLetters(self, node: InLetters) -> dict:
        ids = sorted(node.letter_ids)
        if not ids:
            return {"match_none": {}}
        chunks = [{"terms": {"letter_id": ids[i : i + TERMS_CHUNK]}} for i in range(0, len(ids), TERMS_CHUNK)]
        flt = chunks[0] if len(chunks) == 1 else {"bool": {"should": chunks, "minimum_should_match": 1}}
        return {"constant_score": {"filter": flt, "boost": node.score}}

    def visit_Not(self, node: Not) -> dict:
        return {"bool": {"must": [{"match_all": {}}], "must_not": [self.compile(node.child)]}}

    def visit_And(self, node: And) -> dict:
        must = [self.compile(c) for c in node.children if not isinstance(c, Not)]
        must_not = [self.compile(c.child) for c in node.children if isinstance(c, Not)]
        return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not}}

    def visit_Or(self, node: Or) -> dict:
        return {"bool": {"should": [self.compile(c) for c in node.children], "minimum_should_match": 1}}

    def _text(self, fields: tuple[str, ...], make) -> dict:
        """As Tantivy: an exact leaf over every passage field finds its matches in
        the catch-all field (a filter: no score) and takes its score from the
        weighted fields (tree.TEXT_FIELD_WEIGHTS)."""
        if not fields or set(fields) == set(PASSAGE_TEXT_FIELDS):
            return {"bool": {"filter": [make(ALL_FIELD)], "should": [self._per_field((), make)]}}
        return self._per_field(fields, make)

    def _per_field(self, fields: tuple[str, ...], make) -> dict:
        clauses = []
        for f in fields or PASSAGE_TEXT_FIELDS:
            q = make(_t(f))
            weight = TEXT_FIELD_WEIGHTS.get(f, 1.0)
            clauses.append(q if weight == 1.0 else {"bool": {"must": [q], "boost": weight}})
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _source(d: IndexDoc) -> dict:
    """A passage's document: analysed text, facet values (as shown, and lowercased
    for filtering), sort keys and the tie key."""
    src: dict = {"passage_id": d.passage_id, "letter_id": d.letter_id, "tie": tie_key(d.passage_id)}
    for key in SORT_FIELDS.values():
        src[key] = getattr(d, key)
    texts: list[str] = []
    for f in TEXT_FIELDS:
        runs = analysed(d.text.get(f) or "")
        if runs:
            src[_t(f)] = list(runs)
            texts.extend(runs)
    if texts:
        src[ALL_FIELD] = texts
    _put_facets(src, d, INDEXED_FACETS)
    return src


def _put_facets(src: dict, d: IndexDoc, facets) -> None:
    for facet in facets:
        values = d.facets.get(facet) or []
        if values:
            src[facet] = list(values)
            src[facet + "_k"] = [v.lower() for v in values]


MAX_VOCABULARY = 1 << 20  # terms sharing two first letters: far more than any corpus holds


def _regex_escape(text: str) -> str:
    return "".join("\\" + ch if not ch.isalnum() else ch for ch in text)


def _span_near(field: str, terms: tuple[str, ...], slop: int) -> dict:
    """Words in this order with at most `slop` other words between them: the
    sloppy phrase of the other engines (span terms are not analysed: stems)."""
    if len(terms) == 1:
        return {"span_term": {field: terms[0]}}
    return {"span_near": {"clauses": [{"span_term": {field: t}} for t in terms], "slop": slop, "in_order": True}}


def _terms(node: Term | Phrase) -> tuple[str, ...]:
    return (node.term,) if isinstance(node, Term) else tuple(node.terms)


def _ids_where(client, index: str, query: dict, key: str) -> list[str]:
    """Ids of every document matching `query` (search_after over `key`, a keyword
    field holding the id)."""
    out: list[str] = []
    after = None
    while True:
        body: dict = {"query": query, "size": 1000, "sort": [{key: "asc"}], "_source": False}
        if after is not None:
            body["search_after"] = after
        hits = client.search(index=index, body=body)["hits"]["hits"]
        out.extend(h["_id"] for h in hits)
        if len(hits) < 1000:
            return out
        after = hits[-1]["sort"]


# ---------------------------------------------------------------------- the letter store


class OpenSearchStore(_BulkTarget):
    """The letter store (see `store.LetterStore`) as documents of the store index:
    what search hits and letter pages show comes from `_source`, so app servers
    need no local files."""

    def __init__(self, client, index: str, writable: bool = False, settings: OpenSearchSettings | None = None):
        self.client = client
        self.index = index
        self.writable = writable
        self._writer: BulkWriter | None = None
        self.settings = settings
        self.run: str | None = None
        # readers see what was refreshed, as searches do: not what an in-place run has
        # sent but not yet published (a get is real-time by default)
        self._read = {} if writable else {"realtime": "false"}
        self._next_seq = 1
        if writable:
            self._add_fields(_NEW_STORE_FIELDS)
            self._next_seq = self._top_seq() + 1
            if self.meta(LINEAGE_META) is None:
                self.set_meta(LINEAGE_META, uuid.uuid4().hex)
        self._group_dir: str | None = None  # the grouper's local working copy (see grouper())
        self._group_db: sqlite3.Connection | None = None

    def _put(self, route: str, doc_id: str, body: dict) -> None:
        body = dict(body, key=doc_id) if self.run is None else dict(body, key=doc_id, run=self.run)
        self._w().put(route, {"index": {"_index": self.index, "_id": doc_id}}, body)

    # ------------------------------------------------------------------ writing
    def put_letter(self, letter: Letter | PackedLetter, source_path: str, replace: bool = True) -> None:
        if isinstance(letter, PackedLetter):
            data = _unpack(letter.data)
            passages = [_unpack(blob) for _, _, blob in letter.passages]
            lid, summary, meta = letter.letter_id, letter.summary, json.loads(letter.meta)
        else:
            data = letter_dict(letter)
            passages = [passage_dict(p) for p in letter.passages]
            lid, summary, meta = letter.letter_id, letter.summary or "", letter_meta(letter)
        if replace:
            self._delete_passages(lid)
        self._put(
            lid,
            f"letter:{lid}",
            {
                "kind": "letter",
                "letter_id": lid,
                "src": {"data": data, "source_path": source_path, "summary": summary, "meta": meta},
            },
        )
        for p in passages:
            self._put(
                lid,
                f"passage:{p['passage_id']}",
                {
                    # the summary and what results show of the letter stay on the letter's
                    # document: copied into each passage they cost passages x summary size
                    "kind": "passage",
                    "letter_id": lid,
                    "ordinal": int(p.get("ordinal") or 0),
                    "src": {"data": p},
                },
            )
        for p in passages:
            # numbered on first sight only (create fails on a number already given, and the
            # writer takes that as done): a re-indexed letter keeps its passages' numbers
            doc_id = f"seq:{p['passage_id']}"
            self._w().put(
                lid,
                {"create": {"_index": self.index, "_id": doc_id}},
                {"kind": "seq", "key": doc_id, "letter_id": lid, "seq": self._next_seq},
            )
            self._next_seq += 1

    def _delete_passages(self, letter_id: str) -> None:
        # the letter's passages and their near-duplicate group assignments
        query = {
            "bool": {"filter": [{"terms": {"kind": ["passage", "dup_group"]}}, {"term": {"letter_id": letter_id}}]}
        }
        for doc_id in _ids_where(self.client, self.index, query, "key"):
            self._w().put(letter_id, {"delete": {"_index": self.index, "_id": doc_id}})

    def delete_letter(self, letter_id: str) -> None:
        self._delete_passages(letter_id)
        self._w().put(letter_id, {"delete": {"_index": self.index, "_id": f"letter:{letter_id}"}})

    def put_file(self, rec: FileRecord) -> None:
        # routed by path, as delete_file: a file's delete and re-insert stay in order
        self._put(
            rec.path,
            _file_id(rec.path),
            {
                "kind": "file",
                "src": {
                    "path": rec.path,
                    "sha256": rec.sha256,
                    "size": rec.size,
                    "mtime_ns": rec.mtime_ns,
                    "letter_id": rec.letter_id,
                    "reason": rec.reason,
                },
            },
        )

    def delete_file(self, path: str) -> None:
        self._w().put(path, {"delete": {"_index": self.index, "_id": _file_id(path)}})

    def set_meta(self, key: str, value: str) -> None:
        self._put(key, f"meta:{key}", {"kind": "meta", "src": {"value": value}})

    def carry_history(self, previous: OpenSearchStore) -> None:
        """Take over a previous store's passage numbers and lineage (see
        LetterStore.carry_history): copied on the cluster with `_reindex`."""
        lineage, top = previous.history_position()
        if lineage is None:
            return
        # through this store's bulk streams, ahead of every letter this build writes
        # (a cluster may lack the reindex module, so no `_reindex`)
        for src in previous._scan({"term": {"kind": "seq"}}, whole=True):
            doc_id = src["key"]
            self._w().put(src["letter_id"], {"create": {"_index": self.index, "_id": doc_id}}, src)
        self.set_meta(LINEAGE_META, lineage)
        self._next_seq = max(self._next_seq, top + 1)

    # ------------------------------------------------------------------ near-duplicate groups
    def grouper(self) -> neardup.Grouper:
        """Near-duplicate grouping for this run. The leader lookup (LSH bands, one
        query per passage) runs on a local SQLite working copy, loaded with the
        leaders earlier runs kept in this index (the live store an incremental run
        updates in place, or its clone), because a cluster round trip per passage would dominate indexing;
        new leaders and every assignment are written back as store documents."""
        self._close_grouper()
        self._group_dir = tempfile.mkdtemp(prefix="imr-groups-")
        db = sqlite3.connect(os.path.join(self._group_dir, "groups.sqlite3"), isolation_level=None)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(neardup.DDL)
        self._group_db = db
        grouper = neardup.Grouper(db, sink=_StoreGroupSink(self))
        db.execute("BEGIN")
        for src in self._scan({"term": {"kind": "dup_leader"}}):
            grouper.add_leader(src["passage_id"], base64.b64decode(src["sig"]))
        db.execute("COMMIT")
        return grouper

    def groups_of(self, passage_ids: Iterable[str]) -> dict[str, str]:
        """passage id -> group (leader passage id) for the grouped ones."""
        docs = self._mget([f"dup:{pid}" for pid in dict.fromkeys(passage_ids)], ["src"])
        return {src["passage_id"]: src["leader"] for src in docs if src}

    def _close_grouper(self) -> None:
        if self._group_db is not None:
            self._group_db.close()
            self._group_db = None
        if self._group_dir is not None:
            shutil.rmtree(self._group_dir, ignore_errors=True)
            self._group_dir = None

    def close(self) -> None:
        self._close_grouper()
        super().close()

    # ------------------------------------------------------------------ reading
    def _get(self, doc_id: str) -> dict | None:
        resp = self.client.get(index=self.index, id=doc_id, params=dict(self._read, ignore=404))
        return resp.get("_source", {}).get("src") if resp.get("found") else None

    def _top_seq(self) -> int:
        resp = self.client.search(
            index=self.index,
            body={"query": {"term": {"kind": "seq"}}, "size": 0, "aggs": {"top": {"max": {"field": "seq"}}}},
        )
        return int(resp["aggregations"]["top"].get("value") or 0)

    def history_position(self) -> tuple[str | None, int]:
        """(lineage, the highest passage number), as LetterStore.history_position."""
        lineage = self.meta(LINEAGE_META)
        return (None, 0) if lineage is None else (lineage, self._top_seq())

    def passages_after(self, seq: int) -> list[tuple[str, str, int]]:
        """(passage_id, letter_id, seq) of this generation's passages first indexed
        after `seq`, oldest first (as LetterStore.passages_after)."""
        numbered: list[tuple[str, str, int]] = []
        after = None
        query = {"bool": {"filter": [{"term": {"kind": "seq"}}, {"range": {"seq": {"gt": int(seq)}}}]}}
        while True:
            body: dict = {
                "query": query,
                "size": 2000,
                "sort": [{"seq": "asc"}, {"key": "asc"}],
                "_source": ["key", "letter_id", "seq"],
            }
            if after is not None:
                body["search_after"] = after
            hits = self.client.search(index=self.index, body=body)["hits"]["hits"]
            numbered.extend(
                (h["_source"]["key"][len("seq:") :], h["_source"]["letter_id"], int(h["_source"]["seq"])) for h in hits
            )
            if len(hits) < 2000:
                break
            after = hits[-1]["sort"]
        out: list[tuple[str, str, int]] = []
        for i in range(0, len(numbered), 1000):  # only passages this generation still holds
            chunk = numbered[i : i + 1000]
            docs = self.client.mget(
                index=self.index,
                body={"ids": [f"passage:{pid}" for pid, _, _ in chunk]},
                params=dict(self._read, _source="false"),
            )["docs"]
            out.extend(row for row, doc in zip(chunk, docs, strict=True) if doc.get("found"))
        return out

    def meta(self, key: str) -> str | None:
        src = self._get(f"meta:{key}")
        return None if src is None else src.get("value")

    def files(self) -> dict[str, FileRecord]:
        out: dict[str, FileRecord] = {}
        for src in self._scan({"term": {"kind": "file"}}):
            out[src["path"]] = FileRecord(
                src["path"],
                src["sha256"],
                int(src["size"]),
                int(src["mtime_ns"]),
                src.get("letter_id"),
                src.get("reason"),
            )
        return out

    def _scan(self, query: dict, whole: bool = False) -> Iterator[dict]:
        """The `src` of every document matching (`whole`: the whole document)."""
        after = None
        while True:
            body: dict = {"query": query, "size": 2000, "sort": [{"key": "asc"}]}
            if not whole:
                body["_source"] = ["src"]
            if after is not None:
                body["search_after"] = after
            hits = self.client.search(index=self.index, body=body)["hits"]["hits"]
            for h in hits:
                yield h["_source"] if whole else h["_source"]["src"]
            if len(hits) < 2000:
                return
            after = hits[-1]["sort"]

    def counts(self) -> tuple[int, int]:
        def n(kind: str) -> int:
            return int(self.client.count(index=self.index, body={"query": {"term": {"kind": kind}}})["count"])

        return n("letter"), n("passage")

    def get_letter(self, letter_id: str) -> Letter | None:
        src = self._get(f"letter:{letter_id}")
        if src is None:
            return None
        d = dict(src["data"])
        query = {"bool": {"filter": [{"term": {"kind": "passage"}}, {"term": {"letter_id": letter_id}}]}}
        resp = self.client.search(
            index=self.index,
            body={"query": query, "size": MAX_WINDOW, "sort": [{"ordinal": "asc"}], "_source": ["src.data"]},
        )
        d["passages"] = [h["_source"]["src"]["data"] for h in resp["hits"]["hits"]]
        return Letter.from_dict(d)

    def get_passage(self, passage_id: str) -> Passage | None:
        src = self._get(f"passage:{passage_id}")
        return None if src is None else Passage.from_dict(src["data"])

    def source_path(self, letter_id: str) -> str | None:
        src = self._get(f"letter:{letter_id}")
        return None if src is None else src.get("source_path")

    def source_file(self, letter_id: str) -> FileRecord | None:
        """The file a letter was indexed from, with the hash of what was indexed."""
        path = self.source_path(letter_id)
        src = self._get(_file_id(path)) if path else None
        if src is None:
            return None
        return FileRecord(
            src["path"], src["sha256"], int(src["size"]), int(src["mtime_ns"]), src.get("letter_id"), src.get("reason")
        )

    def hit_data(self, passage_ids: Iterable[str]) -> dict[str, HitData]:
        from indexer.index.store import passage_from_dict

        passages = [
            passage_from_dict(src["data"])
            for src in self._mget([f"passage:{pid}" for pid in dict.fromkeys(passage_ids)], ["src.data"])
        ]
        letters = self._letter_srcs({p.letter_id for p in passages}, ["src.summary", "src.meta"])
        out: dict[str, HitData] = {}
        for p in passages:
            src = letters.get(p.letter_id, {})
            out[p.passage_id] = HitData(p, src.get("summary") or "", src.get("meta") or {})
        return out

    def letters_of(self, passage_ids: Iterable[str]) -> dict[str, str]:
        """passage id -> its letter id."""
        return {
            src["data"]["passage_id"]: src["data"]["letter_id"]
            for src in self._mget(
                [f"passage:{pid}" for pid in dict.fromkeys(passage_ids)], ["src.data.passage_id", "src.data.letter_id"]
            )
        }

    def letter_metas(self, letter_ids: Iterable[str]) -> dict[str, dict]:
        """What a result shows of each letter (case number, dates, reviewer)."""
        return {lid: src.get("meta") or {} for lid, src in self._letter_srcs(letter_ids, ["src.meta"]).items()}

    def _letter_srcs(self, letter_ids: Iterable[str], fields: list[str]) -> dict[str, dict]:
        ids = sorted(set(letter_ids))
        return dict(zip(ids, self._mget([f"letter:{lid}" for lid in ids], fields, keep_missing=True), strict=True))

    def _mget(self, doc_ids: list[str], fields: list[str], keep_missing: bool = False) -> list[dict]:
        """The `src` of each document (only `fields`), 1,000 ids per request; a
        missing document is skipped, or given as {} with keep_missing."""
        out: list[dict] = []
        for i in range(0, len(doc_ids), 1000):
            resp = self.client.mget(
                index=self.index,
                body={"ids": doc_ids[i : i + 1000]},
                params=dict(self._read, _source_includes=",".join(fields)),
            )
            for doc in resp["docs"]:
                if doc.get("found"):
                    out.append(doc["_source"].get("src") or {})
                elif keep_missing:
                    out.append({})
        return out


class _StoreGroupSink(neardup.GroupSink):
    """The grouper's decisions as store documents: `dup_leader` (the leader's
    signature, for later runs) and `dup:<passage id>` (its group), routed by
    letter so a replaced letter's delete stays ahead of its new assignments."""

    def __init__(self, store: OpenSearchStore):
        self.store = store

    def leader(self, passage_id: str, letter_id: str, sig: bytes) -> None:
        # with its letter, so the repair of a dead in-place run removes it with the letter
        self.store._put(
            letter_id,
            f"dup_leader:{passage_id}",
            {
                "kind": "dup_leader",
                "letter_id": letter_id,
                "src": {"passage_id": passage_id, "sig": base64.b64encode(sig).decode("ascii")},
            },
        )

    def group(self, passage_id: str, letter_id: str, leader: str) -> None:
        self.store._put(
            letter_id,
            f"dup:{passage_id}",
            {"kind": "dup_group", "letter_id": letter_id, "src": {"passage_id": passage_id, "leader": leader}},
        )


def _file_id(path: str) -> str:
    return "file:" + hashlib.sha1(path.encode("utf-8")).hexdigest()
