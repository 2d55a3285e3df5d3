"""The hostile-input audit, measured: what one bad file or one crafted URL costs.

- a 50 MB letter among the sample letters: `imr index` run as a child process,
  its peak RSS (ru_maxrss of the child) and wall time, and what the report says;
- the largest letter still read (2 million characters of text): the same figures;
- oversized search URLs (2,000 facet values; a 190 KB query, ASCII and not) sent
  to a real waitress server: status, page size and time.

    .venv/bin/python benchmarks/hostile.py            # prints the figures
    .venv/bin/python benchmarks/hostile.py --json out.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def index_run(folder: Path, index: Path) -> dict:
    """`imr index` in a child process: exit status, wall time, peak RSS, report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "imr_cli.main", "index", str(folder), "--index", str(index), "--json", "--workers", "1"],
        capture_output=True,
        cwd=ROOT,
    )
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(proc.stdout)
    return {
        "exit": proc.returncode,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(max(peak, before) / 1024, 1) if peak > before else "<= previous child",
        "letters": report["letters"],
        "passages": report["passages"],
        "failed": [f["reason"][:90] for f in report["failed"]],
    }


def letter_of(size: int, seed: Path, path: Path) -> None:
    text = seed.read_text()
    with open(path, "w") as f:
        while f.tell() < size:
            f.write(text)


def urls() -> dict[str, str]:
    return {
        "2,000 decision values (29 KB URL)": "/search?"
        + urlencode([("q", "facet")] + [("decision", f"v{i}") for i in range(2000)]),
        "190 KB query": "/search?" + urlencode([("q", "facet " * 32_000)]),
        "180 KB query of non-ASCII (waitress limit)": "/search?" + urlencode([("q", "é" * 15_000)]),
        "same URLs on the JSON API": "/api/search?"
        + urlencode([("q", "facet")] + [("decision", f"v{i}") for i in range(2000)]),
    }


def serve_and_fetch(index: Path) -> dict:
    import waitress

    from indexer.search.service import SearchService
    from webapp import create_app

    service = SearchService.open(index, "tantivy")
    app = create_app({"IMR_INDEX_DIR": str(index), "IMR_SEARCH_SERVICE": service})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    out = {}
    try:
        for name, url in [("warm-up (a plain search, not reported)", "/search?q=facet"), *urls().items()]:
            conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=60)
            started = time.monotonic()
            conn.request("GET", url)
            response = conn.getresponse()
            body = response.read()
            out[name] = {
                "url_bytes": len(url),
                "status": response.status,
                "page_bytes": len(body),
                "seconds": round(time.monotonic() - started, 3),
            }
            conn.close()
        out.pop("warm-up (a plain search, not reported)")
    finally:
        server.close()
        service.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    seeds = sorted((ROOT / "corpus").glob("*.txt"))
    work = Path(tempfile.mkdtemp(prefix="imr-hostile-"))
    os.environ.setdefault("IMR_DATA_DIR", str(work / "data"))
    results: dict = {}
    try:
        for label, size in (
            ("50 MB letter among the samples", 50 * 1024 * 1024),
            ("largest letter read (2M characters)", 1_990_000),
        ):
            folder = work / label.split()[0]
            folder.mkdir()
            for s in seeds:
                shutil.copy2(s, folder / s.name)
            letter_of(size, seeds[0], folder / "big.txt")
            results[label] = index_run(folder, work / f"ix-{folder.name}")
        results["oversized URLs over waitress"] = serve_and_fetch(work / "ix-50")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
