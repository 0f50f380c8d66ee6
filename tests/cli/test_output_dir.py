"""--output-dir: each server's output and results as files named after it, never outside the folder."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cli_helpers import run

from adapters.lite_terminal.cli_args import UsageError
from adapters.lite_terminal.outdir import file_stem, prepare


def test_each_server_gets_its_output_and_json_results(sim, make_sim, tmp_path):
    other = make_sim()
    out = tmp_path / "out"
    done = run("--host", f"{sim.host}:{sim.port}", "--host", f"{other.host}:{other.port}",
               "--output-dir", str(out), "set x=6", "write x*7", "write nope")
    assert done.returncode == 1, done.stderr
    for server in (sim, other):
        stem = f"{server.host}_{server.port}"
        assert (out / f"{stem}.out").read_text() == "42\n<UNDEFINED> *nope\n"
        results = json.loads((out / f"{stem}.json").read_text())
        assert [r["Status"] for r in results] == ["ok", "ok", "error"]
        assert {r["Server"] for r in results} == {f"{server.host}:{server.port}"}
        for suffix in (".out", ".json"):
            assert stat.S_IMODE(os.stat(out / f"{stem}{suffix}").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    assert sorted(os.listdir(out)) == sorted(f"{s.host}_{s.port}{x}" for s in (sim, other)
                                             for x in (".out", ".json"))  # no temporary file left


def test_a_link_planted_under_a_servers_file_name_is_replaced_not_followed(sim, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    os.symlink(victim, out / f"{sim.host}_{sim.port}.out")
    done = run("--host", f"{sim.host}:{sim.port}", "--output-dir", str(out), "write 1")
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "keep me"
    assert not os.path.islink(out / f"{sim.host}_{sim.port}.out")


@pytest.mark.parametrize("name, stem", [
    ("iris1:1972", "iris1_1972"), ("[::1]:5000", "___1__5000"), ("../../etc/passwd", "_.._etc_passwd"),
    ("..", None), (".hidden", "hidden"), ("a/b\\c", "a_b_c"), ("\u2028", None), ("x" * 300, "x" * 120),
])
def test_file_names_stay_inside_the_folder(name, stem):
    if stem is None:
        with pytest.raises(ValueError):
            file_stem(name)
        return
    made = file_stem(name)
    assert "/" not in made and "\\" not in made and not made.startswith(".")
    assert made == stem


def test_two_servers_that_would_share_a_file_are_refused_before_anything_runs(tmp_path):
    with pytest.raises(UsageError, match="would write the same file"):
        prepare(str(tmp_path / "out"), ["iris1:1972", "iris1_1972"])
    assert not (tmp_path / "out").exists()

