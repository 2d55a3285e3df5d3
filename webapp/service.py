"""Access to the one SearchService an app instance reads from.

The service is opened lazily on first use (so `create_app` stays cheap and a
missing index becomes a helpful 503 page instead of a crash at import time),
shared by every thread of the WSGI server, and re-checked now and then so a
new index generation built by `imr index` while the server runs is picked up
without a restart.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:  # pragma: no cover - import only for type checkers
    from indexer.search.service import SearchService

# Seconds between checks for a newer index generation.
RELOAD_INTERVAL = 2.0


class IndexUnavailable(RuntimeError):
    """The configured index cannot be opened (usually: not built yet)."""


@dataclass
class _ServiceHolder:
    index_dir: str
    engine: str
    slow_query_ms: float
    service: Any = None
    owned: bool = True
    last_reload: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> SearchService:
        if self.service is None:
            with self.lock:
                if self.service is None:
                    self.service = _open(self.index_dir, self.engine)
                    self.service.slow_query_ms = self.slow_query_ms
                    self.last_reload = time.monotonic()
        elif self.owned and time.monotonic() - self.last_reload > RELOAD_INTERVAL:
            self._maybe_reload()
        return self.service

    def _maybe_reload(self) -> None:
        # Only one thread reloads; the others keep using the current reader.
        if not self.lock.acquire(blocking=False):
            return
        try:
            self.last_reload = time.monotonic()
            try:
                self.service.reload()
            except Exception:  # a failed reload must not take the site down
                current_app.logger.exception("index reload failed; serving the previous generation")
        finally:
            self.lock.release()

    def close(self) -> None:
        with self.lock:
            if self.service is not None and self.owned:
                self.service.close()
            self.service = None


def _open(index_dir: str, engine: str) -> SearchService:
    from indexer.index.engine import EngineError, engine_class, engine_home
    from indexer.index.generations import IndexNotFound
    from indexer.search.service import SearchService

    # a remote engine's index lives on its cluster; a folder name only names it there
    where = Path(index_dir) if index_dir else None
    try:
        home = engine_home(engine, where)
        live = home.live()
    except (EngineError, OSError) as exc:  # settings, network, an unreadable index folder
        raise IndexUnavailable(f"The {engine} search index could not be reached: {exc}") from exc
    if live is None:
        flags = f"--engine {engine}" if engine_class(engine).remote else f"--index {where}"
        raise IndexUnavailable(
            f"There is no {engine} search index in {home.describe()} yet. Build one with "
            f"`imr index corpus {flags}`, or start the app with `imr serve`, "
            "which indexes the sample corpus first."
        )
    try:
        return SearchService.open(where, engine=engine)
    except (EngineError, IndexNotFound, OSError) as exc:  # engines wrap their own errors in EngineError
        raise IndexUnavailable(f"The search index in {home.describe()} could not be opened: {exc}") from exc


def _holder(app: Flask) -> _ServiceHolder:
    holder = app.extensions.get("imr.search")
    if holder is None:
        injected = app.config.get("IMR_SEARCH_SERVICE")
        holder = _ServiceHolder(
            index_dir=str(app.config["IMR_INDEX_DIR"]),
            engine=str(app.config.get("IMR_ENGINE", "tantivy")),
            slow_query_ms=float(app.config["IMR_SLOW_QUERY_MS"]),
            service=injected,
            owned=injected is None,
        )
        app.extensions["imr.search"] = holder
    return holder


def get_service() -> SearchService:
    """The SearchService of the current app (opening it on first use)."""
    return _holder(current_app._get_current_object()).get()  # type: ignore[attr-defined]


def close_service(app: Flask) -> None:
    """Close the app's service, e.g. when the server stops."""
    holder = app.extensions.get("imr.search")
    if holder is not None:
        holder.close()
