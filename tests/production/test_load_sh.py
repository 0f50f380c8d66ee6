"""load.sh: your own modules after ours, and --offline classes that name the IRIS host's path, never ours."""

import os
import subprocess
from pathlib import Path

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


def test_offline_classes_name_the_iris_host_path_and_include_your_modules(tmp_path):
    proc = load_sh("--offline", str(tmp_path / "default"), "examples.health_check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = {p.stem for p in (tmp_path / "default").glob("*.cls")}
    assert {"HealthCheckService", "HealthCheckProcess", "HealthCheckProduction", "TerminalProduction"} \
        <= names
    assert sys_paths(tmp_path / "default") == {"/opt/iris-lite-terminal"}
    assert "they load the Python code from /opt/iris-lite-terminal on the IRIS host" in proc.stdout
    for cls in (tmp_path / "default").glob("*.cls"):
        assert str(ROOT) not in cls.read_text(), cls.name

    proc = load_sh("--offline", str(tmp_path / "chosen"), "--iris-path", "/srv/iris/lite terminal")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sys_paths(tmp_path / "chosen") == {"/srv/iris/lite terminal"}


def test_a_module_name_that_is_not_one_or_is_ours_is_refused_before_anything_runs(tmp_path):
    proc = load_sh("--offline", str(tmp_path), "my pkg")
    assert proc.returncode != 0 and "not a Python module name: 'my pkg'" in proc.stderr
    proc = load_sh("messages.terminal")
    assert proc.returncode != 0 and "messages.terminal is one of ours" in proc.stderr
    proc = load_sh("--offline", str(tmp_path), "--iris-path", "relative/path")
    assert proc.returncode != 0 and "--iris-path must be an absolute path" in proc.stderr


def test_iris_mode_with_your_modules_still_names_missing_environment_variables():
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRIS")}
    proc = load_sh("examples.health_check", env=env)
    assert proc.returncode == 2 and "missing environment variables: IRISINSTALLDIR" in proc.stderr
