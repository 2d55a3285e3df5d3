"""Every example on the syntax help page works: the ones marked for the sample
corpus find passages in it, the rest find passages in the legal fixtures, on
every engine; and the help page and README list every operator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.search.conftest import run
from tests.search.test_legal_search import legal  # noqa: F401  (fixture)
from webapp.search.syntax import SYNTAX

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("op", [op for op in SYNTAX if op.sample], ids=lambda op: op.example)
def test_sample_examples_find_passages_in_the_sample_corpus(seed_service, op):
    resp = run(seed_service, op.example)
    assert resp.total > 0, (op.example, resp.parsed, resp.messages)
    if "not supported" not in op.meaning and "fuzzy" not in op.meaning:
        assert resp.messages == [], resp.messages


@pytest.mark.parametrize("op", [op for op in SYNTAX if not op.sample], ids=lambda op: op.example)
def test_other_examples_find_passages_in_the_fixtures(legal, op):  # noqa: F811
    resp = run(legal, op.example)
    assert resp.total > 0 and resp.messages == [], (op.example, resp.parsed, resp.messages)


def test_readme_lists_every_operator():
    text = README.read_text(encoding="utf-8")
    # inside a Markdown table a "|" is written "\|"
    missing = [op.example for op in SYNTAX if f"`{op.example}`".replace("|", "\\|") not in text]
    assert missing == []
