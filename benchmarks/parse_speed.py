#!/usr/bin/env python
"""Parser micro-benchmark: median milliseconds to parse one synthetic letter, single core.

    python benchmarks/parse_speed.py --letters 300 --seed 7 --rounds 5
    python benchmarks/parse_speed.py --against /path/to/other/checkout   # side by side

Letters come from the synthetic generator (`indexer.synth`), held in memory,
so only `parse_text` is timed (no disk, no indexing). Each letter is parsed
`--rounds` times; its time is the median of its rounds, and the figure printed
is the median over letters (plus the mean and the single-core letters/s).
The machine is shared, so medians, not means, are the number to quote, and
the default clock is the process's CPU time (`--clock cpu`): parsing is
CPU-bound, and CPU time leaves out the time other processes hold the core.
`--clock wall` times elapsed time instead.

`--against DIR` times a second source tree (a checkout whose `indexer/`
package sits in DIR) on the very same letters, alternating rounds between
the two trees in child processes, and prints the ratio: a before/after
comparison made side by side under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_letters(count: int, seed: int) -> list[tuple[str, str]]:
    """(text, file name) of `count` synthetic letters, as `imr synth` writes them."""
    sys.path.insert(0, str(ROOT))
    from indexer.synth.generator import generate_letter, letter_rng

    out = []
    for index in range(count):
        text, expected = generate_letter(letter_rng(seed, index), index, seed)
        out.append((text, expected.file))
    return out


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def time_letters(letters: list[tuple[str, str]], rounds: int, clock_name: str = "cpu") -> list[list[float]]:
    """Seconds per parse: one list of `rounds` timings per letter (after a warm-up pass)."""
    from indexer.letters.parse import parse_text

    for text, name in letters[:20]:  # load vocabularies and compile patterns outside the timing
        parse_text(text, name)
    timings: list[list[float]] = [[] for _ in letters]
    clock = CLOCKS[clock_name]
    for _ in range(rounds):
        for k, (text, name) in enumerate(letters):
            started = clock()
            parse_text(text, name)
            timings[k].append(clock() - started)
    return timings


def summarize(timings: list[list[float]]) -> dict[str, float]:
    per_letter = [statistics.median(t) for t in timings]
    median_ms = statistics.median(per_letter) * 1000
    mean_ms = statistics.fmean(per_letter) * 1000
    return {
        "letters": len(per_letter),
        "median_ms": round(median_ms, 3),
        "mean_ms": round(mean_ms, 3),
        "letters_per_s": round(1000 / mean_ms, 1) if mean_ms else 0.0,
    }


def _child(tree: Path, letters_file: Path, rounds: int, clock_name: str) -> list[list[float]]:
    """Time the parser of `tree` in a fresh interpreter (its own `indexer` package)."""
    # this file is loaded by path: the other tree may have a `benchmarks` package without it
    code = (
        "import importlib.util, json, sys; sys.path.insert(0, sys.argv[1]);"
        "spec = importlib.util.spec_from_file_location('parse_speed', sys.argv[2]);"
        "bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench);"
        "letters = json.load(open(sys.argv[3]));"
        "print(json.dumps(bench.time_letters([tuple(x) for x in letters], int(sys.argv[4]), sys.argv[5])))"
    )
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(tree),
            str(Path(__file__).resolve()),
            str(letters_file),
            str(rounds),
            clock_name,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    if done.returncode:
        raise SystemExit(f"timing {tree} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout)


def compare(letters: list[tuple[str, str]], other: Path, rounds: int, clock_name: str) -> dict[str, dict[str, float]]:
    """Alternate single rounds of this tree and `other` so both see the same machine load."""
    with tempfile.TemporaryDirectory() as tmp:
        letters_file = Path(tmp) / "letters.json"
        letters_file.write_text(json.dumps(letters))
        mine: list[list[float]] = [[] for _ in letters]
        theirs: list[list[float]] = [[] for _ in letters]
        for _ in range(rounds):
            for store, tree in ((theirs, other), (mine, ROOT)):
                for k, t in enumerate(_child(tree, letters_file, 1, clock_name)):
                    store[k] += t
    return {"this": summarize(mine), "against": summarize(theirs)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--letters", type=int, default=300, help="synthetic letters to parse (default 300)")
    ap.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    ap.add_argument("--rounds", type=int, default=5, help="parses of each letter (default 5)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="cpu (default) or wall time")
    ap.add_argument("--against", type=Path, help="another source tree to time side by side")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if args.letters < 1 or args.rounds < 1:
        ap.error("--letters and --rounds must be at least 1")
    if args.against is not None and not (args.against / "indexer" / "letters").is_dir():
        ap.error(f"--against {args.against}: no indexer/letters package there")

    letters = make_letters(args.letters, args.seed)
    if args.against is None:
        sys.path.insert(0, str(ROOT))
        result: dict = {"this": summarize(time_letters(letters, args.rounds, args.clock))}
    else:
        result = compare(letters, args.against.resolve(), args.rounds, args.clock)
        result["speedup"] = round(result["against"]["median_ms"] / result["this"]["median_ms"], 2)
    result["clock"] = args.clock
    result["command"] = " ".join(["python", "benchmarks/parse_speed.py", *(argv or sys.argv[1:])])
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for label, figures in result.items():
        if isinstance(figures, dict):
            name = "this tree" if label == "this" else str(args.against)
            print(
                f"{name}: median {figures['median_ms']:.3f} ms/letter ({args.clock} time), "
                f"mean {figures['mean_ms']:.3f} ms "
                f"({figures['letters_per_s']:.0f} letters/s on one core, {figures['letters']} letters)"
            )
    if "speedup" in result:
        print(f"speedup (median): {result['speedup']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
