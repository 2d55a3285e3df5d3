"""Shared fixtures: paths to the sample corpus and a helper to parse it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))
