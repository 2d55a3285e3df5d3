#!/usr/bin/env python
"""Near-duplicate grouping's cost per passage once many leaders exist: this
checkout's grouper against another checkout's (e.g. main before a change), in one
process, on the same signatures.

    python benchmarks/grouping_scale.py --leaders 200000 --before /work/wt/check

A store is filled with --leaders random signatures (rationales that match no
other: each becomes a leader, as most do in a fresh build), then --letters
synthetic letters' rationales (and a near-copy of every third) are grouped in the
same run, then again by a new grouper on the same store (a later, incremental run).
Both checkouts must give the same groups; the script says whether they did.
Times are the process's CPU time (time.process_time), not wall time: on a shared
machine another process's load then moves them much less.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _module(checkout: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, checkout / "indexer" / "index" / "neardup.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def run(mod, leaders: int, texts: list, work: Path) -> dict:
    path = work / f"{mod.__name__}.sqlite3"
    db = sqlite3.connect(str(path), isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-65536"):  # as the letter store
        db.execute(f"PRAGMA {pragma}")
    db.executescript(mod.DDL)
    db.execute("BEGIN")
    grouper = mod.Grouper(db)
    rng = random.Random(7)
    t = time.process_time()
    for i in range(leaders):
        grouper.assign(f"CM99-{i:08d}-1", f"CM99-{i:08d}", rng.randbytes(mod.NUM_PERM * 4))
    fill = time.process_time() - t
    sigs = [mod.signature(text) for _, _, text in texts]
    t = time.process_time()
    same_run = [grouper.assign(p, lid, s) for (p, lid, _), s in zip(texts, sigs, strict=True)]
    same_s = time.process_time() - t
    db.execute("COMMIT")
    db.execute("BEGIN")
    later = mod.Grouper(db)
    t = time.process_time()
    next_run = [later.assign(p + "-r", lid, s) for (p, lid, _), s in zip(texts, sigs, strict=True)]
    next_s = time.process_time() - t
    db.execute("ROLLBACK")
    db.close()
    os.remove(path)
    n = len(texts)
    return {
        "fill_us_per_passage": round(1e6 * fill / leaders, 1) if leaders else None,
        "same_run_us_per_passage": round(1e6 * same_s / n, 1),
        "next_run_us_per_passage": round(1e6 * next_s / n, 1),
        "groups": (same_run, next_run),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--leaders", type=int, default=200_000)
    ap.add_argument("--letters", type=int, default=1500)
    ap.add_argument("--before", required=True, help="the other checkout (its indexer/index/neardup.py)")
    ap.add_argument("--json", dest="json_path")
    args = ap.parse_args(argv)
    from benchmarks.insight import generate
    from benchmarks.measure import machine

    letters = generate(args.letters, 1, 2)
    texts = [(p.passage_id, L.letter_id, p.rationale) for L in letters for p in L.passages if not p.unparsed]
    texts += [(pid + "-d", lid, t.replace(" the ", " a ", 1)) for pid, lid, t in texts[::3]]
    with open("/proc/loadavg") as f:
        out: dict = {"machine": machine(), "command": " ".join(sys.argv), "load_at_start": f.read().split()[:3]}
    with tempfile.TemporaryDirectory(prefix="imr-grouping-scale-") as tmp:
        for label, checkout in (("before", Path(args.before).resolve()), ("after", ROOT)):
            out[label] = run(_module(checkout, f"neardup_{label}"), args.leaders, texts, Path(tmp))
            print(label, {k: v for k, v in out[label].items() if k != "groups"}, flush=True)
    out["identical_groups"] = out["before"].pop("groups") == out["after"].pop("groups")
    out["passages"] = len(texts)
    with open("/proc/loadavg") as f:
        out["load_at_end"] = f.read().split()[:3]
    print("identical groups:", out["identical_groups"])
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
