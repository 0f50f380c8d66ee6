"""The runtime's modules form no import circle: the engine imports its parts, the parts import only
the small interfaces in ``ports``/``hooks`` (type-only imports included, since a circle there still
ties the modules together for readers and type checkers)."""

import ast
import os

import offline_iris as runtime_pkg

PKG_DIR = os.path.dirname(runtime_pkg.__file__)


def _imports(path):
    """Sibling modules a module imports (``from . import x``, ``from .x import y``), at any depth."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def _graph():
    graph = {}
    for name in os.listdir(PKG_DIR):
        if name.endswith(".py") and name != "__init__.py":
            graph[name[:-3]] = _imports(os.path.join(PKG_DIR, name))
    return graph


def _find_cycle(graph):
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_module_of_the_runtime_imports_one_that_imports_it_back():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_only_the_facade_imports_the_engine():
    importers = sorted(m for m, deps in _graph().items() if "engine" in deps)
    assert importers == ["runtime"]


def test_the_cycle_finder_sees_a_circle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
