"""The 126 real DWC letters in ../shared/real-letters (PDF as published and pypdf's text),
parsed once per session. CI has ../shared beside its checkout: a missing folder fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.letters import parse_file
from indexer.model import Letter

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "real-letters"


def _stems() -> list[str]:
    assert (REAL / "pdf").is_dir() and (REAL / "txt").is_dir(), f"real letters missing: {REAL}"
    return sorted(p.stem for p in (REAL / "pdf").glob("*.pdf"))


@pytest.fixture(scope="session")
def real_stems() -> list[str]:
    stems = _stems()
    assert len(stems) == 126
    assert stems == sorted(p.stem for p in (REAL / "txt").glob("*.txt"))
    return stems


@pytest.fixture(scope="session")
def real_txt(real_stems) -> dict[str, Letter]:
    return {s: parse_file(REAL / "txt" / f"{s}.txt") for s in real_stems}


@pytest.fixture(scope="session")
def real_pdf(real_stems) -> dict[str, Letter]:
    return {s: parse_file(REAL / "pdf" / f"{s}.pdf") for s in real_stems}


@pytest.fixture(scope="session")
def real_raw(real_stems) -> dict[str, str]:
    return {s: (REAL / "txt" / f"{s}.txt").read_text(encoding="utf-8") for s in real_stems}
