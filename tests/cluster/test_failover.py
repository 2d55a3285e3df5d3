"""The scale-out promise, end to end: three OpenSearch nodes, two app servers,
the elected cluster manager killed mid-search; nothing fails, nothing changes.

Runs tests/cluster/failover.py (a script developers can run too). It needs the
OpenSearch distribution `.ci/opensearch.sh` fetches, so it runs where the
opensearch engine is configured (CI, or a developer who started a node)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from indexer.index.engine import configured_engines

SCRIPT = Path(__file__).with_name("failover.py")


@pytest.mark.slow
@pytest.mark.skipif("opensearch" not in configured_engines(), reason="IMR_OPENSEARCH_URL is not set (CI sets it)")
def test_killing_the_cluster_manager_fails_no_search():
    # not under pytest's tmp_path: that is private to root, and the nodes run unprivileged
    folder = Path(tempfile.mkdtemp(prefix="imr-cluster-test-"))
    try:
        proc = subprocess.run(
            [sys.executable, str(SCRIPT), "--folder", str(folder)], capture_output=True, text=True, timeout=1500
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    report = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert report["letters"] >= 5 and report["passages"] >= 7, report
    assert report["searches"] > 50, report
    assert report["killed"] and report["new_manager"] and report["new_manager"] != report["killed"], report
    assert report["failed"] == 0, report["failures"]
    assert report["totals_changed"] == {}, report
    assert proc.returncode == 0, report
