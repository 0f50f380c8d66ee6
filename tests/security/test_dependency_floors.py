"""Dependency floors stay past the releases that fixed known vulnerabilities.

pyproject.toml is what CI and load.sh install from (load.sh copies the venv's versions into IRIS's
mgr/python), so a floor below a fix lets a fresh install pick a vulnerable release. Each entry of FIXED is
the first release with the fix; raise it when a new advisory names a later one.
"""

from __future__ import annotations

import re
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Dict, List

from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

#: package -> (first fixed release, what it fixed)
FIXED = {
    "requests": ("2.32.4", "CVE-2024-47081: .netrc credentials sent to the wrong host"),
    "urllib3": ("2.5.0", "CVE-2025-50181 / CVE-2025-50182: redirects not disabled as configured"),
    "aiohttp": ("3.12.14", "CVE-2025-53643: HTTP request smuggling (simulator extra)"),
}


def requirements(pyproject_text: str) -> Dict[str, Requirement]:
    """Every requirement in [project] dependencies and [project.optional-dependencies], by name.

    (A line-based reader: Python 3.9 has no tomllib, and these arrays hold one quoted string per line.)
    """
    found: Dict[str, Requirement] = {}
    section = ""
    for line in pyproject_text.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]\s*$", line)
        if header:
            section = header.group(1)
            continue
        if section not in ("project", "project.optional-dependencies"):
            continue
        for text in re.findall(r'^\s*(?:dependencies\s*=\s*\[\s*)?"([^"]+)"\s*,?', line):
            requirement = Requirement(text)
            found[requirement.name.lower()] = requirement
    return found


def floor_problems(pyproject_text: str) -> List[str]:
    """Why the floors in ``pyproject_text`` admit a vulnerable release ([] when none does)."""
    problems = []
    reqs = requirements(pyproject_text)
    for name, (fixed, why) in FIXED.items():
        requirement = reqs.get(name)
        if requirement is None:
            problems.append(f"{name} is not declared in pyproject.toml ({why})")
            continue
        floors = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==", "~=", ">")]
        if not floors:
            problems.append(f"{name} has no lower bound; it must be >= {fixed} ({why})")
        elif max(floors) < Version(fixed):
            problems.append(f"{name}{requirement.specifier} admits releases before {fixed} ({why})")
    return problems


def test_the_project_floors_are_past_every_listed_fix():
    assert floor_problems(PYPROJECT.read_text(encoding="utf-8")) == []


def test_the_reader_finds_runtime_and_extra_requirements():
    names = set(requirements(PYPROJECT.read_text(encoding="utf-8")))
    assert {"intersystems-pyprod", "websocket-client", "requests", "urllib3", "aiohttp", "pytest"} <= names


def test_a_floor_below_a_fix_or_a_missing_floor_is_reported():
    text = PYPROJECT.read_text(encoding="utf-8")
    lowered = re.sub(r'"requests>=[^",]+', '"requests>=2.31', text)
    assert any(p.startswith("requests") and "2.32.4" in p for p in floor_problems(lowered))
    unbounded = re.sub(r'"aiohttp[^"]*"', '"aiohttp<4"', text)
    assert any(p.startswith("aiohttp has no lower bound") for p in floor_problems(unbounded))
    missing = re.sub(r'^\s*"urllib3[^"]*",?.*$', "", text, flags=re.MULTILINE)
    assert any(p.startswith("urllib3 is not declared") for p in floor_problems(missing))


def test_the_installed_versions_are_past_the_fixes_too():
    """The venv CI runs in was built from pyproject.toml; an older leftover install would show here."""
    for name, (fixed, why) in FIXED.items():
        assert Version(installed_version(name)) >= Version(fixed), f"{name} {installed_version(name)}: {why}"
