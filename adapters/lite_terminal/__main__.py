"""Command line: run ObjectScript commands through the Lite Terminal and print their output.

    IRIS_PASSWORD=SYS python -m adapters.lite_terminal --host localhost --port 52773 \\
        --namespace USER --user _SYSTEM 'write $zv' 'write 1+1'

Exit status: 0 all commands ok; 1 an IRIS error, timeout or interrupt; 2 a connection or usage error.
Several commands share one session (locals survive between them). No traceback is ever shown.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from typing import List, Optional, Sequence

from .client import LiteTerminal
from .errors import TerminalError

EXIT_OK, EXIT_COMMAND_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.lite_terminal",
        description="Run ObjectScript commands on InterSystems IRIS through the Lite Terminal WebSocket. "
        "The password comes from the IRIS_PASSWORD environment variable, or a prompt.",
    )
    parser.add_argument("commands", nargs="+", metavar="COMMAND", help="ObjectScript command line(s)")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=52773)
    parser.add_argument("--namespace", default="USER")
    parser.add_argument("--user", default="_SYSTEM")
    parser.add_argument("--tls", action="store_true", help="use https/wss")
    parser.add_argument("--ca-file", help="CA bundle to verify the server certificate")
    parser.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")
    parser.add_argument("--prefix", default="", help="web server path prefix, e.g. /iris")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds to wait for each command (negative: no limit)")
    parser.add_argument("--connect-timeout", type=float, default=10.0)
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logs on stderr")
    return parser


def _password() -> Optional[str]:
    password = os.environ.get("IRIS_PASSWORD")
    if password is not None:
        return password
    try:
        return getpass.getpass("IRIS password: ")
    except (EOFError, KeyboardInterrupt):
        return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage message
        return EXIT_USAGE if exc.code else EXIT_OK
    if args.insecure and args.ca_file:
        print("error: --insecure and --ca-file exclude each other", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    password = _password()
    if password is None:
        print("error: no password (set IRIS_PASSWORD or type it at the prompt)", file=sys.stderr)
        return EXIT_USAGE
    verify = False if args.insecure else (args.ca_file or True)
    worst = EXIT_OK
    try:
        with LiteTerminal(args.host, args.port, username=args.user, password=password,
                          namespace=args.namespace, tls=args.tls or bool(args.ca_file) or args.insecure,
                          verify=verify, path_prefix=args.prefix, connect_timeout=args.connect_timeout,
                          response_timeout=args.timeout) as term:
            for command in args.commands:
                result = term.execute(command)
                _print_output(result.output)
                if result.status == "lost":
                    print(f"error: {result.error}", file=sys.stderr)
                    return EXIT_USAGE
                if result.status != "ok":
                    print(f"{result.status}: {result.error}", file=sys.stderr)
                    worst = EXIT_COMMAND_FAILED
    except TerminalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_USAGE
    return worst


def _print_output(text: str) -> None:
    lines: List[str] = text.replace("\r\n", "\n").split("\n")
    out = "\n".join(lines)
    if out:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
