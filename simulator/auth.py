"""CSP sessions, cookies and Basic credentials of the simulated Atelier web application (docs/protocol.md §4).

Pure bookkeeping, no I/O. Passwords are only compared, never stored elsewhere, logged or put into messages.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import string
import time
from typing import Dict, Mapping, Optional, Tuple

_ALNUM = string.ascii_letters + string.digits


def atelier_path(prefix: str) -> str:
    """Cookie path of the Atelier app: ``/api/atelier/`` (``/iris/api/atelier/`` with a prefix),
    docs/protocol.md §4.2."""
    return prefix + "/api/atelier/"


def session_cookie_name(port: int, prefix: str) -> str:
    """``CSPSESSIONID-SP-<webport>-UP-<app path with / as ->``, e.g. ``…-UP-api-atelier-`` (
    docs/protocol.md §4.2)."""
    return f"CSPSESSIONID-SP-{port}-UP-" + atelier_path(prefix).lstrip("/").replace("/", "-")


def parse_basic(header: Optional[str]) -> Optional[Tuple[str, str]]:
    """``Authorization: Basic base64(user:pass)`` → (user, password); anything else → None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def credentials_valid(users: Mapping[str, str], user: str, password: str) -> bool:
    """IRIS user names are case-insensitive, passwords are not; constant-time comparison."""
    for known, secret in users.items():
        if known.upper() == user.upper():
            return hmac.compare_digest(secret.encode("utf-8"), password.encode("utf-8"))
    return False


class CspSessions:
    """Live CSP sessions: id → last use (monotonic seconds). A session ends on logout, timeout or restart."""

    def __init__(self) -> None:
        self._last_used: Dict[str, float] = {}

    def create(self) -> str:
        session_id = "".join(secrets.choice(_ALNUM) for _ in range(10))
        self._last_used[session_id] = time.monotonic()
        return session_id

    def touch(self, session_id: Optional[str], timeout: Optional[float]) -> bool:
        """True (and refreshed) if the session is alive; an idle-expired session is forgotten."""
        if not session_id or session_id not in self._last_used:
            return False
        now = time.monotonic()
        if timeout is not None and now - self._last_used[session_id] > timeout:
            del self._last_used[session_id]
            return False
        self._last_used[session_id] = now
        return True

    def end(self, session_id: str) -> None:
        self._last_used.pop(session_id, None)

    def clear(self) -> None:
        self._last_used.clear()

    def __len__(self) -> int:
        return len(self._last_used)


def new_server_id() -> str:
    """A ``CSPWSERVERID`` value (Web Gateway server id, docs/protocol.md §4.2)."""
    return secrets.token_hex(16)
