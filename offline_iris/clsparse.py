"""Parse the ObjectScript ``.cls`` text that the real pyprod loader generates.

docs/pyprod-runtime.md §1.4 lists what the loader emits per kind of class: the ``Class X Extends Y`` line,
``Property ... As T [InitialExpression = ...]``, ``Parameter NAME [As T] = v``, ``Parameter SETTINGS``,
``XData MessageMap``, the stub ``Method``s (whose bodies name the Python helper they call) and, for a
``Production`` subclass, ``XData ProductionDefinition``. This is a small parser for exactly that dialect,
not a general ObjectScript parser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .errors import OfflineIRISError


class ClsParseError(OfflineIRISError, ValueError):
    """The text is not a class definition this parser understands."""


@dataclass
class PropDef:
    name: str
    type: str = "%VarString"
    has_initial: bool = False
    initial: Any = ""
    description: str = ""


@dataclass
class ParamDef:
    name: str
    value: Any = ""
    type: str = ""
    description: str = ""


@dataclass
class ArgDef:
    name: str
    type: str = ""
    output: bool = False
    default: Optional[str] = None


@dataclass
class MethodDef:
    name: str
    args: List[ArgDef] = field(default_factory=list)
    body: str = ""
    classmethod: bool = False
    helper: str = ""  # the pyprod helper the stub calls (docs/pyprod-runtime.md §2.1), e.g. "AnyMethodHelper"
    py_name: str = ""  # the Python method name passed to AnyMethodHelper


@dataclass
class ClassDef:
    name: str
    extends: List[str] = field(default_factory=list)
    properties: Dict[str, PropDef] = field(default_factory=dict)
    parameters: Dict[str, ParamDef] = field(default_factory=dict)
    methods: Dict[str, MethodDef] = field(default_factory=dict)
    xdata: Dict[str, str] = field(default_factory=dict)
    indices: List[str] = field(default_factory=list)
    source: str = ""
    builtin: bool = False

    @property
    def package(self) -> str:
        return self.name.rpartition(".")[0]

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]

    @property
    def own_settings(self) -> List[str]:
        """Entries of this class's own ``Parameter SETTINGS`` (docs/pyprod-runtime.md §1.4 grammar)."""
        p = self.parameters.get("SETTINGS")
        if p is None or not str(p.value).strip():
            return []
        return [s.strip() for s in str(p.value).split(",") if s.strip()]

    @property
    def message_map(self) -> List[Tuple[str, str]]:
        """``XData MessageMap`` as ``[(MessageType, Method)]`` in document order (
        docs/pyprod-runtime.md §1.4)."""
        text = self.xdata.get("MessageMap")
        if not text:
            return []
        root = ET.fromstring(text.strip())
        out = []
        for item in root.iter("MapItem"):
            meth = item.findtext("Method") or ""
            out.append((item.get("MessageType", ""), meth.strip()))
        return out

    @property
    def script(self) -> Tuple[str, str, str]:
        """(ScriptPath, ScriptName, PythonClassName) read from the generated OnInit / BP properties."""
        path = name = pycls = ""
        oninit = self.methods.get("OnInit")
        if oninit is not None:
            m = re.search(r'_add_to_sys_path"\s*,\s*"((?:[^"]|"")*)"', oninit.body)
            if m:
                path = m.group(1).replace('""', '"')
            m = re.search(r'Import\("((?:[^"]|"")*)"\)', oninit.body.split("_add_to_sys_path", 1)[-1])
            if m:
                name = m.group(1)
            m = re.search(r"PyLib\.(\w+)\(\$this\)", oninit.body)
            if m:
                pycls = m.group(1)
        if "PythonModuleOrScript" in self.properties:
            name = str(self.properties["PythonModuleOrScript"].initial)
        if "PythonClassName" in self.properties:
            pycls = str(self.properties["PythonClassName"].initial)
        return path, name, pycls


_CLASS_RE = re.compile(r"^\s*Class\s+([\w.%]+)\s+Extends\s+(\([^)]*\)|[\w.%]+)", re.M)


_BRACES = re.compile(r"[{}]")
_BRACES_AND_QUOTES = re.compile(r'["{}]')
_STATEMENT_END = re.compile(r'[";]')
_SPACE = re.compile(r"\s*")
_MEMBER = re.compile(r"(Property|Parameter|Index|INDEX|ClassMethod|Method|XData)\b")


def _match_brace(text: str, start: int, quotes: bool) -> int:
    """Index just past the ``}`` matching the ``{`` at ``start`` (braces inside quotes do not count when
    ``quotes``). Only braces and quotes are visited: a class text is tens of kilobytes."""
    depth = 0
    in_q = False
    for found in (_BRACES_AND_QUOTES if quotes else _BRACES).finditer(text, start):
        c = found.group()
        if c == '"':
            in_q = not in_q
        elif not in_q:
            if c == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return found.end()
    raise ClsParseError("unbalanced braces")


def _read_statement(text: str, pos: int) -> Tuple[str, int]:
    """Read up to the ``;`` that ends a Property/Parameter/Index (quote-aware); the generator always ends
    statements with ``;``, and a statement without one runs to the end of the text."""
    in_q = False
    for found in _STATEMENT_END.finditer(text, pos):
        if found.group() == '"':
            in_q = not in_q
        elif not in_q:
            return text[pos:found.start()], found.end()
    return text[pos:], len(text)


def parse_literal(raw: str) -> Any:
    """ObjectScript literal → Python: ``"a""b"`` → ``a"b``; numbers → int/float; else raw text."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
        return raw[1:-1].replace('""', '"')
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def _split_top(s: str, sep: str = ",") -> List[str]:
    out, depth, in_q, cur = [], 0, False, []
    for c in s:
        if c == '"':
            in_q = not in_q
        if not in_q:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            elif c == sep and depth == 0:
                out.append("".join(cur))
                cur = []
                continue
        cur.append(c)
    if "".join(cur).strip():
        out.append("".join(cur))
    return out


def _parse_args(sig: str) -> List[ArgDef]:
    args = []
    for part in _split_top(sig):
        part = part.strip()
        if not part:
            continue
        output = False
        m = re.match(r"(Output|ByRef)\s+", part)
        if m:
            output = True
            part = part[m.end() :]
        default = None
        pieces = _split_top(part, "=")
        if len(pieces) > 1:
            part, default = pieces[0], "=".join(pieces[1:]).strip()
        m = re.match(r"([%\w]+)(?:\s+As\s+([%\w.]+))?", part.strip())
        if not m:
            continue
        args.append(ArgDef(m.group(1), m.group(2) or "", output, default))
    return args


_HELPERS = (
    "OnTaskHelper",
    "OnProcessInputHelper",
    "OnRequestHelper",
    "OnResponseHelper",
    "OnMessageHelper",
    "AnyMethodHelper",
)


def parse_cls(text: str) -> ClassDef:
    """Parse one class definition (the loader sends one class per stream, docs/pyprod-runtime.md §1.1)."""
    m = _CLASS_RE.search(text)
    if not m:
        raise ClsParseError("no 'Class X Extends Y' line found")
    name = m.group(1)
    ext = m.group(2).strip("() ")
    extends = [e.strip() for e in ext.split(",") if e.strip()]
    cdef = ClassDef(name=name, extends=extends, source=text)
    brace = text.find("{", m.end())
    if brace < 0:
        raise ClsParseError(f"{name}: no class body")
    end = _match_brace(text, brace, quotes=False)
    body = text[brace + 1 : end - 1]
    pos = 0
    doc: List[str] = []
    while pos < len(body):  # positions into body, never slices of the rest of it (a class is tens of kB)
        pos = _SPACE.match(body, pos).end()
        if pos >= len(body):
            break
        if body.startswith("///", pos):
            nl = body.find("\n", pos)
            line = body[pos:] if nl < 0 else body[pos:nl]
            doc.append(line[3:].strip())
            pos += len(line)
            continue
        kw = _MEMBER.match(body, pos)
        if not kw:
            nl = body.find("\n", pos)
            pos = len(body) if nl < 0 else nl + 1
            continue
        word = kw.group(1)
        if word in ("Property", "Parameter", "Index", "INDEX"):
            stmt, pos2 = _read_statement(body, pos)
            pos = pos2
            if word == "Property":
                _add_property(cdef, stmt, " ".join(doc))
            elif word == "Parameter":
                _add_parameter(cdef, stmt, " ".join(doc))
            else:
                cdef.indices.append(stmt.strip())
            doc = []
            continue
        # Method / ClassMethod / XData: a header followed by a {...} block
        ob = body.find("{", pos)
        if ob < 0:
            raise ClsParseError(f"{name}: {word} without a body")
        header = body[pos:ob]
        close = _match_brace(body, ob, quotes=(word != "XData"))
        block = body[ob + 1 : close - 1]
        pos = close
        if word == "XData":
            xname = header.split()[1] if len(header.split()) > 1 else ""
            cdef.xdata[xname] = block.strip()
        else:
            _add_method(cdef, header, block, word == "ClassMethod")
        doc = []
    return cdef


def _add_property(cdef: ClassDef, stmt: str, doc: str) -> None:
    m = re.match(r"\s*Property\s+([%\w]+)(?:\s+As\s+([%\w.]+)(\s*\([^)]*\))?)?\s*(\[(.*)\])?", stmt, re.S)
    if not m:
        return
    prop = PropDef(name=m.group(1), type=m.group(2) or "%String", description=doc)
    kws = m.group(5) or ""
    im = re.search(r'InitialExpression\s*=\s*("(?:[^"]|"")*"|[^,\]]+)', kws)
    if im:
        prop.has_initial = True
        prop.initial = parse_literal(im.group(1))
    cdef.properties[prop.name] = prop


def _add_parameter(cdef: ClassDef, stmt: str, doc: str) -> None:
    m = re.match(
        r"\s*Parameter\s+([%\w]+)\s*(?:As\s+([%\w.]+))?\s*(?:\[[^\]]*\])?\s*(?:=\s*(.*))?$",
        stmt.strip(),
        re.S,
    )
    if not m:
        return
    value = parse_literal(m.group(3)) if m.group(3) is not None else ""
    cdef.parameters[m.group(1)] = ParamDef(m.group(1), value, m.group(2) or "", doc)


def _add_method(cdef: ClassDef, header: str, block: str, is_class: bool) -> None:
    m = re.match(r"\s*(?:Class)?Method\s+([%\w]+|\"[^\"]+\")\s*\(", header)
    if not m:
        return
    # argument list: balanced parentheses after the name
    start = m.end() - 1
    depth, i = 0, start
    while i < len(header):
        if header[i] == "(":
            depth += 1
        elif header[i] == ")":
            depth -= 1
            if depth == 0:
                break
        i += 1
    meth = MethodDef(
        name=m.group(1).strip('"'), args=_parse_args(header[start + 1 : i]), body=block, classmethod=is_class
    )
    for h in _HELPERS:
        if h in block:
            meth.helper = h
            break
    am = re.search(r'AnyMethodHelper\(\s*\w+\s*,\s*"([^"]+)"\s*\)', block)
    if am:
        meth.py_name = am.group(1)
    cdef.methods[meth.name] = meth
