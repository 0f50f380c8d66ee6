"""The command line groups with the one rule (fleet.group_results), as the production and run_on_servers do:
whole outputs compared; an output cut by --max-output-chars is grouped with no other.

Before: ``--json`` and ``--group`` passed every output as whole (0 characters dropped), so two servers whose
outputs were cut alike but differed in the dropped middle came out as one group; and ``--group`` compared
outputs with IRIS's error lines taken out, so an output holding its error line twice grouped with one holding
it once.
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import adapters.lite_terminal.__main__ as cli
from adapters.lite_terminal.inventory import Target
from adapters.lite_terminal.runner import Outcome, Settings

HEAD_TAIL = "x" * 75 + "y" * 25  # what --max-output-chars 100 keeps of either output


def run_several(monkeypatch, outcomes, **flags):  # noqa: ANN001, ANN003, ANN201
    targets = [Target(name=o.server, host=o.server) for o in outcomes]
    monkeypatch.setattr(cli, "run_fleet", lambda *a, **k: {o.server: [o] for o in outcomes})
    options = dict(json=False, group=False, max_output_chars=100, max_concurrency=None, max_errors=None,
                   color="never", output_dir=None)
    args = SimpleNamespace(**{**options, **flags})
    out, err = io.StringIO(), io.StringIO()
    cli.run_several(args, targets, {}, ["c"], Settings(timeout=1, connect_timeout=1), cli.Printer(out, err),
                    None, [], [])
    return out.getvalue()


def test_outputs_cut_alike_are_never_one_group(monkeypatch):
    cut = [Outcome(name, "ok", HEAD_TAIL, "", "USER", 0.1, "", 400, command="c") for name in ("a", "b")]
    document = json.loads(run_several(monkeypatch, cut, json=True))
    assert [g["Targets"] for g in document["Groups"]] == [["a"], ["b"]]
    assert run_several(monkeypatch, cut, group=True).count(HEAD_TAIL) == 2  # two blocks
    whole = [o.__class__(**{**o.__dict__, "output_dropped": 0}) for o in cut]
    groups = json.loads(run_several(monkeypatch, whole, json=True))["Groups"]
    assert [g["Targets"] for g in groups] == [["a", "b"]]  # whole and identical: one group


def test_group_compares_whole_outputs_error_lines_included(monkeypatch):
    error = "<UNDEFINED> *y"
    once = Outcome("a", "error", "x\r\n" + error, error, "USER", 0.1, command="c")
    twice = Outcome("b", "error", "x\r\n" + error + "\r\n" + error, error, "USER", 0.1, command="c")
    assert run_several(monkeypatch, [once, twice], group=True).count("x\n") == 2  # two blocks, not one
