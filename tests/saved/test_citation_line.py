"""The copy-citation line: one format everywhere (results, letters, alerts, exports)."""

from __future__ import annotations

from webapp.presentation import citation_line, cite_date


def test_citation_line_format():
    assert (
        citation_line("CM16-0213037", "2016-12-09", 2, "MRI of the cervical spine", "Upheld")
        == "IMR CM16-0213037 (Dec. 9, 2016), item 2: MRI of the cervical spine - Upheld"
    )
    assert (
        citation_line(None, None, 1, "  Acupuncture,\n 12 sessions ", "Overturned", "004_abc")
        == "IMR 004_abc, item 1: Acupuncture, 12 sessions - Overturned"
    )
    assert (
        citation_line("CM17-0000001", "2017-02-01", 0, "Whole letter", None)
        == "IMR CM17-0000001 (Feb. 1, 2017): Whole letter"
    )


def test_legal_month_abbreviations():
    assert [cite_date(f"2016-{m:02d}-01") for m in (5, 6, 7, 9)] == [
        "May 1, 2016",
        "June 1, 2016",
        "July 1, 2016",
        "Sept. 1, 2016",
    ]
    assert cite_date("sometime") == "sometime" and cite_date(None) == ""


def test_results_and_letter_pages_offer_the_line(indexed_app):
    client = indexed_app.test_client()
    hit = client.get("/api/search?q=acupuncture&per_page=1").get_json()["hits"][0]
    line = citation_line(hit["case_number"], hit["decision_date"], hit["ordinal"], hit["item"], hit["decision"])
    assert line.startswith("IMR CM")
    from markupsafe import escape

    for page in (client.get("/search?q=acupuncture"), client.get(f"/letters/{hit['letter_id']}")):
        html = page.get_data(as_text=True)
        assert f'data-citation="{escape(line)}"' in html
