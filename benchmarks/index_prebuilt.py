"""Index synthetic letters without files or parsing, in its own process.

`python -m benchmarks.index_prebuilt --letters N --seed S --index DIR --engine E [--workers N]`
prints one JSON object, as `benchmarks.index_job` does.

What it times: the write path of `imr index` (the pipeline's `_Builder`: engine
documents and letter-store rows, committed and published as a new generation)
fed with letters nobody parses. Worker processes build each letter as the
synthetic generator knows it (`synthetic_letter`: the `Letter` a perfect parser
would return, no text rendering to disk, no reading, no parsing), then its index
documents, the engine's `prepare_docs` and the packed store row, exactly what
the parsing workers hand the writer in `imr index`. It exists for the 1M-passage
comparison of scale_out.py, where end-to-end parsing of 394,000 letters per
engine does not fit a shared two-core machine's afternoon; end-to-end figures
(with the real parser) are the 10k runs'.

`--copies K`: the generator itself costs about 20 ms a letter (more than the
engines), so each generated letter is indexed K times, as K letters with case
numbers of their own ("CM16-0000001-c3"): same text, distinct ids, dates and
passages. Queries then match K times as many passages, with ties the shared
tie order breaks; both engines index the same documents.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor

CHUNK = 200  # letters per worker task


def _build(args: tuple[int, int, int, str]) -> list:
    from indexer.index.documents import docs_for_letter, ensure_passages
    from indexer.index.engine import engine_class
    from indexer.index.parsing import ParseOutcome
    from indexer.index.store import pack_letter
    from indexer.synth.generator import synthetic_letter

    seed, start, stop, engine, copies = args
    outs = []
    for i in range(start, stop):
        base = synthetic_letter(seed, i)[2]
        ensure_passages(base)
        for c in range(copies):
            letter = base if copies == 1 else _copy(base, c)
            docs = docs_for_letter(letter)
            engine_class(engine).prepare_docs(docs)  # the text is the base's: its analysis is cached
            outs.append(ParseOutcome(f"synthetic/{i:07d}-{c}", "parsed", packed=pack_letter(letter), docs=docs))
    return outs


def _copy(base, c: int):
    import copy

    letter = copy.deepcopy(base)
    letter.letter_id = f"{base.letter_id}-c{c}"
    letter.case_number = letter.letter_id
    for p in letter.passages:
        p.letter_id = letter.letter_id
        p.passage_id = f"{letter.letter_id}-{p.ordinal}"
    return letter


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--index", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--copies", type=int, default=1, help="index each generated letter this many times")
    args = ap.parse_args(argv)

    from indexer.index.engine import engine_home
    from indexer.index.pipeline import IndexReport, _Builder

    home = engine_home(args.engine, args.index)
    report = IndexReport(engine=args.engine, index_dir=home.describe())
    bases = -(-args.letters // args.copies)
    step = max(1, CHUNK // args.copies)
    tasks = [(args.seed, s, min(s + step, bases), args.engine, args.copies) for s in range(0, bases, step)]
    started = time.perf_counter()
    with home.writer_lock():
        home.sweep()
        builder = _Builder(home, None, {})
        try:
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                pending: deque = deque()
                it = iter(tasks)
                for task in it:  # a bounded window: results never pile up in this process
                    pending.append(pool.submit(_build, task))
                    if len(pending) >= 4 * args.workers:
                        break
                while pending:
                    for out in pending.popleft().result():
                        builder.put(out, report, from_file=False)
                    nxt = next(it, None)
                    if nxt is not None:
                        pending.append(pool.submit(_build, nxt))
            builder.finish()
        except BaseException:
            builder.abandon()
            raise
        home.sweep()
    seconds = time.perf_counter() - started
    json.dump(
        {
            "seconds": seconds,
            "letters": report.letters,
            "passages": report.passages,
            "warnings": len(report.warnings),
            "failed": len(report.failed),
            "skipped_unchanged": 0,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
