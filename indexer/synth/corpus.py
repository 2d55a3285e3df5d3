"""Write a synthetic corpus to disk, in parallel, with its manifest.

Letters are generated in chunks by worker processes; each letter's random
generator is seeded from (seed, index) alone, so the files are byte-identical
for a given seed whatever the number of workers. The manifest
(`manifest.jsonl`, one JSON object per letter in index order) records what each
letter must parse back into.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from indexer.synth.generator import generate_letter, letter_rng

MANIFEST = "manifest.jsonl"
CHUNK = 500


@dataclass
class SynthReport:
    letters: int
    passages: int
    overturned: int
    bytes: int
    seconds: float
    out: str

    @property
    def letters_per_second(self) -> float:
        return self.letters / self.seconds if self.seconds else 0.0


def _write_chunk(out: str, seed: int, start: int, stop: int) -> tuple[list[str], int, int, int]:
    root = Path(out)
    lines: list[str] = []
    passages = overturned = size = 0
    made_dirs: set[str] = set()
    for index in range(start, stop):
        text, expected = generate_letter(letter_rng(seed, index), index, seed)
        folder = expected.file.split("/", 1)[0]
        if folder not in made_dirs:
            (root / folder).mkdir(parents=True, exist_ok=True)
            made_dirs.add(folder)
        data = text.encode("utf-8")
        (root / expected.file).write_bytes(data)
        size += len(data)
        passages += len(expected.passages)
        overturned += sum(p.decision == "Overturned" for p in expected.passages)
        lines.append(json.dumps(expected.to_dict(), separators=(",", ":")))
    return lines, passages, overturned, size


def write_corpus(
    out: str | Path, letters: int, seed: int = 0, workers: int | None = None, progress: bool = False
) -> SynthReport:
    """Write `letters` letters under `out` (folders of 1,000) and `out/manifest.jsonl`."""
    if letters < 0:
        raise ValueError("the number of letters cannot be negative")
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    workers = workers or min(os.cpu_count() or 1, 8)
    chunks = [(i, min(i + CHUNK, letters)) for i in range(0, letters, CHUNK)]
    started = time.perf_counter()
    passages = overturned = size = done = 0
    bar = _progress(letters) if progress else None
    with open(root / MANIFEST, "w", encoding="utf-8") as manifest:
        if workers <= 1 or len(chunks) <= 1:
            results = (_write_chunk(str(root), seed, a, b) for a, b in chunks)
            for lines, p, o, s in results:
                passages, overturned, size, done = passages + p, overturned + o, size + s, done + len(lines)
                manifest.write("\n".join(lines) + "\n")
                if bar:
                    bar.update(len(lines))
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_write_chunk, str(root), seed, a, b) for a, b in chunks]
                for fut in futures:  # in order, so the manifest is in index order
                    lines, p, o, s = fut.result()
                    passages, overturned, size, done = passages + p, overturned + o, size + s, done + len(lines)
                    manifest.write("\n".join(lines) + "\n")
                    if bar:
                        bar.update(len(lines))
    if bar:
        bar.close()
    return SynthReport(letters, passages, overturned, size, time.perf_counter() - started, str(root))


def read_manifest(out: str | Path) -> list[dict]:
    with open(Path(out) / MANIFEST, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _progress(total: int):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, unit="letter", disable=None)
