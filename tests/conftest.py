"""Shared fixtures: paths to the sample corpus and a helper to parse it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


@pytest.fixture
def corpus(tmp_path, seed_files) -> Path:
    """A writable copy of the sample letters (tests add, change and delete files in it)."""
    d = tmp_path / "letters"
    d.mkdir()
    for f in seed_files:
        shutil.copy2(f, d / f.name)
    return d


@pytest.fixture(scope="session", autouse=True)
def opensearch_namespace():
    """With IMR_OPENSEARCH_URL set (CI starts a node), the opensearch engine runs
    the suites too: its indices get a prefix of their own for this test session
    (sessions may share one server), and are deleted at the end. A server that
    is set but does not answer fails the session rather than skipping it."""
    import os

    url = os.environ.get("IMR_OPENSEARCH_URL", "").strip()
    if not url:
        yield None
        return
    from indexer.index.opensearch_settings import OpenSearchSettings

    prefix = f"imrtest-{os.getpid()}"
    old = os.environ.get("IMR_OPENSEARCH_PREFIX")
    os.environ["IMR_OPENSEARCH_PREFIX"] = prefix
    client = OpenSearchSettings.from_env().client()
    health = client.cluster.health(params={"request_timeout": 30})
    assert health["status"] in ("green", "yellow"), f"OpenSearch at {url} is {health['status']}"
    try:
        yield prefix
    finally:
        client.indices.delete(index=f"{prefix}-*", params={"ignore_unavailable": "true", "expand_wildcards": "all"})
        if old is None:
            os.environ.pop("IMR_OPENSEARCH_PREFIX", None)
        else:
            os.environ["IMR_OPENSEARCH_PREFIX"] = old
