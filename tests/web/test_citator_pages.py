"""The guideline citator: every citation with counts, and one citation's record."""

from __future__ import annotations

from urllib.parse import quote, unquote

from markupsafe import escape

from tests.web.conftest import FACET_KEY, parse_html


def _citation_counts(client, facet: str = "reviewer_citation") -> dict[str, int]:
    facets = client.get("/api/search", query_string={"per_page": 1}).get_json()["facets"]
    return {v["value"]: v["count"] for v in facets[facet]}


def test_citator_lists_every_citation_with_its_count(client):
    data = client.get("/api/citations").get_json()
    assert data["cited_by"] == "reviewer"
    listed = {c["key"]: c["count"] for c in data["citations"]}
    assert listed == _citation_counts(client)
    anyone = client.get("/api/citations", query_string={"cited_by": "any"}).get_json()
    assert {c["key"]: c["count"] for c in anyone["citations"]} == _citation_counts(client, "citation")
    assert data["total_citations"] == len(listed)
    body = client.get("/citations").data.decode()
    page = parse_html(body)
    links = {unquote(a["href"]) for a in page.find("a")}
    for key in listed:
        assert "/citations/" + key in links


def test_citator_filter(client):
    data = client.get("/api/citations", query_string={"filter": "facet"}).get_json()
    assert data["citations"]
    assert all(
        any(w.lower().startswith("facet") for w in c["key"].replace("|", " ").split()) for c in data["citations"]
    )
    body = client.get("/citations", query_string={"filter": "zzznothing"}).data.decode()
    assert "No citation matches" in body


def test_citation_page_shows_outcome_chart_specialties_and_co_citations(client):
    counts = _citation_counts(client)
    response = client.get("/citations/" + quote(FACET_KEY))
    assert response.status_code == 200
    body = response.data.decode()
    page = parse_html(body)
    assert page.find("svg", class_="chart__svg")
    assert len(page.find("rect")) >= 1
    data = client.get("/api/citations/" + quote(FACET_KEY)).get_json()
    assert data["citation"]["key"] == FACET_KEY
    assert data["passages"]["total"] == counts[FACET_KEY]
    outcome = data["outcome"]
    assert outcome["upheld"] + outcome["overturned"] + outcome["undecided"] == counts[FACET_KEY]
    assert sum(row["upheld"] + row["overturned"] + row["other"] for row in data["by_year"]) <= counts[FACET_KEY]
    assert FACET_KEY not in {c["key"] for c in data["co_cited"]}
    for c in data["co_cited"]:
        assert c["count"] <= counts[c["key"]]
    for spec in data["specialties"]:
        assert str(escape(spec["value"])) in body
    assert len(page.find("article", class_="hit")) == min(counts[FACET_KEY], 20)
    # every passage listed cites it
    for hit in data["passages"]["hits"]:
        assert FACET_KEY in {c["key"] for c in hit["citations"]}


def test_citation_page_links_to_a_search_filtered_by_it(client):
    page = parse_html(client.get("/citations/" + quote(FACET_KEY)).data)
    hrefs = [
        unquote(a["href"]).replace("+", " ") for a in page.find("a") if (a.get("href") or "").startswith("/search?")
    ]
    assert any(f'reviewer_citation:"{FACET_KEY}"' in h for h in hrefs)


def test_unknown_citation_is_404(client):
    assert client.get("/citations/" + quote("ODG | Nowhere | Nothing")).status_code == 404
    assert client.get("/api/citations/" + quote("ODG | Nowhere | Nothing")).status_code == 404


def test_citator_index_has_outcome_columns_and_sorts_by_overturn_rate(client):
    data = client.get("/api/citations", query_string={"sort": "rate"}).get_json()
    assert data["sort"] == "rate"
    for c in data["citations"]:
        assert c["upheld"] + c["overturned"] <= c["count"]
        decided = c["upheld"] + c["overturned"]
        if decided:
            assert c["overturn_rate"] == round(100 * c["overturned"] / decided, 1)
            lo, hi = c["overturn_ci95"]  # every rate here is from fewer than 1,000 passages
            assert lo <= c["overturn_rate"] <= hi
    rates = [c["overturn_rate"] for c in data["citations"] if c["overturn_rate"] is not None]
    assert rates == sorted(rates, reverse=True)
    page = parse_html(client.get("/citations", query_string={"sort": "rate"}).data)
    assert page.find("a", class_="sort-rate")
    assert page.find("th", **{"aria-sort": "descending"})


def test_citation_page_counts_the_reviewers_citations_and_shows_letters(client):
    body = client.get("/citations/" + quote(FACET_KEY)).data.decode()
    data = client.get("/api/citations/" + quote(FACET_KEY)).get_json()
    assert data["cited_by"] == "reviewer"
    n, m = data["passages"]["total"], data["total_letters"]
    assert f"{n} passage{'s' if n != 1 else ''} in {m} letter{'s' if m != 1 else ''}" in body
    anyone = client.get("/api/citations/" + quote(FACET_KEY), query_string={"cited_by": "any"}).get_json()
    assert anyone["passages"]["total"] >= n
    ca_only = data["administrator_only"]["total"] if data["administrator_only"] else 0
    assert anyone["passages"]["total"] == n + ca_only
