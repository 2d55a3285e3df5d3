"""`build_index`: letter files in, a searchable index generation out.

Incremental by default: a file whose size and mtime match the last run is
skipped without being read; otherwise it is hashed (in a worker) and parsed
only if its content changed. Changed files replace their letter, files gone
from the given folders are removed, failures are reported and do not stop the
run. Parsing runs in parallel worker processes; the parent only feeds the
engine and the letter store, and hands the workers new files only as it
writes their results, so its memory stays flat however slowly it writes.
All writes go to a new generation that is published atomically at the end
(see `generations`), so a crash or kill leaves the previous index fully
usable, and a run that finds nothing to do writes nothing at all. A home
that `updates_in_place` (OpenSearch) takes an incremental run's changes in
the live generation itself instead, made visible together at the end; the
run first records what it will touch, and a run that dies is repaired by the
next one (see `IndexHome.begin_update`).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import stat
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

from indexer.index.documents import docs_for_letter, ensure_passages, letter_doc
from indexer.index.engine import EngineError, Generation, IndexHome, SearchEngine, engine_home
from indexer.index.generations import ENGINE_DIR, STORE_FILE  # noqa: F401  (re-exported)
from indexer.index.parsing import ParseOutcome, parse_job
from indexer.index.store import FileRecord, PackedLetter, unpack_letter
from indexer.letters.read import file_kind, text_safe
from indexer.model import DECISIONS, Letter, make_passage_id
from indexer.query.analysis import ANALYSIS_VERSION
from indexer.query.tree import MatchAll
from indexer.query.types import FACETS, GROUP_FACET

log = logging.getLogger(__name__)

LETTER_SUFFIXES = (".txt", ".pdf")
ANALYSIS_META = "analysis"  # store meta: analysis.ANALYSIS_VERSION the generation was indexed with
# FileRecord.reason of a file not indexed because another file holds the same determination.
DUPLICATE_OF = "duplicate of "
BROWSE_FACETS_META = "browse_facets"  # store meta: JSON of browse_counts() for the generation
DECIDED_LETTERS_META = "decided_letters"  # store meta: decided_letters() for the generation
INLINE_BELOW = 48  # parse in-process when there are fewer files than this
# Files handed to the workers whose parsed letters the parent has not written yet. When
# the workers parse faster than the one parent writes (a slow engine such as Whoosh, a
# faster parser, more cores), unbounded results pile up in the parent; a few hundred
# keep every worker busy at flat memory.
MAX_IN_FLIGHT = 256


@dataclass
class IndexReport:
    engine: str
    index_dir: str
    letters: int = 0  # letters indexed (new or changed) in this run
    passages: int = 0  # passages indexed in this run
    skipped_unchanged: int = 0
    removed: int = 0  # letters removed because their file is gone
    files: int = 0  # letter files found in the given paths
    warnings: list[dict] = field(default_factory=list)  # [{file, message}]
    failed: list[dict] = field(default_factory=list)  # [{file, reason}]
    # files holding a determination (case number) another file already gave: [{file, letter_id, kept}]
    duplicates: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # [{file, reason}]: links not followed
    total_letters: int = 0  # in the index after the run
    total_passages: int = 0
    generation: str | None = None
    changed: bool = False  # a new generation was published
    seconds: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)


def index_exists(index_dir: str | Path | None, engine: str = "tantivy") -> bool:
    return engine_home(engine, index_dir).live() is not None


@dataclass
class Collected:
    """What a walk over the given paths found."""

    files: list[Path] = field(default_factory=list)  # regular letter files, sorted
    dirs: list[Path] = field(default_factory=list)  # the folders given
    failed: list[dict] = field(default_factory=list)  # [{file, reason}]: missing paths, special files
    skipped: list[dict] = field(default_factory=list)  # [{file, reason}]: symbolic links
    unreadable_dirs: list[Path] = field(default_factory=list)  # folders that could not be listed


def _is_letter_name(name: str) -> bool:
    return name.lower().endswith(LETTER_SUFFIXES) and not name.startswith(".")


def collect_files(paths: Iterable[str | Path]) -> Collected:
    """Letter files under the given paths (recursively), without following links.

    Symlink policy: a path named here is resolved (the corpus folder may itself be
    a link), but inside a folder symbolic links are never followed, to files or to
    folders: a link can point anywhere (/etc/passwd, /dev/zero, a loop), so it is
    listed as skipped. Only regular files are letters; a FIFO, device or socket with
    a letter's name is a failure (reading a FIFO would wait forever). A folder that
    cannot be listed is a failure too, and nothing under it counts as gone.
    """
    out = Collected()
    files: dict[Path, None] = {}
    for raw in paths:
        p = Path(raw).expanduser()
        try:
            st = p.stat()
        except OSError as exc:
            reason = "no such file or folder" if not os.path.lexists(p) else f"cannot read: {exc.strerror or exc}"
            out.failed.append({"file": text_safe(str(raw)), "reason": reason})
            continue
        if stat.S_ISDIR(st.st_mode):
            d = p.resolve()
            out.dirs.append(d)
            _walk(d, files, out)
        elif stat.S_ISREG(st.st_mode):
            files[p.resolve()] = None
        else:
            out.failed.append({"file": text_safe(str(raw)), "reason": f"not a regular file: {file_kind(st.st_mode)}"})
    out.files = sorted(files)
    return out


def _walk(top: Path, files: dict[Path, None], out: Collected) -> None:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.unreadable_dirs.append(folder)
            out.failed.append(
                {
                    "file": text_safe(str(folder)),
                    "reason": f"cannot read folder: {exc.strerror or exc}; "
                    "its letters are kept in the index as they were",
                }
            )
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_symlink():
                    if _is_letter_name(entry.name) or entry.is_dir():
                        out.skipped.append({"file": text_safe(entry.path), "reason": "symbolic link: not followed"})
                    continue
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(Path(entry.path))
                    continue
                if not _is_letter_name(entry.name):
                    continue
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                out.failed.append({"file": text_safe(entry.path), "reason": f"cannot read: {exc.strerror or exc}"})
                continue
            if stat.S_ISREG(mode):
                files[Path(entry.path)] = None
            else:
                out.failed.append({"file": text_safe(entry.path), "reason": f"not a regular file: {file_kind(mode)}"})
        stack.extend(reversed(subdirs))


class _Builder:
    """A new generation being written: a clone of the previous one, then edits."""

    def __init__(
        self,
        home: IndexHome,
        prev: Generation | None,
        known: dict[str, FileRecord],
        history: Generation | None = None,
        touching: list[str] | None = None,
        repair: bool = False,
    ):
        self.home = home
        # an incremental run on a home that updates in place writes to the live generation
        # itself (after recording what it will touch); anything else writes a new one. A
        # repair of a run that died in place is a new generation, cloned and cleaned by `create`.
        self.in_place = prev is not None and home.updates_in_place and not repair
        if prev is not None and self.in_place:
            touching = touching or []
            ids = sorted({r.letter_id for p in touching if (r := known.get(p)) is not None and r.letter_id})
            self.gen = home.begin_update(prev, touching, ids)
        else:
            self.gen = home.create(prev)
        try:
            self.engine, self.store = home.open(self.gen, writable=True)
            # the letter index: each letter's case summary, once (documents.letter_doc)
            letters = home.open_letters(self.gen, writable=True)
            if letters is None:  # a writable generation always has one; None is for old ones read
                raise EngineError(f"{home.describe()}: no letter index in the new generation {self.gen.name}")
            self.letters: SearchEngine = letters
            # a rebuild of a live index: its passages are not new (see LetterStore.passage_seq)
            if prev is None and history is not None:
                old_engine, old_store = home.open(history)
                try:
                    self.store.carry_history(old_store)
                finally:
                    old_engine.close()
                    old_store.close()
        except BaseException:
            home.drop(self.gen)
            raise
        self.store.set_meta("engine", home.engine_name)
        self.store.set_meta(ANALYSIS_META, ANALYSIS_VERSION)
        self.grouper = self.store.grouper()
        self.known = known
        self.owner: dict[str, str] = {r.letter_id: path for path, r in known.items() if r.letter_id}
        # a fresh build starts empty: what this run has not written cannot need deleting
        self.fresh = prev is None

    def remove_path(self, path: str) -> bool:
        rec = self.known.pop(path, None)
        if rec is not None or not self.fresh:
            self.store.delete_file(path)
        if rec is not None and rec.letter_id:
            self.engine.delete_letter(rec.letter_id)
            self.letters.delete_letter(rec.letter_id)
            self.store.delete_letter(rec.letter_id)
            self.owner.pop(rec.letter_id, None)
            return True
        return False

    def put(self, out: ParseOutcome, report: IndexReport, from_file: bool = True) -> None:
        """Index one parsed letter. `out.path` identifies its file (replacing what that
        file gave before); without a file (`from_file=False`) the letter id does."""
        if from_file:
            self.remove_path(out.path)
        # the workers send the letter packed with its documents (`packed`, `docs`); in-process
        # callers send the Letter itself. What is stored is one or the other.
        packed, docs, letter = out.packed, out.docs, out.letter
        if packed is not None:
            lid0 = packed.letter_id
        elif letter is not None:
            lid0 = letter.letter_id
        else:
            raise ValueError(f"parse outcome for {out.path} holds no letter")
        owner_key = out.path if from_file else f"letter:{lid0}"
        kept = self.owner.get(lid0) if from_file and lid0 else None
        if kept is not None and kept != owner_key and _is_case_number(lid0):
            # One determination from several files (a .txt and a .pdf of one case, a second
            # download): it is indexed once, from the file indexed first; the others are listed.
            rec = FileRecord(out.path, out.sha256, out.size, out.mtime_ns, None, f"{DUPLICATE_OF}{kept}")
            self.store.put_file(rec)
            self.known[out.path] = rec
            report.duplicates.append({"file": text_safe(out.path), "letter_id": lid0, "kept": text_safe(kept)})
            return
        base = _base_id(lid0 or text_safe(Path(out.path).stem))
        lid = _unique_id(base, self.owner, owner_key)
        stored: Letter | PackedLetter
        if lid != lid0 or packed is None or docs is None:
            if letter is None:
                assert packed is not None  # one of the two is set (checked above)
                letter = unpack_letter(packed)
            ensure_passages(letter)
            if lid != base:
                holder = self.owner[base]
                holder = (
                    text_safe(holder.removeprefix("letter:")) if holder.startswith("letter:") else text_safe(holder)
                )
                report.warnings.append(
                    {
                        "file": text_safe(out.path),
                        "message": f"letter id {base} is already used by {holder}; indexed as {lid}",
                    }
                )
            if lid != letter.letter_id:
                _rename_letter(letter, lid)
            docs = docs_for_letter(letter)
            stored = letter
        else:
            stored = packed
        replace = not (self.fresh and lid not in self.owner)
        self.owner[lid] = owner_key
        if replace:
            self.letters.delete_letter(lid)
        self.store.put_letter(stored, out.path, replace=replace)  # (replacing forgets its old groups)
        for d in docs:
            group = self.grouper.assign(d.passage_id, d.letter_id, d.signature)
            d.facets[GROUP_FACET] = [group] if group else []
        self.engine.add(docs)
        self.letters.add([letter_doc(lid, stored.summary)])
        if from_file:
            rec = FileRecord(out.path, out.sha256, out.size, out.mtime_ns, lid, None)
            self.store.put_file(rec)
            self.known[out.path] = rec
        report.letters += 1
        report.passages += len(docs)

    def fail(self, out: ParseOutcome) -> None:
        if out.read_error:  # content unknown (permission, I/O): keep what the index has from it
            return
        self.remove_path(out.path)
        if out.sha256:
            rec = FileRecord(out.path, out.sha256, out.size, out.mtime_ns, None, out.reason)
            self.store.put_file(rec)
            self.known[out.path] = rec

    def finish(self) -> Generation:
        self.engine.commit()
        self.letters.commit()
        self.letters.close()
        # the browse page's facet counts (every passage, no filter) cost a pass over
        # the whole index: count them once here, for every reader of the generation
        # (an in-place update counts them in `publish`, once its changes are visible)
        if not self.in_place:
            self.store.set_meta(BROWSE_FACETS_META, json.dumps(browse_counts(self.engine)))
            self.store.set_meta(DECIDED_LETTERS_META, str(decided_letters(self.engine)))
        self.engine.close()
        self.store.commit()
        self.store.close()
        return self.home.publish(self.gen)

    def abandon(self) -> None:
        for closer in (self.engine.close, self.letters.close, self.store.close):
            try:
                closer()
            except Exception:  # noqa: BLE001 - the run already failed: its error, not this one, is raised
                log.warning("abandoning generation %s: %r failed", self.gen.name, closer, exc_info=True)
        self.home.drop(self.gen)


def browse_counts(engine: SearchEngine) -> dict[str, dict[str, int]]:
    """Counts of every facet value over the whole index (an empty query, no filter)."""
    return engine.facet_counts(MatchAll(), {}, FACETS)


def decided_letters(engine: SearchEngine) -> int:
    """Letters with at least one decided item: the statistics page's letter count
    with no query and no filter. At 1M passages it is a pass that collects every
    match (about half a second on Tantivy, BENCHMARKS.md), so it is counted here,
    once per generation, as the browse facet counts are."""
    return engine.letter_count(MatchAll(), {"decision": list(DECISIONS)})


_CASE_NUMBER = re.compile(r"^[A-Z]{2,4}\d{2}-\d{5,8}$")


def _is_case_number(lid: str) -> bool:
    """Whether a letter id is a determination's case number (the parser's id when it found one),
    not a file-name stem."""
    return _CASE_NUMBER.match(lid) is not None


def _base_id(lid: str) -> str:
    """A letter id as indexed: valid text, single spaces."""
    return " ".join(text_safe(str(lid)).split()) or "letter"


def _unique_id(lid: str, owner: dict[str, str], path: str) -> str:
    lid = _base_id(lid)
    if owner.get(lid, path) == path:
        return lid
    n = 2
    while owner.get(f"{lid}_{n}", path) != path:
        n += 1
    return f"{lid}_{n}"


def _rename_letter(letter, lid: str) -> None:
    letter.letter_id = lid
    for p in letter.passages:
        p.letter_id = lid
        p.passage_id = make_passage_id(lid, p.ordinal)


def _run_jobs(
    jobs: list[tuple], workers: int, progress: bool, max_in_flight: int | None = None
) -> Iterator[ParseOutcome]:
    """Parse outcomes in job order, in worker processes when there are enough jobs."""
    bar = None
    if progress and sys.stderr.isatty() and jobs:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="file", desc="indexing", file=sys.stderr, leave=False)
    try:
        if workers <= 1 or len(jobs) < INLINE_BELOW:
            for job in jobs:
                yield parse_job(job)
                if bar:
                    bar.update(1)
            return
        ctx = multiprocessing.get_context("forkserver")
        with ctx.Pool(processes=workers) as pool:
            for out in _bounded_map(pool, jobs, workers, max_in_flight or MAX_IN_FLIGHT):
                yield out
                if bar:
                    bar.update(1)
    finally:
        if bar:
            bar.close()


def _bounded_map(
    pool: multiprocessing.pool.Pool, jobs: list[tuple], workers: int, max_in_flight: int
) -> Iterator[ParseOutcome]:
    """`parse_job` over `jobs` in order, with at most max(max_in_flight, 2 * workers)
    jobs submitted but not yet handed to the caller.

    `Pool.imap` hands every job to the pool at once, so a parent that writes slower
    than the workers parse holds all their finished results. Here the caller's own
    pace drives submission: each chunk taken from the front of the window frees the
    slot for the next. The window keeps two chunks per worker at least, so a worker
    always has a chunk queued while the parent writes. `jobs` is read lazily, a chunk
    at a time, so nothing is taken from it ahead of the window.
    """
    per_chunk = max(1, max_in_flight // (2 * workers))
    chunk = max(1, min(32, len(jobs) // (workers * 8), per_chunk))
    window_chunks = max(2 * workers, max_in_flight // chunk)
    source = iter(jobs)
    pending: deque[multiprocessing.pool.AsyncResult] = deque()

    def submit() -> bool:
        batch = list(islice(source, chunk))
        if batch:
            pending.append(pool.map_async(parse_job, batch, chunksize=len(batch)))
        return bool(batch)

    while len(pending) < window_chunks and submit():
        pass
    while pending:
        yield from pending.popleft().get()
        submit()  # only now: the chunk just handed out was still counted in the window


def build_index(
    paths: list[Path],
    index_dir: Path | None,
    engine: str = "tantivy",
    rebuild: bool = False,
    progress: bool = False,
    workers: int | None = None,
    max_bytes: int | None = None,
) -> IndexReport:
    """Index letter files (or folders of them) into `index_dir` for `engine`
    (a remote engine's home comes from its own settings; `index_dir` may be None)."""
    started = time.monotonic()
    engine = (engine or "tantivy").lower()
    home = engine_home(engine, index_dir)  # unknown engine: EngineError before touching anything
    report = IndexReport(engine=engine, index_dir=home.describe())
    found = collect_files(paths)
    files, dirs = found.files, found.dirs
    report.files = len(files)
    report.failed.extend(found.failed)
    report.skipped.extend(found.skipped)
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    with home.writer_lock():
        home.sweep()
        live_before = home.live()
        prev = None if rebuild else live_before
        if prev is not None and not home.has_letter_index(prev):
            prev = None  # written before the letter index held the case summaries: rebuild
        known: dict[str, FileRecord] = {}
        died: list[str] | None = None
        if prev is not None:
            _engine, store = home.open(prev)
            try:
                if store.meta(ANALYSIS_META) != ANALYSIS_VERSION:
                    prev = None  # indexed with another analysis: every letter is indexed again
                else:
                    known = store.files()
            finally:
                _engine.close()
                store.close()
        if prev is not None:
            died = home.interrupted(prev)
            for path in died or ():
                # an in-place run died midway: the new generation `create` clones holds
                # nothing of the files it touched, so they are read again as new files
                known.pop(path, None)
        repair = died is not None

        wanted = {str(f) for f in files}
        jobs: list[tuple[str, str | None, int | None, str]] = []  # parsing.parse_job's arguments
        for f in files:
            key = str(f)
            rec = known.get(key)
            if rec is not None:
                try:
                    st = f.stat()
                except OSError:
                    st = None
                if st is not None and st.st_size == rec.size and st.st_mtime_ns == rec.mtime_ns:
                    _skip(report, rec)
                    continue
            jobs.append((key, rec.sha256 if rec else None, max_bytes, engine))
        # gone: under a folder that was walked, and not under one that could not be read
        # (unknown is not gone), nor a path that failed in the walk (it is still there)
        still_there = {f["file"] for f in found.failed}
        gone = [
            p
            for p in known
            if p not in wanted
            and _under(p, dirs)
            and not _under(p, found.unreadable_dirs)
            and text_safe(p) not in still_there
        ]
        # files a run that died had touched, outside the paths given this time: read
        # again too (the repaired generation holds nothing of them), unless gone
        for path in sorted(set(died or ()) - wanted):
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    jobs.append((path, None, max_bytes, engine))
            except OSError:
                pass
        # a duplicate whose kept file is gone or changed is read again: it may be the one to keep now
        queued = {job[0] for job in jobs}
        redo = queued | set(gone)
        for path, rec in known.items():
            reason = rec.reason or ""
            if (
                reason.startswith(DUPLICATE_OF)
                and reason[len(DUPLICATE_OF) :] in redo
                and path in wanted
                and path not in queued
            ):
                jobs.append((path, None, max_bytes, engine))
                report.skipped_unchanged -= 1
                report.duplicates[:] = [d for d in report.duplicates if d["file"] != text_safe(path)]

        # every file this run may change (an in-place update records them first)
        touching = sorted({job[0] for job in jobs} | set(gone))
        builder: _Builder | None = None
        try:
            if gone or rebuild or prev is None or repair:
                builder = _Builder(home, prev, dict(known), history=live_before, touching=touching, repair=repair)
                for path in gone:
                    if builder.remove_path(path):
                        report.removed += 1
            for out in _run_jobs(jobs, workers, progress):
                if out.status == "unchanged":
                    _skip(report, known.get(out.path))
                    if builder is not None and out.path in builder.known:
                        rec = builder.known[out.path]
                        builder.store.put_file(
                            FileRecord(rec.path, rec.sha256, out.size, out.mtime_ns, rec.letter_id, rec.reason)
                        )
                    continue
                if builder is None:
                    builder = _Builder(home, prev, dict(known), history=live_before, touching=touching)
                if out.status == "failed":
                    report.failed.append({"file": text_safe(out.path), "reason": out.reason})
                    _log_failure(out)
                    builder.fail(out)
                    continue
                for message in out.warnings:
                    report.warnings.append({"file": text_safe(out.path), "message": message})
                builder.put(out, report)
            if builder is not None:
                final = builder.finish()
                builder = None
                report.changed = True
                report.generation = final.name
                home.sweep()
        except BaseException:
            if builder is not None:
                builder.abandon()
            raise

    live = home.live()
    if live is not None:
        report.generation = live.name
        _engine, store = home.open(live)
        try:
            report.total_letters, report.total_passages = store.counts()
        finally:
            _engine.close()
            store.close()
    report.seconds = round(time.monotonic() - started, 3)
    log.info(
        "%s index in %s: %d letters (%d passages) indexed, %d unchanged, %d removed, %d failed, "
        "%d duplicates in %.1fs; live generation %s",
        engine,
        report.index_dir,
        report.letters,
        report.passages,
        report.skipped_unchanged,
        report.removed,
        len(report.failed),
        len(report.duplicates),
        report.seconds,
        report.generation,
    )
    return report


def index_letters(letters: Iterable[Letter], index_dir: Path | None, engine: str = "tantivy") -> IndexReport:
    """Index already-parsed letters as a new generation that replaces the live one.

    The engine-only path: no files, no parsing (benchmarks, fixtures, imports)."""
    started = time.monotonic()
    engine = (engine or "tantivy").lower()
    home = engine_home(engine, index_dir)
    report = IndexReport(engine=engine, index_dir=home.describe())
    with home.writer_lock():
        home.sweep()
        builder = _Builder(home, None, {})
        try:
            for letter in letters:
                path = letter.source_file or letter.letter_id
                builder.put(ParseOutcome(path, "parsed", letter=letter), report, from_file=False)
                report.warnings.extend({"file": path, "message": m} for m in letter.warnings or [])
                report.files += 1
            final = builder.finish()
        except BaseException:
            builder.abandon()
            raise
        home.sweep()
    report.changed = True
    report.generation = final.name
    report.total_letters, report.total_passages = report.letters, report.passages
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _log_failure(out: ParseOutcome) -> None:
    """One line per file not indexed; a parser bug's traceback too (it happened in a worker)."""
    name = text_safe(out.path)
    if out.trace:
        log.error("not indexed (parser bug): %s: %s\n%s", name, out.reason, out.trace.rstrip())
    else:
        log.warning("not indexed: %s: %s", name, out.reason)


def _skip(report: IndexReport, rec: FileRecord | None) -> None:
    report.skipped_unchanged += 1
    if rec is not None and rec.letter_id is None and rec.reason and rec.reason.startswith(DUPLICATE_OF):
        report.duplicates.append(
            {"file": text_safe(rec.path), "letter_id": None, "kept": text_safe(rec.reason[len(DUPLICATE_OF) :])}
        )
    elif rec is not None and rec.letter_id is None and rec.reason:
        # still not in the index: keep telling the user why
        report.failed.append({"file": text_safe(rec.path), "reason": rec.reason})


def _under(path: str, dirs: list[Path]) -> bool:
    p = Path(path)
    return any(p == d or d in p.parents for d in dirs)
