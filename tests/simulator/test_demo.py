"""``./load.sh --simulator`` (simulator/demo.py) runs end to end, once for this file: the production on the
offline runtime, three simulated servers with the third failing, a fleet run grouped with counts, one alert
when it goes bad and one when it recovers (the demo checks each step itself), and the Visual Trace page
written where asked and its path printed."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pytest

from simulator import demo


class Run(NamedTuple):
    code: int
    out: str
    err: str
    trace: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    trace = tmp_path_factory.mktemp("demo") / "out" / "trace.html"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = demo.main(["--cycles", "2", "--interval", "0.2", "--trace-html", str(trace)])
    return Run(code, out.getvalue(), err.getvalue(), trace)


def test_the_demo_shows_a_fleet_run_grouped_with_counts_and_alerts_on_change(run):
    assert run.code == 0, run.out[-3000:] + run.err[-3000:]
    assert "---------------- Terminal Operation, Terminal Operation 2 (ok)" in run.out
    assert "---------------- Terminal Operation 3 (unreachable)" in run.out
    assert "3 targets: 2 ok, 1 unreachable in" in run.out and "fleet Status=partial" in run.out
    assert run.out.count("   ALERT: ") == 2 and "Terminal Operation 3 recovered: ok again" in run.out


def test_the_demo_writes_the_visual_trace_and_prints_its_path(run):
    assert run.code == 0, run.out[-3000:] + run.err[-3000:]
    assert re.search(r"Visual Trace picture .*: " + re.escape(str(run.trace)), run.out)
    page = run.trace.read_text(encoding="utf-8")
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="trace"') >= 3  # one per session
    assert 'data-body-class="LiteTerminal.TerminalCommandRequest"' in page
    assert 'data-level="Warning"' in page  # the denied command's Event Log warning
