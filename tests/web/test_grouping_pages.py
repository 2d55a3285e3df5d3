"""Results pages fold near-identical rationales under the first, with a toggle."""

from __future__ import annotations

import pytest

from tests.web.conftest import parse_html


@pytest.fixture(scope="module")
def grouped_client(tmp_path_factory, web_data_dir):
    from indexer.index.pipeline import index_letters
    from indexer.search.service import SearchService
    from tests.search.test_grouping import _letters
    from webapp import create_app

    index_dir = tmp_path_factory.mktemp("grouped-web")
    index_letters(_letters(), index_dir)
    service = SearchService.open(index_dir)
    app = create_app({"TESTING": True, "IMR_INDEX_DIR": str(index_dir), "IMR_SEARCH_SERVICE": service})
    yield app.test_client()
    service.close()


def test_results_fold_and_summarise_the_group(grouped_client) -> None:
    html = grouped_client.get("/search?q=opioid").get_data(as_text=True)
    assert (
        "and 5 near-identical rationales (4 upheld, 1 overturned)" in html
        or "and 5 near-identical rationales (5 upheld, 0 overturned)" in html
    )
    doc = parse_html(html)
    assert len(doc.find("details", class_="hit__dups")) == 1
    assert len(doc.find("ol", class_="hits--folded")) == 1
    assert "6 passages" in html  # the count still counts every decision


def test_toggle_shows_each_and_is_a_permalink(grouped_client) -> None:
    doc = parse_html(grouped_client.get("/search?q=opioid").data)
    toggle = doc.find("a", class_="dups-toggle")[0]["href"]
    assert "dups=all" in toggle
    flat = grouped_client.get(toggle).get_data(as_text=True)
    assert "near-identical rationales (" not in flat
    assert 'name="dups" value="all"' in flat  # a new search keeps the choice
    assert grouped_client.get("/api/search?q=opioid&dups=nonsense").status_code == 400


def test_list_all_members_link(grouped_client) -> None:
    doc = parse_html(grouped_client.get("/search?q=opioid").data)
    link = [a["href"] for a in doc.find("a") if "rationale_group=" in (a.get("href") or "")][0]
    page = grouped_client.get(link).get_data(as_text=True)
    assert "6 passages" in page
