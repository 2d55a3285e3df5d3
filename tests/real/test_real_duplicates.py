"""One determination from several files (a real letter's .txt and its .pdf) is indexed once;
the index report lists the duplicate and the file kept, and a duplicate takes over when the
kept file goes."""

from __future__ import annotations

import shutil

from indexer.index.pipeline import build_index
from indexer.query.types import SearchRequest
from indexer.search.service import SearchService

from .conftest import REAL


def _letters(ix):
    with SearchService.open(ix) as s:
        res = s.search(SearchRequest(query="", per_page=100))
        return sorted({h.letter_id for h in res.hits}), res.total


def test_a_letter_as_txt_and_pdf_is_indexed_once(tmp_path, real_stems):
    one, two = real_stems[0], real_stems[1]
    folder = tmp_path / "letters"
    folder.mkdir()
    for stem, kind in ((one, "txt"), (one, "pdf"), (two, "pdf")):
        shutil.copy2(REAL / kind / f"{stem}.{kind}", folder / f"{stem}.{kind}")
    ix = tmp_path / "ix"
    report = build_index([folder], ix, workers=1)
    case = one.split("_", 1)[1]
    assert report.letters == 2 and not report.failed
    assert [(d["file"].rsplit("/", 1)[1], d["kept"].rsplit("/", 1)[1]) for d in report.duplicates] == [
        (f"{one}.txt", f"{one}.pdf")
    ]
    ids, total = _letters(ix)
    assert ids == sorted([case, two.split("_", 1)[1]])
    assert not any(i.endswith("_2") for i in ids)

    # unchanged: still one, still reported
    again = build_index([folder], ix, workers=1)
    assert again.letters == 0 and [d["file"] for d in again.duplicates] == [str(folder / f"{one}.txt")]
    assert _letters(ix) == (ids, total)

    # the kept file goes: the duplicate is indexed in its place
    (folder / f"{one}.pdf").unlink()
    after = build_index([folder], ix, workers=1)
    assert after.removed == 1 and after.letters == 1 and after.duplicates == []
    assert _letters(ix) == (ids, total)


def test_edition_is_a_facet_users_filter_on(tmp_path, real_stems):
    folder = tmp_path / "letters"
    folder.mkdir()
    for stem in real_stems[:30]:
        shutil.copy2(REAL / "txt" / f"{stem}.txt", folder / f"{stem}.txt")
    ix = tmp_path / "ix"
    build_index([folder], ix, workers=1)
    wanted = "MTUS Chronic Pain Medical Treatment Guidelines 2016"
    with SearchService.open(ix) as s:
        everything = s.search(SearchRequest(query="", per_page=1))
        editions = {v.value: v.count for v in everything.facets["edition"]}
        assert wanted in editions and "MTUS ACOEM Chapter 12 Low Back Complaints 2004" in editions
        hits = s.search(SearchRequest(query="", filters={"edition": [wanted]}, per_page=100))
        assert hits.total == editions[wanted] and hits.total < everything.total
        for h in hits.hits:
            assert any(
                c.chapter == "Chronic Pain Medical Treatment Guidelines" and c.edition == "2016" for c in h.citations
            ), h.passage_id
        # the key stays edition-free: a chapter's citations count across editions
        assert all(" 2016" not in c.key for h in hits.hits for c in h.citations)


def test_search_page_shows_each_citations_edition_and_the_api_both_mtus_bases(tmp_path, real_stems):
    from webapp import create_app

    folder = tmp_path / "letters"
    folder.mkdir()
    for stem in real_stems[:12]:
        shutil.copy2(REAL / "txt" / f"{stem}.txt", folder / f"{stem}.txt")
    ix = tmp_path / "ix"
    build_index([folder], ix, workers=1)
    with SearchService.open(ix) as service:
        app = create_app(
            {
                "TESTING": True,
                "IMR_INDEX_DIR": str(ix),
                "IMR_SEARCH_SERVICE": service,
                "IMR_DATA_DIR": str(tmp_path / "data"),
            }
        )
        client = app.test_client()
        page = client.get("/search?q=special+studies")
        assert page.status_code == 200
        assert b'<span class="cite-chip__edition">(2004)</span>' in page.data
        api = client.get("/api/search?q=&per_page=50").get_json()
        hits = api["hits"]
        assert any(c["edition"] == "2016" for h in hits for c in h["citations"])
        assert {h["mtus_based"] for h in hits} >= {True, False}
        assert {h["claims_administrator_mtus_based"] for h in hits} >= {True, False, None}
