"""`imr parse`: JSON for every file, a clear error object for unreadable ones, and its exit status."""

from __future__ import annotations

import json
import subprocess
import sys

from imr_cli.main import main


def run(capsys, *args):
    code = main(["parse", *map(str, args)])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_parse_the_corpus(capsys, seed_files):
    code, data, err = run(capsys, *seed_files)
    assert code == 0 and err == ""
    assert len(data) == 5
    assert sum(len(d["passages"]) for d in data) == 7
    assert all(p["decision"] == "Upheld" for d in data for p in d["passages"])
    first = data[0]
    assert first["reviewer"]["licensure"] == ["California"] and first["patient"] == {"age": 58, "sex": "female"}
    assert "ODG | Neck and Upper Back | Facet joint diagnostic blocks" in first["citation_keys"]
    assert first["passages"][0]["citation_keys"] == first["citation_keys"]  # one passage: same keys
    assert all("key" in c for p in first["passages"] for c in p["citations"])


def test_unreadable_files_are_reported_and_the_rest_parsed(capsys, tmp_path, seed_files):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    code, data, err = run(capsys, empty, seed_files[0], binary, tmp_path / "missing.txt")
    assert code == 0
    assert [d.get("error") for d in data] == ["empty file", None, "binary file, not a text letter", "file not found"]
    assert data[0]["source_file"] == str(empty)
    assert err.count("\n") == 3 and "empty.txt: empty file" in err


def test_all_files_failing_exits_non_zero(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, data, _ = run(capsys, empty)
    assert code == 1 and data == [{"source_file": str(empty), "error": "empty file"}]


def test_folder_argument_and_console_script(corpus_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "imr_cli.main", "parse", "--compact", str(corpus_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data) == 5 and proc.stdout.count("\n") == 1
