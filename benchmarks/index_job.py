"""Run one end-to-end indexing job in its own process (so its memory is its own).

`python -m benchmarks.index_job --corpus DIR --index DIR --engine E [--workers N]`
prints one JSON object: the pipeline's report plus the job's own wall time.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from dataclasses import asdict, is_dataclass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument(
        "--oracle-seed",
        type=int,
        default=None,
        help="use the generator's own Letters instead of parsing (see benchmarks/oracle.py)",
    )
    args = ap.parse_args(argv)
    if args.oracle_seed is not None:
        import multiprocessing.forkserver
        import os

        os.environ["IMR_BENCH_ORACLE_SEED"] = str(args.oracle_seed)
        import benchmarks.oracle  # noqa: F401 - patches the parse step in this process

        # forkserver workers fork from a server that imported the patch first
        multiprocessing.forkserver.set_forkserver_preload(["benchmarks.oracle"])

    from indexer.index.pipeline import build_index

    kwargs = {"engine": args.engine, "rebuild": True, "progress": False}
    if "workers" in inspect.signature(build_index).parameters:
        kwargs["workers"] = args.workers
    started = time.perf_counter()
    report = build_index([args.corpus], args.index, **kwargs)
    seconds = time.perf_counter() - started
    data = asdict(report) if is_dataclass(report) else dict(getattr(report, "__dict__", {}))
    out = {
        "seconds": seconds,
        "letters": data.get("letters", 0),
        "passages": data.get("passages", 0),
        "warnings": len(data.get("warnings", []) or []),
        "failed": len(data.get("failed", []) or []),
        "skipped_unchanged": data.get("skipped_unchanged", 0),
    }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
