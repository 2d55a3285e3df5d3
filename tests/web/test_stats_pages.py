"""The statistics page and `/api/stats` over the sample corpus index."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.conftest import FACET_KEY, QUERY, parse_html

KEYS = {"n", "upheld", "overturned", "overturn_rate", "ci95"}


def test_api_shape(client) -> None:
    r = client.get("/api/stats", query_string={"q": "facet", "by": "treatment"})
    assert r.status_code == 200
    data = r.get_json()
    assert KEYS <= set(data["overall"])
    assert data["by"] == "treatment"
    assert data["groups"], "the sample corpus has facet treatments"
    for g in data["groups"]:
        assert KEYS | {"value"} <= set(g)
        assert g["n"] == g["upheld"] + g["overturned"]
        low, high = g["ci95"]
        assert 0 <= low <= g["overturn_rate"] <= high <= 1
    assert all(b["published_elsewhere"] and {"figure", "year", "scope", "source"} <= set(b) for b in data["baselines"])


def test_api_agrees_with_the_search_it_describes(client) -> None:
    args = {"q": QUERY, "citation": FACET_KEY}
    search = client.get("/api/search", query_string=args).get_json()
    decisions = {v["value"]: v["count"] for v in search["facets"]["decision"]}
    stats = client.get("/api/stats", query_string={**args, "by": "decision_year"}).get_json()
    assert stats["overall"]["upheld"] == decisions.get("Upheld", 0)
    assert stats["overall"]["overturned"] == decisions.get("Overturned", 0)
    assert stats["filters"] == {"citation": [FACET_KEY]}
    # at most one decision year per passage (the sample letters print none)
    assert sum(g["n"] for g in stats["groups"]) <= stats["overall"]["n"]


def test_api_refuses_an_unknown_split(client) -> None:
    r = client.get("/api/stats?by=shoe_size")
    assert r.status_code == 400
    assert "shoe_size" in r.get_data(as_text=True)


def test_page_draws_charts_and_table(client) -> None:
    r = client.get("/stats?by=specialty")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    doc = parse_html(html)
    assert doc.find("svg", **{"data-chart": "ranked"})
    rows = doc.find("tr")
    assert len(rows) > 1
    # every sample-corpus group is under 30 decisions: greyed, with the reason
    assert doc.find("tr", class_="is-small")
    assert "too uncertain to quote" in html
    assert "<script" not in html.split("</head>")[1]  # drawn on the server, no chart script


def test_page_keeps_the_search_state_and_escapes_it(client) -> None:
    r = client.get("/stats", query_string={"q": "<img src=x onerror=alert(1)>", "body_region": "cervical"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html
    doc = parse_html(html)
    back = [a["href"] for a in doc.find("a") if (a.get("href") or "").startswith("/search?")]
    assert back and parse_qs(urlsplit(back[0]).query)["body_region"] == ["cervical"]


def test_bad_split_on_the_page_is_a_notice(client) -> None:
    r = client.get("/stats?by=nonsense")
    assert r.status_code == 200
    assert "Cannot split by" in r.get_data(as_text=True)


def test_results_page_links_to_its_statistics(client) -> None:
    doc = parse_html(client.get("/search", query_string={"q": "facet", "decision": "Upheld"}).data)
    links = [a["href"] for a in doc.find("a") if (a.get("href") or "").startswith("/stats")]
    assert links
    params = parse_qs(urlsplit(links[0]).query)
    assert params["q"] == ["facet"] and params["decision"] == ["Upheld"]


def test_year_chart_band_and_published_marks() -> None:
    from indexer.stats.outcomes import Group, load_baselines
    from webapp.stats.charts import ranked_chart, year_rate_chart

    groups = [
        Group(n=200, upheld=180, overturned=20, value="2016"),
        Group(n=10, upheld=9, overturned=1, value="2017"),
        Group(n=400, upheld=350, overturned=50, value="2018"),
    ]
    chart = year_rate_chart(groups, list(load_baselines()))
    assert [p.label for p in chart.points] == ["2016", "2017", "2018"]
    assert len(chart.band.split()) == 6  # upper edge out, lower edge back
    assert [m.baseline.year for m in chart.marks] == [2016, 2017, 2018]
    for p in chart.points:
        assert p.high_y <= p.y <= p.low_y  # the band holds the rate
    assert chart.points[1].small and not chart.points[0].small
    ranked = ranked_chart(groups)
    assert [b.group.value for b in ranked.bars] == ["2018", "2016", "2017"]  # quotable first, then the small
    assert all(b.low_x <= ranked.left + b.width <= b.high_x for b in ranked.bars)


def test_api_and_page_follow_the_scope(client) -> None:
    # words of the case summaries ("injured", "history") match more with scope=letter;
    # the statistics count exactly the decided passages each results page lists
    differs = False
    for q in ("injured", "history", "pain"):
        per_scope = {}
        for scope in ("passage", "letter"):
            args = {"q": q, "scope": scope}
            search = client.get("/api/search", query_string={**args, "decision": ["Upheld", "Overturned"]}).get_json()
            stats = client.get("/api/stats", query_string=args).get_json()
            assert stats["scope"] == scope
            assert stats["overall"]["n"] == search["total"]
            assert stats["overall"]["letters"] == search["total_letters"]
            per_scope[scope] = stats["overall"]["n"]
        assert per_scope["passage"] <= per_scope["letter"]
        differs |= per_scope["passage"] < per_scope["letter"]
    assert differs, "some word of the sample summaries is not in the passages' own text"
    page = parse_html(client.get("/search", query_string={"q": "pain", "scope": "letter"}).data)
    [link] = [a["href"] for a in page.find("a") if (a.get("href") or "").startswith("/stats")]
    assert parse_qs(urlsplit(link).query)["scope"] == ["letter"]
    stats_page = client.get(link).get_data(as_text=True)
    assert "case summaries" in stats_page and "Back to the results" in stats_page
