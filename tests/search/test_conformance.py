"""The conformance suite: every search behaviour, the same expectations, each engine.

Runs against hand-made letters (tests/search/fixtures.py) whose expected
results are worked out by reading them; test_seeds.py does the same on the
five real sample letters.
"""

from __future__ import annotations

import pytest

from indexer.index.engine import tie_order
from indexer.index.pipeline import index_letters
from indexer.model import Letter, Passage
from indexer.search.service import SearchService
from tests.search.conftest import counts, html, ids, run
from tests.search.fixtures import FACET_DX, OPIOIDS, PHYS_MED

A1, A2 = "CM15-0000001-1", "CM15-0000001-2"
B1, B2 = "CM16-0000002-1", "CM16-0000002-2"
C0 = "notaletter-0"
D1, D2 = "CM14-0000004-1", "CM14-0000004-2"
ALL = {A1, A2, B1, B2, C0, D1, D2}


# ----------------------------------------------------------------- words, stems, boolean


def test_words_are_anded_and_stemmed(sample_service):
    assert set(ids(run(sample_service, "documented improvements"))) == {A1}
    assert set(ids(run(sample_service, "improvement"))) == {A1, B2}


def test_case_insensitive(sample_service):
    assert set(ids(run(sample_service, "NORCO"))) == set(ids(run(sample_service, "norco"))) == {A1}


def test_or_and_not(sample_service):
    assert set(ids(run(sample_service, "norco OR omeprazole"))) == {A1, D2}
    assert set(ids(run(sample_service, "radicular NOT therapy"))) == {A2, B1}
    assert set(ids(run(sample_service, "radicular -therapy"))) == {A2, B1}
    assert set(ids(run(sample_service, "(norco OR omeprazole) AND improvement"))) == {A1}


def test_or_binds_tighter_than_implicit_and(sample_service):
    # ladder and gastritis are words of case summaries: searched with scope=letter
    resp = run(sample_service, "ladder OR gastritis improvement", scope="letter")
    assert set(ids(resp)) == {A1}
    assert resp.parsed == "(ladder OR gastritis) AND improvement"


def test_pure_negative_query_returns_everything_else(sample_service):
    assert set(ids(run(sample_service, "-radicular", per_page=50))) == ALL - {A2, B1, B2}


def test_phrase(sample_service):
    assert set(ids(run(sample_service, '"no more than 2 levels"'))) == {A2}
    assert ids(run(sample_service, '"2 levels no more"')) == []


def test_phrase_with_slop(sample_service):
    # "findings support the epidural block": 'findings' and 'block' are 4 positions apart
    assert ids(run(sample_service, '"findings block"')) == []
    assert ids(run(sample_service, '"findings block"~2')) == []
    assert set(ids(run(sample_service, '"findings block"~3'))) == {B1}


def test_proximity_either_order(sample_service):
    # B1: "Radicular findings support the epidural block" (5 apart);
    # B2: "the block relieved radicular pain" (2 apart, reversed); A2: radicular ... block 8 apart
    assert set(ids(run(sample_service, "radicular w/5 block"))) == {B1, B2}
    assert set(ids(run(sample_service, "radicular w/2 block"))) == {B2}
    assert set(ids(run(sample_service, "block w/2 radicular"))) == {B2}
    assert set(ids(run(sample_service, "radicular w/7 block"))) == {B1, B2}
    assert set(ids(run(sample_service, "radicular w/8 block"))) == {A2, B1, B2}
    assert set(ids(run(sample_service, "radicular NEAR/5 block"))) == {B1, B2}


def test_prefix_and_root_expander(sample_service):
    assert set(ids(run(sample_service, "omepra*"))) == {D2}
    # 'radiating' is only in B's case summary: found when the summary is searched
    assert ids(run(sample_service, "radiat*")) == []
    assert set(ids(run(sample_service, "radiat*", scope="letter"))) == {B1, B2}
    # root expander: "injections!" -> root "inject" -> injection, injections, injected ...
    assert set(ids(run(sample_service, "injections!"))) == {B1, B2}
    assert set(ids(run(sample_service, "inject*"))) == {B1, B2}


def test_field_restriction(sample_service):
    assert set(ids(run(sample_service, "item:injection"))) == {B1}
    assert set(ids(run(sample_service, "injection"))) == {B1, B2}
    assert set(ids(run(sample_service, 'rationale:"no more than 2 levels"'))) == {A2}
    assert ids(run(sample_service, "item:radicular")) == []
    # the letter's summary is searchable on request, with every passage of the letter
    assert ids(run(sample_service, "ladder")) == []
    assert set(ids(run(sample_service, "ladder", scope="letter"))) == {A1, A2}
    assert set(ids(run(sample_service, "summary:ladder"))) == {A1, A2}


def test_field_weights_item_above_summary(sample_service):
    # 'fall' is only in A's summary (both A passages); 'norco' is in A1's item
    resp = run(sample_service, "fall OR norco", scope="letter")
    assert ids(resp) == [A1, A2]
    assert resp.hits[0].score > resp.hits[1].score


# ----------------------------------------------------------------- facets inline and as filters


def test_inline_facet_terms(sample_service):
    assert set(ids(run(sample_service, "decision:overturned"))) == {A1, B1}
    assert set(ids(run(sample_service, "decision:Upheld radicular"))) == {A2, B2}
    assert set(ids(run(sample_service, "specialty:anesthesiology"))) == {A1, A2}
    assert set(ids(run(sample_service, 'specialty:"pain management"'))) == {B1, B2}
    assert set(ids(run(sample_service, "licensure:california"))) == {A1, A2, D1, D2}
    assert set(ids(run(sample_service, "mtus_based:no"))) == {A2}
    assert set(ids(run(sample_service, "injury_year:2014"))) == {B1, B2}
    assert set(ids(run(sample_service, f'citation:"{FACET_DX}"'))) == {A2}
    assert set(ids(run(sample_service, "-decision:upheld treatment:injection"))) == {B1}


def test_citation_value_matches_the_citations_below_it(sample_service):
    resp = run(sample_service, 'citation:"MTUS | Chronic Pain Medical Treatment Guidelines"')
    assert set(ids(resp)) == {A1, B2}


def test_filters_or_within_and_across(sample_service):
    resp = run(sample_service, filters={"treatment": ["injection", "physical therapy"]}, per_page=50)
    assert set(ids(resp)) == {A2, B1, B2}
    resp = run(sample_service, filters={"treatment": ["injection", "physical therapy"], "decision": ["Upheld"]})
    assert set(ids(resp)) == {A2, B2}


def test_facet_counts_are_disjunctive(sample_service):
    resp = run(sample_service, filters={"decision": ["Upheld"]}, per_page=50)
    assert resp.total == 4
    # the decision facet ignores its own selection, so the other value stays selectable
    assert counts(resp, "decision") == {"Upheld": 4, "Overturned": 2}
    # other facets honour it
    assert counts(resp, "treatment") == {"medication": 2, "injection": 1, "physical therapy": 1}
    assert counts(resp, "citation") == {FACET_DX: 1, PHYS_MED: 1}
    resp = run(sample_service, filters={"decision": ["Upheld"], "treatment": ["medication"]})
    assert counts(resp, "decision") == {"Upheld": 2, "Overturned": 1}
    assert counts(resp, "treatment") == {"medication": 2, "injection": 1, "physical therapy": 1}


def test_facets_cover_the_whole_result_not_the_page(sample_service):
    resp = run(sample_service, "", per_page=1)
    assert len(resp.hits) == 1 and resp.total == 7
    assert counts(resp, "decision") == {"Upheld": 4, "Overturned": 2}
    assert counts(resp, "specialty") == {
        "Anesthesiology": 2,
        "Physical Medicine & Rehabilitation": 2,
        "Pain Management": 2,
        "Orthopedic Surgery": 2,
    }
    assert counts(resp, "source") == {"MTUS": 2, "ODG": 1}
    assert counts(resp, "mtus_based") == {"true": 3, "false": 1}
    assert counts(resp, "decision_year") == {"2014": 2, "2015": 2, "2016": 2}
    assert counts(resp, "body_region") == {"cervical": 2, "lumbar": 2}
    assert set(resp.facets) >= {
        "decision",
        "citation",
        "source",
        "treatment",
        "body_region",
        "specialty",
        "licensure",
        "injury_year",
        "mtus_based",
    }


def test_selected_filter_value_is_listed_even_with_no_hits(sample_service):
    resp = run(sample_service, "gabapentin", filters={"decision": ["Overturned"]})
    assert resp.total == 0
    assert counts(resp, "decision").get("Overturned") == 0


def test_facet_limit_caps_values_not_counts(sample_service):
    resp = run(sample_service, "", facet_limit=1)
    assert len(resp.facets["specialty"]) == 1
    assert resp.facets["specialty"][0].count == 2


# ----------------------------------------------------------------- abbreviations, citations


def test_abbreviation_expands_both_ways(sample_service):
    assert set(ids(run(sample_service, "PPI"))) == {D1, D2}
    assert set(ids(run(sample_service, '"proton pump inhibitor"'))) == {D1, D2}
    assert set(ids(run(sample_service, "proton pump inhibitor"))) == {D1, D2}
    assert set(ids(run(sample_service, "MBB"))) == {A2}
    assert set(ids(run(sample_service, "ESI"))) == {B1}


def test_citation_query_pins_citing_passages_first(sample_service):
    resp = run(sample_service, "MTUS Chronic Pain Opioids")
    assert OPIOIDS in resp.matched_citations
    assert ids(resp)[0] == A1
    [hit] = [h for h in resp.hits if h.passage_id == A1]
    assert [c.matched for c in hit.citations] == [True]


# ----------------------------------------------------------------- unparsed, browse, sort, paging


def test_unparsed_letter_is_one_whole_text_passage(sample_service):
    resp = run(sample_service, "gabapentin sedation")
    assert ids(resp) == [C0]
    hit = resp.hits[0]
    assert hit.unparsed and hit.ordinal == 0 and hit.decision is None
    letter = sample_service.get_letter("notaletter")
    assert letter is not None and letter.passages[0].unparsed


def test_empty_query_browses_everything(sample_service):
    resp = run(sample_service, "", per_page=50)
    assert resp.total == 7 and set(ids(resp)) == ALL
    assert resp.messages == []


def test_sort_by_dates(sample_service):
    resp = run(sample_service, "", sort="decision_date", per_page=50)
    dates = [h.decision_date for h in resp.hits]
    assert dates[:6] == ["2016-02-10"] * 2 + ["2015-06-01"] * 2 + ["2014-01-01"] * 2
    assert dates[6] is None  # no date sorts last
    resp = run(sample_service, "injection OR block OR omeprazole", sort="injury_date", per_page=50)
    injuries = [h.date_of_injury for h in resp.hits]
    assert injuries == sorted(injuries, reverse=True)


@pytest.mark.parametrize("sort", ["relevance", "decision_date", "injury_date"])
def test_paging_is_stable_and_complete(sample_service, sort):
    whole = ids(run(sample_service, "", sort=sort, per_page=50))
    pages = []
    for page in range(1, 5):
        pages += ids(run(sample_service, "", sort=sort, per_page=2, page=page))
    assert pages == whole and len(set(pages)) == 7
    q = "radicular OR medication OR injection OR pain"
    whole = ids(run(sample_service, q, sort=sort, per_page=50))
    paged = (
        ids(run(sample_service, q, sort=sort, per_page=1, page=1))
        + ids(run(sample_service, q, sort=sort, per_page=1, page=2))
        + ids(run(sample_service, q, sort=sort, per_page=50, page=1))[2:]
    )
    assert paged == whole


def test_a_large_tie_pages_without_gaps_or_repeats(engine, tmp_path):
    # 60 passages with the same item and nothing else: all score alike, so they come
    # in the engine-independent tie order (CRC-32 of the id, then the id)
    letters = [
        Letter(
            f"CM20-{n:07d}",
            f"/l/{n}.txt",
            case_number=f"CM20-{n:07d}",
            passages=[Passage(f"CM20-{n:07d}-1", f"CM20-{n:07d}", 1, "Tramadol 50mg", "Upheld", "Not indicated.")],
        )
        for n in range(60)
    ]
    index_letters(letters, tmp_path, engine=engine)
    with SearchService.open(tmp_path, engine) as service:
        whole = ids(run(service, "tramadol", per_page=100))
        assert whole == sorted(whole, key=tie_order) and len(whole) == 60
        paged = [pid for page in range(1, 8) for pid in ids(run(service, "tramadol", per_page=9, page=page))]
        assert paged == whole


# ----------------------------------------------------------------- hits, highlights


def test_hit_fields(sample_service):
    [hit] = run(sample_service, "norco").hits
    assert (hit.passage_id, hit.letter_id, hit.ordinal, hit.item, hit.decision) == (
        A1,
        "CM15-0000001",
        1,
        "Norco 10/325mg #60",
        "Overturned",
    )
    assert hit.specialties == ["Anesthesiology"] and hit.licensure == ["California"]
    assert hit.decision_date == "2015-06-01" and hit.date_of_injury == "2012-03-04"
    assert hit.treatment == "medication" and hit.score > 0
    assert [c.key for c in hit.citations] == [OPIOIDS]


def test_highlights_mark_stems_and_phrases(sample_service):
    [hit] = run(sample_service, "opioid").hits
    assert "<mark>Opioids</mark>" in html(hit.highlights["rationale"][0])
    assert "<mark>Opioids</mark>" in html(hit.highlights["reviewer_guideline"][0])
    [hit] = run(sample_service, '"no more than 2 levels"').hits
    assert "<mark>no more than 2 levels</mark>" in html(hit.highlights["rationale"][0])
    [hit] = run(sample_service, "ladder", scope="letter").hits[:1]
    assert "<mark>ladder</mark>" in html(hit.highlights["summary"][0])
    # in the default scope the summary was not searched, so nothing in it is marked
    [hit] = run(sample_service, "norco").hits
    assert "summary" not in hit.highlights


def test_highlights_escape_everything_else(sample_service):
    [hit] = run(sample_service, "risk factors alert").hits
    shown = html(hit.highlights["rationale"][0])
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "&amp; co" in shown
    assert "<mark>alert</mark>" in shown
    # the core's runs hold the letter's text as it is: escaping is the web's job
    assert "<script>" in "".join(r.text for r in hit.highlights["rationale"][0])


def test_negated_terms_are_not_highlighted(sample_service):
    [hit] = run(sample_service, "norco -radicular").hits
    assert not any(r.marked for f in hit.highlights.get("rationale", []) for r in f)


def test_highlight_for_letter_page(sample_service):
    runs = sample_service.highlight("MBB", "A <b>medial branch blocks</b> & more")
    assert html(runs) == "A &lt;b&gt;<mark>medial branch blocks</mark>&lt;/b&gt; &amp; more"


# ----------------------------------------------------------------- bad input never raises

BAD = [
    '"unbalanced',
    "(facet AND",
    "decision:",
    "x" * 5000,
    "norco\x00\x07\x1b[31m",
    "((((",
    ")))",
    "AND OR NOT",
    "w/5",
    "item:",
    "citation:",
    '"',
    "-",
    "*",
    "!",
    "~5",
    "a w/ b",
    "foo:bar",
    "<script>alert(1)</script>",
    "mtus_based:maybe",
    "norco~2",
    "\u202e\ufeffnorco",
    "a" * 200 + "*",
]


@pytest.mark.parametrize("query", BAD)
def test_malformed_queries_never_raise(sample_service, query):
    resp = run(sample_service, query)
    assert resp.total >= 0
    assert resp.to_json()["query"] == query


@pytest.mark.parametrize(
    "query,expect",
    [
        ('"unbalanced', "quotation"),
        ("(facet AND", "parenthesis"),
        ("decision:", "no value"),
        ("x" * 5000, "characters"),
        ("norco\x00\x07", "control"),
    ],
)
def test_malformed_queries_say_how_they_were_read(sample_service, query, expect):
    resp = run(sample_service, query)
    assert any(expect in m for m in resp.messages), resp.messages


def test_bad_request_values_are_corrected(sample_service):
    resp = run(
        sample_service,
        "norco",
        sort="bogus",
        page=-3,
        per_page=10_000,
        filters={"nonsense": ["x"], "decision": ["", "Overturned"]},
    )
    assert resp.sort == "relevance" and resp.page == 1 and resp.per_page == 100
    assert resp.filters == {"decision": ["Overturned"]}
    assert any("nonsense" in m for m in resp.messages)
    assert ids(resp) == [A1]


def test_response_json_shape(sample_service):
    data = run(sample_service, "norco").to_json()
    assert {"query", "parsed", "total", "hits", "facets"} <= set(data)
    assert data["facets"]["decision"] == [{"value": "Overturned", "count": 1}]
    # highlights are data: text runs with the matches marked, no HTML
    assert data["hits"][0]["highlights"]["item"] == [
        [{"text": "Norco", "marked": True}, {"text": " 10/325mg #60", "marked": False}]
    ]


def test_concurrent_searches_from_many_threads(sample_service):
    from concurrent.futures import ThreadPoolExecutor

    queries = ["norco", "MBB", "radicular w/5 block", '"no more than 2 levels"', "", "PPI", "inject*"] * 6
    expected = {q: ids(run(sample_service, q)) for q in set(queries)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda q: (q, ids(run(sample_service, q))), queries))
    assert all(got == expected[q] for q, got in results)
