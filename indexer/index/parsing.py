"""One file in, one outcome out: the unit of work the indexer runs in parallel.

Runs in worker processes, so it takes and returns plain picklable data. It
hashes the file first and skips parsing when the content is unchanged; any
failure of the parser becomes a `failed` outcome with a one-line reason, never
an exception that would stop a million-file run.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer.index.documents import IndexDoc, docs_for_letter, ensure_passages
from indexer.index.store import PackedLetter, pack_letter
from indexer.model import Letter, Passage


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
    # the file could not be read at all: what the index holds from it stays
    read_error: bool = False
    # the traceback of an unexpected error (a parser bug): workers cannot log to the
    # parent's handlers, so the parent logs it (pipeline.log)
    trace: str = ""


# A letter with more issues than this is not a real letter (real ones have 1-15): the
# rest are kept as one last passage, so nothing is lost and one file's documents stay few.
MAX_PASSAGES = 200


def _parse_bytes(path: Path, data: bytes, source_file: str) -> Letter:
    """The parser area's entry point on bytes already read (benchmarks swap it)."""
    from indexer.letters.parse import parse_text
    from indexer.letters.read import decode_bytes

    return parse_text(decode_bytes(data, is_pdf=path.suffix.lower() == ".pdf"), source_file)


def parse_job(job: tuple, prepare: bool = True) -> ParseOutcome:
    """Hash, and parse if changed. With `prepare`, also build the engine documents and
    the packed store rows here (in the worker), so the indexing process only writes.

    `job` is (path, sha256 indexed before or None[, max bytes[, engine]]). The file is
    read once, bounded (`read_letter_bytes`: regular files only, at most the max bytes),
    and that one copy is both hashed and parsed. With an engine named, its
    `prepare_docs` runs here too."""
    from indexer.letters.read import (
        MAX_LETTER_BYTES,
        LetterReadError,
        UnreadableLetterError,
        read_letter_bytes,
        text_safe,
    )

    path_str, known_sha, max_bytes, engine = (*job, None, None)[:4]
    path = Path(path_str)
    try:
        data, st = read_letter_bytes(path, max_bytes or MAX_LETTER_BYTES)
    except LetterReadError as exc:
        return ParseOutcome(path_str, "failed", reason=_one_line(str(exc)), read_error=True)
    except UnreadableLetterError as exc:
        return ParseOutcome(path_str, "failed", reason=_one_line(str(exc)))
    sha = hashlib.sha256(data).hexdigest()
    out = ParseOutcome(path_str, "unchanged", sha, st.st_size, st.st_mtime_ns)
    if known_sha is not None and sha == known_sha:
        return out
    source_file = text_safe(path_str)
    try:
        letter = _parse_bytes(path, data, source_file)
        del data
    except UnreadableLetterError as exc:
        out.status, out.reason = "failed", _one_line(str(exc)) or "unreadable file"
        return out
    except Exception as exc:  # noqa: BLE001 - a parser bug on one file must not stop the run
        out.status = "failed"
        out.reason = _one_line(f"parser error: {type(exc).__name__}: {exc}")
        out.trace = traceback.format_exc()
        return out
    out.status = "parsed"
    if letter.letter_id is None or not str(letter.letter_id).strip():
        letter.letter_id = Path(source_file).stem
    letter.letter_id = text_safe(letter.letter_id)
    bound_passages(letter)
    out.warnings = list(letter.warnings or [])
    if prepare:
        try:
            ensure_passages(letter)
            out.docs = docs_for_letter(letter)
            if engine:
                from indexer.index.engine import engine_class

                engine_class(engine).prepare_docs(out.docs)
            out.packed = pack_letter(letter)
            return out
        except Exception as exc:  # noqa: BLE001 - an odd value in the parsed letter: same as a parser bug
            out.status, out.docs, out.packed = "failed", None, None
            out.reason = _one_line(f"cannot index parsed letter: {type(exc).__name__}: {exc}")
            out.trace = traceback.format_exc()
            return out
    out.letter = letter
    return out


def bound_passages(letter: Letter, limit: int = MAX_PASSAGES) -> None:
    """Keep at most `limit` passages: the first `limit - 1` as parsed, and every later
    one folded, text and citations, into one last passage (in place, with a warning)."""
    if len(letter.passages) <= limit:
        return
    keep, rest = letter.passages[: limit - 1], letter.passages[limit - 1 :]
    last = rest[0]
    texts = [f"{p.item}\n\n{p.rationale}".strip() for p in rest]
    citations = []
    for p in rest:
        for c in p.citations:  # spans pointed into the folded passages' own fields
            citations.append(replace(c, start=None, end=None))
    folded = Passage(
        passage_id=last.passage_id,
        letter_id=last.letter_id,
        ordinal=last.ordinal,
        item=f"Issues {last.ordinal} to {rest[-1].ordinal} (kept as one passage)",
        decision=None,
        rationale="\n\n".join(t for t in texts if t),
        citations=citations,
    )
    letter.passages = keep + [folded]
    letter.warnings = list(letter.warnings or []) + [
        f"{len(keep) + len(rest)} issues found; more than {limit} is not a real letter, "
        f"so issues {last.ordinal} to {rest[-1].ordinal} are indexed as one passage"
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
