"""Conformance for searching the way legal researchers type (issue 12), on every
engine: dosages, quantities and spinal levels as letters write them, case
numbers. Expected hits are read off tests/search/legal_fixtures.py."""

from __future__ import annotations

import pytest

from indexer.index.pipeline import index_letters
from indexer.search.service import SearchService
from tests.search.conftest import ids, run
from tests.search.legal_fixtures import E, F, G, H, legal_letters


@pytest.fixture(scope="session")
def legal(engine, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp(f"legal-{engine}")
    index_letters(legal_letters(), index_dir, engine=engine)
    with SearchService.open(index_dir, engine) as service:
        yield service


def found(service, query: str, **kw) -> set[str]:
    return set(ids(run(service, query, per_page=100, **kw)))


# ----------------------------------------------------------------- dosages, quantities, levels

@pytest.mark.parametrize("query,expected", [
    ("10/325", {f"{E}-1"}),
    ("Norco 10/325", {f"{E}-1"}),
    ('"10/325 mg"', {f"{E}-1"}),
    ("5/325", {f"{H}-1"}),
    ("15 mg", {f"{F}-1"}),
    ("15mg", {f"{F}-1"}),
    ("Oxycodone 15 mg", {f"{F}-1"}),
    ("10mg", {f"{G}-2"}),
    ("10 mg", {f"{G}-2"}),
    ("#60", {f"{E}-1"}),
    ("#90", {f"{F}-1"}),
    ("x 12", {f"{F}-2", f"{H}-1"}),
    ("x12", {f"{F}-2", f"{H}-1"}),
    ("L4-5", {f"{E}-2"}),
    ("L4-L5", {f"{E}-2"}),
    ("L4/5", {f"{E}-2"}),
    ("C5-6", {f"{F}-3"}),
    ("C5-C6", {f"{F}-3"}),
    ("T12-L1", {f"{G}-3"}),
    ("L1", {f"{G}-3"}),
])
def test_dosages_quantities_and_levels_match_as_letters_write_them(legal, query, expected):
    assert found(legal, query) == expected


def test_a_number_and_its_unit_are_one_phrase(legal):
    # "15 mg" is not 15 AND mg anywhere: F-2's "12" and "mg" elsewhere never join
    assert run(legal, "15 mg").parsed == '"15 mg"'
    assert run(legal, "Oxycodone 15 mg").parsed == 'Oxycodone AND "15 mg"'
    assert run(legal, "L4-5").parsed == '"L4 L5"'


def test_levels_are_highlighted_as_they_are_written(legal):
    [hit] = run(legal, "L4-L5").hits
    assert "<mark>L4-5</mark>" in hit.highlights["item"][0]
    assert "<mark>L4/5</mark>" in hit.highlights["rationale"][0]
    [hit] = run(legal, "15mg").hits
    assert "<mark>15 mg</mark>" in hit.highlights["item"][0]
    [hit] = run(legal, "10/325").hits
    assert "<mark>10/325</mark>mg" in hit.highlights["item"][0]


# ----------------------------------------------------------------- case numbers

def test_a_case_number_finds_its_letters_passages(legal):
    assert found(legal, E) == {f"{E}-1", f"{E}-2"}
    assert found(legal, f'"{E}"') == {f"{E}-1", f"{E}-2"}
    assert found(legal, f"case:{E}") == {f"{E}-1", f"{E}-2"}
    assert found(legal, "CM16-0213038") == set()


def test_case_number_prefixes(legal):
    assert found(legal, "case:CM16*") == {f"{E}-1", f"{E}-2"}
    assert found(legal, "case:CM1*") == {f"{E}-1", f"{E}-2", f"{F}-1", f"{F}-2", f"{F}-3", f"{H}-1", f"{H}-2"}
    assert found(legal, "CM21") == {f"{G}-1", f"{G}-2", f"{G}-3"}
    assert found(legal, "case:cm17-00001*") == {f"{F}-1", f"{F}-2", f"{F}-3"}
