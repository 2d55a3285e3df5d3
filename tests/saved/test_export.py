"""Whole-result exports: CSV and JSON parse back and list exactly the search's
first N passages in the page's order; Markdown is ready for a brief and
sanitised; the search and the date head every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from tests.saved.conftest import make_app, real_letters


@pytest.fixture
def big_app(db_url, tmp_path, corpus, monkeypatch):
    """All the real letters: a few hundred passages, more than one service page (100)."""
    corpus.add(real_letters())
    corpus.reindex()
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    return make_app(db_url, tmp_path, None, IMR_INDEX_DIR=str(corpus.index), IMR_SEARCH_SERVICE=None)


def search_ids(client, query: str, n: int) -> list[str]:
    """The first n passage ids in the order the results pages show them."""
    ids: list[str] = []
    page = 1
    while len(ids) < n:
        data = client.get(f"/api/search?{query}&per_page=100&page={page}").get_json()
        ids += [h["passage_id"] for h in data["hits"]]
        if len(data["hits"]) < 100:
            break
        page += 1
    return ids[:n]


def parse_csv(text: str) -> tuple[list[str], list[dict]]:
    assert text.startswith("\ufeff")
    lines = text[1:].splitlines(keepends=True)
    header = [next(csv.reader([line]))[0] for line in lines if line.startswith("#") or line.startswith('"#')]
    rows = list(csv.DictReader(io.StringIO("".join(ln for ln in lines if not ln.lstrip('"').startswith("#")))))
    return header, rows


def test_csv_lists_exactly_the_first_n_in_order(big_app):
    client = big_app.test_client()
    query = "sort=decision_date&decision=Upheld"
    total = client.get(f"/api/search?{query}").get_json()["total"]
    assert total > 150
    resp = client.get(f"/search/export.csv?{query}&limit=150")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="imr-search-')
    header, rows = parse_csv(resp.get_data(as_text=True))
    assert [r["passage_id"] for r in rows] == search_ids(client, query, 150)
    assert [int(r["rank"]) for r in rows] == list(range(1, 151))
    assert "Decision: Upheld" in header[0] and "sorted by decision date" in header[0]
    assert f"150 of {total} passages" in header[1]
    assert datetime.now(UTC).strftime("%Y-%m-%d") in header[1]
    assert all(r["decision"] == "Upheld" for r in rows)
    first = rows[0]
    assert first["citation"].startswith(f"IMR {first['case_number']} (") and first["rationale"]
    assert first["url"].endswith(f"/letters/{first['letter_id']}#p-{first['item_number']}")


def test_json_lists_the_whole_result_up_to_the_limit(big_app):
    client = big_app.test_client()
    query = "q=physical+therapy"
    total = client.get(f"/api/search?{query}").get_json()["total"]
    data = json.loads(client.get(f"/search/export.json?{query}").get_data(as_text=True))
    assert data["format"] == "imr-search-export" and data["search"]["q"] == "physical therapy"
    assert data["search"]["url"].endswith("/search?q=physical+therapy")
    assert data["exported_at"].startswith(datetime.now(UTC).strftime("%Y-%m-%d"))
    assert data["total"] == total and data["count"] == min(total, 1000) == len(data["passages"])
    assert [p["passage_id"] for p in data["passages"]] == search_ids(client, query, total)
    outcome = data["outcome"]
    assert outcome["upheld"] + outcome["overturned"] + outcome["undecided"] == total
    assert all(isinstance(p["citations"], list) for p in data["passages"])
    few = json.loads(client.get(f"/search/export.json?{query}&limit=3").get_data(as_text=True))
    assert [p["passage_id"] for p in few["passages"]] == search_ids(client, query, 3)


def test_markdown_is_ready_for_a_brief_and_sanitised(big_app):
    client = big_app.test_client()
    hostile = "<script>alert(1)</script> [x](javascript:alert(1)) *therapy*"
    text = client.get("/search/export.md", query_string={"q": hostile}).get_data(as_text=True)
    heading = text.splitlines()[0]
    assert heading.startswith("# IMR precedents: ")
    # (the permalink is an autolink, <...>, in which nothing is markup; its < > are %-encoded)
    prose = "\n".join(line for line in text.splitlines() if not line.startswith("Search: <http"))
    assert "<script>" not in text and "[x](javascript:" not in text and "*therapy*" not in prose
    assert "\\<script\\>" in heading and "\\[x\\]" in heading

    resp = client.get("/search/export.md", query_string={"q": "physical therapy", "limit": 5})
    assert resp.status_code == 200 and resp.mimetype == "text/markdown"
    text = resp.get_data(as_text=True)
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    data = json.loads(
        client.get("/search/export.json", query_string={"q": "physical therapy", "limit": 5}).get_data(as_text=True)
    )
    assert len(sections) == data["count"] == 5
    for p in data["passages"]:
        assert f"/letters/{p['letter_id']}#p-{p['item_number']}>" in text
        assert f"Case {p['case_number']}" in text.replace("\\", "")
    assert "**Decision rationale:**" in text and "Outcome of all" in text
    assert datetime.now(UTC).strftime("%-d %b %Y") in text.splitlines()[2]


def test_exports_say_what_was_counted_and_who_cited(big_app):
    """Passages in letters, the scope, and the reviewer's citations apart: as on the results page."""
    client = big_app.test_client()
    query = "q=occupational+therapy"
    page = client.get(f"/api/search?{query}").get_json()
    assert page["requests_only"] and page["discussed_total"] > 0  # these words name requests
    data = json.loads(client.get(f"/search/export.json?{query}").get_data(as_text=True))
    assert (data["total"], data["total_letters"], data["discussed_total"]) == (
        page["total"],
        page["total_letters"],
        page["discussed_total"],
    )
    assert data["requests_only"] is True and data["search"]["scope"] == "request"
    counted = f"{page['total']} passage{'' if page['total'] == 1 else 's'} in {page['total_letters']} letter"
    header, rows = parse_csv(client.get(f"/search/export.csv?{query}").get_data(as_text=True))
    assert counted in header[1] and "whose request holds the words" in header[1]
    assert f"{page['discussed_total']} more with them only in the reasoning" in header[1]
    text = client.get(f"/search/export.md?{query}").get_data(as_text=True)
    assert counted in text and "whose request holds the words" in text
    # every passage's reviewer citations, and no claims administrator's among them
    for row, passage in zip(rows, data["passages"], strict=True):
        reviewer = [c for c in passage["citations"] if c["cited_by"] != "claims_administrator"]
        assert bool(row["reviewer_guidelines"]) == bool(reviewer)
        assert set(filter(None, row["reviewer_guidelines"].split("; "))) <= set(row["guidelines"].split("; "))
    every = json.loads(client.get(f"/search/export.json?{query}&scope=passage").get_data(as_text=True))
    assert every["requests_only"] is False and every["search"]["scope"] == "passage"
    assert every["total"] == page["total"] + page["discussed_total"]


def test_bad_export_requests_get_clear_errors(big_app):
    client = big_app.test_client()
    assert client.get("/search/export.pdf?q=knee").status_code == 404
    resp = client.get("/search/export.csv?q=knee&limit=5000")
    assert resp.status_code == 400 and "limit" in resp.get_data(as_text=True)
    assert client.get("/search/export.csv?q=knee&limit=abc").status_code == 400
    assert client.get("/search/export.json?q=knee&sort=sideways").status_code == 400
