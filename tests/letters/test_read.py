"""Reading files: encodings, line endings, PDFs, and clear one-line reasons for unreadable ones."""

from __future__ import annotations

import io

import pytest

from indexer.letters import UnreadableLetterError, parse_file, read_text

from .letters_factory import Item, LetterSpec, build_letter

SPEC = LetterSpec(
    items=[
        Item(
            "Naproxen 550mg #60",
            "Overturned",
            rationale="NSAIDs are recommended at the lowest dose for the shortest period. The patient’s pain "
            "improved with naproxen. Therefore the request is medically necessary.",
        )
    ],
    summary="The injured worker is a 37 year old woman who was injured on 5/14/2013. She reports café-au-lait "
    "spots and neck pain.",
)
TEXT = build_letter(SPEC)


def check(letter):
    assert [(p.item, p.decision) for p in letter.passages] == [("Naproxen 550mg #60", "Overturned")]
    assert "patient’s pain" in letter.passages[0].rationale
    assert "café-au-lait" in letter.summary
    assert letter.patient.age == 37 and letter.patient.sex == "female"
    assert letter.date_of_injury == "2013-05-14"


@pytest.mark.parametrize(
    "encoding,newline",
    [
        ("utf-8", "\n"),
        ("utf-8-sig", "\n"),
        ("cp1252", "\n"),
        ("utf-8", "\r\n"),
        ("cp1252", "\r\n"),
        ("utf-8", "\r"),
    ],
)
def test_text_encodings_and_line_endings(tmp_path, encoding, newline):
    path = tmp_path / "letter.txt"
    path.write_bytes(TEXT.replace("\n", newline).encode(encoding))
    text = read_text(path)
    assert "\r" not in text and not text.startswith("\ufeff")
    check(parse_file(path))


def test_form_feeds_are_page_breaks(tmp_path):
    path = tmp_path / "ff.txt"
    half = len(TEXT) // 2
    cut = TEXT.rindex(" ", 0, half)
    path.write_text(TEXT[:cut] + "\n\f" + TEXT[cut + 1 :], encoding="utf-8")
    check(parse_file(path))


def _pdf_bytes(text: str) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    y = 750
    page = 1
    for line in text.split("\n"):
        if y < 60:
            c.drawString(280, 30, f"Page {page}")
            c.showPage()
            page += 1
            y = 750
        c.drawString(50, y, line)
        y -= 14
    c.drawString(280, 30, f"Page {page}")
    c.save()
    return buf.getvalue()


def test_generated_pdf(tmp_path):
    from .letters_factory import wrap

    path = tmp_path / "letter.pdf"
    path.write_bytes(_pdf_bytes(wrap(TEXT.replace("’", "'").replace("é", "e"), 80)))
    letter = parse_file(path)
    assert [(p.item, p.decision) for p in letter.passages] == [("Naproxen 550mg #60", "Overturned")]
    assert letter.passages[0].rationale.endswith("Therefore the request is medically necessary.")
    assert letter.reviewer.specialties == ["Occupational Medicine"]
    assert letter.patient.age == 37
    assert "Page 1" not in letter.text


def test_pdf_without_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 200, 200, fill=1)  # an "image" only, no text
    c.save()
    path = tmp_path / "scan.pdf"
    path.write_bytes(buf.getvalue())
    with pytest.raises(UnreadableLetterError, match="no text layer"):
        read_text(path)


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    # as the DWC publishes letters: AES, an owner password, and (usually) an empty user password
    writer.encrypt(user_password=user_password, owner_password="dwc-owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_aes_encrypted_pdf_with_empty_password_opens(tmp_path):
    from .letters_factory import wrap

    path = tmp_path / "published.pdf"
    path.write_bytes(_encrypted(_pdf_bytes(wrap(TEXT.replace("’", "'").replace("é", "e"), 80)), ""))
    assert b"/Encrypt" in path.read_bytes()
    letter = parse_file(path)
    assert [(p.item, p.decision) for p in letter.passages] == [("Naproxen 550mg #60", "Overturned")]


def test_password_protected_pdf_gets_a_one_line_reason(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(_encrypted(_pdf_bytes("Case Number: CM16-0000001\nsecret"), "s3cret"))
    with pytest.raises(UnreadableLetterError) as err:
        read_text(path)
    assert "password-protected PDF" in str(err.value) and "\n" not in str(err.value)


def test_damaged_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n%garbage that is no pdf at all\n")
    with pytest.raises(UnreadableLetterError) as err:
        parse_file(path)
    assert "\n" not in str(err.value) and str(err.value)


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty file"),
        (b"  \n\r\n\t \n", "empty file"),
        (bytes(range(256)) * 4, "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"abc \x81\x8d\x8f\x90\x9d \xff\xfe", "undecodable"),
    ],
)
def test_unreadable_files_get_a_one_line_reason(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(UnreadableLetterError) as err:
        parse_file(path)
    assert reason in str(err.value) and "\n" not in str(err.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(UnreadableLetterError, match="not found"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(UnreadableLetterError, match="directory"):
        read_text(tmp_path)
