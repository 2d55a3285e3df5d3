"""Facets are objects: the registry (indexer.query.facets) is what the query
types, the parser, the search service and the web app's wording read, so a facet
is typed, filtered and shown by what the registry says of it."""

from __future__ import annotations

import pytest

from indexer.query.facets import REGISTRY
from indexer.query.tree import FacetTerm, Range, Term
from indexer.query.types import CITATION_FACETS, FACETS, HIDDEN_FACETS, INDEXED_FACETS
from indexer.search.parser import parse_query
from webapp.presentation import FACET_HELP, facet_label, facet_value_label

# a value each kind of facet accepts inline
SAMPLE = {"keyword": "Anesthesiology", "citation": "ODG | Low Back", "year": "2016", "boolean": "yes"}
READ_AS = {"keyword": "Anesthesiology", "citation": "ODG | Low Back", "year": "2016", "boolean": "true"}


def test_the_query_types_are_the_registry():
    assert FACETS == tuple(name for name, f in REGISTRY.items() if f.counted)
    assert HIDDEN_FACETS == ("rationale_group",)
    assert set(INDEXED_FACETS) == set(REGISTRY)
    assert CITATION_FACETS == ("citation", "reviewer_citation")


@pytest.mark.parametrize("name", FACETS)
def test_every_counted_facet_and_alias_is_typed_inline(name):
    facet = REGISTRY[name]
    for typed in (name, *facet.aliases):
        tree = parse_query(f'{typed}:"{SAMPLE[facet.kind]}"').tree
        assert tree == FacetTerm(name, READ_AS[facet.kind]), typed


def test_a_facet_that_is_not_counted_is_not_a_query_word():
    assert not isinstance(parse_query("rationale_group:abc").tree, FacetTerm)


@pytest.mark.parametrize("name", [n for n, f in REGISTRY.items() if f.kind == "year"])
def test_a_range_on_a_year_facet_is_its_date_range(name):
    field = REGISTRY[name].date_field
    assert parse_query(f"{name}:2018..2020").tree == Range(field, "2018-01-01", "2020-12-31")


@pytest.mark.parametrize("name", [n for n, f in REGISTRY.items() if f.kind == "boolean"])
def test_a_yes_no_facet_refuses_other_values(name):
    pq = parse_query(f"{name}:perhaps knee")
    assert pq.tree == Term("knee", "knee")
    assert pq.messages == [f"{name}:perhaps should be true or false; it was ignored."]
    assert facet_value_label(name, "true") == "Yes" and facet_value_label(name, "false") == "No"


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_web_shows_the_registry_wording(name):
    facet = REGISTRY[name]
    assert facet_label(name) == facet.label
    assert FACET_HELP.get(name) == facet.help
    if facet.kind == "citation":
        assert facet_value_label(name, "ODG | Low Back | Lumbar supports") == "ODG › Low Back › Lumbar supports"


def test_cited_by_still_applies_to_citation_facets():
    tree = parse_query('citation:"ODG | Low Back" cited_by:reviewer').tree
    assert tree == FacetTerm("reviewer_citation", "ODG | Low Back")


def test_a_passage_carries_every_registered_facet_as_the_registry_extracts_it(seed_files):
    from indexer.index.documents import ensure_passages, facet_values
    from indexer.letters.parse import parse_text

    seen: dict[str, set[str]] = {name: set() for name in REGISTRY}
    for path in seed_files:
        letter = parse_text(path.read_text(encoding="utf-8"), str(path))
        ensure_passages(letter)
        for p in letter.passages:
            values = facet_values(letter, p)
            assert list(values) == list(INDEXED_FACETS)
            assert values["citation"] == list(dict.fromkeys(c.key for c in p.citations))
            assert values["mtus_based"] == ([] if p.mtus_based is None else [str(p.mtus_based).lower()])
            for name, vs in values.items():
                assert all(v == " ".join(v.split()) and v for v in vs), (name, vs)
                seen[name].update(vs)
    assert seen["rationale_group"] == set()  # the indexer fills it in
    assert seen["decision"] and seen["decision"] <= {"Upheld", "Overturned"}
    assert seen["citation"] and seen["source"] and seen["specialty"]
