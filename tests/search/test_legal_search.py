"""Conformance for searching the way legal researchers type (issue 12), on every
engine: dosages, quantities and spinal levels as letters write them, case
numbers. Expected hits are read off tests/search/legal_fixtures.py."""

from __future__ import annotations

import pytest

from tests.search.conftest import html, ids, run, service_of
from tests.search.legal_fixtures import E, F, G, H, legal_letters


@pytest.fixture(scope="session")
def legal(engine, tmp_path_factory):
    yield from service_of(legal_letters(), engine, tmp_path_factory, "legal")


def found(service, query: str, **kw) -> set[str]:
    return set(ids(run(service, query, per_page=100, **kw)))


# ----------------------------------------------------------------- dosages, quantities, levels


@pytest.mark.parametrize(
    "query,expected",
    [
        ("10/325", {f"{E}-1"}),
        ("Norco 10/325", {f"{E}-1"}),
        ('"10/325 mg"', {f"{E}-1"}),
        ("5/325", {f"{H}-1"}),
        ("15 mg", {f"{F}-1"}),
        ("15mg", {f"{F}-1"}),
        ("Oxycodone 15 mg", {f"{F}-1"}),
        ("10mg", {f"{G}-2"}),
        ("10 mg", {f"{G}-2"}),
        ("#60", {f"{E}-1"}),
        ("#90", {f"{F}-1"}),
        ("x 12", {f"{F}-2", f"{H}-1"}),
        ("x12", {f"{F}-2", f"{H}-1"}),
        ("L4-5", {f"{E}-2"}),
        ("L4-L5", {f"{E}-2"}),
        ("L4/5", {f"{E}-2"}),
        ("C5-6", {f"{F}-3"}),
        ("C5-C6", {f"{F}-3"}),
        ("T12-L1", {f"{G}-3"}),
        ("L1", {f"{G}-3"}),
    ],
)
def test_dosages_quantities_and_levels_match_as_letters_write_them(legal, query, expected):
    assert found(legal, query) == expected


def test_a_number_and_its_unit_are_one_phrase(legal):
    # "15 mg" is not 15 AND mg anywhere: F-2's "12" and "mg" elsewhere never join
    assert run(legal, "15 mg").parsed == '"15 mg"'
    assert run(legal, "Oxycodone 15 mg").parsed.endswith(') AND "15 mg"')
    assert run(legal, "L4-5").parsed == '"L4 L5"'


def test_levels_are_highlighted_as_they_are_written(legal):
    [hit] = run(legal, "L4-L5").hits
    assert "<mark>L4-5</mark>" in html(hit.highlights["item"][0])
    assert "<mark>L4/5</mark>" in html(hit.highlights["rationale"][0])
    [hit] = run(legal, "15mg").hits
    assert "<mark>15 mg</mark>" in html(hit.highlights["item"][0])
    [hit] = run(legal, "10/325").hits
    assert "<mark>10/325</mark>mg" in html(hit.highlights["item"][0])


# ----------------------------------------------------------------- case numbers


def test_a_case_number_finds_its_letters_passages(legal):
    assert found(legal, E) == {f"{E}-1", f"{E}-2"}
    assert found(legal, f'"{E}"') == {f"{E}-1", f"{E}-2"}
    assert found(legal, f"case:{E}") == {f"{E}-1", f"{E}-2"}
    assert found(legal, "CM16-0213038") == set()


def test_case_number_prefixes(legal):
    assert found(legal, "case:CM16*") == {f"{E}-1", f"{E}-2"}
    assert found(legal, "case:CM1*") == {f"{E}-1", f"{E}-2", f"{F}-1", f"{F}-2", f"{F}-3", f"{H}-1", f"{H}-2"}
    assert found(legal, "CM21") == {f"{G}-1", f"{G}-2", f"{G}-3"}
    assert found(legal, "case:cm17-00001*") == {f"{F}-1", f"{F}-2", f"{F}-3"}


# ----------------------------------------------------------------- terms and connectors


@pytest.mark.parametrize(
    "query,expected",
    [
        # within n words, either order
        ("facet /2 injection", {f"{E}-2", f"{F}-3"}),
        ("facet w/2 injection", {f"{E}-2", f"{F}-3"}),
        ("injection /3 facet", {f"{E}-2", f"{F}-3"}),
        ("joint /4 injection", {f"{F}-3"}),
        ("joint /3 injection", set()),
        # pre/n and +n: the first word precedes
        ("injection pre/3 facet", {f"{F}-3"}),
        ("injection +3 facet", {f"{F}-3"}),
        ("injection pre/2 facet", set()),
        ("facet pre/3 injection", {f"{E}-2", f"{F}-3"}),
        ('"facet joint" pre/8 radicular', {f"{F}-3"}),
        ('"facet joint" pre/7 radicular', set()),
        # same sentence: "stenosis" and "injection" are in two sentences of E-2
        ("pain /s relief", {f"{E}-1", f"{H}-2"}),
        ("pain w/s relief", {f"{E}-1", f"{H}-2"}),
        ("relief pre/s pain", {f"{H}-2"}),
        ("relief +s pain", {f"{H}-2"}),
        ("stenosis /s radicular", {f"{E}-2"}),
        ("stenosis /s injection", set()),
        ("stenosis w/20 injection", set()),  # w/n stays within a sentence too
        ('"pain the patient"', set()),  # a phrase never joins two sentences
        # same paragraph: one field of the passage
        ("stenosis /p injection", {f"{E}-2"}),
        ("stenosis w/p injection", {f"{E}-2"}),
        ("guidelines pre/p stenosis", set()),
        ("stenosis pre/p guidelines", {f"{E}-2"}),
        ("stenosis +p guidelines", {f"{E}-2"}),
        ("guidelines +p stenosis", set()),
        ("stenosis NEAR/5 radicular", {f"{E}-2"}),
        ("stenosis NEAR/4 radicular", set()),  # L4/5 is two words: l4 l5
        ("inject* stenosis", {f"{E}-2"}),
        ("injections! AND stenosis", {f"{E}-2"}),
        ("lumbar stenosis", {f"{E}-2"}),
        ("lumbar /p stenosis", set()),  # item and rationale are two paragraphs
        # & is AND; % and BUT NOT exclude what follows
        ("opioid & monitoring", {f"{H}-1"}),
        ("injection % facet", {f"{H}-1"}),
        ("injection BUT NOT facet", {f"{H}-1"}),
        ("injection BUT NOT (facet OR shoulder)", set()),
        ("injection -facet", {f"{H}-1"}),
        ('"facet injection"', {f"{E}-2", f"{F}-3"}),
        ("(facet OR joint) pre/1 injection", {f"{E}-2", f"{F}-3"}),
    ],
)
def test_connectors(legal, query, expected):
    resp = run(legal, query, per_page=100)
    assert set(ids(resp)) == expected, resp.parsed


def test_connectors_are_highlighted_only_where_they_match(legal):
    [hit] = run(legal, "relief pre/s pain").hits
    shown = html(hit.highlights["rationale"][0])
    assert "<mark>relief</mark>" in shown and "facet <mark>pain</mark>" in shown
    [hit] = run(legal, "stenosis /s radicular").hits
    shown = html(hit.highlights["rationale"][0])
    assert "<mark>stenosis</mark>" in shown and "<mark>radicular</mark>" in shown
    assert "<mark>injection</mark>" not in shown


def test_a_connector_it_cannot_apply_is_read_as_and_and_said(legal):
    resp = run(legal, "recommend! pre/s pain", per_page=100, scope="letter")  # "pain" of G-2 is in its summary
    assert set(ids(resp)) == {f"{G}-1", f"{G}-2"}
    assert resp.parsed == "recommend! AND pain"
    assert any("read it as AND" in m for m in resp.messages)


def test_atleast_is_said_not_to_be_supported(legal):
    resp = run(legal, "atleast3(pain)")
    assert resp.parsed == "pain"
    assert any("atleast3" in m and "not supported" in m for m in resp.messages)


# ----------------------------------------------------------------- drug names, brand <-> generic


@pytest.mark.parametrize(
    "query,expected",
    [
        ("hydrocodone", {f"{E}-1", f"{H}-1"}),
        ("Norco", {f"{E}-1", f"{H}-1"}),
        ("Lidoderm", {f"{G}-1"}),
        ('"lidocaine patch"', {f"{G}-1"}),
        ("lidocaine patch", {f"{G}-1"}),
        ("Flexeril", {f"{G}-2"}),
        ("cyclobenzaprine", {f"{G}-2"}),
        ("Ultram", {f"{H}-2"}),
        ("tramadol", {f"{H}-2"}),
        ("hydrocodone /s requested", {f"{E}-1"}),
        ("Norco 10/325", {f"{E}-1"}),
    ],
)
def test_drug_names_expand_brand_and_generic_both_ways(legal, query, expected):
    assert found(legal, query) == expected


def test_drug_expansion_is_shown_and_highlighted(legal):
    resp = run(legal, "hydrocodone")
    assert "Norco" in resp.parsed and "Vicodin" in resp.parsed
    hit = next(h for h in resp.hits if h.passage_id == f"{E}-1")
    assert "<mark>Norco</mark>" in html(hit.highlights["item"][0])
    assert "<mark>Cyclobenzaprine</mark>" in html(run(legal, "Flexeril").hits[0].highlights["rationale"][0])


# ----------------------------------------------------------------- case number: go to letter


def test_an_exact_case_number_offers_its_letter(legal):
    assert run(legal, E).letter_id == E
    assert run(legal, f'"{E.lower()}"').letter_id == E
    assert run(legal, "CM99-0000000").letter_id is None
    assert run(legal, f"{E} injection").letter_id is None


# ----------------------------------------------------------------- spelling


def test_did_you_mean_from_the_indexs_own_words(legal):
    resp = run(legal, "stenossis")
    assert resp.total == 0
    assert resp.did_you_mean == "stenosis" and resp.did_you_mean_total == 1
    resp = run(legal, "radicullar pain", scope="letter")  # F's "pain" is in its case summary
    assert resp.did_you_mean == "radicular pain" and resp.did_you_mean_total > resp.total
    assert found(legal, resp.did_you_mean, scope="letter") == {f"{E}-2", f"{F}-3"}
    assert resp.did_you_mean_total == 2
    # correctly spelt words and vocabulary words get no suggestion
    assert run(legal, "stenosis").did_you_mean is None
    assert run(legal, "Zohydro").did_you_mean is None


def test_fuzzy_word_matches_close_indexed_words(legal):
    resp = run(legal, "stenossis~", per_page=100)
    assert set(ids(resp)) == {f"{E}-2"}
    assert resp.parsed == "stenossis~"
    assert any("stenosi" in m for m in resp.messages)
    assert "<mark>stenosis</mark>" in html(resp.hits[0].highlights["rationale"][0])
    assert found(legal, "facett~1") == found(legal, "facet")
    assert found(legal, "qqqqqq~") == set()


# ----------------------------------------------------------------- dates, sorts, paging


@pytest.mark.parametrize(
    "query,expected",
    [
        ("decided:2016", {f"{E}-1", f"{E}-2"}),
        ("decided:2016-12-09", {f"{E}-1", f"{E}-2"}),
        ("decided:2016-01..2016-12", {f"{E}-1", f"{E}-2"}),
        ("decided:2017..2019", {f"{F}-1", f"{F}-2", f"{F}-3", f"{H}-1", f"{H}-2"}),
        ("decided:2019-08..", {f"{G}-1", f"{G}-2", f"{G}-3", f"{H}-1", f"{H}-2"}),
        ("decided:..2017-02", {f"{E}-1", f"{E}-2"}),
        ("decision_year:>2020", {f"{G}-1", f"{G}-2", f"{G}-3"}),
        ("decision_year:>=2019", {f"{G}-1", f"{G}-2", f"{G}-3", f"{H}-1", f"{H}-2"}),
        ("decision_year:2018..2020", {f"{H}-1", f"{H}-2"}),
        ("decision_year:<2017", {f"{E}-1", f"{E}-2"}),
        ("injured:<2016", {f"{F}-1", f"{F}-2", f"{F}-3"}),
        ("injury_year:2020..", {f"{G}-1", f"{G}-2", f"{G}-3"}),
        ("injection decided:2017..", {f"{F}-3", f"{H}-1"}),
    ],
)
def test_date_ranges_in_the_query(legal, query, expected):
    assert found(legal, query) == expected


def test_date_filter_parameters(legal):
    resp = run(legal, "", decided_from="2017", decided_to="2019-12", per_page=100)
    assert set(ids(resp)) == {f"{F}-1", f"{F}-2", f"{F}-3", f"{H}-1", f"{H}-2"}
    assert resp.dates == {"decided_from": "2017-01-01", "decided_to": "2019-12-31"}
    resp = run(legal, "pain", injured_to="2016-01", per_page=100, scope="letter")
    assert set(ids(resp)) == {f"{F}-1", f"{F}-2", f"{F}-3"}
    resp = run(legal, "", decided_from="2016-13", per_page=100)
    assert resp.total == 10 and any("decided_from" in m for m in resp.messages)
    resp = run(legal, "", decided_from="2020", decided_to="2016", per_page=100)
    assert resp.total == 10 and any("ends before it starts" in m for m in resp.messages)


def test_bad_dates_in_the_query_are_said_and_ignored(legal):
    resp = run(legal, "facet decided:2016-02-30")
    assert resp.parsed == "facet" and any("not a real date" in m for m in resp.messages)


@pytest.mark.parametrize(
    "sort,key,reverse",
    [
        ("decision_date", "decision_date", True),
        ("decision_date_asc", "decision_date", False),
        ("injury_date", "date_of_injury", True),
        ("injury_date_asc", "date_of_injury", False),
    ],
)
def test_newest_and_oldest_first(legal, sort, key, reverse):
    resp = run(legal, "", sort=sort, per_page=100)
    got = [getattr(h, key) for h in resp.hits]
    assert len(got) == 10 and got == sorted(got, reverse=reverse)


def test_oldest_first_puts_undated_passages_last(sample_service):
    resp = run(sample_service, "", sort="decision_date_asc", per_page=50)
    dates = [h.decision_date for h in resp.hits]
    assert dates[:6] == ["2014-01-01"] * 2 + ["2015-06-01"] * 2 + ["2016-02-10"] * 2 and dates[6] is None


def test_year_facets_are_in_year_order(legal):
    resp = run(legal, "")
    assert [v.value for v in resp.facets["decision_year"]] == ["2021", "2019", "2017", "2016"]
    assert [v.value for v in resp.facets["injury_year"]] == ["2020", "2018", "2016", "2015"]


def test_past_the_last_page_shows_the_last_page_with_one_notice(legal):
    last = run(legal, "", per_page=3, page=4)
    assert last.page == 4 and last.last_page == 4 and len(last.hits) == 1
    resp = run(legal, "", per_page=3, page=99999)
    assert resp.page == 4 and ids(resp) == ids(last)
    notices = [m for m in resp.messages if "page" in m]
    assert len(notices) == 1 and "99,999" in notices[0] and "page 4" in notices[0]
    assert run(legal, "", per_page=3, page=4).messages == []
