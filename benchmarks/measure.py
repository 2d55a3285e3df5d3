"""Timing statistics and memory sampling shared by the benchmark stages.

Medians and percentiles come from `statistics.quantiles` over raw samples (no
smoothing). Peak memory is read from /proc: a sampler thread sums the resident
set of a process and all its descendants (the indexer's parser workers count),
and `VmHWM` gives the kernel's own high-water mark for one process.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean/min/max in milliseconds from samples in seconds."""
    if not samples:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "min": 0.0, "max": 0.0}
    ms = sorted(s * 1000.0 for s in samples)
    if len(ms) == 1:
        q = [ms[0]] * 99
    else:
        q = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "n": len(ms),
        "p50": round(q[49], 3),
        "p95": round(q[94], 3),
        "p99": round(q[98], 3),
        "mean": round(statistics.fmean(ms), 3),
        "min": round(ms[0], 3),
        "max": round(ms[-1], 3),
    }


def machine() -> dict:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_avg_at_start": [round(x, 2) for x in load],
    }


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("utf-8", "replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def hwm_kb(pid: int) -> int:
    """The kernel's peak resident set (VmHWM) of one live process, in KiB."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    kids = _children()
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_kb(p)
        stack.extend(kids.get(p, []))
    return total


@dataclass
class RssSampler:
    """Samples the summed RSS of a process tree until stopped; keeps the peak."""

    pid: int
    interval: float = 0.25
    peak_kb: int = 0
    main_hwm_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
        self.main_hwm_kb = max(self.main_hwm_kb, hwm_kb(self.pid))

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


def run_measured(
    cmd: list[str], env: dict | None = None, cwd: str | None = None, timeout: float | None = None
) -> tuple[subprocess.CompletedProcess, float, RssSampler]:
    """Run a command to completion; wall time and peak tree RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    sampler = RssSampler(proc.pid).start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    finally:
        sampler.stop()
    elapsed = time.perf_counter() - started
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), elapsed, sampler


def dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def alternate(other_src: str, this_src: str, repeats: int, child, merge) -> dict:
    """Measure two source trees side by side: `child(src)` for each in turn,
    `repeats` times, so machine noise hits both alike; `merge` folds each tree's
    runs (medians)."""
    runs: dict[str, list[dict]] = {"other": [], "this": []}
    for _ in range(repeats):
        runs["other"].append(child(other_src))
        runs["this"].append(child(this_src))
    return {name: merge(rs) for name, rs in runs.items()}
