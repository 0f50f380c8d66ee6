"""The command line shows the client's warning: a result whose session had frames of other commands set
aside, or was brought back in step or replaced, says so (a ``note:`` line on stderr, ``Warning`` in JSON).

Before: the CLI dropped CommandResult.warning, so the one mark of doubt the client gives never reached the
person or the script.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))

from hostile_peers import PASSWORD, USER, ScriptedIris  # noqa: E402

from adapters.lite_terminal.__main__ import main  # noqa: E402


def run(peer, capsys, *extra):  # noqa: ANN001, ANN002, ANN201
    code = main(["--host", f"{peer.host}:{peer.port}", "--user", USER, "--connect-timeout", "3", *extra,
                 'write "mine"'], environ={"IRIS_PASSWORD": PASSWORD})
    return code, capsys.readouterr()


def test_a_warning_is_a_note_on_stderr_and_a_field_in_json(capsys):
    with ScriptedIris() as peer:
        peer.plan({"pre": ["output:OLD", "prompt"]})
        code, text = run(peer, capsys)
        peer.plan({"pre": ["prompt"]})
        json_code, as_json = run(peer, capsys, "--json")
    assert code == 0 and text.out == "mine\n"
    assert text.err.startswith("note: 1 prompt(s) and 3 character(s) of output that came before this command")
    assert json_code == 0
    (line,) = as_json.out.splitlines()
    assert json.loads(line)["Warning"].startswith("1 prompt(s) that came before this command's mark")


def test_no_warning_no_note(capsys):
    with ScriptedIris() as peer:
        code, text = run(peer, capsys)
    assert (code, text.out, text.err) == (0, "mine\n", "")
