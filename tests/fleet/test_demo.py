"""``./load.sh --simulator``'s demo runs end to end: three servers, one failing, grouped fleet results,
counts, one alert when it goes bad and one when it recovers (the demo checks each step itself)."""

from __future__ import annotations

from simulator import demo


def test_the_demo_shows_a_fleet_run_grouped_with_counts_and_alerts_on_change(tmp_path, capsys):
    code = demo.main(["--cycles", "2", "--interval", "0.2", "--trace-html", str(tmp_path / "trace.html")])
    out, err = capsys.readouterr()
    assert code == 0, out[-3000:] + err[-3000:]
    assert "---------------- Terminal Operation, Terminal Operation 2 (ok)" in out
    assert "---------------- Terminal Operation 3 (unreachable)" in out
    assert "3 targets: 2 ok, 1 unreachable in" in out and "fleet Status=partial" in out
    assert out.count("   ALERT: ") == 2 and "Terminal Operation 3 recovered: ok again" in out
