"""Synthetic IMR letters at any scale, for parser round-trip tests and benchmarks.

`generate_letter(rng, index, seed) -> (text, Expected)` composes one letter;
`write_corpus(out, letters, seed, workers)` writes many (in parallel) with a
`manifest.jsonl` of what each letter must parse back into.
"""

from indexer.synth.generator import Expected, ExpectedPassage, generate_letter, letter_rng

__all__ = ["Expected", "ExpectedPassage", "generate_letter", "letter_rng"]
