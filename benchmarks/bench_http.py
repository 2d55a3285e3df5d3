"""HTTP latency and throughput against the production server, as `imr serve` runs it.

The server is a child process bound to 127.0.0.1 on a port in 8300-8399. Each
concurrency level runs that many client threads, each with its own keep-alive
connection, cycling through the query mix; the request count is bounded so a
run always ends. Clients run in this process: on a 2-core machine they compete
with the server for CPU, so these figures are a floor, stated as such.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from benchmarks.measure import RssSampler, hwm_kb, percentiles
from benchmarks.queries import QUERIES

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8300, 8400)


def free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8300-8399")


def query_paths(endpoint: str, bust: int | None = None) -> list[str]:
    """One URL per query of the mix. With `bust`, each query gets a negated
    nonsense word (`-zqxj<n>`, matching nothing) so the server's result caches
    cannot answer it: every request costs what a new query costs."""
    paths = []
    for q in QUERIES:
        text = q.q if bust is None else f"{q.q} -zqxj{bust}".strip()
        params: list[tuple[str, str]] = [("q", text)]
        for facet, values in q.filters.items():
            params.extend((facet, v) for v in values)
        paths.append(f"{endpoint}?{urllib.parse.urlencode(params)}")
    return paths


class Server:
    def __init__(self, index_dir: Path, engine: str, threads: int | None = None):
        self.port = free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="imr-bench-data-"))
        imr = shutil.which("imr", path=str(Path(sys.executable).parent)) or ""
        cmd = [imr] if imr else [sys.executable, "-m", "imr_cli.main"]
        cmd += [
            "serve",
            "--index",
            str(index_dir),
            "--engine",
            engine,
            "--port",
            str(self.port),
            "--host",
            "127.0.0.1",
            "--data-dir",
            str(self.data_dir),
        ]
        if threads:
            cmd += ["--threads", str(threads)]
        self.cmd = cmd
        env = dict(os.environ, IMR_DATA_DIR=str(self.data_dir), PYTHONPATH=str(ROOT))
        self.log = open(self.data_dir / "server.log", "w+")
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT), start_new_session=True
        )
        self.sampler = RssSampler(self.proc.pid, interval=0.5).start()

    def wait_ready(self, timeout: float = 180.0) -> float:
        started = time.perf_counter()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/api/search?q=")
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"server not ready after {timeout}s: {self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-2000:]

    def stop(self) -> dict:
        self.sampler.sample()
        peak_main = hwm_kb(self.proc.pid)
        self.sampler.stop()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return {
            "peak_rss_mb": round(max(peak_main, self.sampler.main_hwm_kb) / 1024, 1),
            "peak_rss_tree_mb": round(self.sampler.peak_kb / 1024, 1),
        }


def _client(
    port: int,
    paths: list[str],
    start: int,
    count: int,
    out: list[float],
    errors: list[str],
    endpoint: str = "",
    bust_base: int | None = None,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for k in range(count):
        if bust_base is None:
            path = paths[(start + k) % len(paths)]
        else:
            path = query_paths(endpoint, bust_base + start * 100_000 + k)[(start + k) % len(QUERIES)]
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        elapsed = time.perf_counter() - t0
        if status != 200:
            errors.append(f"{path}: HTTP {status}")
        out.append(elapsed)
    conn.close()


_BUST = [0]


def load(port: int, endpoint: str, clients: int, requests_per_client: int, cache_bust: bool = True) -> dict:
    paths = query_paths(endpoint)
    samples: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    _BUST[0] += 10_000_000
    base = _BUST[0] if cache_bust else None
    threads = [
        threading.Thread(
            target=_client, args=(port, paths, i * 7, requests_per_client, samples[i], errors, endpoint, base)
        )
        for i in range(clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    flat = [s for per in samples for s in per]
    stats = percentiles(flat)
    return {
        "endpoint": endpoint,
        "clients": clients,
        "requests": len(flat),
        "errors": len(errors),
        "cache_bust": cache_bust,
        "error_examples": errors[:3],
        "p50_ms": stats["p50"],
        "p95_ms": stats["p95"],
        "p99_ms": stats["p99"],
        "req_per_s": round(len(flat) / wall, 1) if wall else 0.0,
        "seconds": round(wall, 3),
    }


def run_http(
    index_dir: Path,
    engine: str,
    levels: tuple[int, ...] = (1, 4, 16),
    requests_per_level: int = 160,
    threads: int | None = None,
    cache_bust: bool = True,
) -> dict:
    server = Server(index_dir, engine, threads)
    results: list[dict] = []
    try:
        ready = server.wait_ready()
        # warm every query once on each endpoint
        load(server.port, "/api/search", 1, len(QUERIES), cache_bust)
        load(server.port, "/search", 1, len(QUERIES), cache_bust)
        for clients in levels:
            per_client = max(1, requests_per_level // clients)
            for endpoint in ("/api/search", "/search"):
                results.append(load(server.port, endpoint, clients, per_client, cache_bust))
    finally:
        mem = server.stop()
    return {
        "engine": engine,
        "port": server.port,
        "cache_bust": cache_bust,
        "startup_seconds": round(ready, 2),
        "server": server.cmd[1:],
        "levels": results,
        **mem,
    }
