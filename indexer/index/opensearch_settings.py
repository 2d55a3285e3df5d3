"""Settings of the OpenSearch engine, as the client and the engine use them.

Every setting comes from the environment (the command line's --opensearch-*
options set the same variables), read and checked by `indexer.settings`, so
`imr index`, `imr search`, `imr serve` and every app server of a deployment read
one configuration:

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

from collections.abc import Mapping
from dataclasses import dataclass

from indexer import settings
from indexer.index.engine import EngineError

URL_ENV = "IMR_OPENSEARCH_URL"


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
    def from_env(cls, env: Mapping[str, str] | None = None) -> OpenSearchSettings:
        """The settings from `env` (default: the process environment), checked by
        `indexer.settings`; a bad or missing one is an EngineError naming it."""
        try:
            hosts = settings.get(URL_ENV, env)
            if not hosts:
                raise EngineError(
                    f"the opensearch engine needs {URL_ENV} (e.g. http://127.0.0.1:9200; "
                    "several hosts comma-separated) or --opensearch-url"
                )
            return cls(
                hosts=hosts,
                user=settings.get("IMR_OPENSEARCH_USER", env),
                password=settings.get("IMR_OPENSEARCH_PASSWORD", env),
                verify_certs=settings.get("IMR_OPENSEARCH_VERIFY", env),
                ca_file=settings.get("IMR_OPENSEARCH_CA_FILE", env),
                prefix=settings.get("IMR_OPENSEARCH_PREFIX", env),
                shards=settings.get("IMR_OPENSEARCH_SHARDS", env),
                replicas=settings.get("IMR_OPENSEARCH_REPLICAS", env),
                timeout=float(settings.get("IMR_OPENSEARCH_TIMEOUT", env)),
                retries=settings.get("IMR_OPENSEARCH_RETRIES", env),
                bulk_streams=settings.get("IMR_OPENSEARCH_BULK_STREAMS", env),
                bulk_docs=settings.get("IMR_OPENSEARCH_BULK_DOCS", env),
            )
        except settings.SettingError as exc:
            raise EngineError(str(exc)) from None

    @staticmethod
    def configured(env: Mapping[str, str] | None = None) -> bool:
        """Whether an OpenSearch cluster is named (its hosts are checked when opened)."""
        return settings.is_set(URL_ENV, env)

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
