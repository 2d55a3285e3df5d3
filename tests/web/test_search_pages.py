"""The search page and its JSON twin `/api/search`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape

from indexer.query.types import FACETS, SearchRequest
from tests.web.conftest import FACET_KEY, QUERY, parse_html


def api(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/json"
    return response.get_json()


def test_home_page_offers_search_examples_and_json(client):
    response = client.get("/")
    assert response.status_code == 200
    page = parse_html(response.data)
    assert page.find("input", id="q")
    assert page.find("label", **{"for": "q"})
    assert page.find("main", id="main")
    assert page.find("meta", name="csrf-token")[0]["content"]
    assert page.find("link", rel="alternate", type="application/json")[0]["href"].startswith("/api/search")
    assert page.find("a", href="/citations")


def test_api_search_is_exactly_the_service_response(client, search_service):
    data = api(client, q=QUERY)
    expected = search_service.search(SearchRequest(query=QUERY)).to_json()
    assert data == expected
    assert {"query", "parsed", "total", "hits", "facets"} <= set(data)


def test_search_page_shows_hits_facets_outcome_and_matched_citations(client):
    data = api(client, q=QUERY)
    assert data["total"] > 0
    body = client.get("/search", query_string={"q": QUERY}).data.decode()
    page = parse_html(body)
    assert len(page.find("article", class_="hit")) == min(data["total"], 20)
    assert "<mark>" in body
    # the facet sidebar lists every facet the response has values for (and a facet without
    # values has no group to show)
    listed = [name for name, values in data["facets"].items() if values]
    assert {"decision", "citation", "source"} <= set(listed)
    for name in listed:
        assert f'data-facet="{name}"' in body
    # the outcome split of the whole result set
    upheld = sum(v["count"] for v in data["facets"]["decision"] if v["value"] == "Upheld")
    assert upheld > 0
    assert f"<strong>{upheld}</strong> upheld" in body
    # the query is a citation as letters word it: it reads as that citation, offered as a filter
    assert FACET_KEY in data["matched_citations"]
    assert "Show only passages citing it" in body
    # the hits' chips of that citation are marked matched
    matched = [c for h in data["hits"] for c in h["citations"] if c["matched"]]
    assert FACET_KEY in {c["key"] for c in matched}
    assert "cite-chip--matched" in body


def test_query_box_keeps_the_query_and_the_filters(client):
    page = parse_html(client.get("/search", query_string={"q": "facet", "decision": "Upheld"}).data)
    assert page.find("input", id="q")[0]["value"] == "facet"
    hidden = [(a["name"], a["value"]) for a in page.find("input", type="hidden")]
    assert ("decision", "Upheld") in hidden


def test_citation_filter_narrows_to_passages_citing_it(client):
    everything = api(client, q="")
    counts = {v["value"]: v["count"] for v in everything["facets"]["citation"]}
    assert FACET_KEY in counts
    filtered = api(client, citation=FACET_KEY)
    assert filtered["total"] == counts[FACET_KEY]
    for hit in filtered["hits"]:
        assert FACET_KEY in {c["key"] for c in hit["citations"]}


def test_filters_are_or_within_a_facet_and_and_across(client):
    everything = api(client)
    decisions = {v["value"]: v["count"] for v in everything["facets"]["decision"]}
    both = api(client, decision=list(decisions))
    assert both["total"] == sum(decisions.values())
    one = next(iter(decisions))
    narrowed = api(client, decision=one, citation=FACET_KEY)
    assert narrowed["total"] <= min(decisions[one], api(client, citation=FACET_KEY)["total"])
    assert all(h["decision"] == one for h in narrowed["hits"])


def test_active_filters_are_removable_chips_with_clear_all(client):
    body = client.get(
        "/search", query_string=[("q", "block"), ("decision", "Upheld"), ("citation", FACET_KEY)]
    ).data.decode()
    page = parse_html(body)
    chips = page.find("a", class_="chip")
    assert len(chips) == 2
    for chip in chips:
        params = parse_qs(urlsplit(chip["href"]).query)
        assert params["q"] == ["block"]
        # each chip removes exactly its own filter
        assert len(params.get("decision", [])) + len(params.get("citation", [])) == 1
    clear = page.find("a", class_="chips__clear")[0]["href"]
    assert parse_qs(urlsplit(clear).query) == {"q": ["block"]}


def test_facet_links_toggle_their_value(client):
    body = client.get("/search", query_string={"decision": "Upheld"}).data.decode()
    page = parse_html(body)
    active = [a for a in page.find("a", class_="facet-value") if "is-active" in a["class"]]
    assert len(active) == 1
    assert "decision" not in parse_qs(urlsplit(active[0]["href"]).query)


def test_paging_is_stable_and_linked(client):
    assert api(client)["total"] >= 4  # the sample corpus: 7 passages
    first = api(client, per_page=2, page=1)["hits"]
    second = api(client, per_page=2, page=2)["hits"]
    four = api(client, per_page=4, page=1)["hits"]
    ids = [h["passage_id"] for h in first + second]
    assert ids == [h["passage_id"] for h in four][: len(ids)]
    assert not {h["passage_id"] for h in first} & {h["passage_id"] for h in second}
    page = parse_html(client.get("/search", query_string={"per_page": 2}).data)
    nxt = page.find("a", rel="next")[0]["href"]
    assert parse_qs(urlsplit(nxt).query) == {"page": ["2"], "per_page": ["2"]}


def test_page_past_the_end_explains_itself(client):
    response = client.get("/search", query_string={"q": QUERY, "page": 999})
    assert response.status_code == 200
    assert b"There is no page 999" in response.data


def test_sort_is_kept_in_the_url_and_the_menu(client):
    page = parse_html(client.get("/search", query_string={"q": "block", "sort": "injury_date"}).data)
    selected = [a for a in page.find("option") if "selected" in a]
    assert [a["value"] for a in selected] == ["injury_date"]
    assert api(client, q="block", sort="injury_date")["sort"] == "injury_date"


@pytest.mark.parametrize(
    "query", ['"unbalanced', "(facet AND", "decision:", "x" * 5000, "facet\x00\x07 block", "))((", "NOT", "w/5"]
)
def test_malformed_queries_never_fail(client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert b"Traceback" not in response.data
    api_response = client.get("/api/search", query_string={"q": query})
    if len(query) > 2048:  # over the query bound: the page searches its start, the API says why
        assert api_response.status_code == 400 and "too long" in api_response.get_json()["error"]
    else:
        assert api_response.status_code == 200


@pytest.mark.parametrize("query", ['"unbalanced', "(facet AND", "decision:"])
def test_how_a_malformed_query_was_read_is_shown(client, query):
    data = api(client, q=query)
    body = client.get("/search", query_string={"q": query}).data.decode()
    assert data["messages"], "the service explains how it read a malformed query"
    for message in data["messages"]:
        assert str(escape(message)) in body


def test_bad_parameters_get_a_message_on_the_page_and_a_400_from_the_api(client):
    response = client.get("/search", query_string={"q": "block", "page": "abc", "sort": "sideways"})
    assert response.status_code == 200
    assert b"must be a whole number" in response.data and b"Unknown sort" in response.data
    api_response = client.get("/api/search", query_string={"page": "abc"})
    assert api_response.status_code == 400
    assert "page" in api_response.get_json()["error"]


def test_empty_result_suggests_what_to_try(client):
    body = client.get("/search", query_string={"q": "zzzqqqxxy", "decision": "Upheld"}).data.decode()
    assert "No passages match" in body
    assert "Remove the filter" in body
    assert 'href="/citations"' in body


def test_script_in_the_query_comes_back_escaped(client):
    payload = "<script>alert(1)</script>"
    body = client.get("/search", query_string={"q": payload, "decision": payload}).data.decode()
    assert payload not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    letter_id = api(client, q=QUERY)["hits"][0]["letter_id"]
    letter_body = client.get(f"/letters/{letter_id}", query_string={"q": payload}).data.decode()
    assert payload not in letter_body


def test_every_facet_is_a_url_parameter_counting_what_the_sidebar_said(client):
    facets = api(client)["facets"]
    tried = 0
    for name in FACETS:
        for value in facets.get(name, [])[:2]:
            data = api(client, **{name: value["value"]}, per_page=100)
            assert data["filters"] == {name: [value["value"]]}
            if name in ("citation", "reviewer_citation"):
                # A citation filter also takes in the topics below it (`ODG` finds
                # `ODG | Low Back`); the facet counts exact keys.
                assert data["total"] >= value["count"]
                for hit in data["hits"]:
                    keys = [
                        c["key"]
                        for c in hit["citations"]
                        if name == "citation" or c["cited_by"] != "claims_administrator"
                    ]
                    assert any(k == value["value"] or k.startswith(value["value"] + " | ") for k in keys)
            else:
                assert data["total"] == value["count"]
            tried += 1
    assert tried >= 6


def test_api_search_matches_the_cli_json(client, index_dir, capsys):
    import json

    from imr_cli.main import main

    params = {"q": QUERY, "citation": FACET_KEY, "per_page": 10}
    assert (
        main(
            ["search", QUERY, "--index", str(index_dir), "--filter", f"citation={FACET_KEY}", "--limit", "10", "--json"]
        )
        == 0
    )
    cli = json.loads(capsys.readouterr().out)
    assert api(client, **params) == cli


def test_the_json_api_carries_highlights_as_runs_without_html(client):
    import json

    data = api(client, q=QUERY)
    assert "<mark>" not in json.dumps(data)
    fragments = [f for hit in data["hits"] for frags in hit["highlights"].values() for f in frags]
    assert fragments and all(set(run) == {"text", "marked"} for f in fragments for run in f)
    marked = {run["text"].lower() for f in fragments for run in f if run["marked"]}
    assert any("facet" in t for t in marked) and any("joint" in t for t in marked)  # the query's words
    # the page shows the same runs, escaped and marked
    body = client.get("/search", query_string={"q": QUERY}).data.decode()
    assert "<mark>" in body
