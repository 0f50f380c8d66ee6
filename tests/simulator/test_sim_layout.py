"""The interpreter's modules import each other in one direction: no ring, no import inside a function.

An import inside a function is how a ring hides (it defers the cycle to run time), so none is allowed outside
``if TYPE_CHECKING:`` blocks; the graph of module-level imports must have no cycle
(docs/simulator-objectscript.md §1).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Set

PACKAGE = Path(__file__).resolve().parents[2] / "simulator" / "objectscript"
PREFIX = "simulator.objectscript"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PREFIX, *parts])


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def runtime_imports(path: Path) -> Set[str]:
    """The package modules ``path`` imports when it is loaded (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(path.read_text())
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: Set[str] = set()
    for node in tree.body:
        if is_type_checking_block(node) or not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if not target.startswith(PREFIX):
            continue
        found.add(target)
        for alias in node.names:  # ``from . import x`` imports the module x
            candidate = f"{target}.{alias.name}"
            if (PACKAGE / Path(*candidate.split(".")[2:])).with_suffix(".py").exists():
                found.add(candidate)
    return found


def graph() -> Dict[str, Set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: runtime_imports(path) & set(modules) for name, path in modules.items()}


def test_no_module_imports_inside_a_function():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        offenders.append(f"{path.name}:{inner.lineno}")
    assert offenders == []


def find_cycle(edges: Dict[str, Set[str]]) -> list:
    """One import cycle in ``edges`` as a list of module names, or [] (a module's own parent package is
    loaded before it, so that edge is no cycle)."""
    done: Set[str] = set()

    def visit(name: str, trail: tuple) -> list:
        if name in trail:
            return list(trail[trail.index(name) :]) + [name]
        if name in done:
            return []
        for target in sorted(edges.get(name, ())):
            if target != name and not name.startswith(target + "."):
                cycle = visit(target, trail + (name,))
                if cycle:
                    return cycle
        done.add(name)
        return []

    for name in sorted(edges):
        cycle = visit(name, ())
        if cycle:
            return cycle
    return []


def test_the_module_imports_form_no_cycle():
    edges = graph()
    assert len(edges) >= 15
    assert find_cycle(edges) == []


def test_the_checker_sees_a_planted_ring():
    edges = graph()
    edges[PREFIX + ".values"] = edges[PREFIX + ".values"] | {PREFIX + ".session"}
    cycle = find_cycle(edges)
    assert cycle[0] == cycle[-1] and PREFIX + ".values" in cycle and PREFIX + ".session" in cycle


def documented_order() -> list:
    """The module names in the order the package docstring lists them (lowest first)."""
    doc = (PACKAGE / "__init__.py").read_text().split('"""')[1]
    names = []
    for line in doc.splitlines():
        if line.startswith("* "):
            names.extend(re.findall(r"``(\w+)``", line.split("  ")[0]))
    return names


def test_every_module_imports_only_modules_listed_before_it_in_the_package_docstring():
    order = documented_order()
    edges = graph()
    top = {name.split(".")[2] for name in edges if name.count(".") >= 2}
    assert set(order) == top - {"__init__"}, set(order) ^ (top - {"__init__"})
    rank = {name: index for index, name in enumerate(order)}
    wrong = []
    for module, targets in edges.items():
        if module.count(".") < 2:
            continue
        mine = module.split(".")[2]
        for target in targets:
            theirs = target.split(".")[2] if target.count(".") >= 2 else None
            if theirs is not None and theirs != mine and rank[theirs] > rank[mine]:
                wrong.append(f"{module} imports {target}")
    assert wrong == []
