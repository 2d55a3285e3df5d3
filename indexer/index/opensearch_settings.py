"""Settings of the OpenSearch engine, read and validated in one place.

Every setting comes from the environment (the command line's --opensearch-*
options set the same variables), so `imr index`, `imr search`, `imr serve` and
every app server of a deployment read one configuration:

    IMR_OPENSEARCH_URL        one or several hosts, comma-separated (required)
    IMR_OPENSEARCH_USER       user for HTTP basic authentication
    IMR_OPENSEARCH_PASSWORD   its password
    IMR_OPENSEARCH_VERIFY     verify TLS certificates (default true)
    IMR_OPENSEARCH_CA_FILE    CA bundle for TLS verification
    IMR_OPENSEARCH_PREFIX     index-name prefix on the cluster (default imr)
    IMR_OPENSEARCH_SHARDS     primary shards of a new generation (default 1)
    IMR_OPENSEARCH_REPLICAS   replicas (default: 0 on one node, 1 on more)
    IMR_OPENSEARCH_TIMEOUT    seconds per request (default 30)
    IMR_OPENSEARCH_RETRIES    retries of a failed request on another node (default 3)
    IMR_OPENSEARCH_BULK_STREAMS  parallel bulk streams while indexing (default 2)
    IMR_OPENSEARCH_BULK_DOCS     documents per bulk request (default 500)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from indexer.index.engine import EngineError

URL_ENV = "IMR_OPENSEARCH_URL"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class OpenSearchSettings:
    hosts: tuple[str, ...]
    user: str | None = None
    password: str | None = None
    verify_certs: bool = True
    ca_file: str | None = None
    prefix: str = "imr"
    shards: int = 1
    replicas: int | None = None  # None: auto_expand_replicas 0-1
    timeout: float = 30.0
    retries: int = 3
    bulk_streams: int = 2
    bulk_docs: int = 500

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> OpenSearchSettings:
        env = dict(os.environ if env is None else env)
        hosts = tuple(h.strip().rstrip("/") for h in env.get(URL_ENV, "").split(",") if h.strip())
        if not hosts:
            raise EngineError(
                f"the opensearch engine needs {URL_ENV} (e.g. http://127.0.0.1:9200; "
                "several hosts comma-separated) or --opensearch-url"
            )
        for h in hosts:
            if not re.match(r"^https?://[^\s/]+$", h):
                raise EngineError(f"{URL_ENV}: {h!r} is not a host URL like https://search1:9200")
        prefix = env.get("IMR_OPENSEARCH_PREFIX", "imr").strip().lower() or "imr"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,100}", prefix):
            raise EngineError(f"IMR_OPENSEARCH_PREFIX {prefix!r}: use lowercase letters, digits, '-', '_', '.'")
        replicas = env.get("IMR_OPENSEARCH_REPLICAS", "").strip()
        return cls(
            hosts=hosts,
            user=env.get("IMR_OPENSEARCH_USER") or None,
            password=env.get("IMR_OPENSEARCH_PASSWORD") or None,
            verify_certs=_bool(env, "IMR_OPENSEARCH_VERIFY", True),
            ca_file=env.get("IMR_OPENSEARCH_CA_FILE") or None,
            prefix=prefix,
            shards=_int(env, "IMR_OPENSEARCH_SHARDS", 1, 1, 1024),
            replicas=None if replicas in ("", "auto") else _int(env, "IMR_OPENSEARCH_REPLICAS", 0, 0, 16),
            timeout=float(_int(env, "IMR_OPENSEARCH_TIMEOUT", 30, 1, 3600)),
            retries=_int(env, "IMR_OPENSEARCH_RETRIES", 3, 0, 20),
            bulk_streams=_int(env, "IMR_OPENSEARCH_BULK_STREAMS", 2, 1, 64),
            bulk_docs=_int(env, "IMR_OPENSEARCH_BULK_DOCS", 500, 1, 100_000),
        )

    def client(self):
        """An opensearch-py client that spreads requests over the hosts, retries a
        failed one on another node (a node may die mid-request) and sniffs nothing
        (loopback and proxies hide the nodes' own addresses)."""
        from opensearchpy import OpenSearch

        kw: dict = {
            "hosts": list(self.hosts),
            "timeout": self.timeout,
            "max_retries": self.retries,
            "retry_on_timeout": True,
            "retry_on_status": (502, 503, 504),
            "http_compress": False,
            "pool_maxsize": 32,
        }
        if any(h.startswith("https://") for h in self.hosts):
            kw.update(use_ssl=True, verify_certs=self.verify_certs, ssl_show_warn=self.verify_certs)
            if self.ca_file:
                kw["ca_certs"] = self.ca_file
        if self.user:
            kw["http_auth"] = (self.user, self.password or "")
        return OpenSearch(**kw)


def _bool(env: dict, name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise EngineError(f"{name}={raw!r}: use true or false")


def _int(env: dict, name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        n = int(raw)
    except ValueError:
        raise EngineError(f"{name}={raw!r} is not a whole number") from None
    if not lo <= n <= hi:
        raise EngineError(f"{name}={n} is out of range ({lo}-{hi})")
    return n
