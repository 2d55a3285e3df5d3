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
from indexer.search.parser import parse_query
from indexer.search.service import SearchService
from indexer.search.tree import MatchAll
from indexer.search.types import FACETS
from tests.search.conftest import counts, ids, run
from tests.search.fixtures import sample_letters
from tests.search.test_pipeline import corpus  # noqa: F401  (the fixture: a copy of the sample letters)

ROOT = Path(__file__).resolve().parents[2]
CONFIGURED = "opensearch" in configured_engines()
if os.environ.get("CI") and not CONFIGURED:
    raise RuntimeError("CI must run the OpenSearch tests: IMR_OPENSEARCH_URL is not set (see .ci/opensearch.sh)")
needs_server = pytest.mark.skipif(not CONFIGURED, reason="IMR_OPENSEARCH_URL is not set (CI sets it)")


# ----------------------------------------------------------------- settings (no server needed)

def test_settings_are_read_and_checked_in_one_place():
    s = OpenSearchSettings.from_env({"IMR_OPENSEARCH_URL": "https://a:9200, https://b:9200/",
                                     "IMR_OPENSEARCH_USER": "imr", "IMR_OPENSEARCH_PASSWORD": "pw",
                                     "IMR_OPENSEARCH_VERIFY": "false", "IMR_OPENSEARCH_CA_FILE": "/etc/ca.pem",
                                     "IMR_OPENSEARCH_PREFIX": "Firm1", "IMR_OPENSEARCH_SHARDS": "3",
                                     "IMR_OPENSEARCH_REPLICAS": "1", "IMR_OPENSEARCH_TIMEOUT": "5",
                                     "IMR_OPENSEARCH_RETRIES": "4"})
    assert s.hosts == ("https://a:9200", "https://b:9200")
    assert (s.user, s.password, s.verify_certs, s.ca_file) == ("imr", "pw", False, "/etc/ca.pem")
    assert (s.prefix, s.shards, s.replicas, s.timeout, s.retries) == ("firm1", 3, 1, 5.0, 4)
    assert OpenSearchSettings.from_env({"IMR_OPENSEARCH_URL": "http://x:9200"}).replicas is None  # auto 0-1
    for bad, message in [({}, "IMR_OPENSEARCH_URL"), ({"IMR_OPENSEARCH_URL": "x:9200"}, "host URL"),
                         ({"IMR_OPENSEARCH_URL": "http://x:9200", "IMR_OPENSEARCH_SHARDS": "0"}, "out of range"),
                         ({"IMR_OPENSEARCH_URL": "http://x:9200", "IMR_OPENSEARCH_VERIFY": "maybe"}, "true or false"),
                         ({"IMR_OPENSEARCH_URL": "http://x:9200", "IMR_OPENSEARCH_PREFIX": "A B"}, "lowercase")]:
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
        esi.write_text(esi.read_text(encoding="utf-8").replace("transient neck pain relief", "quokka relief"),
                       encoding="utf-8")
        (corpus / "001_c1dd6188e3508088.txt").unlink()
        second = build_index([corpus], ix, engine="opensearch", workers=1)
        assert (second.letters, second.removed, second.skipped_unchanged) == (2, 1, 3)
        assert (second.generation, second.total_letters, second.total_passages) == ("g000002", 5, 7)
        # the open service answers from its generation until it reloads
        assert run(service, "zanzibar").total == 0 and run(service, "transient").total == 1
        assert service.reload() is True and service.generation == "g000002"
        assert run(service, "zanzibar").total == 1 and run(service, "transient").total == 0
        assert ids(run(service, "quokka")) == ["004_0099b7c7dc1cafd7-1"]
        assert service.get_letter("001_c1dd6188e3508088") is None
        third = build_index([corpus], ix, engine="opensearch", workers=1)
        assert (third.changed, third.skipped_unchanged, third.generation) == (False, 5, "g000002")
        (corpus / "memo.txt").unlink()
        build_index([corpus], ix, engine="opensearch", workers=1)
    finally:
        service.close()
    # the live generation and the one before it (for app servers not yet switched); older ones dropped
    assert home.live().name == "g000003"
    assert {i.rsplit("-", 1)[-1] for i in _indices(home) if "-g0" in i} == {"g000002", "g000003"}
    assert set(home.client.indices.get_alias(name=home.passages_alias)) == {f"{home.passages_alias}-g000003"}


@needs_server
def test_letters_and_hits_come_from_the_cluster(tmp_path):
    ix = tmp_path / "src-ix"
    index_letters(sample_letters(), ix, engine="opensearch")
    with SearchService.open(ix, "opensearch") as service:
        [hit] = run(service, "norco").hits
        assert hit.item == "Norco 10/325mg #60" and hit.specialties == ["Anesthesiology"]
        assert hit.highlights["item"] == ["<mark>Norco</mark> 10/325mg #60"]
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
    home.client.index(index=home.lock_index, id="writer", body={"owner": "dead", "expires": time.time() - 1},
                      params={"refresh": "true"})
    assert build_index([corpus], ix, engine="opensearch", workers=1, rebuild=True).letters == 5


_KILL_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from indexer.index.pipeline import build_index
    build_index([Path(sys.argv[1])], Path(sys.argv[2]), engine="opensearch", workers=2)
""")


@needs_server
def test_a_killed_run_leaves_the_alias_on_the_old_index(corpus, tmp_path, seed_files):
    ix = tmp_path / "kill-ix"
    home = engine_home("opensearch", ix)
    build_index([corpus], ix, engine="opensearch", workers=1)
    live = home.live()
    big = tmp_path / "big"
    big.mkdir()
    for i in range(300):
        for f in seed_files:
            shutil.copy2(f, big / f"{i:03d}_{f.name}")
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(big), str(ix)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    started = False
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            building = [g for n, g in home._generations() if g.name != live.name]
            if building:
                started = True
                time.sleep(2.0)  # let it send bulk requests for a while
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert started, "the run was killed midway, with a new generation being written"
    assert home.live() == live
    with SearchService.open(ix, "opensearch") as service:
        assert run(service, "", per_page=50).total == 7
    # the killed run's lock is stale (its process is gone): the next run takes it
    # over and sweeps the half-written generation
    after = build_index([corpus], ix, engine="opensearch", workers=1)
    assert after.skipped_unchanged == 5 and home.live() == live
    assert {g.name for _, g in home._generations()} == {live.name}


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
    return [Letter(f"CM21-{i:07d}", f"/l/{i}.txt", case_number=f"CM21-{i:07d}",
                   decision_date=f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}", passages=[
                       Passage(f"CM21-{i:07d}-1", f"CM21-{i:07d}", 1, "Tramadol 50mg", "Upheld", "Not indicated.")])
            for i in range(n)]


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
    queries = ["", "radicular OR medication OR injection OR pain", "MTUS Chronic Pain Opioids", "PPI",
               "radicular w/5 block", '"no more than 2 levels"', "inject*", "-radicular", "decision:upheld"]
    with SearchService.open(tmp_path / "t", "tantivy") as t, SearchService.open(tmp_path / "shards-ix",
                                                                               "opensearch") as o:
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
