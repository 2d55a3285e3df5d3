"""Letters: reading files (txt in any common encoding, pdf), undoing extraction
damage, and parsing them into `indexer.model.Letter`.

Public API:
- `parse_file(path) -> Letter`   raises `UnreadableLetterError` only for unreadable files
- `parse_text(text, source_file) -> Letter`   never raises
- `read_text(path) -> str`, `UnreadableLetterError`
"""

from __future__ import annotations

from pathlib import Path

from indexer.letters.parse import parse_text
from indexer.letters.read import UnreadableLetterError, read_text, text_safe
from indexer.model import Letter


def parse_file(path: Path) -> Letter:
    """Read and parse one letter file; raises `UnreadableLetterError` if it cannot be read."""
    path = Path(path)
    return parse_text(read_text(path), text_safe(str(path)))


__all__ = ["UnreadableLetterError", "parse_file", "parse_text", "read_text"]
