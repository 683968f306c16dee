"""Slows down token guessing: an address that sent many wrong API tokens or failed dashboard
sign-ins within a few minutes has its further wrong ones answered 429 with `Retry-After`. A
valid token is looked up first and never slowed, so a bank whose stale client keeps failing is
not locked out with it (tokens are 256 random bits: a right guess is no risk to hide).

Kept in the memory of each `yinqi serve` process, at most `_MOST_ADDRESSES` addresses (the least
recently failing forgotten first): behind a load balancer of N processes a guesser gets at most
N times the allowance. The address is the client's as uvicorn sees it: behind a proxy, set
`FORWARDED_ALLOW_IPS` to the proxy's address so that uvicorn takes the client's from
`X-Forwarded-For`, or every client counts as the proxy."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from fastapi import HTTPException, Request

MOST_FAILURES: Final = 20
"""Failures one address may have within `WINDOW_SECONDS` before it must wait."""
WINDOW_SECONDS: Final = 300.0
_MOST_ADDRESSES: Final = 100_000
"""Addresses remembered at once; past that, the one that failed longest ago is forgotten."""


@dataclass
class Throttle:
    """Failed attempts per client address over a sliding window."""

    most: int = MOST_FAILURES
    most_addresses: int = _MOST_ADDRESSES
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _failures: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, address: str) -> int | None:
        """Seconds the address must wait before trying again; None if it may try now."""
        now = self.clock()
        with self._lock:
            failures = self._failures.get(address)
            if failures is None:
                return None
            self._forget_old(failures, now)
            if len(failures) < self.most:
                return None
            return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, address: str) -> None:
        """Note a wrong token or a failed sign-in from the address."""
        now = self.clock()
        with self._lock:
            if address not in self._failures and len(self._failures) >= self.most_addresses:
                self._failures.popitem(last=False)
            failures = self._failures.setdefault(address, deque())
            self._failures.move_to_end(address)
            self._forget_old(failures, now)
            failures.append(now)
            while len(failures) > self.most:
                failures.popleft()

    def _forget_old(self, failures: deque[float], now: float) -> None:
        while failures and failures[0] <= now - self.window:
            failures.popleft()


class TooManyAttempts(HTTPException):
    def __init__(self, seconds: int) -> None:
        super().__init__(429, "too many failed attempts", headers={"Retry-After": str(seconds)})


def throttle_of(request: Request) -> Throttle:
    throttle: Throttle = request.app.state.throttle
    return throttle


def address_of(request: Request) -> str:
    """The client's address (behind a proxy, as uvicorn's `--proxy-headers` gives it)."""
    return request.client.host if request.client else "unknown"
