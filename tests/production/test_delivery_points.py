"""The smaller delivery points of issue 20, each as the user meets it.

* docs/settings.md §12 says Host or Adapter for every setting our classes declare (checked against them);
* the demo writes each run's Visual Trace to a page of its own (or where --trace-html says) and prints the
  path last; it shows commands and patterns as typed, never as Python's repr;
* the "module imported by several config items" warning ends its own line and comes once per module, also
  after pyprod's loader replaced the process's warning format;
* ``ProductionTester.write_visual_trace`` writes the picture (stable testing API).
"""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from offline_iris.production import parse_production_xml
from offline_iris.testing import LITE_TERMINAL_MODULES
from simulator import demo

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "LiteTerminal.TerminalProduction"


def documented_settings():
    """``{(class, "Host"|"Adapter", setting)}`` from the tables of docs/settings.md §12."""
    text = (ROOT / "docs" / "settings.md").read_text()
    section = text.split("## 12. ", 1)[1].split("\n## ", 1)[0]
    rows = set()
    for block in section.split("\n#### ")[1:]:
        header = block.splitlines()[0]
        host = re.search(r": `([^`]+)`", header).group(1)
        adapter = re.search(r"adapter `([^`]+)`", header)
        for name, target in re.findall(r"^\| `(\w+)` \| (Host|Adapter) \|", block, re.M):
            rows.add((host if target == "Host" else adapter.group(1), target, name))
    return rows


def test_the_settings_tables_say_host_or_adapter_for_every_setting_of_every_item(production_tester):
    production_tester.load(*LITE_TERMINAL_MODULES)
    registry = production_tester.runtime.ns.registry
    xml = production_tester.runtime.classes[PRODUCTION].xdata["ProductionDefinition"]
    from adapters.settings import setting_names

    declared = set()
    for item in parse_production_xml(xml).items:
        param = registry.parameter(item.class_name, "SETTINGS")
        declared |= {(item.class_name, "Host", n) for n in setting_names(param.value if param else "")}
        adapter = registry.parameter(item.class_name, "ADAPTER")
        if adapter is not None and str(adapter.value):
            own = registry.parameter(str(adapter.value), "SETTINGS")
            declared |= {(str(adapter.value), "Adapter", n) for n in setting_names(own.value if own else "")}
    documented = documented_settings()
    assert declared <= documented, f"not in docs/settings.md §12: {sorted(declared - documented)}"
    for cls, target, name in documented:  # and every row names a real property on that side
        assert registry.property(cls, name) is not None, (cls, target, name)
    assert ("LiteTerminal.ScheduledCommandAdapter", "Adapter", "CallInterval") in documented
    assert ("LiteTerminal.ScheduledCommandService", "Host", "Targets") in documented


def test_each_demo_run_gets_its_own_trace_page_unless_one_is_named(monkeypatch, tmp_path):
    chosen = []
    def fake_run(cycles, interval, workdir, trace_html=""):
        chosen.append(trace_html)
        return 0

    monkeypatch.setattr(demo, "run", fake_run)
    assert demo.main([]) == 0 and demo.main([]) == 0
    assert chosen[0] != chosen[1] and Path(chosen[0]).parent != Path(chosen[1]).parent
    assert all(Path(p).parent.is_dir() and Path(p).name == "visual-trace.html" for p in chosen)
    named = tmp_path / "mine.html"
    assert demo.main(["--trace-html", str(named)]) == 0 and chosen[-1] == str(named)
    for p in chosen[:2]:
        Path(p).parent.rmdir()


def test_the_demo_prints_the_trace_path_last_and_patterns_as_typed(tmp_path, capsys):
    target = tmp_path / "trace.html"
    assert demo.main(["--cycles", "1", "--interval", "0.2", "--trace-html", str(target)]) == 0
    out = capsys.readouterr().out
    last = [line for line in out.splitlines() if line.strip()][-1]
    assert last.startswith("Visual Trace picture of this run") and last.endswith(str(target))
    assert target.is_file()
    assert r"matches DenyPatterns '^(ZNSPACE|HALT)\b'" in out  # one backslash, as the setting holds it
    assert "\\\\" not in out
    assert """Command='write "heartbeat ",$zdatetime($horolog,3)'""" in out


WARNING_SCRIPT = """
import sys, tempfile, os
from offline_iris import OfflineIRIS
with OfflineIRIS(workdir=tempfile.mkdtemp()) as rt:
    rt.load({modules!r})                       # pyprod's loader: replaces warnings.formatwarning
    rt.credentials.set("LiteTerminal", "_SYSTEM", "x")
    folder = tempfile.mkdtemp()
    rt.start_production("{production}", overrides={{("Command Files", "Adapter", "FilePath"): folder,
                                                     ("Command Files", "Adapter", "ArchivePath"): folder}})
    sys.stderr.write("AFTER-START\\n")
    rt.stop_production()
"""


def test_the_shared_module_warning_is_on_its_own_line_once_per_module():
    script = WARNING_SCRIPT.format(modules=list(LITE_TERMINAL_MODULES), production=PRODUCTION)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    warned = [ln for ln in lines if "is imported by several config items" in ln]
    assert warned, proc.stderr
    assert all(ln.startswith("offline IRIS: module") for ln in warned)
    assert all(ln.endswith("module globals are shared") for ln in warned)
    modules = [re.search(r"module '([^']+)'", ln).group(1) for ln in warned]
    assert len(modules) == len(set(modules))  # once per module
    assert "AFTER-START" in lines  # the next output starts a line of its own


def test_production_tester_writes_the_visual_trace(production_tester, tmp_path):
    production_tester.load(*LITE_TERMINAL_MODULES)
    folder = tmp_path / "in"
    folder.mkdir()
    production_tester.start(PRODUCTION, settings={("Command Files", "Adapter", "FilePath"): str(folder),
                                                  ("Command Files", "Adapter", "ArchivePath"): str(folder)})
    production_tester.call("Terminal Command Service", "write 1")  # unreachable: no credentials, still traced
    path = production_tester.write_visual_trace(tmp_path / "new" / "folder" / "trace.html", title="mine")
    page = Path(path).read_text(encoding="utf-8")
    assert Path(path).is_absolute() and "mine" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="trace"') >= 1
    assert 'data-body-class="LiteTerminal.TerminalCommandRequest"' in page


@pytest.mark.parametrize("value, shown", [
    ("^(ZNSPACE|HALT)\\b", "'^(ZNSPACE|HALT)\\b'"), ("a\nb", "'a\\nb'"), (7, "7"),
])
def test_trace_columns_show_values_as_typed(value, shown):
    from offline_iris.trace import as_typed

    assert as_typed(value) == shown
