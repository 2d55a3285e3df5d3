"""An oracle parser for synthetic letters: the `Letter` the generator built, no parsing.

Importing this module (with IMR_BENCH_ORACLE_SEED set) replaces the indexer's
per-file parse step with `synthetic_letter(seed, index)`, the index being
read from the file name (`0001234_<hex>.txt`). Everything else in the
pipeline (reading and hashing files, worker processes, letter store, engine,
generations) runs unchanged. The benchmarks use it to build indexes of a
million passages when the real parser is too slow to do so in the time
available, and say so wherever a figure comes from it.
"""

from __future__ import annotations

import os
from pathlib import Path

from indexer.index import parsing
from indexer.synth.generator import synthetic_letter

SEED_ENV = "IMR_BENCH_ORACLE_SEED"


def _oracle_parse(path: Path, _data: bytes = b"", _source_file: str = ""):
    seed = int(os.environ[SEED_ENV])
    index = int(Path(path).name.split("_", 1)[0])
    _text, _exp, letter = synthetic_letter(seed, index)
    letter.source_file = str(path)
    return letter


if os.environ.get(SEED_ENV):
    parsing._parse_bytes = _oracle_parse
