"""Signed HTTP requests: the HMAC check, the replay window, the per-source rate limit.

See docs/http-service.md §3.

Plain classes, no IRIS: ``TerminalHTTPService`` keeps one of each for the life of its job, and the tests
drive them with a clock of their own. A caller signs ``<timestamp>.<raw body>`` with HMAC-SHA256 and the
shared secret and sends::

    X-LiteTerminal-Timestamp: 1767225600
    X-LiteTerminal-Signature: sha256=<64 lower-case hex digits>

Why each rule:

* the timestamp is inside the signed text, so it cannot be changed without the secret;
* a timestamp more than ``MAX_SKEW`` seconds from our clock is refused, so a captured request stops working;
* a signature seen before within that window is refused, so a captured request cannot be sent twice while
  it is still fresh; the store forgets a signature once its timestamp is out of the window (it would be
  refused as stale anyway), which bounds it by time, and ``ReplayWindow.capacity`` bounds it by count;
* signatures are compared with ``hmac.compare_digest`` (constant time), never with ``==``.

Nothing here keeps, logs or returns the secret; a refusal names the rule that failed, never a value.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

TIMESTAMP_HEADER = "X-LiteTerminal-Timestamp"
SIGNATURE_HEADER = "X-LiteTerminal-Signature"
SCHEME = "sha256="
#: Seconds a timestamp may be away from our clock, either way (the issue's 300 s).
MAX_SKEW = 300
#: Shortest secret the service accepts: a short secret can be guessed offline from one signed request.
MIN_SECRET_CHARS = 16

_HEX64 = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]{1,12}")

Secret = Union[str, bytes]


def _key(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def signed_text(timestamp: str, body: bytes) -> bytes:
    """What is signed: the timestamp as sent, a dot, the body's raw bytes."""
    return timestamp.encode("ascii") + b"." + body


def sign(secret: Secret, timestamp: Union[int, str], body: bytes) -> str:
    """The ``X-LiteTerminal-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    digest = hmac.new(_key(secret), signed_text(str(timestamp), body), hashlib.sha256).hexdigest()
    return SCHEME + digest


def secret_problem(secret: Optional[str]) -> str:
    """Why ``secret`` cannot sign requests, or "" when it can (no secret value in the text)."""
    if secret is None:
        return "the credentials entry does not exist"
    if not secret:
        return "the credentials entry has an empty password"
    if len(secret) < MIN_SECRET_CHARS:
        return f"its password is shorter than {MIN_SECRET_CHARS} characters"
    if secret != secret.strip():
        return "its password starts or ends with blanks (a copy-and-paste slip?)"
    return ""


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``ok``, or the reason it failed (our words only, never a request value)."""

    ok: bool
    reason: str = ""
    signature: str = ""  # the hex digest, for the replay window (only when ok)
    timestamp: int = 0


def verify(secret: Secret, timestamp: Optional[str], signature: Optional[str], body: bytes, now: float,
           max_skew: int = MAX_SKEW) -> Verdict:
    """Check the two headers against ``body``: format, clock skew, then the HMAC (constant time)."""
    if not timestamp:
        return Verdict(False, f"no {TIMESTAMP_HEADER} header")
    if not _DIGITS.fullmatch(timestamp):
        return Verdict(False, f"{TIMESTAMP_HEADER} is not Unix seconds (1 to 12 digits)")
    when = int(timestamp)
    if abs(now - when) > max_skew:
        return Verdict(False, f"{TIMESTAMP_HEADER} is more than {max_skew} s away from this server's clock")
    if not signature:
        return Verdict(False, f"no {SIGNATURE_HEADER} header")
    if not signature.startswith(SCHEME) or not _HEX64.fullmatch(signature[len(SCHEME):]):
        return Verdict(False, f"{SIGNATURE_HEADER} is not 'sha256=' and 64 lower-case hex digits")
    given = signature[len(SCHEME):]
    expected = sign(secret, timestamp, body)[len(SCHEME):]
    if not hmac.compare_digest(given.encode("ascii"), expected.encode("ascii")):
        return Verdict(False, "the signature does not match the body and timestamp")
    return Verdict(True, signature=given, timestamp=when)


class ReplayWindow:
    """Signatures accepted within the last ``MAX_SKEW`` seconds, each refused a second time.

    A signature is remembered until its timestamp is more than ``window`` seconds in the past, after which
    :func:`verify` refuses it as stale, so forgetting it reopens nothing. At most ``capacity`` signatures
    are kept: when that many are still fresh, a new one is refused (``full``) rather than forgetting one
    that could then be replayed. Only record signatures that passed :func:`verify`, so only a holder of the
    secret can fill it. Thread-safe.
    """

    def __init__(self, window: int = MAX_SKEW, capacity: int = 100_000) -> None:
        self.window = window
        self.capacity = capacity
        self._seen: Dict[str, int] = {}
        self._expiry: List[Tuple[int, str]] = []  # (timestamp, signature), oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def admit(self, signature: str, timestamp: int, now: float) -> str:
        """``"new"`` (recorded now), ``"replay"`` (seen within the window) or ``"full"`` (not recorded)."""
        with self._lock:
            self._forget_before(now - self.window)
            if signature in self._seen:
                return "replay"
            if len(self._seen) >= self.capacity:
                return "full"
            self._seen[signature] = timestamp
            heapq.heappush(self._expiry, (timestamp, signature))
            return "new"

    def _forget_before(self, oldest: float) -> None:
        while self._expiry and self._expiry[0][0] < oldest:
            _, signature = heapq.heappop(self._expiry)
            self._seen.pop(signature, None)


class RateLimiter:
    """At most ``per_minute`` requests per source address in any 60 seconds (a sliding window).

    Every request counts, refused ones included, so a source cannot try signatures faster than the limit.
    Sources idle for a minute are forgotten; at most ``max_sources`` are tracked at once, and a new source
    beyond that is refused (``allow`` returns False) until one goes idle: memory stays bounded whoever
    connects. ``per_minute`` 0 means no limit. Thread-safe.
    """

    def __init__(self, per_minute: int, max_sources: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_sources = max_sources
        self._hits: Dict[str, List[float]] = {}
        self._lock = threading.Lock()

    def allow(self, source: str, now: float) -> bool:
        if self.per_minute <= 0:
            return True
        with self._lock:
            hits = self._hits.get(source)
            if hits is None:
                if len(self._hits) >= self.max_sources:
                    self._forget_idle(now)
                if len(self._hits) >= self.max_sources:
                    return False
                hits = self._hits[source] = []
            while hits and hits[0] <= now - 60:
                hits.pop(0)
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        for source in [s for s, hits in self._hits.items() if not hits or hits[-1] <= now - 60]:
            del self._hits[source]

    def sources(self) -> int:
        with self._lock:
            return len(self._hits)
