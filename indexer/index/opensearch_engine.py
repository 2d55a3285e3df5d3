"""The OpenSearch engine: the same search contract on a distributed cluster.

For deployments that outgrow one machine: any number of app servers share one
cluster (and one PostgreSQL bookmark database); nothing is read from local
files. Per generation the cluster holds two indices:

    <prefix>-passages-g000007   one document per passage: analysed text, facets, sort keys
    <prefix>-store-g000007      the letter store: letters, passages as the model has them,
                                file records (incremental indexing) and meta values

behind the aliases `<prefix>-passages` and `<prefix>-store`. A build writes new
indices and publishes them by one atomic `_aliases` request that moves both
aliases; a crash before it leaves the aliases on the old indices. An
incremental run clones the live indices (the `_clone` API hard-links their
segments, as the local engines hard-link files) and sends only its changes, as
bulk requests, to the clone: readers keep one consistent generation until the
swap, exactly as with the embedded engines, and a killed run changes nothing live.

Terms equal the other engines': text is analysed by the application's own
analysis (`indexer.search.analysis`, Tantivy's en_stem) and indexed as its terms
joined by spaces into `whitespace`-analysed fields (an over-long word dropped by
the analysis keeps its position as the filler token "_", which no query term
can be). This needs no analysis plugin, so it runs on any cluster a user has.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import queue
import random
import shutil
import sqlite3
import tempfile
import threading
import time
import zlib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

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
from indexer.index.opensearch_settings import URL_ENV, OpenSearchSettings
from indexer.index.store import FileRecord, HitData, PackedLetter, _unpack, letter_dict, letter_meta, passage_dict
from indexer.model import Letter, Passage
from indexer.search import analysis
from indexer.search.tree import (
    PASSAGE_TEXT_FIELDS,
    TEXT_FIELD_WEIGHTS,
    TEXT_FIELDS,
    And,
    FacetTerm,
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
from indexer.search.types import CITATION_FACETS, HIDDEN_FACETS, INDEXED_FACETS

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
        # fielddata: the term dictionary with document counts, for spelling (loaded on first use)
        ALL_FIELD: {"type": "text", "analyzer": "whitespace", "position_increment_gap": POSITION_GAP,
                    "fielddata": True},
    }
    for f in TEXT_FIELDS:
        props[_t(f)] = {"type": "text", "analyzer": "whitespace", "position_increment_gap": POSITION_GAP}
    props.update(_facet_mapping(INDEXED_FACETS))
    for key in SORT_FIELDS.values():
        props[key] = {"type": "long"}
    return {"dynamic": "strict", "_source": {"includes": ["passage_id", "letter_id"]},
            "properties": props}


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
        "src": {"type": "object", "enabled": False},  # what the model has, as JSON
    },
}


# ---------------------------------------------------------------------- bulk writing

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
        self._threads = [threading.Thread(target=self._run, args=(q,), daemon=True, name=f"imr-bulk-{i}")
                         for i, q in enumerate(self._queues)]
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
            except Exception as exc:  # reported by flush(); the stream keeps serving
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
            for (action, source), item in zip(pairs, resp["items"]):
                result = next(iter(item.values()))
                status = result.get("status", 500)
                if status < 300 or ("delete" in action and status == 404):
                    continue
                if status == 429:
                    retry.append(action)
                    if source is not None:
                        retry.append(source)
                else:
                    self.errors.append(f"{status} {json.dumps(result.get('error'))[:300]}")
            if not retry:
                return
            body = retry
            time.sleep(min(30.0, 0.5 * 2 ** attempt) * (0.5 + random.random()))
        self.errors.append(f"{len(body)} operations still rejected (429) after {self.retries} retries")


def _is_action(line: dict) -> bool:
    return len(line) == 1 and next(iter(line)) in ("index", "delete", "create", "update")


def _pairs(body: list[dict]) -> list[tuple[dict, dict | None]]:
    out = []
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

    client: object
    index: str
    writable: bool
    settings: OpenSearchSettings | None
    _writer: BulkWriter | None

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
        self.client.indices.refresh(index=self.index)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


# ---------------------------------------------------------------------- the home

class OpenSearchHome(IndexHome):
    """Generations as index pairs behind two aliases on a cluster."""

    engine_name = "opensearch"

    def __init__(self, settings: OpenSearchSettings, name: str | None = None):
        self.settings = settings
        self.client = settings.client()
        self.prefix = settings.prefix + (f"-{_index_name(name)}" if name else "")
        self.passages_alias = f"{self.prefix}-passages"
        self.store_alias = f"{self.prefix}-store"
        self.letters_alias = f"{self.prefix}-letters"  # the letter index: case summaries, once per letter
        self.lock_index = f"{self.prefix}-lock"

    def describe(self) -> str:
        return f"{','.join(self.settings.hosts)} ({self.prefix})"

    def missing_message(self) -> str:
        return (f"no opensearch index {self.passages_alias} at {','.join(self.settings.hosts)}; "
                "build one with: imr index PATH --engine opensearch")

    def passages_index(self, gen: Generation) -> str:
        return f"{self.passages_alias}-{gen.name}"

    def store_index(self, gen: Generation) -> str:
        return f"{self.store_alias}-{gen.name}"

    def letters_index(self, gen: Generation) -> str:
        return f"{self.letters_alias}-{gen.name}"

    def _indices(self, gen: Generation) -> tuple[str, ...]:
        """Every index of a generation: passages, letter store, letter index."""
        return (self.passages_index(gen), self.store_index(gen), self.letters_index(gen))

    # ------------------------------------------------------------------ lifecycle
    def live(self) -> Generation | None:
        from opensearchpy import NotFoundError

        try:
            targets = self.client.indices.get_alias(name=self.passages_alias)
        except NotFoundError:
            return None
        except Exception as exc:
            raise EngineError(f"cannot reach OpenSearch at {','.join(self.settings.hosts)}: {exc}") from exc
        if not targets:
            return None
        name = sorted(targets)[-1].rsplit("-", 1)[-1]
        return Generation(name)

    def create(self, clone_from: Generation | None) -> Generation:
        numbers = [n for n, _ in self._generations()]
        gen = Generation(f"g{(max(numbers) if numbers else 0) + 1:0{_GEN_WIDTH}d}")
        building = {"number_of_replicas": 0, "refresh_interval": "-1", "max_result_window": MAX_WINDOW}
        try:
            if clone_from is not None:
                # an incremental run: the new generation starts as a clone of the live
                # one (hard-linked segments, as Tantivy's folders), then takes the run's
                # bulk updates; readers keep the live one until the alias swap
                for source, target in zip(self._indices(clone_from), self._indices(gen)):
                    self._clone(source, target, building)
                # a generation built before a facet existed (the hidden near-duplicate
                # group) takes its fields now: the mapping is strict, adding fields is allowed
                for index in (self.passages_index(gen), self.letters_index(gen)):
                    if self.client.indices.exists(index=index):
                        self.client.indices.put_mapping(index=index,
                                                        body={"properties": _facet_mapping(INDEXED_FACETS)})
                return gen
            for index in (self.passages_index(gen), self.letters_index(gen)):
                self.client.indices.create(index=index, body={
                    "settings": {"index": dict(building, number_of_shards=self.settings.shards)},
                    "mappings": _passages_mapping()})
            self.client.indices.create(index=self.store_index(gen), body={
                "settings": {"index": dict(building, number_of_shards=1)}, "mappings": _STORE_MAPPING})
        except BaseException:
            self.drop(gen)
            raise
        return gen

    def _clone(self, source: str, target: str, settings: dict) -> None:
        """Copy an index (its segments are hard-linked on each node). The source
        must refuse writes meanwhile; only the writer-lock holder writes anyway."""
        self.client.indices.put_settings(index=source, body={"index": {"blocks.write": True}})
        try:
            self.client.indices.flush(index=source)  # the clone copies the last commit
            self.client.indices.clone(index=source, target=target, body={"settings": {"index": settings}},
                                      params={"wait_for_active_shards": "1", "request_timeout": 300})
        finally:
            self.client.indices.put_settings(index=source, body={"index": {"blocks.write": None}})
        self.client.indices.put_settings(index=target, body={"index": {"blocks.write": None}})

    def open(self, gen: Generation, writable: bool = False):
        engine = OpenSearchEngine(self.client, self.passages_index(gen), writable=writable,
                                  settings=self.settings)
        store = OpenSearchStore(self.client, self.store_index(gen), writable=writable, settings=self.settings)
        return engine, store

    def open_letters(self, gen: Generation, writable: bool = False) -> "OpenSearchEngine | None":
        if not writable and not self.has_letter_index(gen):
            return None
        return OpenSearchEngine(self.client, self.letters_index(gen), writable=writable, settings=self.settings)

    def has_letter_index(self, gen: Generation) -> bool:
        return bool(self.client.indices.exists(index=self.letters_index(gen)))

    def publish(self, gen: Generation) -> Generation:
        indices = [i for i in self._indices(gen) if self.client.indices.exists(index=i)]
        replicas = ({"number_of_replicas": self.settings.replicas, "auto_expand_replicas": False}
                    if self.settings.replicas is not None else {"auto_expand_replicas": "0-1"})
        for index in indices:
            self.client.indices.put_settings(index=index, body={"index": dict(replicas, refresh_interval=None)})
        self.client.indices.refresh(index=",".join(indices))
        # replicas in place before the switch, so the new generation is as safe as the old
        self.client.cluster.health(index=",".join(indices), wait_for_status="green" if self._multi_node() else "yellow",
                                   params={"timeout": "120s", "request_timeout": 130})
        actions = []
        current = self._alias_targets()
        for alias, new in zip(self._aliases(), self._indices(gen)):
            for old in current.get(alias, []):
                actions.append({"remove": {"index": old, "alias": alias}})
            if new in indices:
                actions.append({"add": {"index": new, "alias": alias}})
        self.client.indices.update_aliases(body={"actions": actions})  # atomic: all or none
        return Generation(gen.name)

    def drop(self, gen: Generation) -> None:
        self.client.indices.delete(index=",".join(self._indices(gen)), params={"ignore_unavailable": "true"})

    def sweep(self) -> None:
        """Drop abandoned builds (newer than the live generation, never published) and
        generations older than the one kept behind the live one; lift a write block
        a killed run left on the live generation while cloning it."""
        live = self.live()
        gens = self._generations()
        if live is None:
            for _, gen in gens:
                self.drop(gen)
            return
        live_n = int(live.name[1:])
        older = [g for n, g in gens if n < live_n]
        for n, gen in gens:
            if n > live_n:
                self.drop(gen)
        for gen in older[:-KEEP_PREVIOUS] if KEEP_PREVIOUS else older:
            self.drop(gen)
        for index in self._indices(live):
            if self.client.indices.exists(index=index):  # older generations have no letter index
                self.client.indices.put_settings(index=index, body={"index": {"blocks.write": None}})

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One indexing run at a time: a lock document created only if absent. Its
        lease is renewed while the run lasts, so a run killed outright blocks the
        next one for at most LOCK_LEASE seconds."""
        from opensearchpy import ConflictError

        from indexer.index.generations import IndexBusy

        self._ensure_lock_index()
        owner = f"{_hostname()}:{os.getpid()}"
        body = {"owner": owner, "expires": time.time() + LOCK_LEASE}
        try:
            self.client.index(index=self.lock_index, id="writer", body=body,
                              params={"op_type": "create", "refresh": "true"})
        except ConflictError:
            held = self.client.get(index=self.lock_index, id="writer")
            if held["_source"].get("expires", 0) > time.time() and _owner_alive(held["_source"].get("owner", "")):
                raise IndexBusy(f"another indexing run ({held['_source'].get('owner')}) is updating "
                                f"{self.prefix} on the cluster; try again when it finishes") from None
            try:  # a lease that ran out: its run died; take the lock over, unless someone else just did
                self.client.index(index=self.lock_index, id="writer", body=body, params={
                    "if_seq_no": held["_seq_no"], "if_primary_term": held["_primary_term"], "refresh": "true"})
            except ConflictError:
                raise IndexBusy(f"another indexing run is updating {self.prefix}; try again later") from None
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(LOCK_LEASE / 4):
                try:
                    self.client.update(index=self.lock_index, id="writer",
                                       body={"doc": {"expires": time.time() + LOCK_LEASE}})
                except Exception:  # renewal is retried next round; the lease covers a few misses
                    continue

        keeper = threading.Thread(target=renew, daemon=True, name="imr-lock")
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join(timeout=5)
            try:
                self.client.delete(index=self.lock_index, id="writer", params={"refresh": "true"})
            except Exception:  # the lease expires on its own
                pass

    # ------------------------------------------------------------------ helpers
    def _ensure_lock_index(self) -> None:
        from opensearchpy import RequestError

        if self.client.indices.exists(index=self.lock_index):
            return
        try:
            self.client.indices.create(index=self.lock_index, body={
                "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
                "mappings": {"dynamic": False, "properties": {}}})
        except RequestError as exc:  # created meanwhile by another run
            if "resource_already_exists" not in str(exc):
                raise

    def _generations(self) -> list[tuple[int, Generation]]:
        out = []
        listing = self.client.indices.get(index=",".join(f"{a}-g*" for a in self._aliases()),
                                          params={"ignore_unavailable": "true", "allow_no_indices": "true"})
        for index in listing:
            tail = index.rsplit("-", 1)[-1]
            if tail.startswith("g") and tail[1:].isdigit():
                out.append((int(tail[1:]), Generation(tail)))
        return sorted({n: g for n, g in out}.items())

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

class OpenSearchEngine(_BulkTarget, SearchEngine):
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

    @classmethod
    def configured(cls) -> bool:
        import os

        return bool(os.environ.get(URL_ENV, "").strip())

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
            writer.put(d.letter_id, {"index": {"_index": self.index, "_id": d.passage_id}}, src)
            n += 1
        return n

    def delete_letter(self, letter_id: str) -> None:
        # the letter's passages from earlier runs (searchable: published generations
        # are refreshed, and a clone holds what its source held)
        for pid in _ids_where(self.client, self.index, {"term": {"letter_id": letter_id}}, "passage_id"):
            self._w().put(letter_id, {"delete": {"_index": self.index, "_id": pid}})

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
            order = [{"_score": "desc"}, {"tie": "asc"}, {"passage_id": "asc"}]
        return self._sorted_page(self._query(tree, filters), order, offset, limit, sort not in SORT_FIELDS)

    def relevance_page(self, tree, filters, offset, limit) -> EngineResult:
        # the shared tie order (CRC-32 of the id, then the id) is a native sort here
        return self.search(tree, filters, "relevance", offset, limit)

    def _sorted_page(self, query: dict, order: list, offset: int, limit: int, scored: bool) -> EngineResult:
        limit = max(limit, 0)
        if offset + limit <= MAX_WINDOW:
            resp = self._search({"query": query, "sort": order, "from": offset, "size": limit,
                                 "track_total_hits": True, "track_scores": scored, "_source": False})
            return self._result(resp, scored)
        return self._deep_page(query, order, offset, limit, scored)

    def _deep_page(self, query: dict, order: list, offset: int, limit: int, scored: bool) -> EngineResult:
        """A page beyond the result window: walk to it with search_after on a
        point in time, so every step sees the same index state."""
        pit = self.client.create_pit(index=self.index, params={"keep_alive": "1m"})["pit_id"]
        try:
            after = None
            skipped = 0
            total = 0
            hits: list[EngineHit] = []
            while True:
                want = offset - skipped if skipped < offset else limit - len(hits)
                body: dict = {"query": query, "sort": order, "size": min(MAX_WINDOW, max(want, 1)),
                              "track_total_hits": after is None, "track_scores": scored, "_source": False,
                              "pit": {"id": pit, "keep_alive": "1m"}}
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
                        hits.extend(self._hit(h, scored) for h in page[len(page) - extra:])
                    continue
                hits.extend(self._hit(h, scored) for h in page)
                if len(hits) >= limit:
                    break
            return EngineResult(total, hits[:limit])
        finally:
            try:
                self.client.delete_pit(body={"pit_id": [pit]})
            except Exception:  # expires after keep_alive anyway
                pass

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
            resp = self._search({"query": {"match_all": {}}, "size": 0, "track_total_hits": False,
                                 "aggs": {"v": agg}})
            out = resp["aggregations"]["v"]
            if not out.get("sum_other_doc_count") or size >= MAX_VOCABULARY:
                self._buckets["#vocabulary"] = size
                terms = [(str(b["key"]), int(b["doc_count"])) for b in out["buckets"] if b["key"] != FILLER]
                return sorted(terms, key=lambda kv: (-kv[1], kv[0]))
            size *= 8

    def doc_freq(self, term: str) -> int:
        return self.count_query({"term": {ALL_FIELD: term}})

    def doc_freqs(self, field: str, terms) -> dict[str, int]:
        """Passages holding each term in `field`, all in one request (a `filters`
        aggregation: one bucket per term) instead of a count request per term."""
        terms = list(dict.fromkeys(terms))
        if not terms:
            return {}
        flt = {str(i): {"term": {_t(field): t}} for i, t in enumerate(terms)}
        resp = self._search({"query": {"match_all": {}}, "size": 0, "track_total_hits": False,
                             "aggs": {"df": {"filters": {"filters": flt}}}})
        buckets = resp["aggregations"]["df"]["buckets"]
        return {t: int(buckets[str(i)]["doc_count"]) for i, t in enumerate(terms)}

    def count_query(self, query: dict) -> int:
        resp = self._search({"query": query, "size": 0, "track_total_hits": True})
        return int(resp["hits"]["total"]["value"])

    def count(self, tree, filters) -> int:
        return self.count_query(self._query(tree, filters))

    def letter_count(self, tree, filters) -> int:
        """Distinct letters among the matches, exactly: a composite aggregation over
        `letter_id`, paged (the `cardinality` aggregation only estimates)."""
        query = self._query(tree, filters)
        n = 0
        after = None
        while True:
            comp: dict = {"size": LETTER_PAGE, "sources": [{"l": {"terms": {"field": "letter_id"}}}]}
            if after is not None:
                comp["after"] = after
            resp = self._search({"query": query, "size": 0, "track_total_hits": False,
                                 "aggs": {"letters": {"composite": comp}}})
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
            for n, (i, rest) in enumerate(zip(live, rests)):
                terms = {f"f{j}": {"terms": {"field": f, "size": self._buckets.get(f, FIRST_BUCKETS)}}
                         for j, f in enumerate(reqs[i][1])}
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
        if isinstance(node, MatchAll):
            return {"match_all": {}}
        if isinstance(node, Term):
            return self._text(node.fields, lambda f: {"term": {f: node.term}})
        if isinstance(node, Phrase):
            if node.slop == 0:
                return self._text(node.fields, lambda f: {"match_phrase": {f: " ".join(node.terms)}})
            return self._per_field(node.fields, lambda f: _span_near(f, node.terms, node.slop))
        if isinstance(node, Prefix):
            return self._text(node.fields, lambda f: {"prefix": {f: node.prefix}})
        if isinstance(node, Near):
            # a w/n b: the two within n positions, either order; a pre/n b: b's first
            # word 1..n positions after a's last. Lucene's span slop counts the
            # positions between the two spans: n - 1.
            a, b = _terms(node.left), _terms(node.right)
            slop = min(max(node.distance - 1, 0), MAX_SLOP)
            return self._per_field(node.fields, lambda f: {"span_near": {
                "clauses": [_span_near(f, a, 0), _span_near(f, b, 0)], "slop": slop,
                "in_order": bool(node.ordered)}})
        if isinstance(node, Range):
            lo, hi = date_key_range(node.start, node.end)
            return {"range": {RANGE_KEYS[node.field]: {"gte": min(lo, MAX_LONG), "lte": min(hi, MAX_LONG)}}}
        if isinstance(node, FacetTerm):
            if node.facet not in INDEXED_FACETS:
                return {"match_none": {}}
            field, value = node.facet + "_k", node.value.lower()
            if node.facet not in CITATION_FACETS:
                return {"term": {field: value}}
            # a citation value also matches every citation below it
            return {"bool": {"should": [{"term": {field: value}}, {"prefix": {field: value + " | "}}],
                             "minimum_should_match": 1}}
        if isinstance(node, Pin):
            return {"constant_score": {"filter": self.compile(node.child), "boost": node.score}}
        if isinstance(node, InLetters):
            ids = sorted(node.letter_ids)
            if not ids:
                return {"match_none": {}}
            chunks = [{"terms": {"letter_id": ids[i:i + TERMS_CHUNK]}} for i in range(0, len(ids), TERMS_CHUNK)]
            flt = chunks[0] if len(chunks) == 1 else {"bool": {"should": chunks, "minimum_should_match": 1}}
            return {"constant_score": {"filter": flt, "boost": node.score}}
        if isinstance(node, Not):
            return {"bool": {"must": [{"match_all": {}}], "must_not": [self.compile(node.child)]}}
        if isinstance(node, And):
            must = [self.compile(c) for c in node.children if not isinstance(c, Not)]
            must_not = [self.compile(c.child) for c in node.children if isinstance(c, Not)]
            return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not}}
        if isinstance(node, Or):
            return {"bool": {"should": [self.compile(c) for c in node.children], "minimum_should_match": 1}}
        raise EngineError(f"cannot compile query node {node!r}")

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
        self._group_dir: str | None = None  # the grouper's local working copy (see grouper())
        self._group_db: sqlite3.Connection | None = None

    def _put(self, route: str, doc_id: str, body: dict) -> None:
        self._w().put(route, {"index": {"_index": self.index, "_id": doc_id}}, dict(body, key=doc_id))

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
        self._put(lid, f"letter:{lid}", {"kind": "letter", "letter_id": lid, "src": {
            "data": data, "source_path": source_path, "summary": summary, "meta": meta}})
        for p in passages:
            self._put(lid, f"passage:{p['passage_id']}", {
                # the summary and what results show of the letter stay on the letter's
                # document: copied into each passage they cost passages x summary size
                "kind": "passage", "letter_id": lid, "ordinal": int(p.get("ordinal") or 0),
                "src": {"data": p}})

    def _delete_passages(self, letter_id: str) -> None:
        # the letter's passages and their near-duplicate group assignments
        query = {"bool": {"filter": [{"terms": {"kind": ["passage", "dup_group"]}},
                                     {"term": {"letter_id": letter_id}}]}}
        for doc_id in _ids_where(self.client, self.index, query, "key"):
            self._w().put(letter_id, {"delete": {"_index": self.index, "_id": doc_id}})

    def delete_letter(self, letter_id: str) -> None:
        self._delete_passages(letter_id)
        self._w().put(letter_id, {"delete": {"_index": self.index, "_id": f"letter:{letter_id}"}})

    def put_file(self, rec: FileRecord) -> None:
        # routed by path, as delete_file: a file's delete and re-insert stay in order
        self._put(rec.path, _file_id(rec.path), {"kind": "file", "src": {
            "path": rec.path, "sha256": rec.sha256, "size": rec.size, "mtime_ns": rec.mtime_ns,
            "letter_id": rec.letter_id, "reason": rec.reason}})

    def delete_file(self, path: str) -> None:
        self._w().put(path, {"delete": {"_index": self.index, "_id": _file_id(path)}})

    def set_meta(self, key: str, value: str) -> None:
        self._put(key, f"meta:{key}", {"kind": "meta", "src": {"value": value}})

    # ------------------------------------------------------------------ near-duplicate groups
    def grouper(self) -> neardup.Grouper:
        """Near-duplicate grouping for this run. The leader lookup (LSH bands, one
        query per passage) runs on a local SQLite working copy, loaded with the
        leaders earlier runs kept in this index (an incremental run's clone holds
        them), because a cluster round trip per passage would dominate indexing;
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
        resp = self.client.get(index=self.index, id=doc_id, params={"ignore": 404})
        return resp.get("_source", {}).get("src") if resp.get("found") else None

    def meta(self, key: str) -> str | None:
        src = self._get(f"meta:{key}")
        return None if src is None else src.get("value")

    def files(self) -> dict[str, FileRecord]:
        out: dict[str, FileRecord] = {}
        for src in self._scan({"term": {"kind": "file"}}):
            out[src["path"]] = FileRecord(src["path"], src["sha256"], int(src["size"]), int(src["mtime_ns"]),
                                          src.get("letter_id"), src.get("reason"))
        return out

    def _scan(self, query: dict) -> Iterator[dict]:
        after = None
        while True:
            body: dict = {"query": query, "size": 2000, "sort": [{"key": "asc"}], "_source": ["src"]}
            if after is not None:
                body["search_after"] = after
            hits = self.client.search(index=self.index, body=body)["hits"]["hits"]
            for h in hits:
                yield h["_source"]["src"]
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
        resp = self.client.search(index=self.index, body={"query": query, "size": MAX_WINDOW,
                                                          "sort": [{"ordinal": "asc"}], "_source": ["src.data"]})
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
        return FileRecord(src["path"], src["sha256"], int(src["size"]), int(src["mtime_ns"]),
                          src.get("letter_id"), src.get("reason"))

    def hit_data(self, passage_ids: Iterable[str]) -> dict[str, HitData]:
        from indexer.index.store import passage_from_dict

        passages = [passage_from_dict(src["data"]) for src in
                    self._mget([f"passage:{pid}" for pid in dict.fromkeys(passage_ids)], ["src.data"])]
        letters = self._letter_srcs({p.letter_id for p in passages}, ["src.summary", "src.meta"])
        out: dict[str, HitData] = {}
        for p in passages:
            src = letters.get(p.letter_id, {})
            out[p.passage_id] = HitData(p, src.get("summary") or "", src.get("meta") or {})
        return out

    def letters_of(self, passage_ids: Iterable[str]) -> dict[str, str]:
        """passage id -> its letter id."""
        return {src["data"]["passage_id"]: src["data"]["letter_id"] for src in
                self._mget([f"passage:{pid}" for pid in dict.fromkeys(passage_ids)],
                           ["src.data.passage_id", "src.data.letter_id"])}

    def letter_metas(self, letter_ids: Iterable[str]) -> dict[str, dict]:
        """What a result shows of each letter (case number, dates, reviewer)."""
        return {lid: src.get("meta") or {} for lid, src in self._letter_srcs(letter_ids, ["src.meta"]).items()}

    def _letter_srcs(self, letter_ids: Iterable[str], fields: list[str]) -> dict[str, dict]:
        ids = sorted(set(letter_ids))
        return dict(zip(ids, self._mget([f"letter:{lid}" for lid in ids], fields, keep_missing=True)))

    def _mget(self, doc_ids: list[str], fields: list[str], keep_missing: bool = False) -> list[dict]:
        """The `src` of each document (only `fields`), 1,000 ids per request; a
        missing document is skipped, or given as {} with keep_missing."""
        out: list[dict] = []
        for i in range(0, len(doc_ids), 1000):
            resp = self.client.mget(index=self.index, body={"ids": doc_ids[i:i + 1000]},
                                    params={"_source_includes": ",".join(fields)})
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

    def leader(self, passage_id: str, sig: bytes) -> None:
        self.store._put(passage_id, f"dup_leader:{passage_id}", {"kind": "dup_leader", "src": {
            "passage_id": passage_id, "sig": base64.b64encode(sig).decode("ascii")}})

    def group(self, passage_id: str, letter_id: str, leader: str) -> None:
        self.store._put(letter_id, f"dup:{passage_id}", {"kind": "dup_group", "letter_id": letter_id, "src": {
            "passage_id": passage_id, "leader": leader}})


def _file_id(path: str) -> str:
    return "file:" + hashlib.sha1(path.encode("utf-8")).hexdigest()
