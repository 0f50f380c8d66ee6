"""Atelier REST login with ``requests`` (docs/protocol.md §3.1, §4.1, §15.1 steps 1-3).

``GET {base}/api/atelier/`` with Basic auth both checks the credentials and tells us the Atelier API
version, ``$ZVERSION`` and the namespaces. Each terminal connection gets its own ``requests.Session``
(docs/protocol.md §4.5: concurrent sockets sharing one CSP session lose output), and the cookies it received
go on the WebSocket upgrade when their attributes allow it for the terminal URL (the cookie name is port-
and path-specific, docs/protocol.md §4.2; a ``Secure`` cookie only over ``wss://``).

Wire safety: redirects are never followed (the credentials, the session cookie and then the command
would go to whatever host a redirect names); the Basic credentials are encoded here as UTF-8 (RFC 7617's
``charset="UTF-8"``, what VS Code sends), never by ``requests``' Latin-1 default, which fails on other
characters with an error that quotes them; and no exception raised here is chained to a ``requests``
exception, whose ``request`` attribute holds the prepared ``Authorization`` header.

Log safety: :class:`SecretHeaderFilter` sits on the loggers of websocket-client (whose trace,
``websocket.enableTrace(True)``, dumps the upgrade's ``Cookie`` header and the answer's ``Set-Cookie``),
urllib3, requests and this package, and replaces the value of every ``Cookie``, ``Set-Cookie``,
``Authorization`` and ``Proxy-Authorization`` header line in a record before any handler sees it. Only the
value of such a header line changes; the rest of the record is left as it is.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import ssl
import unicodedata
import urllib.parse
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional, Tuple, Union

import requests
import requests.auth
import requests.cookies
import urllib3

from . import errors
from .contract import ascii_host
from .errors import (
    AuthError,
    ConnectError,
    InvalidArgument,
    NamespaceError,
    ServerUnavailable,
    TerminalError,
    UnsupportedServer,
)
from .httpguard import (
    BodyTooLarge,
    Cancel,
    Deadline,
    ResolveTimeout,
    guarded_session,
    read_capped,
    seconds_text,
)

__all__ = ["ServerInfo", "Endpoint", "login", "logout", "cookie_header", "basic_authorization",
           "redirect_error", "MIN_API", "SecretHeaderFilter", "GUARDED_LOGGERS", "guard_loggers"]

log = logging.getLogger("adapters.lite_terminal")

# a header line in a log record (a dumped request or answer, one line or many): its name stays, its value goes
_SECRET_HEADER = re.compile(r"(?im)^([ \t]*(?:set-cookie|cookie|authorization|proxy-authorization)[ \t]*:)"
                            r"[^\r\n]*")
REDACTED = " [redacted]"
# every logger that sees the login or the upgrade (a filter on "urllib3" would not see its children's records)
GUARDED_LOGGERS = ("websocket", "urllib3.connectionpool", "urllib3.connection", "urllib3.response",
                   "urllib3.poolmanager", "urllib3.util.retry", "requests", "adapters.lite_terminal")


class SecretHeaderFilter(logging.Filter):
    """Rewrites a record whose text holds a secret header line; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose args do not fit its format: leave it to logging
            return True
        if _SECRET_HEADER.search(text) is not None:
            record.msg, record.args = _SECRET_HEADER.sub(lambda m: m.group(1) + REDACTED, text), None
        return True


def guard_loggers() -> None:
    """Put :class:`SecretHeaderFilter` on every logger of GUARDED_LOGGERS that exists (they are made when
    their library is imported; this package logs only to its own, so none is created here). Idempotent."""
    existing = logging.Logger.manager.loggerDict
    for name in GUARDED_LOGGERS:
        logger = existing.get(name)
        if isinstance(logger, logging.Logger) and not any(isinstance(f, SecretHeaderFilter)
                                                          for f in logger.filters):
            logger.addFilter(SecretHeaderFilter())


guard_loggers()

LOGIN_BODY_LIMIT = 1024 * 1024  # a GetServer answer is a few hundred bytes; more is refused as it arrives
MIN_API = 7  # the terminal route was "added in Atelier API v7" = IRIS 2023.2 (docs/protocol.md §2)

Verify = Union[bool, str]


@dataclass(frozen=True)
class ServerInfo:
    """What ``GET /api/atelier/`` says about the server (docs/protocol.md §3.1)."""

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
    """Where the server is. Builds both the REST base and the WebSocket URL (docs/protocol.md §5)."""

    host: str
    port: int
    tls: bool = False
    path_prefix: str = ""

    def __post_init__(self) -> None:
        # one name for the login, the WebSocket, TLS and the logout (contract.ascii_host)
        object.__setattr__(self, "host", ascii_host(self.host))

    @property
    def prefix(self) -> str:
        prefix = (self.path_prefix or "").strip().rstrip("/")
        if prefix and not prefix.startswith("/"):
            prefix = "/" + prefix  # VS Code prepends the slash too (docs/protocol.md §5)
        return prefix

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{self.port}"

    @property
    def rest_base(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.authority}{self.prefix}/api/atelier/"

    def terminal_url(self, api: int) -> str:
        """``%25SYS`` is literal: the namespace is chosen by ``config``, never by the URL
        (docs/protocol.md §5)."""
        return f"{'wss' if self.tls else 'ws'}://{self.authority}{self.prefix}/api/atelier/v{api}/%25SYS/terminal"


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` header value: ``Basic base64(UTF-8 of "user:password")``.

    RFC 7617 (section 2.1) leaves the charset to the server and names UTF-8 as the one a server can ask
    for; VS Code (axios on Node, whose Basic header is the UTF-8 bytes) logs in to IRIS this way. A user
    name holding ":" or a control character, or a password holding a control character (both forbidden by
    RFC 7617 section 2) or a lone surrogate, cannot be sent: refused with InvalidArgument before anything
    goes out, with a message that holds no part of the password.
    """
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidArgument("the user name and the password must be text (str)")
    if ":" in username:
        raise InvalidArgument(f"the user name {username!r} contains ':', which HTTP Basic auth cannot carry "
                              "(RFC 7617: the first ':' ends the user name)")
    for what, text in (("user name", username), ("password", password)):
        if _unsendable(text):
            raise InvalidArgument(
                f"the {what} contains a control character or an unpaired surrogate, which HTTP Basic auth "
                "cannot carry (RFC 7617); re-enter it (check the Credentials entry for a stray line break)")
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return "Basic " + token


def _unsendable(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


class _BasicAuth(requests.auth.AuthBase):
    """Sets our pre-built header. Passing it as ``auth=`` (not as a plain header) also stops ``requests``
    from replacing it with ``~/.netrc`` credentials for the host (it does that when ``auth`` is empty)."""

    def __init__(self, header: str) -> None:
        self._header = header

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "<Basic auth>"


def redirect_error(what: str, status: int, location: Optional[str], base_url: str,
                   secrets: Optional[Iterable[str]] = None) -> ConnectError:
    """A ConnectError for a 3xx answer, naming where it pointed (redirects are never followed).

    The target is shown as scheme://host:port, plus its path when the caller passes the ``secrets`` to
    mask in it (a hostile server got the password in the login's Basic header and could echo it back in
    the path); never user info, query or fragment. Characters that are not printable ASCII are
    percent-encoded (no forged log lines); at most 200 characters.
    """
    if location is None or not location.strip():
        target = "nowhere (no Location header)"
    else:
        target = _describe_url(base_url, location.strip(), secrets)
    return ConnectError(
        f"{what} at {base_url} was redirected (HTTP {status}) to {target}; redirects are not followed, so "
        "neither the credentials nor the session cookie went there: if that is the right server, connect "
        "to it directly (host, port, TLS, path prefix)"
    )


def _describe_url(base_url: str, location: str, secrets: Optional[Iterable[str]]) -> str:
    try:
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(base_url, location))
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # e.g. "http://[::1/x" (an unclosed IPv6 bracket) or a port out of range
        return "an address that is not a valid URL"
    host = f"[{host}]" if ":" in host else host
    where = f"//{host}{'' if port is None else f':{port}'}" if parts.netloc else ""
    path = "" if secrets is None else parts.path
    text = _scrub(urllib.parse.unquote(f"{parts.scheme}:{where}{path}"), secrets or (), _URL_UNIT)
    shown = urllib.parse.quote(text, safe="/:[]@!$&'()*+,;=-._~")
    return shown if len(shown) <= 200 else shown[:200] + "..."


#: What separates one unit of text from the next: whitespace in a phrase or a name, and in a URL also the
#: characters between its parts (scheme, user info, host, port, path segments).
_TEXT_UNIT = r"\s"
_URL_UNIT = r"\s/:@\[\]"


def _scrub(text: str, secrets: Iterable[str], separators: str = _TEXT_UNIT) -> str:
    """``text`` from the server with every secret that stands as a whole unit masked as ``***``.

    A hostile server that got the password in the Basic header could echo it back in a reason phrase, a
    namespace name or a redirect path, and we would log it. Only an occurrence bounded on both sides by the
    text's start or end or a ``separators`` character is the secret; the same letters inside a longer word
    are not and are never changed (the password ``SYS`` leaves ``%SYS`` as it is, where plain replacing once
    showed ``%***``). Longer secrets are masked first."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        unit = re.compile(f"(?<![^{separators}]){re.escape(secret)}(?![^{separators}])")
        text = unit.sub("***", text)
    return text


def _printable(text: str) -> str:
    """A server-supplied name as is, or quoted with escapes if it holds anything unprintable."""
    return text if text.isprintable() else repr(text)


def _json_body(response: requests.Response, content: bytes, url: str) -> dict:
    body: object = _NOT_JSON
    try:
        body = json.loads(content)
    except ValueError:
        pass  # raised below, outside the handler: no chained JSONDecodeError holding the body
    if body is _NOT_JSON:
        raise ConnectError(
            f"{url} answered HTTP {response.status_code} with a body that is not JSON; the web server "
            "is probably hiding the real IRIS error (check the Web Gateway and the /api/atelier application)"
        )
    if not isinstance(body, dict):
        raise ConnectError(f"{url} answered with JSON that is not an Atelier envelope")
    return body


_NOT_JSON = object()


def _status_error(response: requests.Response, url: str, who: str,
                  secrets: Iterable[str] = ()) -> Optional[TerminalError]:
    code = response.status_code
    if 300 <= code < 400:
        return redirect_error("the login", code, response.headers.get("Location"), url, secrets)
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
        reason = f" {_scrub(response.reason, secrets)!r}" if response.reason else ""
        return ConnectError(f"{url} answered HTTP {code}{reason}")
    return None


def _parse_info(body: dict, url: str) -> ServerInfo:
    info: Optional[ServerInfo] = None
    try:
        content = body["result"]["content"]
        api = content["api"]
        if isinstance(api, int) and not isinstance(api, bool):
            info = ServerInfo(
                api=api,
                version=str(content.get("version", "")),
                namespaces=tuple(str(ns) for ns in content.get("namespaces", []) or []),
                id=str(content.get("id", "") or ""),
            )
    except (KeyError, TypeError, AttributeError):
        pass  # raised below, outside the handler (nothing chained)
    if info is None:
        raise ConnectError(f"{url} answered JSON without result.content.api; is this an IRIS Atelier API?")
    return info


def login(
    endpoint: Endpoint,
    username: str,
    password: str,
    namespace: Optional[str],
    verify: Verify = True,
    timeout: Optional[float] = 5.0,
    cancel: Optional[Cancel] = None,
) -> Tuple[requests.Session, ServerInfo]:
    """Log in with a fresh ``requests.Session``; return it (with its cookies) and the server info.

    Raises InvalidArgument (credentials Basic auth cannot carry; nothing sent), AuthError (401),
    ServerUnavailable (503), UnsupportedServer (api < 7), NamespaceError (namespace not offered),
    ConnectError (network, TLS, a redirect, anything else). None of them is chained to another exception.
    """
    url = endpoint.rest_base
    authorization = basic_authorization(username, password)
    secrets = (password, urllib.parse.quote(password, safe=""), authorization.split(" ", 1)[1])
    session = guarded_session()
    session.verify = verify
    try:
        check = lambda answer: _status_error(answer, url, username, secrets)  # noqa: E731
        response, content, failure = _get(session, url, endpoint, _BasicAuth(authorization), verify, timeout,
                                          check, cancel)
        if failure is not None:
            raise failure
        assert response is not None
        info = _parse_info(_json_body(response, content, url), url)
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
            offered = ", ".join(_printable(_scrub(ns, secrets)) for ns in info.namespaces[:50])
            raise NamespaceError(
                f"namespace {namespace!r} is not available to {username!r} on {endpoint.authority}; "
                f"the server offers {offered}"
            )
    return session, info


_Answer = Tuple[Optional[requests.Response], bytes, Optional[TerminalError]]


def _get(session: requests.Session, url: str, endpoint: Endpoint, auth: requests.auth.AuthBase,
         verify: Verify, timeout: Optional[float],
         check: Callable[[requests.Response], Optional[TerminalError]], cancel: Optional[Cancel] = None
         ) -> _Answer:
    """The login GET, never following a redirect: (response, body, None) or (None, b"", the error).

    The whole request, body included, ends within ``timeout`` however slowly the server answers (a
    watchdog shuts the socket, see ``httpguard``); the body is read only if ``check`` finds the status
    fine, and stops at LOGIN_BODY_LIMIT bytes. The error is returned, not raised in the handler, so it
    carries no ``__context__``: a requests exception holds the PreparedRequest, Authorization included.
    """
    failure: Optional[TerminalError] = None
    deadline = Deadline(timeout, cancel)
    try:
        with deadline, warnings.catch_warnings():
            if deadline.expired:
                raise requests.exceptions.ConnectionError("cancelled")
            if verify is False:  # the transport logs our own WARNING; skip urllib3's repeats
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            # verify per request: a session-level verify loses to REQUESTS_CA_BUNDLE (requests #3829)
            response = session.get(url, auth=auth, timeout=timeout, verify=verify, allow_redirects=False,
                                   stream=True, hooks={"response": _refuse_redirects(check)})
            failure = check(response)
            if failure is not None:
                response.close()
                return None, b"", failure
            return response, read_capped(response, LOGIN_BODY_LIMIT), None
    except _Refused as refused:
        failure = refused.failure
    except BodyTooLarge as exc:
        failure = ConnectError(f"{url} answered with a body of more than {LOGIN_BODY_LIMIT} bytes "
                               f"({exc.args[0]} seen); that is not an Atelier answer")
    except requests.exceptions.SSLError as exc:
        failure = ConnectError(f"TLS handshake with {endpoint.authority} failed: {_reason(exc)}")
    except requests.exceptions.Timeout as exc:
        if _caused_by(exc, ResolveTimeout):
            return None, b"", ConnectError(f"cannot resolve the host of {url} within "
                                           f"{seconds_text(timeout)} s")
        failure = ConnectError(f"no answer from {url} within {seconds_text(timeout)} s")
    except requests.exceptions.RequestException as exc:
        failure = ConnectError(f"cannot reach {url}: {_reason(exc)}")
    except OSError as exc:  # requests raises a bare OSError for a missing CA bundle
        failure = ConnectError(f"cannot connect to {url}: {exc.strerror or type(exc).__name__}")
    except ValueError as exc:  # an answer requests/urllib3 cannot parse and do not wrap (a hostile peer)
        failure = ConnectError(f"{url} sent an answer that cannot be read ({type(exc).__name__})")
    if deadline.expired:  # the watchdog cut a request that was still dripping in
        failure = ConnectError(f"no complete answer from {url} within {seconds_text(timeout)} s")
    return None, b"", failure


def _caused_by(exc: BaseException, kind: type) -> bool:
    """Whether ``kind`` is in the cause chain of ``exc`` (urllib3 keeps it in ``reason``/``__cause__``)."""
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 10:
        if isinstance(current, kind):
            return True
        nxt = getattr(current, "reason", None)
        current = nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
        seen += 1
    return False


class _Refused(errors.InternalSignal):
    """Carries the error for a 3xx answer out of the response hook (see _refuse_redirects)."""

    def __init__(self, failure: TerminalError) -> None:
        super().__init__("refused")
        self.failure = failure


def _refuse_redirects(check: Callable[[requests.Response], Optional[TerminalError]]) -> Callable[..., object]:
    """A response hook that ends the request at a 3xx answer, before ``requests`` parses its Location to
    prepare the next request even with allow_redirects=False (a malformed Location, such as
    ``http://[::1/x``, then raised a ValueError outside our exception tree)."""

    def hook(response: requests.Response, *args: object, **kwargs: object) -> requests.Response:
        if 300 <= response.status_code < 400:
            failure = check(response)
            response.close()
            if failure is not None:
                raise _Refused(failure)
        return response

    return hook


def cookie_header(session: requests.Session, url: str) -> str:
    """The ``Cookie`` header for the terminal upgrade at ``url`` (``ws://`` or ``wss://``): the session's
    cookies that their attributes allow there (domain, path, expiry; ``Secure`` ones only over wss), as
    the standard library's cookie policy decides for a browser (docs/protocol.md §15.1 step 3)."""
    return requests.cookies.get_cookie_header(session.cookies, _UpgradeRequest(url)) or ""


class _UpgradeRequest:
    """The two attributes ``requests.cookies.MockRequest`` reads; ``ws``/``wss`` are schemes the cookie
    policy knows (``wss`` is a secure protocol for it)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.headers: dict = {}


def logout(session: requests.Session, endpoint: Endpoint, timeout: Optional[float] = 2.0) -> None:
    """Best effort ``HEAD .../api/atelier/?CacheLogout=end`` so the CSP session frees its licence
    (docs/protocol.md §3.3)."""
    try:
        if len(session.cookies):
            for adapter in session.adapters.values():
                adapter.close()  # a fresh connection, so the deadline's watchdog holds its socket
            with Deadline(timeout), warnings.catch_warnings():
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                session.head(endpoint.rest_base, params={"CacheLogout": "end"}, timeout=timeout,
                             verify=session.verify, allow_redirects=False)
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
