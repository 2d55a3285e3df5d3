"""The URL is the search state: parameters read back exactly as written."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from webapp.search.state import DEFAULT_PER_PAGE, MAX_PER_PAGE, SearchState, parse_state

KEY = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"


def test_repeated_parameters_become_multi_select_filters():
    parsed = parse_state(
        MultiDict(
            [
                ("q", "facet"),
                ("decision", "Upheld"),
                ("decision", "Overturned"),
                ("citation", KEY),
                ("sort", "injury_date"),
                ("page", "3"),
            ]
        )
    )
    assert parsed.problems == []
    state = parsed.state
    assert state.q == "facet"
    assert state.filter_map == {"decision": ["Upheld", "Overturned"], "citation": [KEY]}
    assert state.sort == "injury_date"
    assert state.page == 3
    assert state.to_request().filters == {"decision": ["Upheld", "Overturned"], "citation": [KEY]}


def test_params_round_trip_and_omit_defaults():
    state = SearchState(q="MBB", filters=(("decision", ("Upheld",)), ("citation", (KEY,))), page=2)
    params = state.params()
    assert params.getlist("decision") == ["Upheld"]
    assert "sort" not in params and "per_page" not in params
    assert parse_state(params).state == state


def test_unknown_parameters_are_ignored_and_duplicates_collapse():
    state = parse_state(
        MultiDict([("utm_source", "x"), ("decision", "Upheld"), ("decision", "Upheld"), ("specialty", "  ")])
    ).state
    assert state.filter_map == {"decision": ["Upheld"]}


def test_bad_numbers_and_sorts_fall_back_with_a_reason():
    parsed = parse_state(MultiDict([("page", "abc"), ("per_page", "100000"), ("sort", "bogus")]))
    assert parsed.state.page == 1
    assert parsed.state.per_page == MAX_PER_PAGE
    assert parsed.state.sort == "relevance"
    assert len(parsed.problems) == 3
    assert any("page" in p for p in parsed.problems)


def test_zero_or_negative_page_is_clamped():
    parsed = parse_state(MultiDict([("page", "-4")]))
    assert parsed.state.page == 1 and parsed.problems


def test_changing_filters_resets_the_page():
    state = SearchState(q="x", page=4)
    added = state.with_filter("decision", "Upheld")
    assert added.page == 1 and added.is_active("decision", "Upheld")
    removed = added.with_page(3).without_filter("decision", "Upheld")
    assert removed.filters == () and removed.page == 1
    assert added.toggled("decision", "Upheld").filters == ()
    assert state.with_page(2).per_page == DEFAULT_PER_PAGE


def test_control_characters_are_removed_from_filter_values():
    state = parse_state(MultiDict([("specialty", "Pain\x00 Management\x07")])).state
    assert state.values("specialty") == ("Pain Management",)


def test_dates_round_trip_and_bad_dates_are_problems():
    parsed = parse_state(MultiDict([("q", "facet"), ("decided_from", "2016-01"), ("injured_to", "2015")]))
    assert parsed.problems == []
    state = parsed.state
    assert state.dates == (("decided_from", "2016-01"), ("injured_to", "2015"))
    assert state.to_request().decided_from == "2016-01" and state.to_request().injured_to == "2015"
    assert parse_state(state.params()).state == state
    assert state.cleared().dates == () and state.without_date("decided_from").dates == (("injured_to", "2015"),)
    bad = parse_state(MultiDict([("decided_to", "2016-02-30")]))
    assert bad.state.dates == () and "decided_to" in bad.problems[0]


def test_any_page_number_is_accepted_for_the_service_to_place():
    parsed = parse_state(MultiDict([("page", "99999")]))
    assert parsed.problems == [] and parsed.state.page == 99999


def test_a_new_page_size_keeps_the_first_result_shown():
    state = SearchState(q="x", page=3, per_page=20)  # results 41-60
    assert state.with_per_page(50).page == 1 and state.with_per_page(100).page == 1
    assert SearchState(page=7, per_page=20).with_per_page(50).page == 3  # result 121 is on page 3 of 50s
