"""A letter with thousands of issues (indexed before passages were bounded, or
imported) is shown in parts of PASSAGES_PER_PART issues: every page stays small,
and a link to any passage lands on the part that shows it."""

from __future__ import annotations

import pytest

from indexer.index.pipeline import index_letters
from indexer.model import Letter, Passage, Section
from indexer.search.service import SearchService
from webapp.urls import PASSAGES_PER_PART

pytestmark = pytest.mark.slow  # indexes a 20,001-item letter (~75 s)


@pytest.fixture(scope="module")
def long_letter_client(tmp_path_factory):
    from webapp import create_app

    ix = tmp_path_factory.mktemp("long") / "ix"
    letter = Letter(
        letter_id="CM99-0000001",
        source_file="long.txt",
        summary="A long one.",
        sections=[Section("CLINICAL CASE SUMMARY", "The summary."), Section("ISSUES", "...")],
    )
    letter.passages = [
        Passage(
            passage_id=f"CM99-0000001-{i}",
            letter_id="CM99-0000001",
            ordinal=i,
            item=f"Item number {i}",
            decision="Upheld",
            rationale=f"Rationale {i}: " + "words of reasoning " * 80,
        )
        for i in range(1, 20_002)
    ]
    index_letters([letter], ix)
    service = SearchService.open(ix, "tantivy")
    app = create_app({"TESTING": True, "IMR_INDEX_DIR": str(ix), "IMR_SEARCH_SERVICE": service})
    yield app.test_client()
    service.close()


def test_a_20001_item_letter_is_paged(long_letter_client):
    first = long_letter_client.get("/letters/CM99-0000001")
    assert first.status_code == 200
    assert len(first.data) < 1_000_000  # was 36.6 MB
    html = first.get_data(as_text=True)
    assert 'id="p-1"' in html and f'id="p-{PASSAGES_PER_PART}"' in html
    assert f'id="p-{PASSAGES_PER_PART + 1}"' not in html
    assert "part 1 of 401" in html and "The summary." in html


def test_a_later_part_shows_its_items(long_letter_client):
    page = long_letter_client.get("/letters/CM99-0000001?part=401").get_data(as_text=True)
    assert 'id="p-20001"' in page and 'id="p-1"' not in page and "The summary." not in page
    assert long_letter_client.get("/letters/CM99-0000001?part=99999999999999999999").status_code == 200


def test_a_passage_link_lands_on_its_part(long_letter_client):
    from webapp.urls import passage_url

    with long_letter_client.application.test_request_context():
        url = passage_url("CM99-0000001", 12_345, q="reasoning")
    assert url.endswith("#p-12345") and f"part={12_344 // PASSAGES_PER_PART + 1}" in url
    page = long_letter_client.get(url.split("#")[0]).get_data(as_text=True)
    assert 'id="p-12345"' in page
