"""TLS (https/wss, docs/protocol.md §5) with a trustme certificate, and the command line."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import trustme
import websocket
from sim_wire import CREDS, WAIT, Term, connect, cookie_header, login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path, ca_path = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    ca.cert_pem.write_to_path(str(ca_path))
    return str(cert_path), str(key_path), str(ca_path)


def test_tls_serves_https_and_wss(make_sim, cert_files):
    cert, key, ca = cert_files
    sim = make_sim(tls_certfile=cert, tls_keyfile=key)
    assert sim.base_url.startswith("https://127.0.0.1:")
    session = login(sim, verify=ca)
    cookie = next(c for c in session.cookies if c.name.startswith("CSPSESSIONID-"))
    assert cookie.secure
    term = connect(sim, cookie=cookie_header(session), sslopt={"ca_certs": ca})
    assert term.recv()["type"] == "init"
    term.configure()
    assert term.run("w 6*7") == "42"


def test_tls_certificate_is_checked_by_clients(make_sim, cert_files):
    cert, key, _ = cert_files
    sim = make_sim(tls_certfile=cert, tls_keyfile=key)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT)
    with pytest.raises(ssl.SSLError):
        connect(sim)


def test_cli_starts_prints_its_url_and_answers(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--no-ns", "--namespaces", "USER,%SYS,APP",
         "--password", "cli-pass"],
        cwd=str(tmp_path),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/api/atelier/", line)
        assert match, line
        response = requests.get(match.group(0), auth=("_SYSTEM", "cli-pass"), timeout=WAIT)
        assert response.json()["result"]["content"]["namespaces"] == ["USER", "%SYS", "APP"]
        assert "cli-pass" not in line + proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=WAIT)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0


def test_cli_serves_blocks_globals_and_the_mirror_role(tmp_path):
    """``python -m simulator`` runs the ObjectScript additions (docs/simulator-objectscript.md §2, §6.6)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--password", "cli-pass", "--mirror", "backup"],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        match = re.search(r"(http://127\.0\.0\.1:\d+)/api/atelier/", proc.stdout.readline())
        assert match
        session = requests.Session()
        assert session.get(match.group(0), auth=("_SYSTEM", "cli-pass"), timeout=WAIT).status_code == 200
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        url = match.group(1).replace("http", "ws", 1) + "/api/atelier/v8/%25SYS/terminal"
        ws = websocket.create_connection(url, cookie=cookie, timeout=WAIT)
        try:
            term = Term(ws)
            assert term.recv()["type"] == "init"
            term.configure()
            block = "set ^Hits=0\r\nfor i=1:1:3 {\r\n  set ^Hits=^Hits+i\r\n}\r\nwrite ^Hits"
            assert term.run(block) == "6"
            assert term.run('write $SYSTEM.Mirror.IsMember(),",",$SYSTEM.Mirror.IsPrimary()') == "1,0"
        finally:
            ws.close(timeout=1)
        session.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=WAIT)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0
