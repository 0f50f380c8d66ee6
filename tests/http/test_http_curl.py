"""The HTTP service driven with curl, and signed from a shell exactly as docs/http-service.md §3 shows
(openssl dgst -sha256 -hmac). Skipped, saying why, when curl or openssl is missing, unless
LITE_TERMINAL_REQUIRE_CURL is set (.ci/run sets it after installing them): then missing tools fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from http_helpers import SECRET, commands, http_warnings, signed

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs",
                    "http-service.md")


def need(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        why = f"{', '.join(missing)} not installed (apt-get install {' '.join(missing)})"
        if os.environ.get("LITE_TERMINAL_REQUIRE_CURL"):
            pytest.fail(why + ", and LITE_TERMINAL_REQUIRE_CURL is set")
        pytest.skip(why)


def curl(*args):
    done = subprocess.run(["curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}", *args],
                          capture_output=True, text=True, timeout=30)
    body, _, code = done.stdout.rpartition("\n")
    return int(code or 0), body, done.returncode


def test_a_signed_call_with_curl(rt, sim, start):
    need("curl")
    url = start()
    raw, h = signed({"Run": "hello"})
    headers = [arg for name, value in h.items() for arg in ("-H", f"{name}: {value}")]
    code, body, _ = curl("-X", "POST", url, *headers, "--data-binary", raw.decode())
    assert code == 200 and json.loads(body)["Output"] == "hello from http"


def test_an_unsigned_call_with_curl_is_refused_and_curl_f_fails(rt, sim, start):
    need("curl")
    url = start()
    code, body, rc = curl("-f", "-X", "POST", url, "-H", "Content-Type: application/json",
                          "--data-binary", '{"Run": "hello"}')
    assert code == 401 and rc == 22  # curl -f: the CI step fails
    assert commands(sim) == [] and len(http_warnings(rt)) == 1


def docs_shell_recipe() -> str:
    """The first ``sh`` block of docs/http-service.md §3, as users copy it."""
    with open(DOCS, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## 3. Signing"):text.index("## 4.")]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_shell_recipe_in_the_docs_signs_with_openssl_and_runs(rt, sim, start):
    need("curl", "openssl", "bash")
    url = start()
    script = docs_shell_recipe()
    assert "openssl dgst -sha256 -hmac" in script
    script = script.replace("<the password of the LiteTerminalSigning credentials>", SECRET)
    script = script.replace('"http://iris-host:9980/"', f'"{url}"')
    script = script.replace('"Run": "version"', '"Run": "hello"')
    done = subprocess.run(["bash", "-c", "set -eu\n" + script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Output"] == "hello from http"
