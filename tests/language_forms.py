"""Generators of ObjectScript that uses the language issue 17 added to the simulator (whitespace inside
arguments, JSON literals, $LIST, NEW, LOCK, $ETRAP/$ECODE, indirection, XECUTE strings) wrapped around
payloads that switch namespace or HALT, and the oracle that runs a command in the simulator's interpreter and
reports every namespace it entered and whether it halted.

Used by the differential tests in tests/policy/test_red_team.py and tests/policy/test_readings_fuzz.py
(hypothesis strategies, run_in_the_simulator), by tests/policy/test_fuzz_findings.py and by
tests/benchmarks/policy_fuzz.py (the same building blocks drawn with ``random`` for long one-off runs).
Kept apart from that file's own generators so changes to either merge without conflict.
"""

from __future__ import annotations

import random
import re
from typing import Callable, List, Set, Tuple

from hypothesis import strategies as st

from simulator.objectscript import Halt, ReadRequest, Session

#: What the policy must never let through: every way the interpreter can switch namespace or HALT.
PAYLOADS = [
    'zn "%SYS"', 'znspace "%SYS"', 'ZN "%sys"', 'set $namespace="%SYS"', 'set $NAMESPACE = "%SYS"',
    's $namespace = "%SYS"', "set ($namespace) = \"%SYS\"", 'set x=1, $namespace = "%SYS"', "halt", "h",
    "HALT", "h:1", 'new $namespace set $namespace="%SYS"', 'new $namespace zn "%SYS"',
    'set $etrap="zn ""%SYS""" write 1/0', 'set $et = "halt" w 1/0', 'set $etrap="h" set $ecode="x"',
    'x "zn ""%SYS"""', 'xecute "halt"', 'x:1 "h"', 'x "x ""halt"""',
    'set n="%SYS" zn n', 'set l=$lb("%SYS") zn $li(l)', 'set o={"ns":"%SYS"} zn o.ns', 'zn {"n":"%SYS"}.n',
    'zn $lts($lb("%SYS"))', 'set v="n",n="%SYS" zn @v', 'zn:1 "%SYS"', 'zn:(1 = 1) "%SYS"',
    'set $namespace=$zcvt("%sys","U")', 'set (x("="),$namespace)="%SYS"', 'set (x(1=1), $namespace) = "%SYS"',
    'set (y(","),$etrap)="h" write 1/0',
]  # fmt: skip

#: Code built at run time (``xecute x``, ``set $etrap=x``): these reach a denied capability that no
#: text-reading policy can read, so the policy denies them under any pattern (docs/policy.md §7).
RUNTIME_ONLY = ['set c = "zn ""%SYS""" x c', "x $c(104)", 'set cmd = "zn ""%SYS""" xecute cmd',
                'x "z"_"n ""%SYS"""', 'set $etrap = $reverse("h") write 1/0', 'x $piece("w|h","|",2)']

#: Forms around a payload ``{P}``; ``{Q}`` is the payload with its quotes doubled (inside a string).
WRAPPERS = [
    "{P}", "write 1 {P}", "write 1, 2  {P}", "set x = 1 {P}", "set a = 1 , b = 2 {P}", "if 1 {{ {P} }}",
    "if 1 = 1 {{ {P} }}", "if 1  {P}", "for i = 1:1:1 {{ {P} }}", "try {{ {P} }} catch {{ }}",
    "try {{ write 1/0 }} catch e {{ {P} }}", "while 1 {{ {P} quit }}", "do {{ {P} }} while 0",
    'write {{"a":"\\""}}.a {P}', 'set o = {{"a":"}}"}} {P}', 'set o = ["]", "\\\\"] {P}',
    'write $lb("a", "}}") {P}',
    'set l = $lb(1,,"x") write $ll(l) {P}', "new x {P}", "new (x) {P}", "lock +^l:0 {P}", "lock  {P}",
    'x "{Q}"', 'xecute:1 "{Q}"', 'x "x ""{QQ}"""',
    'set $etrap = "{Q}" write 1/0', 'set x = "write 1" x x  {P}', 'write:1 "a" {P}', "quit:0  {P}",
    "write 1 ; {P}", "write 1 // {P}", "write 1 /* {P} */", 'write "{Q}" {P}', "set v=\"x\" set @v = 1 {P}",
    'set g = "^g" set @g@(1) = 2 {P}', 'write $query(^g("")) {P}', "if $lv($lb(1)) {{ {P} }}",
    "if {{}}.%Size() = 0 {{ {P} }}", "write {{}}.%ToJSON() {P}",
    # code built at run time from the payload (docs/policy.md §7): concatenation, $REVERSE, $CHAR, a variable
    "x {S}", "xecute:1 {R}", "x {C}", "set c = {S} x c", "set $etrap = {R} write 1/0",
    'set $et = "" set $et = $et_{S} set x = 1/0', 'write $xecute({S})', "x ({R}):1",
    # long literals before the payload: numbers in every spelling, a long string, a long $CHAR
    "write {N} {P}", "set x = {N}, y = {N} {P}", 'write "{L}" {P}', "write $length($char({K})) {P}",
    "if {N} {{ {P} }}", "write:{N} 1 {P}",
]  # fmt: skip

#: Numeric literals of every spelling IRIS reads (docs/policy.md §5): exponents, leading zeros, signs, ".5".
NUMBERS = ["1E+0005", ".5", "-.5E-5", "0" * 45 + "5", "+" * 20 + "1", "1" * 60, "5.00000000000000000001",
           "00000000000000000000000000000000000000000068", "1e5", "-0", "1E-0005"]

#: Whitespace and separator variants applied to a whole command.
MUTATIONS: List[Callable[[str], str]] = [
    lambda c: c,
    lambda c: c.replace("=", " = "),
    lambda c: c.replace(",", " , "),
    lambda c: c.replace(",", ",\t"),
    lambda c: c.replace("(", "( ").replace(")", " )"),
    lambda c: c.replace(" ", "  "),
    lambda c: c.replace(" ", "\t"),
    lambda c: c.upper(),
    lambda c: c.replace("{ ", "{").replace(" }", "}"),
    lambda c: c.replace(" {", "\r\n{"),
]


def quoted(payload: str) -> str:
    return payload.replace('"', '""')


def built(payload: str) -> dict:
    """Expressions whose value is ``payload``: split and concatenated, reversed, as $CHAR codes."""
    cut = max(1, len(payload) // 2)
    return {
        "S": '"' + quoted(payload[:cut]) + '"_"' + quoted(payload[cut:]) + '"',
        "R": '$reverse("' + quoted(payload[::-1]) + '")',
        "C": "$char(" + ",".join(str(ord(c)) for c in payload) + ")",
    }


def compose(payload: str, wrapper: str, mutation: Callable[[str], str], number: str = "1E+0005",
            length: int = 10_000) -> str:
    command = wrapper.format(P=payload, Q=quoted(payload), QQ=quoted(quoted(payload)), N=number,
                             L="a" * length, K=",".join(["65"] * (length // 10)), **built(payload))
    return mutation(command)


def commands() -> st.SearchStrategy:
    """One payload in one wrapper (sometimes two, nested), with one whitespace mutation."""
    one = st.builds(
        lambda p, w, inner, m, n, k: (compose(compose(p, inner, MUTATIONS[0], n, k), w, m, n, k) if inner
                                      else compose(p, w, m, n, k)),
        st.sampled_from(PAYLOADS),
        st.sampled_from(WRAPPERS),
        st.one_of(st.just(""), st.sampled_from(WRAPPERS)),
        st.sampled_from(MUTATIONS),
        st.sampled_from(NUMBERS),
        st.sampled_from([0, 10, 5000]),
    )
    return one


def random_command(rng: random.Random) -> str:
    """The same shapes as ``commands()``, drawn with ``random`` (for long runs outside hypothesis)."""
    payload = rng.choice(PAYLOADS)
    number, length = rng.choice(NUMBERS), rng.choice([0, 10, 5000])
    if rng.random() < 0.4:
        payload = compose(payload, rng.choice(WRAPPERS), MUTATIONS[0], number, length)
    return compose(payload, rng.choice(WRAPPERS), rng.choice(MUTATIONS), number, length)


class WatchedSession(Session):
    """A session that records every namespace it enters (a NEW $NAMESPACE may switch back before the end)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "namespace":
            self.__dict__.setdefault("entered", set()).add(value)
        object.__setattr__(self, name, value)


def run_watching(command: str, max_events: int = 500) -> Tuple[Set[str], bool, str]:
    """(namespaces entered, halted, output) when the interpreter runs ``command`` in USER."""
    session = WatchedSession(1, "USER", ["USER", "%SYS"], "IRIS")
    out: List[str] = []
    run = session.run(command)
    halted = False
    try:
        event = next(run)
        for _ in range(max_events):
            if isinstance(event, Halt):
                halted = True
                break
            text = getattr(event, "text", None)
            if isinstance(text, str):
                out.append(text)
            event = run.send("" if isinstance(event, ReadRequest) else None)
    except StopIteration:
        pass
    finally:
        run.close()
    return set(session.__dict__.get("entered", set())), halted, "".join(out)


def reached_a_denied_capability(command: str) -> bool:
    entered, halted, _ = run_watching(command)
    return halted or entered != {"USER"}


#: Pieces of the new language for free-form commands: each alone is harmless or a payload; the soup finds
#: readings nobody wrote a wrapper for.
SOUP_ATOMS = [
    'zn "%SYS"', "halt", "h", 'set $namespace="%SYS"', 'x "h"', "write 1", "set x = 2", 'w {"a":"\\""}.a',
    'w ["]"]', 'set o={"}":1}', "w $lb(1,,2)", 'w $lts($lb("a"))', "new x", "new (x)", "new $namespace",
    "lock +^l:0", "lock", 'set $etrap="h"', 'set $ecode=""', 'set v="x" set @v=1', "w @v", "if 1 {", "}",
    "try {", "} catch {", "for {", "do {", "} while 0", "quit", "w !", 'w "/*"', 'w "}"', "set x(1, 2) = 3",
]  # fmt: skip
SOUP_SEPARATORS = [" ", "  ", "\t", "\n", "\r\n", " ; c ", " // c ", " /* c */ ", " { ", " } ", "{", "}",
                   ":1 ", ",", ", ", " , ", '"', "(", ")", "=", " = ", "\\", '\\"', "[", "]", "@"]


def soups() -> st.SearchStrategy:
    parts = st.tuples(st.sampled_from(SOUP_ATOMS), st.sampled_from(SOUP_SEPARATORS))
    return st.lists(parts, min_size=1, max_size=6).map(lambda ps: "".join(a + s for a, s in ps))


def random_soup(rng: random.Random) -> str:
    return "".join(rng.choice(SOUP_ATOMS) + rng.choice(SOUP_SEPARATORS) for _ in range(rng.randint(1, 6)))


#: Classes of policy holes found but not yet closed (each also a strict xfail in tests/policy): the
#: differential skips them so it keeps looking for new classes. Empty: the one class found (a JSON array,
#: then a spaced SET $NAMESPACE) is closed, and the differential checks it again like any other command.
KNOWN_HOLES: List[re.Pattern] = []


def known_hole(command: str) -> bool:
    return any(pattern.search(command) for pattern in KNOWN_HOLES)


def run_in_the_simulator(command: str):
    """(namespace after, halted) when the simulator's interpreter runs ``command`` in USER."""
    session = Session(1, "USER", ["USER", "%SYS"], "IRIS")
    run = session.run(command)
    try:
        event = next(run)
        for _ in range(10000):
            if isinstance(event, Halt):
                return session.namespace, True
            event = run.send("" if isinstance(event, ReadRequest) else None)
    except StopIteration:
        pass
    return session.namespace, False
