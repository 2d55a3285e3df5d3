"""The engine options `imr index`, `imr search` and `imr serve` share.

`--engine` offers every registered engine; the OpenSearch flags are short
forms of the IMR_OPENSEARCH_* settings (see indexer.index.opensearch_settings),
so every command, and the web app `imr serve` starts, read one configuration."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from indexer.index.engine import ENGINES, engine_class

_FLAGS = {
    "opensearch_url": "IMR_OPENSEARCH_URL",
    "opensearch_prefix": "IMR_OPENSEARCH_PREFIX",
    "shards": "IMR_OPENSEARCH_SHARDS",
    "replicas": "IMR_OPENSEARCH_REPLICAS",
}


def add(p: argparse.ArgumentParser, default: str | None = "tantivy", building: bool = False) -> None:
    help_default = "tantivy" if default else "$IMR_ENGINE or tantivy"
    p.add_argument("--engine", choices=ENGINES, default=default, help=f"search engine (default {help_default})")
    p.add_argument(
        "--opensearch-url",
        metavar="URL[,URL...]",
        help="OpenSearch hosts, comma-separated (default $IMR_OPENSEARCH_URL)",
    )
    p.add_argument(
        "--opensearch-prefix",
        metavar="NAME",
        help="index-name prefix on the cluster (default $IMR_OPENSEARCH_PREFIX or imr)",
    )
    if building:
        p.add_argument(
            "--shards",
            type=int,
            metavar="N",
            help="OpenSearch primary shards of a new generation (default $IMR_OPENSEARCH_SHARDS or 1)",
        )
        p.add_argument(
            "--replicas",
            type=int,
            metavar="N",
            help="OpenSearch replicas (default $IMR_OPENSEARCH_REPLICAS, or 0 on one node and 1 on more)",
        )


def apply(args: argparse.Namespace) -> None:
    """Flags given on the command line override the environment."""
    for attr, env in _FLAGS.items():
        value = getattr(args, attr, None)
        if value is not None:
            os.environ[env] = str(value)


def index_location(engine: str, index: str | None) -> Path | None:
    """The index folder (the local engines need one; for a remote engine a
    folder's name only adds to the index-name prefix, and may be left out)."""
    if index:
        return Path(index)
    if engine_class(engine).remote:
        return None
    from indexer.index.engine import EngineError

    raise EngineError(f"the {engine} engine needs an index folder: --index DIR")
