"""`imr index` and `imr search` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from imr_cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory, corpus_dir) -> Path:
    ix = tmp_path_factory.mktemp("cli") / "ix"
    assert main(["index", str(corpus_dir), "--index", str(ix), "--json", "--workers", "1"]) == 0
    return ix


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_index_json_report(tmp_path, corpus_dir, capsys):
    ix = tmp_path / "ix"
    assert main(["index", str(corpus_dir), "--index", str(ix), "--json", "--engine", "whoosh"]) == 0
    report = _json(capsys)
    assert {"letters", "passages", "skipped_unchanged", "warnings", "failed"} <= set(report)
    assert (report["letters"], report["passages"], report["failed"]) == (5, 7, [])
    assert main(["index", str(corpus_dir), "--index", str(ix), "--json", "--engine", "whoosh"]) == 0
    assert _json(capsys)["skipped_unchanged"] == 5


def test_index_text_report(tmp_path, corpus_dir, capsys):
    assert main(["index", str(corpus_dir), "--index", str(tmp_path / "ix")]) == 0
    out = capsys.readouterr().out
    assert "5 letters, 7 passages" in out


def test_search_json_matches_the_api_shape(cli_index, capsys):
    assert main(["search", "ODG Neck Facet joint diagnostic blocks", "--index", str(cli_index), "--json"]) == 0
    data = _json(capsys)
    assert {"query", "parsed", "total", "hits", "facets"} <= set(data)
    assert data["total"] == 3
    cit = {v["value"]: v["count"] for v in data["facets"]["citation"]}
    assert cit["ODG | Neck and Upper Back | Facet joint diagnostic blocks"] == 3


def test_search_filters_sort_limit(cli_index, capsys):
    assert (
        main(
            [
                "search",
                "",
                "--index",
                str(cli_index),
                "--filter",
                "specialty=Anesthesiology",
                "--filter",
                "specialty=Orthopedic Surgery",
                "--sort",
                "injury_date",
                "--limit",
                "2",
                "--json",
            ]
        )
        == 0
    )
    data = _json(capsys)
    assert data["total"] == 3 and len(data["hits"]) == 2
    assert data["filters"] == {"specialty": ["Anesthesiology", "Orthopedic Surgery"]}


def test_search_text_output_marks_matches(cli_index, capsys):
    assert main(["search", '"no more than 2 levels"', "--index", str(cli_index)]) == 0
    out = capsys.readouterr().out
    assert "2 passages" in out and "*no more than 2 levels*" in out and "facets:" in out


def test_bad_arguments_give_clear_errors(cli_index, tmp_path, capsys):
    assert main(["search", "x", "--index", str(cli_index), "--filter", "oops"]) == 2
    assert "FACET=VALUE" in capsys.readouterr().err
    assert main(["search", "x", "--index", str(tmp_path / "none")]) == 2
    assert "imr index" in capsys.readouterr().err
    assert main(["search", '"unbalanced (', "--index", str(cli_index)]) == 0
    assert "note:" in capsys.readouterr().out


def test_console_script_runs(cli_index):
    out = subprocess.run(
        [sys.executable, "-m", "imr_cli.main", "search", "MBB", "--index", str(cli_index), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == 3
