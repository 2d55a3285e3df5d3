"""Reading a letter file into text: the only place that touches bytes.

Letters arrive as `.txt` in whatever encoding the publisher's tools produced
(UTF-8, UTF-8 with BOM, Windows-1252) or as `.pdf` with a text layer. Anything
else gets an `UnreadableLetterError` whose message is one line a user can act
on, so a million-file indexing run can report it and carry on.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from indexer.letters.clean import CONTROL_CHARS

PDF_MAGIC = b"%PDF-"
_SNIFF = 8192
# C0 control characters other than tab, newline, carriage return and form feed, as a
# deletion table: counting them by deleting them is several times faster than a regex.
_DROP_CONTROLS = dict.fromkeys(CONTROL_CHARS)


class UnreadableLetterError(Exception):
    """The file cannot be read as a letter; `str(err)` is a one-line reason."""


def read_text(path: Path) -> str:
    """Return the text of a letter file (txt or pdf), newlines normalised to LF.

    Form feeds (page breaks) are kept: the cleaner uses them to find page
    headers and footers. PDF pages are joined with form feeds.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableLetterError("file not found") from None
    except IsADirectoryError:
        raise UnreadableLetterError("is a directory, not a letter file") from None
    except PermissionError:
        raise UnreadableLetterError("permission denied") from None
    except OSError as exc:
        raise UnreadableLetterError(f"cannot read file: {exc.strerror or exc}") from None
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
            raise UnreadableLetterError(
                "undecodable text: neither UTF-8 nor Windows-1252") from None
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
            "encrypted PDF: AES decryption needs the 'cryptography' package (pip install cryptography)") from None
    except Exception as exc:
        raise UnreadableLetterError(f"encrypted PDF that cannot be decrypted ({type(exc).__name__})") from None
    if not result:  # PasswordType.NOT_DECRYPTED
        raise UnreadableLetterError("password-protected PDF: it needs a password to open; "
                                    "save an unprotected copy and index that")


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
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableLetterError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UnreadableLetterError(f"damaged PDF: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise UnreadableLetterError(f"damaged PDF: {type(exc).__name__}") from None
    if not pages:
        raise UnreadableLetterError("PDF has no pages")
    text = "\f".join(pages).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableLetterError("PDF has no text layer (a scanned image?): OCR it first")
    return text
