"""load.sh: your own modules after ours; --offline all or nothing, portable, and never naming this machine.

--offline writes one file per class named by its full name, refuses a clash naming both modules, writes into a
temporary folder moved into place only when complete (a failure leaves the target as it was), accepts any
absolute --iris-path IRIS takes (POSIX and Windows), and no byte it writes names the checkout, the host or the
user (docs/install.md §3).
"""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from delivery import components, offline

ROOT = Path(__file__).resolve().parents[2]


def load_sh(*args, env=None):
    return subprocess.run(["bash", str(ROOT / "load.sh"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env=env)


def sys_paths(folder):
    found = set()
    for cls in folder.glob("*.cls"):
        for line in cls.read_text().splitlines():
            if "_add_to_sys_path" in line:
                found.add(line.split('"_add_to_sys_path","', 1)[1].rsplit('"', 1)[0])
    return found


def snapshot(folder):
    """Every file under ``folder`` (relative path -> bytes): what "as it was" means."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def assert_names_no_machine(folder):
    """No byte written under ``folder`` names the checkout, this host or this user."""
    names = offline.machine_names(str(ROOT))
    assert str(ROOT) in names
    for rel, data in snapshot(folder).items():
        for name in names:
            assert name.encode() not in data, f"{rel} names {name!r}"


@pytest.fixture
def user_package():
    """A throwaway package of user modules inside the checkout (pyprod loads modules from there)."""
    name = f"zz_load_sh_{uuid.uuid4().hex[:8]}"
    folder = ROOT / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")

    def add(module, source):
        (folder / f"{module}.py").write_text(source)
        return f"{name}.{module}"

    try:
        yield add
    finally:
        shutil.rmtree(folder, ignore_errors=True)


PRODUCTION = '''iris_package_name = "{package}"
from intersystems_pyprod import Production  # noqa: E402


class {cls}(Production):
    """A user's production."""
'''


def test_offline_names_files_by_full_class_name_and_the_iris_host_path(tmp_path):
    proc = load_sh("--offline", str(tmp_path / "default"), "examples.health_check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = {p.name for p in (tmp_path / "default").glob("*.cls")}
    assert {c + ".cls" for c in components.CLASSES} <= names
    assert {"HealthCheck.HealthCheckService.cls", "HealthCheck.HealthCheckProduction.cls"} <= names
    assert sys_paths(tmp_path / "default") == {"/opt/iris-lite-terminal"}
    assert f"wrote {len(names)} classes to {tmp_path / 'default'}" in proc.stdout
    assert "LiteTerminal.TerminalProduction.cls" in proc.stdout
    assert "Loading" not in proc.stdout + proc.stderr  # no IRIS is involved
    # what to install where: the three packages, into the instance's Python, with the command
    for dist in ("intersystems-pyprod==", "websocket-client==", "requests=="):
        assert dist in proc.stdout
    pip = "<IRIS install folder>/bin/irispip install --target <IRIS install folder>/mgr/python"
    assert pip in proc.stdout
    copy = "copy these folders of the checkout to /opt/iris-lite-terminal: adapters/, examples/, messages/, "
    assert copy + "productions/" in proc.stdout
    assert_names_no_machine(tmp_path)


@pytest.mark.parametrize("iris_path", [
    "/srv/iris/lite terminal", "C:\\InterSystems\\lt", "D:/iris/lt", "\\\\fileserver\\share\\lt",
    '/opt/odd "quoted" name',
])
def test_any_absolute_iris_path_iris_accepts_is_written_as_given(tmp_path, iris_path):
    proc = load_sh("--offline", str(tmp_path / "out"), "--iris-path", iris_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sys_paths(tmp_path / "out") == {iris_path.replace('"', '""')}  # ObjectScript doubles a quote
    if offline.is_windows_path(iris_path):
        assert "\\bin\\irispip.exe install --target <IRIS install folder>\\mgr\\python" in proc.stdout
    assert_names_no_machine(tmp_path)


@pytest.mark.parametrize("bad", ["relative/path", "lt", "", " /opt/x", "/opt/x\nset ^x=1", "C:relative"])
def test_an_iris_path_iris_could_not_use_is_refused_and_nothing_written(tmp_path, bad):
    proc = load_sh("--offline", str(tmp_path / "out"), "--iris-path", bad)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "--iris-path" in proc.stderr and "nothing was written" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_clash_between_two_classes_is_refused_naming_both_and_leaves_the_target_as_it_was(
        tmp_path, user_package):
    target = tmp_path / "classes"
    target.mkdir()
    (target / "Earlier.Run.cls").write_text("Class Earlier.Run {}\n")
    before = snapshot(tmp_path)
    clash = user_package("clash", PRODUCTION.format(package="LiteTerminal", cls="TerminalProduction"))
    proc = load_sh("--offline", str(target), clash)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"class clash: {clash} defines LiteTerminal.TerminalProduction, which productions.terminal " \
           "already defines" in proc.stderr
    assert "nothing was written" in proc.stderr and "wrote" not in proc.stdout
    assert snapshot(tmp_path) == before  # no temporary folder left beside it either
    assert_names_no_machine(tmp_path)


def test_names_that_differ_only_in_case_are_a_clash(tmp_path, user_package):
    clash = user_package("case", PRODUCTION.format(package="liteterminal", cls="TerminalProduction"))
    proc = load_sh("--offline", str(tmp_path / "out"), clash)
    assert proc.returncode == 1
    assert "liteterminal.TerminalProduction" in proc.stderr
    assert "LiteTerminal.TerminalProduction" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_same_short_name_in_another_package_is_no_clash(tmp_path, user_package):
    mine = user_package("mine", PRODUCTION.format(package="MyChecks", cls="TerminalProduction"))
    proc = load_sh("--offline", str(tmp_path / "out"), mine)
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in (tmp_path / "out").glob("*.cls")}
    assert {"MyChecks.TerminalProduction.cls", "LiteTerminal.TerminalProduction.cls"} <= names


@pytest.mark.parametrize("source, says", [
    ("raise RuntimeError('boom at import')\n", "boom at import"),
    ("def broken(:\n", "could not be loaded"),
    ("from no_such_package_xyz import x\n", "no_such_package_xyz"),
])
def test_a_module_that_fails_leaves_the_target_as_it_was(tmp_path, user_package, source, says):
    target = tmp_path / "classes"
    first = load_sh("--offline", str(target))
    assert first.returncode == 0, first.stderr
    before = snapshot(tmp_path)
    good = user_package("good", PRODUCTION.format(package="Good", cls="GoodProduction"))
    bad = user_package("bad", source)
    proc = load_sh("--offline", str(target), good, bad)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert bad in proc.stderr and says in proc.stderr
    assert snapshot(tmp_path) == before
    assert_names_no_machine(tmp_path)


def test_a_module_outside_the_checkout_is_refused_rather_than_naming_this_machine(tmp_path, monkeypatch):
    elsewhere = tmp_path / "site"
    (elsewhere / "outside_pkg").mkdir(parents=True)
    (elsewhere / "outside_pkg" / "__init__.py").write_text("")
    service = ("\nfrom intersystems_pyprod import BusinessService\n\n\n"
               "class OutService(BusinessService):\n    pass\n")
    (elsewhere / "outside_pkg" / "prod.py").write_text(
        PRODUCTION.format(package="Outside", cls="OutProduction") + service)
    env = dict(os.environ, PYTHONPATH=str(elsewhere))
    out = tmp_path / "out"
    proc = load_sh("--offline", str(out), "outside_pkg.prod", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "outside the checkout" in proc.stderr
    assert not out.exists()


def test_a_target_holding_other_files_is_not_replaced(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    proc = load_sh("--offline", str(target))
    assert proc.returncode == 1 and "holds other things than .cls files (notes.txt)" in proc.stderr
    assert snapshot(tmp_path) == {"mine/notes.txt": b"keep me"}


def test_a_second_run_replaces_the_earlier_classes_as_a_whole(tmp_path):
    target = tmp_path / "out"
    assert load_sh("--offline", str(target), "examples.health_check").returncode == 0
    proc = load_sh("--offline", str(target))
    assert proc.returncode == 0, proc.stderr
    assert not list(target.glob("HealthCheck.*"))
    assert "no longer there: HealthCheck.HealthCheckProcess.cls" in proc.stdout


def test_the_shell_lists_match_the_python_ones():
    text = (ROOT / "load.sh").read_text()
    modules = text.split("MODULES=(", 1)[1].split(")", 1)[0].split()
    classes = text.split("CLASSES=(", 1)[1].split(")", 1)[0].split()
    assert tuple(modules) == components.MODULES
    assert tuple(classes) == components.CLASSES
    from offline_iris.testing import LITE_TERMINAL_MODULES

    assert LITE_TERMINAL_MODULES == components.MODULES


def test_a_module_name_that_is_not_one_or_is_ours_is_refused_before_anything_runs(tmp_path):
    proc = load_sh("--offline", str(tmp_path), "my pkg")
    assert proc.returncode != 0 and "not a Python module name: 'my pkg'" in proc.stderr
    proc = load_sh("messages.terminal")
    assert proc.returncode != 0 and "messages.terminal is one of ours" in proc.stderr


def test_iris_mode_with_your_modules_still_names_missing_environment_variables():
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRIS")}
    proc = load_sh("examples.health_check", env=env)
    assert proc.returncode == 2 and "missing environment variables: IRISINSTALLDIR" in proc.stderr


# ---------------------------------------------------------------------------------------------------------
# The invariant behind every path: what a class adds to sys.path is exactly --iris-path, and nothing of this
# machine is left, whatever characters the path holds.

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SEGMENT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF, blacklist_characters="\x7f/\\"),
                  min_size=1, max_size=12).filter(lambda s: s.strip() == s)
POSIX = st.lists(SEGMENT, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
WINDOWS = st.tuples(st.sampled_from("CDZ"), st.lists(SEGMENT, min_size=1, max_size=4)).map(
    lambda t: t[0] + ":\\" + "\\".join(t[1]))


def objectscript_string_at(text, marker):
    """The ObjectScript string literal after ``marker`` in ``text``, unquoted ("" is one ")."""
    rest = text.split(marker, 1)[1]
    out, i = [], 0
    while True:
        if rest[i] == '"':
            if rest[i + 1:i + 2] == '"':
                out.append('"')
                i += 2
                continue
            return "".join(out)
        out.append(rest[i])
        i += 1


@given(st.one_of(POSIX, WINDOWS))
def test_any_accepted_iris_path_is_written_exactly_and_the_checkout_never(path):
    assert offline.iris_path_problem(path) == ""
    text = f'Class A.B {{\n do $method(pyprod,"_add_to_sys_path","{ROOT}")\n}}\n'
    files = offline.portable([offline.Generated("A.B", "a.b", text)], str(ROOT), path)
    written = files["A.B.cls"]
    assert objectscript_string_at(written, '"_add_to_sys_path","') == path
    assert str(ROOT) not in written


@given(st.text(min_size=1, max_size=30))
def test_a_path_with_a_control_character_or_not_absolute_is_refused(path):
    drive = len(path) > 2 and path[1] == ":" and path[2] in "\\/" and path[0].isascii() and path[0].isalpha()
    absolute = drive or path.startswith(("/", "\\\\"))
    has_control = any(ord(c) < 32 or ord(c) == 127 for c in path)
    if has_control or not absolute or path != path.strip():
        assert offline.iris_path_problem(path) != ""
