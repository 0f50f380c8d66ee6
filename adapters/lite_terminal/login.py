"""Atelier REST login with ``requests`` (research §3.1, §4.1, §15.1 steps 1-3).

``GET {base}/api/atelier/`` with Basic auth both checks the credentials and tells us the Atelier API
version, ``$ZVERSION`` and the namespaces. Each terminal connection gets its own ``requests.Session``
(research §4.5: concurrent sockets sharing one CSP session lose output), and every cookie it received
goes on the WebSocket upgrade (the cookie name is port- and path-specific, research §4.2).
"""

from __future__ import annotations

import logging
import ssl
import warnings
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import requests
import urllib3

from .errors import (
    AuthError,
    ConnectError,
    NamespaceError,
    ServerUnavailable,
    TerminalError,
    UnsupportedServer,
)

__all__ = ["ServerInfo", "Endpoint", "login", "logout", "cookie_header", "MIN_API"]

log = logging.getLogger("adapters.lite_terminal")

MIN_API = 7  # the terminal route was "added in Atelier API v7" = IRIS 2023.2 (research §2)

Verify = Union[bool, str]


@dataclass(frozen=True)
class ServerInfo:
    """What ``GET /api/atelier/`` says about the server (research §3.1)."""

    api: int
    version: str
    namespaces: Tuple[str, ...]
    id: str = ""

    @property
    def release(self) -> str:
        """``2025.1`` from ``... 2025.1 (Build 223U) ...``, the way VS Code derives it; "" if unknown."""
        _, sep, rest = self.version.partition(") ")
        return rest.split(" ", 1)[0] if sep and rest else ""


@dataclass(frozen=True)
class Endpoint:
    """Where the server is. Builds both the REST base and the WebSocket URL (research §5)."""

    host: str
    port: int
    tls: bool = False
    path_prefix: str = ""

    @property
    def prefix(self) -> str:
        prefix = (self.path_prefix or "").strip().rstrip("/")
        if prefix and not prefix.startswith("/"):
            prefix = "/" + prefix  # VS Code prepends the slash too (research §5)
        return prefix

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{self.port}"

    @property
    def rest_base(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.authority}{self.prefix}/api/atelier/"

    def terminal_url(self, api: int) -> str:
        """``%25SYS`` is literal: the namespace is chosen by ``config``, never by the URL (research §5)."""
        return f"{'wss' if self.tls else 'ws'}://{self.authority}{self.prefix}/api/atelier/v{api}/%25SYS/terminal"


def _json_body(response: requests.Response, url: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise ConnectError(
            f"{url} answered HTTP {response.status_code} with a body that is not JSON; the web server "
            "is probably hiding the real IRIS error (check the Web Gateway and the /api/atelier application)"
        ) from None
    if not isinstance(body, dict):
        raise ConnectError(f"{url} answered with JSON that is not an Atelier envelope")
    return body


def _status_error(response: requests.Response, url: str, who: str) -> Optional[TerminalError]:
    code = response.status_code
    if code == 401:
        return AuthError(
            f"{url} rejected the login for user {who!r} (HTTP 401): check the user name and password"
        )
    if code == 503:
        return ServerUnavailable(
            f"{url} answered HTTP 503 (service unavailable): check license usage on the server"
        )
    if code == 404:
        return ConnectError(
            f"{url} answered HTTP 404: no Atelier REST API there; check path_prefix and that the "
            "/api/atelier web application is enabled"
        )
    if code != 200:
        return ConnectError(f"{url} answered HTTP {code} {response.reason or ''}".rstrip())
    return None


def _parse_info(body: dict, url: str) -> ServerInfo:
    try:
        content = body["result"]["content"]
        api = content["api"]
        if not isinstance(api, int) or isinstance(api, bool):
            raise TypeError
        version = str(content.get("version", ""))
        namespaces = tuple(str(ns) for ns in content.get("namespaces", []) or [])
        server_id = str(content.get("id", "") or "")
    except (KeyError, TypeError, AttributeError):
        raise ConnectError(
            f"{url} answered JSON without result.content.api; is this an IRIS Atelier API?"
        ) from None
    return ServerInfo(api=api, version=version, namespaces=namespaces, id=server_id)


def login(
    endpoint: Endpoint,
    username: str,
    password: str,
    namespace: Optional[str],
    verify: Verify = True,
    timeout: Optional[float] = 5.0,
) -> Tuple[requests.Session, ServerInfo]:
    """Log in with a fresh ``requests.Session``; return it (with its cookies) and the server info.

    Raises AuthError (401), ServerUnavailable (503), UnsupportedServer (api < 7), NamespaceError
    (namespace not offered), ConnectError (network, TLS, anything else).
    """
    url = endpoint.rest_base
    session = requests.Session()
    session.verify = verify
    try:
        try:
            with warnings.catch_warnings():
                if verify is False:  # the transport logs our own WARNING; skip urllib3's repeats
                    warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                # verify per request: a session-level verify loses to REQUESTS_CA_BUNDLE (requests #3829)
                response = session.get(url, auth=(username, password), timeout=timeout, verify=verify)
        except requests.exceptions.SSLError as exc:
            raise ConnectError(f"TLS handshake with {endpoint.authority} failed: {_reason(exc)}") from None
        except requests.exceptions.Timeout:
            raise ConnectError(f"no answer from {url} within {timeout} s") from None
        except requests.exceptions.RequestException as exc:
            raise ConnectError(f"cannot reach {url}: {_reason(exc)}") from None
        except OSError as exc:  # requests raises a bare OSError for a missing CA bundle
            raise ConnectError(f"cannot connect to {url}: {exc}") from None
        error = _status_error(response, url, username)
        if error is not None:
            raise error
        info = _parse_info(_json_body(response, url), url)
    except BaseException:
        session.close()
        raise
    log.debug("logged in to %s as %r: api=%s version=%r cookies=%s", url, username, info.api, info.version,
              sorted(c.name for c in session.cookies))
    if info.api < MIN_API:
        session.close()
        raise UnsupportedServer(
            f"{url} reports Atelier API v{info.api}; the Lite Terminal needs IRIS 2023.2+ (API v{MIN_API})"
        )
    if namespace is not None and info.namespaces:
        wanted = namespace.upper()
        if wanted not in (ns.upper() for ns in info.namespaces):
            session.close()
            raise NamespaceError(
                f"namespace {namespace!r} is not available to {username!r} on {endpoint.authority}; "
                f"the server offers {', '.join(info.namespaces)}"
            )
    return session, info


def cookie_header(session: requests.Session) -> str:
    """Every cookie of the session as one ``Cookie`` header value (research §15.1 step 3)."""
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.value is not None)


def logout(session: requests.Session, endpoint: Endpoint, timeout: Optional[float] = 2.0) -> None:
    """Best effort ``HEAD .../api/atelier/?CacheLogout=end`` so the CSP session frees its licence (§3.3)."""
    try:
        if len(session.cookies):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                session.head(endpoint.rest_base, params={"CacheLogout": "end"}, timeout=timeout,
                             verify=session.verify)
    except (requests.exceptions.RequestException, OSError) as exc:
        log.debug("logout from %s failed (ignored): %s", endpoint.authority, type(exc).__name__)
    finally:
        session.close()


def _cert_problem(exc: BaseException) -> Optional[str]:
    """OpenSSL's verify message (``IP address mismatch, ...``, ``self signed certificate ...``) found in the
    chain requests/urllib3 wrap around an ``ssl.SSLCertVerificationError``; None if there is none."""
    stack: List[object] = [exc]
    seen = set()
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError):
            return str(item.verify_message or item.reason or "")
        stack.extend((item.__cause__, item.__context__, getattr(item, "reason", None), *item.args))
    return None


def _reason(exc: BaseException) -> str:
    """The innermost useful reason of a requests/urllib3 exception, without URLs that could carry secrets."""
    text = str(exc)
    for marker in ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed"):
        if marker in text:
            # name the cause: a host name mismatch needs another fix than an unknown CA
            detail = _cert_problem(exc)
            return (f"certificate verify failed{f' ({detail})' if detail else ''}; use verify=<CA bundle "
                    "path> for a private CA, connect with the host name the certificate names, or "
                    "verify=False to skip checks")
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "host name not found"
    return type(exc).__name__ + (": " + text[:200] if text else "")
