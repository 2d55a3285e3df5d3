"""One file in, one outcome out: the unit of work the indexer runs in parallel.

Runs in worker processes, so it takes and returns plain picklable data. It
hashes the file first and skips parsing when the content is unchanged; any
failure of the parser becomes a `failed` outcome with a one-line reason, never
an exception that would stop a million-file run.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from indexer.index.documents import IndexDoc, docs_for_letter, ensure_passages
from indexer.index.store import PackedLetter, pack_letter
from indexer.model import Letter


@dataclass
class ParseOutcome:
    path: str
    status: str  # "parsed" | "unchanged" | "failed"
    sha256: str = ""
    size: int = 0
    mtime_ns: int = 0
    letter: Letter | None = None  # in-process callers; workers send the two below instead
    packed: PackedLetter | None = None
    docs: list[IndexDoc] | None = None
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


def _parse_file(path: Path) -> Letter:
    from indexer.letters import parse_file  # the parser area's entry point

    return parse_file(path)


def _unreadable_error() -> type[Exception]:
    try:
        from indexer.letters.read import UnreadableLetterError
        return UnreadableLetterError
    except ImportError:  # pragma: no cover - parser area always ships it
        return OSError


def parse_job(job: tuple[str, str | None], prepare: bool = True) -> ParseOutcome:
    """Hash, and parse if changed. With `prepare`, also build the engine documents and
    the packed store rows here (in the worker), so the indexing process only writes."""
    path_str, known_sha = job
    path = Path(path_str)
    try:
        st = os.stat(path)
        data = path.read_bytes()
    except OSError as exc:
        return ParseOutcome(path_str, "failed", reason=f"cannot read file: {exc.strerror or exc}")
    sha = hashlib.sha256(data).hexdigest()
    out = ParseOutcome(path_str, "unchanged", sha, st.st_size, st.st_mtime_ns)
    if known_sha is not None and sha == known_sha:
        return out
    try:
        letter = _parse_file(path)
    except _unreadable_error() as exc:
        out.status, out.reason = "failed", _one_line(str(exc)) or "unreadable file"
        return out
    except Exception as exc:  # a parser bug on one file must not stop the run
        out.status = "failed"
        out.reason = _one_line(f"parser error: {type(exc).__name__}: {exc}")
        return out
    out.status = "parsed"
    out.warnings = list(letter.warnings or [])
    if letter.letter_id is None or not str(letter.letter_id).strip():
        letter.letter_id = path.stem
    if prepare:
        try:
            ensure_passages(letter)
            out.docs = docs_for_letter(letter)
            out.packed = pack_letter(letter)
            return out
        except Exception as exc:  # an odd value in the parsed letter: same treatment as a parser bug
            out.status, out.docs, out.packed = "failed", None, None
            out.reason = _one_line(f"cannot index parsed letter: {type(exc).__name__}: {exc}")
            return out
    out.letter = letter
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
