"""Multidimensional arrays: one ``Store`` holds a process's locals, another a namespace's globals.

A variable is a tree of nodes; each node may hold a value and children keyed by subscript. Subscripts
collate as IRIS's default collation does (docs/simulator-objectscript.md §4): canonical numbers first
in numeric order, then strings in character order. ``$DATA``, ``$ORDER``, ``KILL``, ``MERGE`` and ``ZWRITE``
all work on this one structure, for locals and globals alike.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from decimal import Decimal
from typing import Dict, Iterator, List, Optional, Tuple

from .values import Value, is_canonical

Subs = Tuple[str, ...]


def collation_key(sub: str) -> tuple:
    """Canonical numbers before strings, numbers by value, strings by character order."""
    if is_canonical(sub):
        return (0, Decimal(sub), "")
    return (1, Decimal(0), sub)


class Node:
    """One node: its value (``None`` = no data) and its children in collation order."""

    __slots__ = ("value", "children", "_keys", "_sorted")

    def __init__(self) -> None:
        self.value: Optional[Value] = None
        self.children: Optional[Dict[str, Node]] = None
        self._keys: Optional[List[tuple]] = None  # collation keys of the children, sorted (lazy)
        self._sorted: Optional[List[str]] = None

    def child(self, sub: str) -> Node:
        children = self.children
        if children is None:
            children = self.children = {}
        node = children.get(sub)
        if node is None:
            node = children[sub] = Node()
            self._sorted = self._keys = None
        return node

    def drop(self, sub: str) -> None:
        if self.children is not None and self.children.pop(sub, None) is not None:
            self._sorted = self._keys = None
            if not self.children:
                self.children = None

    def empty(self) -> bool:
        return self.value is None and not self.children

    def ordered(self) -> Tuple[List[tuple], List[str]]:
        if self._sorted is None:
            subs = sorted(self.children or (), key=collation_key)
            self._sorted = subs
            self._keys = [collation_key(sub) for sub in subs]
        assert self._keys is not None
        return self._keys, self._sorted

    def next_sub(self, after: str, direction: int) -> str:
        """``$ORDER`` among the children: the next (1) or previous (-1) subscript, "" past the end."""
        if not self.children:
            return ""
        keys, subs = self.ordered()
        if direction >= 0:
            pos = 0 if after == "" else bisect_right(keys, collation_key(after))
            return subs[pos] if pos < len(subs) else ""
        pos = len(subs) - 1 if after == "" else bisect_left(keys, collation_key(after)) - 1
        return subs[pos] if pos >= 0 else ""


class Store:
    """Named trees: the locals of one process, or the globals of one namespace."""

    def __init__(self) -> None:
        self.roots: Dict[str, Node] = {}

    def node(self, name: str, subs: Subs) -> Optional[Node]:
        node = self.roots.get(name)
        for sub in subs:
            if node is None or node.children is None:
                return None
            node = node.children.get(sub)
        return node

    def get(self, name: str, subs: Subs = ()) -> Optional[Value]:
        """The value, or ``None`` when the node has no data."""
        node = self.node(name, subs)
        return None if node is None else node.value

    def set(self, name: str, subs: Subs, value: Value) -> None:
        node = self.roots.get(name)
        if node is None:
            node = self.roots[name] = Node()
        for sub in subs:
            node = node.child(sub)
        node.value = value

    def kill(self, name: str, subs: Subs = ()) -> None:
        """Remove the node and its descendants, then ancestors left without data or children."""
        if not subs:
            self.roots.pop(name, None)
            return
        path = [self.roots.get(name)]
        for sub in subs[:-1]:
            parent = path[-1]
            if parent is None or parent.children is None:
                return
            path.append(parent.children.get(sub))
        if path[-1] is None:
            return
        path[-1].drop(subs[-1])
        for depth in range(len(path) - 1, -1, -1):
            node = path[depth]
            if node is None or not node.empty():
                return
            if depth == 0:
                self.roots.pop(name, None)
            else:
                parent = path[depth - 1]
                assert parent is not None
                parent.drop(subs[depth - 1])

    def clear(self) -> None:
        self.roots.clear()

    def data(self, name: str, subs: Subs = ()) -> int:
        """``$DATA``: 0 undefined, 1 value only, 10 children only, 11 both."""
        node = self.node(name, subs)
        if node is None:
            return 0
        return (1 if node.value is not None else 0) + (10 if node.children else 0)

    def order(self, name: str, subs: Subs, direction: int) -> str:
        """``$ORDER(name(subs))``: the sibling subscript after (or before) the last one."""
        if not subs:
            names = sorted(self.roots)
            if direction >= 0:
                pos = 0 if name == "" else bisect_right(names, name)
                return names[pos] if pos < len(names) else ""
            pos = len(names) - 1 if name == "" else bisect_left(names, name) - 1
            return names[pos] if pos >= 0 else ""
        parent = self.node(name, subs[:-1])
        return "" if parent is None else parent.next_sub(subs[-1], direction)

    def walk(self, name: str, subs: Subs = ()) -> Iterator[Tuple[Subs, Value]]:
        """Every node with data at or under ``name(subs)``, in subscript tree order (ZWRITE, MERGE)."""
        node = self.node(name, subs)
        if node is not None:
            yield from _walk(node, subs)

    def names(self) -> List[str]:
        return sorted(self.roots)


def _walk(node: Node, subs: Subs) -> Iterator[Tuple[Subs, Value]]:
    if node.value is not None:
        yield subs, node.value
    if node.children:
        _, ordered = node.ordered()
        for sub in list(ordered):
            child = node.children.get(sub)
            if child is not None:
                yield from _walk(child, subs + (sub,))
