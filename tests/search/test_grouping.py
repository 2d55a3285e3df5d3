"""Near-identical rationales through indexing and search, on every engine: the
page folds them under the first, the group's counts are over all matches, and
totals and statistics still count every decision."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.index import neardup
from indexer.index.pipeline import build_index, index_letters
from indexer.model import Letter, Passage, Reviewer
from indexer.query.types import SearchRequest
from indexer.search.service import SearchService
from indexer.stats.outcomes import outcome_stats
from tests.index.test_neardup import FAMILIES


def _letters() -> list[Letter]:
    letters = []
    n = 0
    for family, texts in FAMILIES.items():
        for i, text in enumerate(texts * 2):  # each text twice: six opioid passages, four of the others
            n += 1
            lid = f"CM16-{n:07d}"
            decision = "Overturned" if (family == "opioid" and i == 0) or family == "topical_overturned" else "Upheld"
            letters.append(
                Letter(
                    lid,
                    f"/x/{lid}.txt",
                    decision_date=f"2016-05-0{1 + i % 9}",
                    reviewer=Reviewer(["Internal Medicine"], [], ["California"]),
                    passages=[
                        Passage(f"{lid}-1", lid, 1, f"{family} request {i}", decision, rationale=text, treatment=family)
                    ],
                )
            )
    return letters


@pytest.fixture(scope="module")
def grouped_service(engine, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp(f"groups-{engine}")
    index_letters(_letters(), index_dir, engine=engine)
    with SearchService.open(index_dir, engine) as service:
        yield service


def test_page_folds_near_identical_rationales(grouped_service) -> None:
    resp = grouped_service.search(SearchRequest(query="opioid", per_page=50))
    opioid = [h for h in resp.hits if h.treatment == "opioid"]
    assert resp.total == len(resp.hits) == 6 == len(opioid)
    assert len({h.group for h in opioid}) == 1
    leads = [h for h in opioid if h.folded_under is None]
    assert len(leads) == 1
    lead = leads[0]
    assert all(h.folded_under == lead.passage_id for h in opioid if h is not lead)
    assert (lead.group_matches, lead.group_upheld, lead.group_overturned) == (6, 5, 1)


def test_group_counts_follow_the_search_not_the_page(grouped_service) -> None:
    resp = grouped_service.search(SearchRequest(query="opioid", per_page=2))
    assert len(resp.hits) == 2 and resp.total == 6
    assert resp.hits[0].group_matches == 6  # all matches, though the page holds two
    narrowed = grouped_service.search(SearchRequest(query="opioid", filters={"decision": ["Upheld"]}))
    assert narrowed.total == 5
    assert {(h.group_matches, h.group_upheld, h.group_overturned) for h in narrowed.hits} == {(5, 5, 0)}


def test_totals_and_statistics_count_every_decision(grouped_service) -> None:
    resp = grouped_service.search(SearchRequest(per_page=50))
    assert resp.total == sum(2 * len(t) for t in FAMILIES.values())
    stats, _ = outcome_stats(grouped_service, SearchRequest(), "treatment")
    assert stats.overall.n == resp.total
    assert {g.value: g.n for g in stats.groups}["opioid"] == 6


def test_a_group_filter_lists_all_members(grouped_service) -> None:
    first = grouped_service.search(SearchRequest(query="facet"))
    group = first.hits[0].group
    members = grouped_service.search(SearchRequest(filters={"rationale_group": [group]}))
    assert members.total == 4 and {h.treatment for h in members.hits} == {"facet"}


def test_shared_boilerplate_stays_apart_and_grouping_can_be_off(grouped_service) -> None:
    resp = grouped_service.search(SearchRequest(query="topical", per_page=50))
    groups = {h.treatment: h.group for h in resp.hits}
    assert groups["topical"] != groups["topical_overturned"]
    flat = grouped_service.search(SearchRequest(query="opioid", group_duplicates=False))
    assert all(h.folded_under is None and h.group is None for h in flat.hits)


REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "real-letters" / "txt"


def _near_identical_pair() -> tuple[Path, Path, str, str]:
    """Two real letter files with a near-identical rationale each: (file a, file b,
    the passage of a, the passage of b)."""
    from indexer.letters import parse_file

    seen: list[tuple[Path, str, bytes]] = []
    for path in sorted(REAL.glob("*.txt")):
        for p in parse_file(path).passages:
            sig = neardup.signature(p.rationale)
            if sig is None:
                continue
            for other_path, other_pid, other_sig in seen:
                if other_path != path and neardup.similarity(sig, other_sig) >= neardup.THRESHOLD:
                    return other_path, path, other_pid, p.passage_id
            seen.append((path, p.passage_id, sig))
    raise AssertionError(f"no near-identical rationales in two real letters of {REAL}")


def test_an_incremental_run_joins_the_groups_of_earlier_runs(engine, tmp_path) -> None:
    # the leaders of earlier runs are kept with the generation (the letter store, or
    # the OpenSearch store index a clone carries over), so a letter added later
    # joins the group of a near-identical rationale indexed before it
    a, b, pa, pb = _near_identical_pair()
    folder, index_dir = tmp_path / "letters", tmp_path / "index"
    folder.mkdir()
    shutil.copy(a, folder / a.name)
    assert build_index([folder], index_dir, engine=engine, workers=1).failed == []
    shutil.copy(b, folder / b.name)
    report = build_index([folder], index_dir, engine=engine, workers=1)
    assert report.failed == [] and report.skipped_unchanged == 1  # only b was indexed this time
    with SearchService.open(index_dir, engine) as service:
        resp = service.search(SearchRequest(filters={"rationale_group": [pa]}, per_page=50))
        assert {pa, pb} <= {h.passage_id for h in resp.hits}
        lead = next(h for h in resp.hits if h.folded_under is None)
        assert lead.group == pa and lead.group_matches == resp.total
