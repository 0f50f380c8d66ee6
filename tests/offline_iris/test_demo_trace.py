"""``./load.sh --simulator`` (simulator/demo.py) writes the Visual Trace page and prints where."""

import re

from simulator import demo


def test_the_demo_writes_the_visual_trace_and_prints_its_path(tmp_path, capsys):
    target = tmp_path / "out" / "trace.html"
    assert demo.main(["--cycles", "1", "--interval", "0.2", "--trace-html", str(target)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"Visual Trace picture .*: " + re.escape(str(target)), printed)
    page = target.read_text(encoding="utf-8")
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="trace"') >= 3  # one per session
    assert 'data-body-class="LiteTerminal.TerminalCommandRequest"' in page
    assert 'data-level="Warning"' in page  # the denied command's Event Log warning
