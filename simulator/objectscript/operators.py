"""Binary operators: ObjectScript has no precedence, so the parser applies these strictly left to right."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import ObjectScriptError, syntax_error
from .values import DECIMAL_CONTEXT as _CTX
from .values import Value, as_bool, to_num, to_str, truth

# Longest first: the parser takes the first that matches, so ``**`` wins over ``*``, ``<=`` over ``<``.
#: IRIS's longest string (RERR_SYSTEM, <MAXSTRING>): a concatenation past it is ``<MAXSTRING>``.
MAX_STRING = 3_641_144

BINARY_OPS = sorted(
    ["_", "+", "-", "*", "/", "\\", "#", "**", "=", "<", ">", "<=", ">=", "[", "]", "]]", "&", "&&", "!"]
    + ["||", "'=", "'<", "'>", "'[", "']", "']]", "'&", "'!"],
    key=len,
    reverse=True,
)


def _floor_div(a: Decimal, b: Decimal) -> Decimal:
    return (a / b).to_integral_value(rounding="ROUND_FLOOR")


def _arithmetic(op: str, a: Decimal, b: Decimal) -> Decimal:
    if op in ("/", "\\", "#") and b == 0:
        raise ObjectScriptError("DIVIDE")
    try:
        if op == "+":
            return _CTX.add(a, b)
        if op == "-":
            return _CTX.subtract(a, b)
        if op == "*":
            return _CTX.multiply(a, b)
        if op == "/":
            return _CTX.divide(a, b)
        if op == "\\":
            return _CTX.divide_int(a, b)
        if op == "#":  # modulo takes the sign of the divisor
            return _CTX.subtract(a, _CTX.multiply(b, _floor_div(a, b)))
        return _CTX.power(a, b)
    except (InvalidOperation, ArithmeticError) as exc:
        raise ObjectScriptError("ILLEGAL VALUE") from exc


def _relation(base: str, left: Value, right: Value) -> bool:
    if base == "=":
        return to_str(left) == to_str(right)
    if base == "<":
        return to_num(left) < to_num(right)
    if base == ">":
        return to_num(left) > to_num(right)
    if base == "<=":
        return to_num(left) <= to_num(right)
    if base == ">=":
        return to_num(left) >= to_num(right)
    if base == "[":
        return to_str(right) in to_str(left)
    if base in ("]", "]]"):
        return to_str(left) > to_str(right)
    if base in ("&", "&&"):
        return truth(left) and truth(right)
    if base in ("!", "||"):
        return truth(left) or truth(right)
    raise syntax_error()  # pragma: no cover - the parser only produces known operators


def apply_binary(op: str, left: Value, right: Value) -> Value:
    """Apply one binary operator; a leading ``'`` negates a relational or logical one."""
    if op == "_":
        text = to_str(left) + to_str(right)
        if len(text) > MAX_STRING:
            raise ObjectScriptError("MAXSTRING")
        return text
    if op in ("+", "-", "*", "/", "\\", "#", "**"):
        return _arithmetic(op, to_num(left), to_num(right))
    negate = op.startswith("'")
    base = op[1:] if negate else op
    return as_bool(_relation(base, left, right) != negate)
