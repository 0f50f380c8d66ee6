"""``python -m simulator --port 52773``: run the Lite Terminal simulator in the foreground.

Real clients (the community Python script, VS Code) can talk to it. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import List, Optional, Tuple

from .config import SimulatorConfig
from .harness import Simulator


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m simulator", description="IRIS Lite Terminal simulator")
    p.add_argument("--host", default="127.0.0.1", help="listen address (default: loopback only)")
    p.add_argument("--port", type=int, default=52773, help="0 = any free port")
    p.add_argument("--api", type=int, default=8, help="Atelier API version (6 = no terminal route)")
    p.add_argument("--no-ns", action="store_true", help="no prompt.ns field (IRIS before 2025.3)")
    p.add_argument("--user", default="_SYSTEM")
    p.add_argument("--password", default="SYS")
    p.add_argument("--namespaces", default="USER,%SYS", help="comma-separated")
    p.add_argument("--prefix", default="", help="path prefix such as /iris")
    p.add_argument("--tls-cert", help="PEM certificate: serve https/wss")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--delay", type=float, default=0.0, help="seconds to sleep before each server frame")
    p.add_argument("--chunk-size", type=int, help="split output frames every N characters")
    p.add_argument("--random-chunks", type=int, metavar="SEED", help="split output at random points")
    p.add_argument("--leading-crlf", action="store_true", help="plain writes start with \\r\\n")
    p.add_argument("--startup-output", default="", help="output sent before the first prompt")
    p.add_argument("--version-string", help="$ZVERSION to report")
    p.add_argument("--mirror", choices=("none", "primary", "backup"), default="none",
                   help="this server's role for $SYSTEM.Mirror (IsMember, IsPrimary)")
    p.add_argument("--mirror-name", default="MIRROR", help="$SYSTEM.Mirror.MirrorName() when a member")
    p.add_argument("--classes", default="", help="comma-separated classes $SYSTEM.OBJ.Compile finds")
    p.add_argument("--loadable-files", default="", help="comma-separated files $SYSTEM.OBJ.Load reads")
    p.add_argument("--spaced-json", action="store_true", help="JSON frames with blanks (not as IRIS sends)")
    return p


def _names(text: str) -> Tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def config_from_args(argv: Optional[List[str]] = None) -> SimulatorConfig:
    args = _parser().parse_args(argv)
    extra = {"version": args.version_string} if args.version_string else {}
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        api_version=args.api,
        prompt_ns=not args.no_ns,
        users={args.user: args.password},
        namespaces=tuple(ns.strip() for ns in args.namespaces.split(",") if ns.strip()),
        path_prefix=args.prefix,
        tls_certfile=args.tls_cert,
        tls_keyfile=args.tls_key,
        frame_delay=args.delay,
        chunk_size=args.chunk_size,
        random_chunks_seed=args.random_chunks,
        leading_crlf=args.leading_crlf,
        startup_output=args.startup_output,
        mirror_member=args.mirror != "none",
        mirror_primary=args.mirror == "primary",
        mirror_name=args.mirror_name if args.mirror != "none" else "",
        classes=_names(args.classes),
        loadable_files=_names(args.loadable_files),
        frame_json="spaced" if args.spaced_json else "compact",
        **extra,
    )


def main(argv: Optional[List[str]] = None) -> int:
    config = config_from_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Simulator(config) as sim:
        # the password is deliberately not printed
        url = f"{sim.base_url}{config.path_prefix}/api/atelier/"
        print(f"Lite Terminal simulator listening on {url}", flush=True)
        user, namespaces = next(iter(config.users)), ",".join(config.namespaces)
        print(f"user {user}; namespaces {namespaces}; Ctrl-C stops", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
