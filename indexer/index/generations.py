"""Index generations: build beside the live index, then switch atomically.

Layout of an index directory (one sub-tree per engine, so both can coexist):

    DIR/<engine>/CURRENT           name of the live generation, e.g. "g000007"
    DIR/<engine>/g000007/          engine files in engine/, the letter store in store.sqlite
    DIR/<engine>/g000008.building/ a build in progress (never read)
    DIR/<engine>/writer.lock       held (flock) by the one indexing run allowed at a time

A build writes a complete new generation, fsyncs it, renames it into place and
only then replaces CURRENT (write to a temp file + os.replace). Killing the
indexer at any moment therefore leaves CURRENT naming the old, complete
generation; the half-built folder is swept by the next run. Readers resolve
CURRENT once and keep their generation open; the previous generation is kept on
disk so a reader that resolved CURRENT just before a switch can still open it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.index.engine import Generation, IndexHome

if TYPE_CHECKING:  # pragma: no cover
    from indexer.index.engine import SearchEngine
    from indexer.index.store import LetterStore

ENGINE_DIR = "engine"  # the engine's files inside a generation folder
STORE_FILE = "store.sqlite"  # the letter store inside a generation folder
LETTERS_DIR = "letters"  # the letter index (case summaries, once per letter) inside a generation folder
CURRENT = "CURRENT"
LOCK = "writer.lock"
BUILDING = ".building"
KEEP_GENERATIONS = 2
_GEN_RE = re.compile(r"^g(\d{6,})$")


class IndexNotFound(Exception):
    """No published index of this engine in the directory (message says what to run)."""


class IndexBusy(Exception):
    """Another indexing run holds the writer lock."""


def engine_root(index_dir: Path, engine: str) -> Path:
    return Path(index_dir) / engine


def current_generation(index_dir: Path, engine: str) -> Path | None:
    root = engine_root(index_dir, engine)
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not _GEN_RE.match(name):
        return None
    gen = root / name
    return gen if gen.is_dir() else None


class LocalHome(IndexHome):
    """Generations as folders under DIR/<engine> (the embedded engines)."""

    def __init__(self, index_dir: Path, engine_cls: type[SearchEngine]):
        self.index_dir = Path(index_dir)
        self.engine_cls = engine_cls
        self.engine_name = engine_cls.name
        self.root = engine_root(self.index_dir, self.engine_name)

    def describe(self) -> str:
        return str(self.index_dir)

    def missing_message(self) -> str:
        flag = "" if self.engine_name == "tantivy" else f" --engine {self.engine_name}"
        return (
            f"no {self.engine_name} index in {self.index_dir}; "
            f"build one with: imr index PATH --index {self.index_dir}{flag}"
        )

    def writer_lock(self):
        return writer_lock(self.root)

    def live(self) -> Generation | None:
        gen = current_generation(self.index_dir, self.engine_name)
        return None if gen is None else Generation(gen.name)

    def path(self, gen: Generation) -> Path:
        """The folder a generation is in (a build in progress has its own name)."""
        final = self.root / gen.name
        return final if final.is_dir() else self.root / (gen.name + BUILDING)

    def create(self, clone_from: Generation | None) -> Generation:
        gen = Generation(next_generation_name(self.root))
        building = self.root / (gen.name + BUILDING)
        building.mkdir(parents=True)
        if clone_from is not None:
            prev = self.root / clone_from.name
            for sub in (ENGINE_DIR, LETTERS_DIR):
                if (prev / sub).is_dir():
                    clone_tree(prev / sub, building / sub, link=self.engine_cls.clone_by_link)
            shutil.copy2(prev / STORE_FILE, building / STORE_FILE)
        return gen

    def open(self, gen: Generation, writable: bool = False) -> tuple[SearchEngine, LetterStore]:
        from indexer.index.store import LetterStore

        folder = self.path(gen)
        engine = self.engine_cls(folder / ENGINE_DIR, writable=writable)
        try:
            store = LetterStore(folder / STORE_FILE, writable=writable)
        except BaseException:
            engine.close()
            raise
        return engine, store

    def open_letters(self, gen: Generation, writable: bool = False) -> SearchEngine | None:
        folder = self.path(gen) / LETTERS_DIR
        if not writable and not folder.is_dir():
            return None
        return self.engine_cls(folder, writable=writable)

    def has_letter_index(self, gen: Generation) -> bool:
        return (self.path(gen) / LETTERS_DIR).is_dir()

    def publish(self, gen: Generation) -> Generation:
        final = publish(self.root, self.root / (gen.name + BUILDING), gen.name)
        return Generation(final.name)

    def drop(self, gen: Generation) -> None:
        shutil.rmtree(self.root / (gen.name + BUILDING), ignore_errors=True)

    def sweep(self) -> None:
        sweep(self.root)


def _generations(root: Path) -> list[tuple[int, Path]]:
    out = []
    if root.is_dir():
        for p in root.iterdir():
            m = _GEN_RE.match(p.name)
            if m and p.is_dir():
                out.append((int(m.group(1)), p))
    return sorted(out)


def next_generation_name(root: Path) -> str:
    gens = _generations(root)
    building = (
        [int(m.group(1)) for p in root.iterdir() if (m := re.match(r"^g(\d+)" + re.escape(BUILDING) + "$", p.name))]
        if root.is_dir()
        else []
    )
    top = max([n for n, _ in gens] + building + [0])
    return f"g{top + 1:06d}"


@contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """One indexing run per engine index at a time; released even on a crash."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise IndexBusy(f"another indexing run is updating {root}; try again when it finishes") from exc
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def sweep(root: Path, keep: int = KEEP_GENERATIONS) -> None:
    """Remove abandoned builds and all but the newest `keep` generations.

    Call only while holding the writer lock (no build can be in progress)."""
    if not root.is_dir():
        return
    for p in root.iterdir():
        if p.name.endswith(BUILDING) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(CURRENT + ".") and p.is_file():
            p.unlink(missing_ok=True)
    live = current_generation(root.parent, root.name)
    gens = _generations(root)
    doomed = [p for _, p in gens[:-keep]] if keep > 0 else [p for _, p in gens]
    for p in doomed:
        if live is not None and p.resolve() == live.resolve():
            continue
        shutil.rmtree(p, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(path):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def publish(root: Path, building: Path, name: str) -> Path:
    """Make a finished build the live generation, atomically."""
    fsync_tree(building)
    final = root / name
    os.rename(building, final)
    _fsync_dir(root)
    tmp = root / f"{CURRENT}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)
    return final


def clone_tree(src: Path, dst: Path, link: bool) -> None:
    """Copy a generation's files; hard-link them when the engine never rewrites a file."""
    for dirpath, _dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if name.endswith(".lock") or name.endswith("LOCK") or name.startswith(".tantivy-"):
                continue  # lock files belong to the writer that made them
            s, d = Path(dirpath) / name, dst / rel / name
            if link:
                try:
                    os.link(s, d)
                    continue
                except OSError:
                    pass
            shutil.copy2(s, d)
