"""The benchmark suite runs end to end on a small corpus (no timings asserted).

CI runs this so `benchmarks/run.py` cannot rot: every stage (synth, end-to-end
and engine-only indexing on both engines, the query mix, HTTP against
`imr serve`) must complete and produce its JSON and its Markdown tables.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    out_json, out_md = work / "results.json", work / "BENCHMARKS.md"
    out_md.write_text("# Benchmarks\n\nHand-written summary stays.\n")
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--letters",
        "200",
        "--work",
        str(work / "w"),
        "--json",
        str(out_json),
        "--markdown",
        str(out_md),
        "--query-rounds",
        "1",
        "--http-requests",
        "8",
        "--http-clients",
        "1,4",
        "--label",
        "smoke",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(out_json.read_text()), out_md.read_text()


def test_every_stage_reports_for_both_engines(bench):
    res, _md = bench
    assert res["corpus"]["letters"] == 200
    assert res["corpus"]["passages"] >= 200
    assert res["machine"]["cores"] >= 1 and res["machine"]["ram_gb"] > 0
    for section in ("index_end_to_end", "index_engine_only", "queries"):
        assert [r["engine"] for r in res[section]] == ["tantivy", "whoosh"], section
    for r in res["index_end_to_end"]:
        assert r["letters"] == 200 and r["failed"] == 0
        assert r["passages"] == res["corpus"]["passages"]
        assert r["index_bytes"] > 0 and r["peak_rss_tree_mb"] > 0
    for r in res["index_engine_only"]:
        assert r["passages"] == res["corpus"]["passages"]


def test_query_mix_runs_without_errors_and_finds_passages(bench):
    res, _md = bench
    for r in res["queries"]:
        assert r["errors"] == [], r["errors"]
        assert r["queries"] >= 30
        assert r["full"]["n"] == r["queries"] and r["full_warm"]["n"] == r["queries"]
        assert sum(1 for q in r["per_query"] if q["total"] > 0) >= r["queries"] * 2 // 3
    tantivy, whoosh = res["queries"]
    # both engines must agree on how many passages each query matches
    assert [q["total"] for q in tantivy["per_query"]] == [q["total"] for q in whoosh["per_query"]]


def test_http_stage_serves_both_endpoints(bench):
    res, _md = bench
    (http,) = res["http"]
    endpoints = {(lv["endpoint"], lv["clients"]) for lv in http["levels"]}
    assert endpoints == {("/api/search", 1), ("/search", 1), ("/api/search", 4), ("/search", 4)}
    assert all(lv["errors"] == 0 and lv["requests"] > 0 for lv in http["levels"])
    assert http["peak_rss_mb"] > 0


def test_markdown_tables_written_beside_the_summary(bench):
    _res, md = bench
    assert md.startswith("# Benchmarks\n\nHand-written summary stays.")
    assert "<!-- bench:smoke -->" in md and "<!-- /bench:smoke -->" in md
    for heading in ("Indexing, end to end", "Indexing, engine only", "Query latency", "HTTP, tantivy"):
        assert heading in md
    assert "python benchmarks/run.py --letters 200" in md
    assert "cores" in md and "GB RAM" in md


def test_rerunning_some_stages_keeps_the_others_and_lists_both_commands(bench, tmp_path):
    res, _md = bench
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(res))
    work = Path(res["command"].split("--work ")[1].split()[0])
    out_json, out_md = tmp_path / "merged.json", tmp_path / "BENCHMARKS.md"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--letters",
        "200",
        "--work",
        str(work),
        "--stages",
        "query",
        "--engines",
        "tantivy",
        "--query-rounds",
        "1",
        "--merge",
        str(earlier),
        "--json",
        str(out_json),
        "--markdown",
        str(out_md),
        "--label",
        "smoke",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr[-4000:]
    merged = json.loads(out_json.read_text())
    assert merged["index_end_to_end"] == res["index_end_to_end"]  # kept
    assert merged["http"] == res["http"]
    assert [r["engine"] for r in merged["queries"]] == ["tantivy"]  # replaced by the new run
    assert [r["stages"] for r in merged["runs"]] == [["synth", "index", "engine", "http"], ["query"]]
    md = out_md.read_text()
    assert "--stages query" in md and "--letters 200 --work" in md
