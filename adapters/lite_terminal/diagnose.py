"""Why a connection failed, in one line with the fix, when the facts say so: TLS against a plain port, or
plain HTTP against a TLS port.

The client's ConnectError for these carries what requests/urllib3 said (``HTTPSConnectionPool(...) Max
retries exceeded ... WRONG_VERSION_NUMBER``), which tells an operator nothing. So after a plain
``ConnectError`` the command line asks the port itself, within the connect timeout: does it complete a TLS
handshake (certificate not checked: the question is only which protocol it speaks)? The answer is a fact
about the port, not a reading of an error text.
"""

from __future__ import annotations

import ssl
import time
from typing import Optional

from .httpguard import Deadline, connect_by

__all__ = ["speaks_tls", "tls_mismatch"]

PROBE_TIMEOUT = 3.0


def speaks_tls(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> Optional[bool]:
    """True: the port completed a TLS handshake; False: it answered, but not with TLS; None: cannot tell
    (no connection, or it closed without answering, or no answer within ``timeout``). ``timeout`` bounds the
    whole probe, name lookup included: a slow resolver or a port that drips its handshake cannot hold it."""
    until = time.monotonic() + timeout
    try:
        sock = connect_by(host, port, until)
    except OSError:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only the protocol is asked; nothing is sent over it
    try:
        with Deadline(until - time.monotonic()) as deadline:  # shuts the socket when the time is up
            deadline.watch(sock)
            sock.settimeout(max(until - time.monotonic(), 0.001))
            with context.wrap_socket(sock, server_hostname=None):
                return True
    except ssl.SSLEOFError:
        return None  # closed without a word: either kind of server may do that
    except ssl.SSLError:
        return False  # it answered with something that is not TLS (an HTTP 400, say)
    except OSError:
        return None
    finally:
        sock.close()


def tls_mismatch(host: str, port: int, tls: bool, timeout: float = PROBE_TIMEOUT) -> Optional[str]:
    """A one-line explanation with the fix when ``tls`` does not match what the port speaks, else None."""
    speaks = speaks_tls(host, port, timeout)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if tls and speaks is False:
        return (f"{where} speaks plain HTTP, not TLS: leave out --tls/--ca-file/--insecure (tls=false in an "
                "inventory), or give the server's HTTPS port")
    if not tls and speaks is True:
        return (f"{where} speaks TLS (HTTPS): add --tls (tls=true in an inventory), with --ca-file PEM for a "
                "private CA")
    return None
