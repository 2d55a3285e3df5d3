"""Reading a letter file into text: the only place that touches bytes.

Letters arrive as `.txt` in whatever encoding the publisher's tools produced
(UTF-8, UTF-8 with BOM, Windows-1252) or as `.pdf` with a text layer. Anything
else gets an `UnreadableLetterError` whose message is one line a user can act
on, so a million-file indexing run can report it and carry on.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
from pathlib import Path

from indexer.text.clean import CONTROL_CHARS

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
_SNIFF = 8192
# Bounds on one letter. Real DWC letters are 10-60 KB (the 126 real letters in
# shared/real-letters: text at most 16 KB, PDF at most 51 KB). Unbounded, one 50 MB file
# grew the indexer past 20 GB until the kernel killed it, and a 7 MB text letter costs
# 16 s of parsing alone. So: at most 16 MiB of file is read (room for PDFs that carry
# page images), and at most 2 million characters of text (decoded, or extracted from a
# PDF: a small compressed PDF can inflate) are parsed, over 100x the largest real letter.
MAX_LETTER_BYTES = 16 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
# C0 control characters other than tab, newline, carriage return and form feed, as a
# deletion table: counting them by deleting them is several times faster than a regex.
_DROP_CONTROLS = dict.fromkeys(CONTROL_CHARS)


class UnreadableLetterError(Exception):
    """The file cannot be read as a letter; `str(err)` is a one-line reason."""


class LetterReadError(UnreadableLetterError):
    """The file could not be read at all (missing, no permission, I/O error): its
    content is unknown, so what the index holds from it before must be kept."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def too_large(size: int, limit: int) -> str:
    return (
        f"file is {size / 1048576:.1f} MB; letters over {limit / 1048576:g} MB are not read "
        f"(real letters are under 1 MB: this is not a letter, or it needs splitting)"
    )


def read_letter_bytes(path: str | Path, limit: int = MAX_LETTER_BYTES) -> tuple[bytes, os.stat_result]:
    """The bytes of one letter file and its stat, reading only a regular file and at
    most `limit` bytes.

    Opened without following a final symbolic link and without blocking (a FIFO
    named `x.txt` would otherwise wait forever for a writer); the kind and size
    are checked on the open descriptor, so a file swapped after the folder walk
    is checked too. A special file or an oversize one is an `UnreadableLetterError`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise LetterReadError("file not found") from None
    except PermissionError:
        raise LetterReadError("permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableLetterError("symbolic link: not followed") from None
        raise LetterReadError(f"cannot read file: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableLetterError(f"not a regular file: {file_kind(st.st_mode)}")
        if st.st_size > limit:
            raise UnreadableLetterError(too_large(st.st_size, limit))
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew after the stat
                raise UnreadableLetterError(too_large(total, limit))
        return b"".join(chunks), st
    except OSError as exc:
        raise LetterReadError(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def text_safe(name: str) -> str:
    """A file name as valid Unicode text. Names that are not UTF-8 on disk come from
    the OS with surrogate escapes, which no UTF-8 writer (SQLite, JSON, the terminal)
    accepts; their undecodable bytes are written as `\\xNN`."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


_CONTROL_ESCAPES = {c: f"\\x{c:02x}" for c in range(32)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    127: "\\x7f",
}


def printable_name(name: str) -> str:
    """A file name for a one-line-per-file text report: valid text, and no newline or
    other control character that could start a fake line or move the cursor."""
    return text_safe(name).translate(_CONTROL_ESCAPES)


def read_text(path: Path) -> str:
    """Return the text of a letter file (txt or pdf), newlines normalised to LF.

    Form feeds (page breaks) are kept: the cleaner uses them to find page
    headers and footers. PDF pages are joined with form feeds.
    """
    path = Path(path)
    if path.is_dir():
        raise UnreadableLetterError("is a directory, not a letter file")
    if path.is_symlink():  # named by the caller: read what it points to (if a regular file)
        path = path.resolve()
    data, _ = read_letter_bytes(path)
    return decode_bytes(data, is_pdf=path.suffix.lower() == ".pdf")


def decode_bytes(data: bytes, *, is_pdf: bool = False) -> str:
    """Turn a file's bytes into text; see `read_text`."""
    if not data.strip():
        raise UnreadableLetterError("empty file")
    if data.startswith(PDF_MAGIC) or (is_pdf and PDF_MAGIC in data[:1024]):
        return _pdf_text(data)
    if is_pdf:
        raise UnreadableLetterError("not a PDF file (no %PDF header)")
    text = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableLetterError("empty file")
    return _bounded(text)


def _bounded(text: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise UnreadableLetterError(
            f"letter text is {len(text):,} characters; over {MAX_TEXT_CHARS:,} are not indexed "
            f"(real letters are under 100,000: this is not a letter, or it needs splitting)"
        )
    return text


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableLetterError("undecodable text: broken UTF-16") from None
    if b"\x00" in data[:_SNIFF]:
        raise UnreadableLetterError("binary file, not a text letter")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UnreadableLetterError("undecodable text: neither UTF-8 nor Windows-1252") from None
    sample = text[:_SNIFF]
    if len(sample) - len(sample.translate(_DROP_CONTROLS)) > max(8, len(sample) // 50):
        raise UnreadableLetterError("binary file, not a text letter")
    return text


def _decrypt_empty(reader) -> None:
    """Open a PDF encrypted with an empty user password, as the DWC publishes every letter
    (AES, which pypdf decrypts through `cryptography`, a declared dependency). A PDF that
    needs a real password cannot be read: one line says so."""
    from pypdf.errors import DependencyError

    try:
        result = reader.decrypt("")
    except DependencyError:  # pragma: no cover - cryptography is a declared dependency
        raise UnreadableLetterError(
            "encrypted PDF: AES decryption needs the 'cryptography' package (pip install cryptography)"
        ) from None
    except Exception as exc:  # noqa: BLE001 - pypdf's decryption raises many kinds on odd files
        log.debug("PDF decryption failed", exc_info=True)
        raise UnreadableLetterError(f"encrypted PDF that cannot be decrypted ({type(exc).__name__})") from None
    if not result:  # PasswordType.NOT_DECRYPTED
        raise UnreadableLetterError(
            "password-protected PDF: it needs a password to open; save an unprotected copy and index that"
        )


def _pdf_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a declared dependency
        raise UnreadableLetterError("PDF support is not installed (pypdf)") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _decrypt_empty(reader)
        pages, chars = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            if chars > MAX_TEXT_CHARS:
                _bounded("\f".join(pages))
    except UnreadableLetterError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UnreadableLetterError(
            f"damaged PDF: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on broken files
        log.debug("PDF text extraction failed", exc_info=True)
        raise UnreadableLetterError(f"damaged PDF: {type(exc).__name__}") from None
    if not pages:
        raise UnreadableLetterError("PDF has no pages")
    text = "\f".join(pages).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableLetterError("PDF has no text layer (a scanned image?): OCR it first")
    return text
