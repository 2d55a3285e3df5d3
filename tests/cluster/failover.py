"""Failover on a 3-node OpenSearch cluster: the elected cluster manager is killed
(SIGKILL) while two app servers answer a loop of searches; no search may fail
and every total must stay what it was.

    .venv/bin/python tests/cluster/failover.py [--keep] [--seconds-after 30]

Starts three nodes on loopback with `.ci/opensearch.sh` (its own folder and
ports, so a developer's single node keeps running), indexes the sample letters
and the real ones (../shared/real-letters/txt) with 3 shards and 1 replica,
starts two `imr serve --engine opensearch` processes, searches through both,
kills the manager, keeps searching until the cluster has re-elected one and
recovered, then stops everything it started. Prints a JSON report; the exit
status is 0 only when nothing failed. tests/cluster/test_failover.py runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "real-letters" / "txt"
QUERIES = [
    "",
    "MBB",
    '"medial branch block"',
    "opioid* decision:upheld",
    "radicular w/5 block",
    "ODG Neck Facet joint diagnostic blocks",
    "physical therapy -acupuncture",
    "MTUS Chronic Pain",
]
HTTP_PORT, TRANSPORT_PORT = 9260, 9360


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 30.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


class Cluster:
    def __init__(self, folder: Path):
        self.env = dict(
            os.environ,
            IMR_OS_DIR=str(folder),
            IMR_OS_HTTP_PORT=str(HTTP_PORT),
            IMR_OS_TRANSPORT_PORT=str(TRANSPORT_PORT),
            IMR_OS_HEAP=os.environ.get("IMR_OS_HEAP", "512m"),
            IMR_OS_WAIT=os.environ.get("IMR_OS_WAIT", "300"),
        )
        self.folder = folder
        self.url = ",".join(f"http://127.0.0.1:{HTTP_PORT + i}" for i in range(3))
        # the nodes run unprivileged: their folder must be reachable
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)

    def start(self) -> None:
        subprocess.run(
            ["bash", str(ROOT / ".ci" / "opensearch.sh"), "start", "3"],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / ".ci" / "opensearch.sh"), "stop"], env=self.env, check=False)

    def manager(self) -> tuple[str, int]:
        """The elected cluster manager's node name and process id."""
        for i in range(3):
            try:
                [row] = _get(f"http://127.0.0.1:{HTTP_PORT + i}/_cat/cluster_manager?format=json")
                name = row["node"]
                return name, int((self.folder / "nodes" / name / "pid").read_text().strip())
            except (OSError, ValueError, KeyError):
                continue
        raise RuntimeError("no node names a cluster manager")

    def health(self, port: int) -> dict:
        return _get(f"http://127.0.0.1:{port}/_cluster/health?timeout=5s")


class Searcher(threading.Thread):
    """Searches through one app server in a loop, recording every total."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.totals: dict[str, set[int]] = {q: set() for q in QUERIES}
        self.failures: list[str] = []
        self.searches = 0

    def run(self) -> None:
        while not self.stop.is_set():
            for q in QUERIES:
                url = f"{self.base}/api/search?" + urllib.parse.urlencode({"q": q})
                try:
                    self.totals[q].add(int(_get(url)["total"]))
                except (OSError, ValueError, KeyError, urllib.error.HTTPError) as exc:
                    self.failures.append(f"{time.strftime('%H:%M:%S')} {q!r}: {exc}")
                self.searches += 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", default="/tmp/imr-opensearch-cluster", help="nodes' folder")
    ap.add_argument("--seconds-before", type=float, default=10.0)
    ap.add_argument("--seconds-after", type=float, default=20.0, help="searching after the cluster recovered")
    ap.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    cluster = Cluster(folder)
    env = dict(
        os.environ,
        IMR_OPENSEARCH_URL=cluster.url,
        IMR_OPENSEARCH_PREFIX="failover",
        IMR_OPENSEARCH_SHARDS="3",
        IMR_OPENSEARCH_REPLICAS="1",
        IMR_OPENSEARCH_TIMEOUT="20",
    )
    imr = str(Path(sys.executable).with_name("imr"))
    servers: list[subprocess.Popen] = []
    report: dict = {"nodes": 3, "shards": 3, "replicas": 1}
    try:
        t0 = time.monotonic()
        cluster.start()
        report["cluster_up_s"] = round(time.monotonic() - t0, 1)
        paths = [str(ROOT / "corpus")] + ([str(REAL)] if REAL.is_dir() else [])
        t0 = time.monotonic()
        out = subprocess.run(
            [imr, "index", *paths, "--engine", "opensearch", "--rebuild", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        indexed = json.loads(out.stdout)
        report.update(
            letters=indexed["total_letters"],
            passages=indexed["total_passages"],
            index_s=round(time.monotonic() - t0, 1),
        )
        bases = []
        for n in range(2):
            port = _free_port()
            data = folder / f"app{n}"
            data.mkdir(parents=True, exist_ok=True)
            servers.append(
                subprocess.Popen(
                    [
                        imr,
                        "serve",
                        "--engine",
                        "opensearch",
                        "--port",
                        str(port),
                        "--data-dir",
                        str(data),
                        "--corpus",
                        str(ROOT / "corpus"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            deadline = time.monotonic() + 120
            while True:
                try:
                    _get(base + "/api/search?q=MBB")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
        before = {q: int(_get(bases[0] + "/api/search?" + urllib.parse.urlencode({"q": q}))["total"]) for q in QUERIES}
        searchers = [Searcher(b) for b in bases]
        for s in searchers:
            s.start()
        time.sleep(args.seconds_before)
        name, pid = cluster.manager()
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        report["killed"] = name
        survivors = [HTTP_PORT + i for i in range(3) if f"imr-os-{i}" != name]
        new_manager = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                health = cluster.health(survivors[0])
                new_manager = _get(f"http://127.0.0.1:{survivors[0]}/_cat/cluster_manager?format=json")[0]["node"]
                if health["number_of_nodes"] == 2 and health["status"] in ("green", "yellow") and new_manager != name:
                    break
            except (OSError, ValueError, KeyError, IndexError):
                pass
            time.sleep(1)
        report["new_manager"] = new_manager
        report["recovered_after_s"] = round(time.monotonic() - killed_at, 1)
        time.sleep(args.seconds_after)
        for s in searchers:
            s.stop.set()
        for s in searchers:
            s.join(timeout=60)
        report["searches"] = sum(s.searches for s in searchers)
        report["failed"] = sum(len(s.failures) for s in searchers)
        report["failures"] = [f for s in searchers for f in s.failures][:20]
        report["totals_before"] = before
        changed = {q: sorted(set().union(*(s.totals[q] for s in searchers)) - {before[q]}) for q in QUERIES}
        report["totals_changed"] = {q: v for q, v in changed.items() if v}
        report["ok"] = bool(
            report["searches"]
            and not report["failed"]
            and not report["totals_changed"]
            and new_manager
            and new_manager != name
        )
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            cluster.stop()
    print(json.dumps(report, indent=2))
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
