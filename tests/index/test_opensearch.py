"""The OpenSearch engine's own behaviour: generations as indices behind aliases,
incremental runs, one writer at a time, a killed run, serving with no local
files, exact facet counts, deep paging, several shards agreeing with Tantivy.

These run against the server IMR_OPENSEARCH_URL names (`.ci/run` starts one;
`source .ci/opensearch.sh` starts one for a developer). In CI a missing server
is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.index import generations as gens
from indexer.index import opensearch_engine as ose
from indexer.index.engine import EngineError, configured_engines, engine_home, tie_order
from indexer.index.opensearch_settings import OpenSearchSettings
from indexer.index.pipeline import build_index, index_letters
from indexer.model import Letter, Passage
from indexer.query.tree import MatchAll
from indexer.query.types import FACETS
from indexer.search.parser import parse_query
from indexer.search.service import SearchService
from tests.search.conftest import counts, html, ids, run
from tests.search.fixtures import sample_letters

ROOT = Path(__file__).resolve().parents[2]
CONFIGURED = "opensearch" in configured_engines()
if os.environ.get("CI") and not CONFIGURED:
    raise RuntimeError("CI must run the OpenSearch tests: IMR_OPENSEARCH_URL is not set (see .ci/opensearch.sh)")
needs_server = pytest.mark.skipif(not CONFIGURED, reason="IMR_OPENSEARCH_URL is not set (CI sets it)")


# ----------------------------------------------------------------- settings (no server needed)


def test_settings_are_read_and_checked_in_one_place():
    s = OpenSearchSettings.from_env(
        {
            "IMR_OPENSEARCH_URL": "https://a:9200, https://b:9200/",
            "IMR_OPENSEARCH_USER": "imr",
            "IMR_OPENSEARCH_PASSWORD": "pw",
            "IMR_OPENSEARCH_VERIFY": "false",
            "IMR_OPENSEARCH_CA_FILE": "/etc/ca.pem",
            "IMR_OPENSEARCH_PREFIX": "Firm1",
            "IMR_OPENSEARCH_SHARDS": "3",
            "IMR_OPENSEARCH_REPLICAS": "1",
            "IMR_OPENSEARCH_TIMEOUT": "5",
            "IMR_OPENSEARCH_RETRIES": "4",
        }
    )
    assert s.hosts == ("https://a:9200", "https://b:9200")
    assert (s.user, s.password, s.verify_certs, s.ca_file) == ("imr", "pw", False, "/etc/ca.pem")
    assert (s.prefix, s.shards, s.replicas, s.timeout, s.retries) == ("firm1", 3, 1, 5.0, 4)
    assert OpenSearchSettings.from_env({"IMR_OPENSEARCH_URL": "http://x:9200"}).replicas is None  # auto 0-1
    for bad, message in [
        ({}, "IMR_OPENSEARCH_URL"),
        ({"IMR_OPENSEARCH_URL": "x:9200"}, "host URL"),
        ({"IMR_OPENSEARCH_URL": "http://x:9200", "IMR_OPENSEARCH_SHARDS": "0"}, "out of range"),
        ({"IMR_OPENSEARCH_URL": "http://x:9200", "IMR_OPENSEARCH_VERIFY": "maybe"}, "true or false"),
        ({"IMR_OPENSEARCH_URL": "http://x:9200", "IMR_OPENSEARCH_PREFIX": "A B"}, "lowercase"),
    ]:
        with pytest.raises(EngineError, match=message):
            OpenSearchSettings.from_env(bad)


def test_text_is_indexed_as_the_shared_analysis_terms():
    # the shared analysis's terms; a dropped over-long word keeps its position;
    # sentences are separate values (the mapping's position gap is the analysis's)
    assert ose.analysed("Injections were NOT indicated") == ("inject were not indic",)
    assert ose.analysed("a " + "x" * 45 + " b") == ("a _ b",)
    assert ose.analysed("Norco 10/325mg was denied. The L4-5 level.") == ("norco 10 325 mg was deni", "the l4 l5 level")


# ----------------------------------------------------------------- the cluster


def _indices(home) -> set[str]:
    return set(home.client.indices.get(index=f"{home.prefix}-*", params={"expand_wildcards": "all"}))


@needs_server
def test_generations_are_indices_behind_aliases(corpus, tmp_path):
    ix = tmp_path / "gen-ix"
    home = engine_home("opensearch", ix)
    first = build_index([corpus], ix, engine="opensearch", workers=1)
    assert (first.letters, first.passages, first.generation) == (5, 7, "g000001")
    assert not ix.exists()  # nothing local: the cluster holds everything
    service = SearchService.open(ix, "opensearch")
    try:
        (corpus / "memo.txt").write_text("The zanzibar memo.\n", encoding="utf-8")
        esi = corpus / "004_0099b7c7dc1cafd7.txt"
        esi.write_text(
            esi.read_text(encoding="utf-8").replace("transient neck pain relief", "quokka relief"), encoding="utf-8"
        )
        (corpus / "001_c1dd6188e3508088.txt").unlink()
        second = build_index([corpus], ix, engine="opensearch", workers=1)
        assert (second.letters, second.removed, second.skipped_unchanged) == (2, 1, 3)
        # an incremental run updates the live indices in place: a new revision of g000001
        assert (second.generation, second.total_letters, second.total_passages) == ("g000001.r1", 5, 7)
        assert service.reload() is True and service.generation == "g000001.r1"
        assert run(service, "zanzibar").total == 1 and run(service, "transient").total == 0
        assert ids(run(service, "quokka")) == ["004_0099b7c7dc1cafd7-1"]
        assert service.get_letter("001_c1dd6188e3508088") is None
        assert run(service, "", per_page=50).total == 7
        third = build_index([corpus], ix, engine="opensearch", workers=1)
        assert (third.changed, third.skipped_unchanged, third.generation) == (False, 5, "g000001.r1")
        (corpus / "memo.txt").unlink()
        fourth = build_index([corpus], ix, engine="opensearch", workers=1)
        assert (fourth.generation, fourth.removed, fourth.total_letters) == ("g000001.r2", 1, 4)
        assert service.reload() is True and run(service, "zanzibar").total == 0
        # the browse counts are counted again after an in-place run
        assert service._gen.browse_counts() == service._gen.engine.facet_counts(MatchAll(), {}, FACETS)
        assert {i.rsplit("-", 1)[-1] for i in _indices(home) if "-g0" in i} == {"g000001"}
        # a rebuild is a new generation, published by the alias swap
        assert build_index([corpus], ix, engine="opensearch", workers=1, rebuild=True).generation == "g000002"
        assert service.reload() is True and run(service, "", per_page=50).total == 6
    finally:
        service.close()
    # the live generation and the one before it (for app servers not yet switched)
    assert home.live().name == "g000002"
    assert {i.rsplit("-", 1)[-1] for i in _indices(home) if "-g0" in i} == {"g000001", "g000002"}
    assert set(home.client.indices.get_alias(name=home.passages_alias)) == {f"{home.passages_alias}-g000002"}


@needs_server
def test_readers_see_an_in_place_run_only_when_it_is_published(tmp_path):
    ix = tmp_path / "inplace-ix"
    letters = sample_letters()
    index_letters(letters[:2], ix, engine="opensearch")
    home = engine_home("opensearch", ix)
    live = home.live()
    with SearchService.open(ix, "opensearch") as service:
        before = run(service, "", per_page=50).total
        new = letters[2]
        gen = home.begin_update(live, ["/letters/new.txt"], [])
        assert gen == live and home.interrupted(live) == ["/letters/new.txt"]
        engine, store = home.open(gen, writable=True)
        from indexer.index.documents import docs_for_letter

        engine.add(docs_for_letter(new))
        store.put_letter(new, "/letters/new.txt")
        engine.commit()
        store.commit()
        # sent and acknowledged, but not published: readers still see the state before
        for _ in range(3):
            assert run(service, "", per_page=50).total == before
            assert service.get_letter(new.letter_id) is None
            assert service.get_passage(new.passages[0].passage_id) is None
            assert service.stats()["letters"] == 2
            time.sleep(0.7)  # longer than the default refresh interval
        engine.close()
        store.close()
        published = home.publish(gen)
        assert published.name == f"{live.name}.r1" and home.live() == published
        assert home.interrupted(published) is None
        assert service.reload() is True
        assert run(service, "", per_page=50).total == before + len(new.passages)
        assert service.get_letter(new.letter_id).letter_id == new.letter_id
        assert service._gen.browse_counts() == service._gen.engine.facet_counts(MatchAll(), {}, FACETS)
        assert service.stats()["letters"] == 3


@needs_server
def test_letters_and_hits_come_from_the_cluster(tmp_path):
    ix = tmp_path / "src-ix"
    index_letters(sample_letters(), ix, engine="opensearch")
    with SearchService.open(ix, "opensearch") as service:
        [hit] = run(service, "norco").hits
        assert hit.item == "Norco 10/325mg #60" and hit.specialties == ["Anesthesiology"]
        assert [html(f) for f in hit.highlights["item"]] == ["<mark>Norco</mark> 10/325mg #60"]
        letter = service.get_letter("CM15-0000001")
        assert [p.passage_id for p in letter.passages] == ["CM15-0000001-1", "CM15-0000001-2"]
        assert letter.summary.startswith("The injured worker")
        assert service.get_passage("CM14-0000004-2").item == "Omeprazole 20mg #30"
        assert service.stats()["passages"] == 7 and service.stats()["letters"] == 4
    assert not ix.exists()


@needs_server
def test_one_indexing_run_at_a_time(corpus, tmp_path, monkeypatch):
    ix = tmp_path / "lock-ix"
    home = engine_home("opensearch", ix)
    with home.writer_lock():
        with pytest.raises(gens.IndexBusy, match="another indexing run"):
            build_index([corpus], ix, engine="opensearch", workers=1)
    assert build_index([corpus], ix, engine="opensearch", workers=1).letters == 5
    # a lock whose run died (its lease ran out) is taken over
    monkeypatch.setattr(ose, "LOCK_LEASE", 0.5)
    home.client.index(
        index=home.lock_index,
        id="writer",
        body={"owner": "dead", "expires": time.time() - 1},
        params={"refresh": "true"},
    )
    assert build_index([corpus], ix, engine="opensearch", workers=1, rebuild=True).letters == 5


_KILL_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from indexer.index.pipeline import build_index
    build_index([Path(sys.argv[1])], Path(sys.argv[2]), engine="opensearch", workers=2)
""")


@needs_server
def test_a_killed_in_place_run_is_never_seen_and_the_next_run_repairs_it(corpus, tmp_path, seed_files):
    ix = tmp_path / "kill-ix"
    home = engine_home("opensearch", ix)
    build_index([corpus], ix, engine="opensearch", workers=1)
    live = home.live()
    big = tmp_path / "big"
    big.mkdir()
    for i in range(300):
        for f in seed_files:
            shutil.copy2(f, big / f"{i:03d}_{f.name}")
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(big), str(ix)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    started = False
    first = "letter:000_000_d9810e0ddbbc91c8"
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            # its journal is written (it updates in place) and its first letter was sent
            # (a real-time get sees what is not refreshed yet)
            if home.interrupted(live) is not None and home.client.get(
                index=home.store_index(live), id=first, params={"ignore": 404}
            ).get("found"):
                started = True
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert started, "the run was killed midway, while updating the live generation"
    # what the dead run sent is in the index, but readers never see it
    assert home.live() == live and len(home.interrupted(live)) == 1500
    with SearchService.open(ix, "opensearch") as service:
        assert run(service, "", per_page=50).total == 7 and service.stats()["letters"] == 5
        assert service.get_letter("000_000_d9810e0ddbbc91c8") is None
    # the killed run's lock is stale (its process is gone): the next run takes it over,
    # publishes a repaired clone of the state before the dead run, and reads its files again
    after = build_index([corpus, big], ix, engine="opensearch", workers=2)
    assert after.generation == "g000002" and after.skipped_unchanged == 5 and after.letters == 1500
    assert (after.total_letters, after.total_passages) == (1505, 7 + 300 * 7)
    assert home.interrupted(home.live()) is None
    with SearchService.open(ix, "opensearch") as service:
        assert run(service, "", per_page=50).total == 2107
        assert [p.passage_id for p in service.get_letter("000_000_d9810e0ddbbc91c8").passages] == [
            "000_000_d9810e0ddbbc91c8-1"
        ]
    # and incremental runs update in place again
    (big / "000_000_d9810e0ddbbc91c8.txt").unlink()
    again = build_index([corpus, big], ix, engine="opensearch", workers=1)
    assert (again.generation, again.removed, again.total_passages) == ("g000002.r1", 1, 2106)


@needs_server
def test_facet_counts_stay_exact_when_a_facet_has_more_values_than_buckets(tmp_path, monkeypatch):
    ix = tmp_path / "bucket-ix"
    index_letters(sample_letters(), ix, engine="opensearch")
    with SearchService.open(ix, "opensearch") as service:
        engine = service._gen.engine
        expected = engine.facet_counts(MatchAll(), {}, FACETS)
        monkeypatch.setattr(ose, "FIRST_BUCKETS", 1)
        engine._buckets.clear()
        assert engine.facet_counts(MatchAll(), {}, FACETS) == expected
        assert engine._buckets["specialty"] > 1  # it asked again with more buckets
        assert len(expected["specialty"]) == 4


def _tie_letters(n: int) -> list[Letter]:
    return [
        Letter(
            f"CM21-{i:07d}",
            f"/l/{i}.txt",
            case_number=f"CM21-{i:07d}",
            decision_date=f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}",
            passages=[Passage(f"CM21-{i:07d}-1", f"CM21-{i:07d}", 1, "Tramadol 50mg", "Upheld", "Not indicated.")],
        )
        for i in range(n)
    ]


@needs_server
def test_pages_beyond_ten_thousand_use_point_in_time_and_search_after(tmp_path):
    ix = tmp_path / "deep-ix"
    letters = _tie_letters(10_080)
    index_letters(letters, ix, engine="opensearch")
    everyone = sorted((lt.passages[0].passage_id for lt in letters), key=tie_order)
    with SearchService.open(ix, "opensearch") as service:
        resp = run(service, "tramadol", per_page=50, page=200)  # the deepest page the service serves
        assert resp.total == 10_080 and ids(resp) == everyone[9_950:10_000]
        engine = service._gen.engine
        tree = parse_query("tramadol").tree
        beyond = engine.search(tree, {}, "relevance", 10_000, 50)  # past the result window
        assert [h.passage_id for h in beyond.hits] == everyone[10_000:10_050]
        deep = engine.search(MatchAll(), {}, "decision_date", 10_040, 40)
        shallow = engine.search(MatchAll(), {}, "decision_date", 9_960, 120)  # crosses the window: walks too
        assert [h.passage_id for h in deep.hits] == [h.passage_id for h in shallow.hits][80:]
        assert deep.total == 10_080 and len(deep.hits) == 40


@needs_server
def test_three_shards_give_tantivys_results(tmp_path, monkeypatch, seed_files):
    monkeypatch.setenv("IMR_OPENSEARCH_SHARDS", "3")
    letters = sample_letters()
    index_letters(letters, tmp_path / "t", engine="tantivy")
    index_letters(sample_letters(), tmp_path / "shards-ix", engine="opensearch")
    home = engine_home("opensearch", tmp_path / "shards-ix")
    settings = home.client.indices.get_settings(index=home.passages_alias)
    assert next(iter(settings.values()))["settings"]["index"]["number_of_shards"] == "3"
    queries = [
        "",
        "radicular OR medication OR injection OR pain",
        "MTUS Chronic Pain Opioids",
        "PPI",
        "radicular w/5 block",
        '"no more than 2 levels"',
        "inject*",
        "-radicular",
        "decision:upheld",
    ]
    with (
        SearchService.open(tmp_path / "t", "tantivy") as t,
        SearchService.open(tmp_path / "shards-ix", "opensearch") as o,
    ):
        for q in queries:
            for sort in ("relevance", "decision_date"):
                a, b = run(t, q, sort=sort, per_page=50), run(o, q, sort=sort, per_page=50)
                assert a.total == b.total, q
                assert {f: counts(a, f) for f in FACETS} == {f: counts(b, f) for f in FACETS}, q
                if sort != "relevance":
                    assert ids(a) == ids(b), q
                else:
                    # scores differ between engines: the same hits, and the same order
                    # wherever Tantivy's scores are distinct (proximity is scored each
                    # engine's own way, so for w/n only the hits are compared)
                    assert set(ids(a)) == set(ids(b)), q
                    if " w/" in q:
                        continue
                    distinct = [h.passage_id for h in a.hits if [x.score for x in a.hits].count(h.score) == 1]
                    assert [i for i in ids(b) if i in distinct] == distinct, q
