"""The import graph of the product packages: which module imports which, and whether any import ring exists.

Reads the source with ``ast`` (nothing is imported or run), so it works on any checkout, old or new:

    python3 .ci/import_graph.py                     # figures for this checkout
    python3 .ci/import_graph.py --root /tmp/before  # the same figures for another checkout
    python3 .ci/import_graph.py --edges             # and every module -> module edge
    python3 .ci/import_graph.py --json              # everything as one JSON object

An edge ``a -> b`` means module ``a`` names module ``b`` in an ``import`` or ``from ... import`` (a
``from pkg import name`` counts as an import of ``pkg.name`` when that is a module, of ``pkg`` otherwise).
Imports inside a function or method are *deferred*: they run when the function is called, which is the usual
way to break a ring, so they are counted apart and the rings are reported with and without them. Imports
under ``if TYPE_CHECKING:`` never run and are left out. Only edges between the product packages count.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

PACKAGES = ("adapters", "messages", "productions", "simulator", "offline_iris")


def module_names(root: Path, packages: Iterable[str]) -> Dict[str, Path]:
    """``{"adapters.lite_terminal.client": path}`` for every .py file of the packages (``__init__`` is the
    package itself)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterable[Tuple[ast.stmt, bool]]:
    """Every import statement with whether it is deferred (inside a def), skipping TYPE_CHECKING blocks."""
    stack: List[Tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, deferred = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for sub in child.orelse:
                    stack.append((sub, deferred))
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, deferred
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            stack.append((child, inner))


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> Optional[str]:
    if not node.level:
        return node.module
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else [])) or None


def _owner(name: str, modules: Dict[str, Path]) -> Optional[str]:
    """The longest known module that ``name`` is or lies inside of."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


Edges = Dict[Tuple[str, str], bool]


def import_edges(
    root: Path, packages: Iterable[str] = PACKAGES, parents: bool = False
) -> Tuple[Dict[str, Path], Edges]:
    """The modules and ``{(importer, imported): deferred}`` (deferred only if every such import is).

    With ``parents``, every module also imports its own package (Python runs a package's ``__init__`` before
    any module inside it): this makes a ring of every package whose ``__init__`` re-exports its modules."""
    modules = module_names(root, packages)
    edges: Dict[Tuple[str, str], bool] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node, deferred in _imports(tree):
            targets: List[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(module, is_package, node)
                if base is None:
                    continue
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                owner = _owner(target, modules)
                if owner is None or owner == module:
                    continue
                key = (module, owner)
                edges[key] = edges.get(key, True) and deferred
        parent = module.rpartition(".")[0]
        if parents and parent in modules:
            edges[(module, parent)] = False
    return modules, edges


def rings(nodes: Iterable[str], edges: Iterable[Tuple[str, str]]) -> List[List[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative): the import rings."""
    graph: Dict[str, List[str]] = defaultdict(list)
    for a, b in edges:
        graph[a].append(b)
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on_stack: Set[str] = set()
    stack: List[str] = []
    found: List[List[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def group_of(module: str) -> str:
    """The package a module belongs to, one level below the top (``simulator.objectscript``), for the
    package-level graph; top-level modules of a package count as the package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]


def report(root: Path, packages: Iterable[str] = PACKAGES, parents: bool = False) -> dict:
    modules, edges = import_edges(root, packages, parents)
    eager = [edge for edge, deferred in edges.items() if not deferred]
    groups = defaultdict(set)
    for a, b in eager:
        if group_of(a) != group_of(b):
            groups[group_of(a)].add(group_of(b))
    per_package = {
        package: {
            "modules": sum(1 for m in modules if m.split(".")[0] == package),
            "imports": sorted({b.split(".")[0] for a, b in eager if a.split(".")[0] == package} - {package}),
            "deferred_only": sorted(
                {b.split(".")[0] for a, b in edges if a.split(".")[0] == package}
                - {b.split(".")[0] for a, b in eager if a.split(".")[0] == package}
                - {package}
            ),
        }
        for package in packages
        if (root / package).is_dir()
    }
    return {
        "root": str(root),
        "modules": len(modules),
        "edges": len(edges),
        "deferred_edges": len(edges) - len(eager),
        "rings_all_imports": rings(modules, edges),
        "rings_eager_imports": rings(modules, eager),
        "package_rings": rings({group_of(m) for m in modules}, [(a, b) for a in groups for b in groups[a]]),
        "packages": per_package,
        "edge_list": sorted(f"{a} -> {b}{' (deferred)' if d else ''}" for (a, b), d in edges.items()),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--edges", action="store_true", help="print every module -> module edge")
    parser.add_argument("--json", action="store_true", help="everything as one JSON object")
    parser.add_argument("--parents", action="store_true", help="count each module as importing its package")
    args = parser.parse_args(argv)
    packages = [p for p in PACKAGES if (args.root / p).is_dir()]
    result = report(args.root, packages, args.parents)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{result['root']}: {result['modules']} modules in {', '.join(packages)}")
    print(f"{result['edges']} module -> module imports, {result['deferred_edges']} deferred (inside a def)")
    for package, info in result["packages"].items():
        imports = ", ".join(info["imports"]) or "no other package"
        later = f"; in a def only: {', '.join(info['deferred_only'])}" if info["deferred_only"] else ""
        print(f"  {package}: {info['modules']} modules, imports {imports}{later}")
    for label, key in (("import rings, all imports", "rings_all_imports"),
                       ("import rings, deferred imports left out", "rings_eager_imports"),
                       ("package-level rings (eager imports)", "package_rings")):
        found = result[key]
        print(f"{label}: {len(found)}" + "".join(f"\n  {len(r)}: {' '.join(r)}" for r in found))
    if args.edges:
        print("\n".join(result["edge_list"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
