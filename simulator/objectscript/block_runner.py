"""Running a block of commands (``run_block``, the dispatcher) and the commands that run blocks of their own.

Flow control: IF/ELSE (legacy and block), FOR, WHILE, DO/WHILE, QUIT, CONTINUE, TRY/CATCH, THROW, XECUTE.

What leaves what (docs/simulator-objectscript.md §2, §3): QUIT leaves the innermost loop,
TRY block or CATCH block, else the line; an IF block is transparent to it. CONTINUE starts the innermost
loop's next iteration. RETURN leaves the whole line. A runtime error inside a TRY block goes to its CATCH.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, List

from .classes.exception import exception_object, thrown_error
from .command_parser import Cmd, compile_input
from .commands import SIMPLE_COMMANDS
from .errors import ContinueSignal, ObjectScriptError, QuitSignal, ReturnSignal
from .events import TICK, Run
from .objects import Oref
from .process_commands import PROCESS_COMMANDS
from .values import DECIMAL_CONTEXT, to_num, to_str, truth

if TYPE_CHECKING:
    from .session import Session

_TICK_EVERY = 1000  # loop iterations between TICK events, so a busy loop stays interruptible


def run_block(s: Session, cmds: List[Cmd]) -> Run:
    """Run commands in order, skipping those whose postconditional is false."""
    for cmd in cmds:
        try:
            if cmd.cond is not None and not truth(cmd.cond.eval(s)):
                continue
            yield from RUNNERS[cmd.name](s, cmd)
        except ObjectScriptError as error:
            if error.position is None:  # the innermost command that failed (an error report may echo it)
                error.source, error.position = cmd.source, cmd.at
            raise
        if s.side_output:  # output written by a method call (DisplayError, Compile)
            out = s.emit("")
            if out:
                yield out


# -- conditions --
def _if(s: Session, cmd: Cmd) -> Run:
    if cmd.args:
        s.test = all(truth(cond.eval(s)) for cond in cmd.args)
    if s.test:
        yield from run_block(s, cmd.body)


def _else(s: Session, cmd: Cmd) -> Run:
    if not s.test:
        yield from run_block(s, cmd.body)


def _if_block(s: Session, cmd: Cmd) -> Run:
    """IF {…} ELSEIF {…} ELSE {…}: the first branch whose conditions all hold runs."""
    for conds, body in cmd.args:
        if conds is None or all(truth(cond.eval(s)) for cond in conds):
            yield from run_block(s, body)
            return


# -- loops --
def _for(s: Session, cmd: Cmd) -> Run:
    count = 0
    try:
        if not cmd.args:
            while True:
                yield from _iteration(s, cmd.body)
                count += 1
                if count % _TICK_EVERY == 0:
                    yield TICK
        var, params = cmd.args
        for start_expr, inc_expr, end_expr in params:
            start = start_expr.eval(s)
            if inc_expr is None:
                name, subs = var.key(s)
                s.locals.set(name, subs, start)
                yield from _iteration(s, cmd.body)
                continue
            value, inc = to_num(start), to_num(inc_expr.eval(s))
            end = to_num(end_expr.eval(s)) if end_expr is not None else None
            while end is None or (value <= end if inc >= 0 else value >= end):
                name, subs = var.key(s)
                s.locals.set(name, subs, value)
                yield from _iteration(s, cmd.body)
                count += 1
                if count % _TICK_EVERY == 0:
                    yield TICK
                current = s.locals.get(name, subs)
                value = DECIMAL_CONTEXT.add(value if current is None else to_num(current), inc)
    except QuitSignal:
        return


def _iteration(s: Session, body: List[Cmd]) -> Run:
    try:
        yield from run_block(s, body)
    except ContinueSignal:
        pass


def _while(s: Session, cmd: Cmd) -> Run:
    count = 0
    try:
        while all(truth(cond.eval(s)) for cond in cmd.args):
            yield from _iteration(s, cmd.body)
            count += 1
            if count % _TICK_EVERY == 0:
                yield TICK
    except QuitSignal:
        return


def _do_while(s: Session, cmd: Cmd) -> Run:
    count = 0
    try:
        while True:
            yield from _iteration(s, cmd.body)
            count += 1
            if count % _TICK_EVERY == 0:
                yield TICK
            if not all(truth(cond.eval(s)) for cond in cmd.args):
                return
    except QuitSignal:
        return


def _quit(s: Session, cmd: Cmd) -> Run:
    for expr in cmd.args:
        expr.eval(s)  # evaluated (it may fail), the value goes nowhere at the terminal
    raise QuitSignal()
    yield  # pragma: no cover


def _return(s: Session, cmd: Cmd) -> Run:
    for expr in cmd.args:
        expr.eval(s)
    raise ReturnSignal()
    yield  # pragma: no cover


def _continue(s: Session, cmd: Cmd) -> Run:
    raise ContinueSignal()
    yield  # pragma: no cover


# -- exceptions --
def _try(s: Session, cmd: Cmd) -> Run:
    var, catch_body = cmd.args
    try:
        yield from run_block(s, cmd.body)
        return
    except QuitSignal:  # QUIT in a TRY block continues after its CATCH block
        return
    except ObjectScriptError as error:
        caught = error
    oref = caught.thrown if caught.thrown is not None else exception_object(s, caught)
    if caught.thrown is None or caught.name != "THROW":
        s.zerror = caught.zerror  # system errors set $ZERROR; a user THROW leaves it (RCOS_cthrow)
    if var is not None:
        name, subs = var.key(s)
        s.locals.set(name, subs, oref)
    try:
        yield from run_block(s, catch_body)
    except QuitSignal:  # QUIT in a CATCH block leaves the CATCH block
        return


def _throw(s: Session, cmd: Cmd) -> Run:
    if not cmd.args:
        raise ObjectScriptError("COMMAND")  # argumentless THROW: deprecated, nothing to rethrow here
    value = cmd.args[0].eval(s)
    if not isinstance(value, Oref):
        raise ObjectScriptError("INVALID OREF") if to_str(value) else ObjectScriptError("COMMAND")
    raise thrown_error(value)
    yield  # pragma: no cover


# -- XECUTE --
def _xecute(s: Session, cmd: Cmd) -> Run:
    """XECUTE runs each string as a line of its own; QUIT ends that string, errors propagate."""
    for code_expr, cond in cmd.args:
        if cond is not None and not truth(cond.eval(s)):
            continue
        program = compile_input(to_str(code_expr.eval(s)))
        s.xecute_depth += 1
        if s.xecute_depth > _MAX_XECUTE_DEPTH:
            s.xecute_depth = 0
            raise ObjectScriptError("FRAMESTACK")
        try:
            for line in program.lines:
                yield from run_block(s, line)
            if program.error is not None:
                raise program.fresh_error()
        except QuitSignal:
            pass
        finally:
            s.xecute_depth = max(s.xecute_depth - 1, 0)


_MAX_XECUTE_DEPTH = 100  # a string that xecutes itself ends in <FRAMESTACK>, as IRIS's frame stack does


FLOW_COMMANDS: Dict[str, Callable[[Session, Cmd], Run]] = {
    "IF": _if, "ELSE": _else, "IFBLOCK": _if_block, "FOR": _for, "WHILE": _while, "DOWHILE": _do_while,
    "QUIT": _quit, "RETURN": _return, "CONTINUE": _continue, "TRY": _try, "THROW": _throw,
    "XECUTE": _xecute,
}  # fmt: skip

#: Every command by its canonical name: what ``run_block`` dispatches on.
RUNNERS: Dict[str, Callable[[Session, Cmd], Run]] = {**SIMPLE_COMMANDS, **PROCESS_COMMANDS, **FLOW_COMMANDS}
