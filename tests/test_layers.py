"""The layer contract: packages import downward only, so the package graph has
no upward edge and no cycle.

Lowest first. A module may import its own package and any package listed
before it; `indexer/__init__.py` imports only `indexer.vocab`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS = [
    "indexer.settings",  # the IMR_* settings: read from the environment and checked (imports nothing)
    "indexer.model",  # the domain types: Letter, Passage, Citation
    "indexer.vocab",  # vocabularies as data (guidelines, drugs, abbreviations ...)
    "indexer.text",  # text helpers shared by the parser and the splitter
    "indexer.synth",  # the synthetic corpus (for tests and benchmarks)
    "indexer.passages",  # disputed items: splitting, citations, classification
    "indexer.letters",  # reading a letter file and parsing it into a Letter
    "indexer.query",  # the query contract: tree, request/response types, analysis, limits
    "indexer.index",  # documents, the letter store, engines, generations, the pipeline
    "indexer.stats",  # outcome statistics over search results
    "indexer.search",  # the search service: parsing, scope, highlights, spelling, alerts' delta
    "webapp",  # the Flask app and JSON API
    "imr_cli",  # the command line
]


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in ("webapp", "imr_cli"):
        return parts[0]
    if parts[0] == "indexer" and len(parts) > 1:
        return f"indexer.{parts[1]}"
    return "indexer" if module == "indexer" else None


def imports_of(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def edges() -> set[tuple[str, str, str]]:
    """(importing package, imported package, file) for every import between packages."""
    out = set()
    for top in ("indexer", "webapp", "imr_cli"):
        for path in (ROOT / top).rglob("*.py"):
            src = package_of(module_name(path))
            for name in imports_of(path):
                dst = package_of(name)
                if src and dst and dst != src and name.split(".")[0] in ("indexer", "webapp", "imr_cli"):
                    # `from indexer import vocab` names the package indexer.vocab
                    if dst == "indexer" and name.startswith("indexer."):
                        continue
                    out.add((src, dst, str(path.relative_to(ROOT))))
    return out


def test_every_package_has_a_layer():
    found = {package_of(module_name(p)) for top in ("indexer", "webapp", "imr_cli") for p in (ROOT / top).rglob("*.py")}
    assert found - {"indexer"} <= set(LAYERS), f"packages without a layer: {sorted(found - set(LAYERS) - {'indexer'})}"


def test_packages_import_downward_only():
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = sorted(
        f"{path}: {src} imports {dst}"
        for src, dst, path in edges()
        if src in rank and dst in rank and rank[dst] > rank[src]
    )
    assert upward == []


def test_the_library_never_imports_the_web_app_or_the_command_line():
    library = [(s, d, p) for s, d, p in edges() if s.startswith("indexer") and d in ("webapp", "imr_cli")]
    assert library == []
