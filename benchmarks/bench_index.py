"""Indexing benchmarks: end to end (files -> index) and engine only (docs -> index).

End to end runs the real pipeline (`build_index`, parsing in parallel on every
core) in a child process, timing it and sampling the peak RSS of the whole
process tree. Engine only first parses every letter once into `IndexDoc`s
(cached on disk as pickled chunks, untimed), then times only the engine's
`add` calls and its final `commit`: the cost the engine itself adds.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.measure import dir_size, run_measured

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 500


def letter_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.suffix.lower() in (".txt", ".pdf") and p.is_file())


def end_to_end(corpus: Path, index_dir: Path, engine: str, workers: int | None, oracle_seed: int | None = None) -> dict:
    if index_dir.exists():
        shutil.rmtree(index_dir)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.index_job",
        "--corpus",
        str(corpus),
        "--index",
        str(index_dir),
        "--engine",
        engine,
    ]
    if workers:
        cmd += ["--workers", str(workers)]
    if oracle_seed is not None:
        cmd += ["--oracle-seed", str(oracle_seed)]
    return measured_job(cmd, index_dir, engine, "oracle" if oracle_seed is not None else "real")


def measured_job(cmd: list[str], index_dir: Path, engine: str, parser: str) -> dict:
    """Run an indexing job (it prints its report as one JSON line) in a child
    process: its time, throughput, index size and the process tree's peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc, wall, sampler = run_measured(cmd, env=env, cwd=str(ROOT))
    if proc.returncode != 0:
        raise RuntimeError(f"indexing with {engine} failed:\n{proc.stderr[-3000:]}")
    import json

    job = json.loads(proc.stdout.strip().splitlines()[-1])
    secs = job["seconds"]
    return {
        "engine": engine,
        "parser": parser,
        "seconds": round(secs, 3),
        "wall_seconds_with_startup": round(wall, 3),
        "letters": job["letters"],
        "passages": job["passages"],
        "warnings": job["warnings"],
        "failed": job["failed"],
        "letters_per_s": round(job["letters"] / secs, 1) if secs else 0.0,
        "passages_per_s": round(job["passages"] / secs, 1) if secs else 0.0,
        "index_bytes": dir_size(index_dir),
        "peak_rss_tree_mb": round(sampler.peak_kb / 1024, 1),
        "peak_rss_main_mb": round(sampler.main_hwm_kb / 1024, 1),
    }


def _parse_chunk(paths: list[str], oracle_seed: int | None = None) -> tuple[list, int]:
    from indexer.index.documents import docs_for_letter
    from indexer.letters import parse_file
    from indexer.synth.generator import synthetic_letter

    def parse(p: str):
        if oracle_seed is None:
            return parse_file(p)
        return synthetic_letter(oracle_seed, int(Path(p).name.split("_", 1)[0]))[2]

    docs = []
    failed = 0
    for p in paths:
        try:
            docs.extend(docs_for_letter(parse(p)))
        except Exception:  # noqa: BLE001 - a benchmark counts failures, the test suite finds them
            failed += 1
    return docs, failed


def build_doc_cache(corpus: Path, cache: Path, workers: int, oracle_seed: int | None = None) -> dict:
    """Parse every letter once into pickled IndexDoc chunks (reused across engines and runs)."""
    if cache.exists():
        with open(cache, "rb") as fh:
            meta = pickle.load(fh)
        return meta
    files = [str(p) for p in letter_files(corpus)]
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    tmp = cache.with_suffix(".tmp")
    docs_total = failed_total = 0
    started = time.perf_counter()
    with open(tmp, "wb") as fh, ProcessPoolExecutor(max_workers=workers) as pool:
        pickle.dump({"letters": len(files), "passages": None}, fh)  # rewritten below
        for docs, failed in pool.map(_parse_chunk, chunks, [oracle_seed] * len(chunks)):
            pickle.dump(docs, fh, protocol=pickle.HIGHEST_PROTOCOL)
            docs_total += len(docs)
            failed_total += failed
    meta = {
        "letters": len(files),
        "passages": docs_total,
        "failed": failed_total,
        "parser": "oracle" if oracle_seed is not None else "real",
        "parse_seconds": round(time.perf_counter() - started, 3),
    }
    # prepend the real header: rewrite the file with the meta first
    with open(tmp, "rb") as src, open(cache, "wb") as dst:
        pickle.load(src)
        pickle.dump(meta, dst)
        shutil.copyfileobj(src, dst)
    tmp.unlink()
    return meta


def _doc_chunks(cache: Path):
    with open(cache, "rb") as fh:
        pickle.load(fh)
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return


def engine_only(cache: Path, index_dir: Path, engine: str, meta: dict) -> dict:
    from indexer.index.engine import open_engine

    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True)
    eng = open_engine(engine, index_dir, writable=True)
    add_seconds = 0.0
    added = 0
    for chunk in _doc_chunks(cache):
        t0 = time.perf_counter()
        added += eng.add(chunk) or len(chunk)
        add_seconds += time.perf_counter() - t0
    t0 = time.perf_counter()
    eng.commit()
    commit_seconds = time.perf_counter() - t0
    eng.close()
    secs = add_seconds + commit_seconds
    return {
        "engine": engine,
        "seconds": round(secs, 3),
        "add_seconds": round(add_seconds, 3),
        "commit_seconds": round(commit_seconds, 3),
        "passages": added,
        "letters": meta["letters"],
        "passages_per_s": round(added / secs, 1) if secs else 0.0,
        "letters_per_s": round(meta["letters"] / secs, 1) if secs else 0.0,
        "index_bytes": dir_size(index_dir),
    }
