"""Slow down password guessing without locking anyone else out.

Two separate limits, each over a sliding window:
- per account *and* address: 8 wrong passwords for one user name from one address
  refuse further tries for that name from that address. The same user, or anyone,
  signing in from another address is not affected, so a guesser cannot lock an
  attorney out of their own account;
- per address: 50 wrong passwords from one address, whatever the names, refuse that
  address. It is higher because an office, a NAT or a proxy puts many people behind
  one address: one person's typos or one guesser's 8 tries leave the others in.
The address is the client's (behind a reverse proxy: from X-Forwarded-For, believed
only from IMR_TRUSTED_PROXIES). In memory, per process: enough for one server, and
nothing to leak.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

MAX_FAILURES = 8  # per account, from one address
MAX_ADDRESS_FAILURES = 50  # per address, any accounts
WINDOW_SECONDS = 15 * 60
MAX_KEYS = 100_000  # failures are remembered for this many keys at most (memory bound)


class LoginThrottle:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
    ):
        self.max_failures = max_failures
        self.max_address_failures = max_address_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, address: str | None) -> tuple[str, str]:
        return f"acct:{username.strip().lower()}|{address}", f"addr:{address}"

    def _limit(self, key: str) -> int:
        return self.max_address_failures if key.startswith("addr:") else self.max_failures

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key in keys:
                if key not in self._failures:
                    continue
                q = self._recent(key, now)
                if len(q) >= self._limit(key):
                    waits.append(int(self.window - (now - q[-self._limit(key)])) + 1)
            return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > MAX_KEYS:
                for key in [k for k, q in self._failures.items() if not q or now - q[-1] > self.window]:
                    del self._failures[key]
            for key in keys:
                q = self._recent(key, now)
                q.append(now)
                while len(q) > self._limit(key):
                    q.popleft()

    def succeeded(self, *keys: str) -> None:
        """A right password clears that account's count for the address (not the
        address's own count: one good sign-in must not reset a guesser's budget)."""
        with self._lock:
            for key in keys:
                if key.startswith("acct:"):
                    self._failures.pop(key, None)
