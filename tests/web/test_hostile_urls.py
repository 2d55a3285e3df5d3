"""Crafted search URLs get a small, fast page with the reason, never a page that
repeats them (issue 16, item 7). An <img> on any site can make a browser send
these to a local server, so every page the search renders must stay bounded."""

from __future__ import annotations

import pytest

from webapp.search.state import MAX_VALUES_PER_FACET

PAGE_LIMIT = 400_000  # bytes: a normal results page of the sample corpus is ~100-250 KB


def test_thousands_of_filter_values_are_cut_with_a_notice(client):
    values = [("decision", f"v{i}") for i in range(2_000)]
    response = client.get("/search", query_string=[("q", "facet"), *values])
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(body) < PAGE_LIMIT
    assert f"{2_000 - MAX_VALUES_PER_FACET:,} were ignored" in body


@pytest.mark.parametrize("word", ["lumbar", "lumbar\u00e9"])
def test_a_huge_query_is_searched_in_part_and_never_echoed_whole(client, word):
    # a word that matches: facet values (with their alert buttons) and hits are on the page
    q = " ".join([word] * 30_000)
    response = client.get("/search", query_string={"q": q})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(body) < PAGE_LIMIT, len(body)
    assert "were searched" in body


def test_the_json_api_refuses_them_with_the_reason(client):
    values = [("decision", f"v{i}") for i in range(2_000)]
    response = client.get("/api/search", query_string=[("q", "facet"), *values])
    assert response.status_code == 400
    assert "decision" in response.get_json()["error"]
