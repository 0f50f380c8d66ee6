"""``./load.sh --simulator``'s demo runs end to end: three servers, one failing, grouped fleet results,
counts, one alert when it goes bad and one when it recovers (the demo checks each step itself)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_shows_a_fleet_run_grouped_with_counts_and_alerts_on_change():
    proc = subprocess.run([sys.executable, "-m", "simulator.demo", "--cycles", "2", "--interval", "0.2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "---------------- Terminal Operation, Terminal Operation 2 (ok)" in out
    assert "---------------- Terminal Operation 3 (unreachable)" in out
    assert "3 targets: 2 ok, 1 unreachable in" in out and "fleet Status=partial" in out
    assert out.count("   ALERT: ") == 2 and "Terminal Operation 3 recovered: ok again" in out
