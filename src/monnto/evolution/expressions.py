"""Bounded arithmetic over genes: the evaluator of constraint expressions.

A constraint (``'b >= a'``, ``'abs(c - d) < 2'``) may come from a shared
storage written by someone else, so it is never handed to ``eval``. It is
parsed with :mod:`ast`, checked against a short list of node types, and
walked by :func:`evaluate`, which refuses work that does not finish at once:

- the text is at most :data:`MAX_EXPRESSION_CHARS` characters and its tree
  at most :data:`MAX_NODES` nodes;
- constants are numbers (no strings, so no ``'x' * 10**9``);
- ``x ** y`` needs ``|y| <= MAX_EXPONENT``, and an integer power or product
  may not grow past :data:`MAX_INT_BITS` bits (``9**9**9`` and
  ``10**10**8`` are refused before any work is done);
- ``round(x, n)`` needs ``|n| <= MAX_ROUND_DIGITS`` (``round(5, -10**8)``
  would compute ``10**(10**8)``).

A refused or undefined computation (``log(-1)``, an overflow) raises
:class:`ExpressionError`, a :class:`~monnto.core.errors.MonntoValueError`
naming the expression, the operation and the values.
"""
from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from monnto.core.errors import MonntoValueError, short_repr

#: Longest expression text accepted (characters).
MAX_EXPRESSION_CHARS = 500
#: Most AST nodes in one expression.
MAX_NODES = 200
#: Largest ``|exponent|`` of ``**``.
MAX_EXPONENT = 1000
#: Largest integer an expression may compute, in bits.
MAX_INT_BITS = 4096
#: Largest ``|ndigits|`` of ``round(x, ndigits)``.
MAX_ROUND_DIGITS = 30

#: Functions an expression may call.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs, "min": min, "max": max, "round": round,
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log,
}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_ALLOWED = (ast.Expression, ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Constant,
            ast.Call, ast.And, ast.Or, *_BINARY, *_COMPARE, *_UNARY)


class ExpressionError(MonntoValueError):
    """An expression is malformed, too large, or asks for unbounded or undefined work."""


def _refuse(owner: str, text: str, what: str) -> ExpressionError:
    return ExpressionError(f"{owner} {text!r} {what}")


def parse(text: Any, names: Iterable[str], owner: str = "Evolution: constraint") -> ast.Expression:
    """Parse and check ``text``; return its tree for :func:`evaluate`.

    Parameters
    ----------
    text : str
        The expression, e.g. ``'b >= a'``.
    names : iterable of str
        The variables it may use (the genes).
    owner : str
        How messages name the expression (``"Evolution: constraint"``).

    Raises
    ------
    MonntoTypeError, ExpressionError
        When ``text`` is not a string, too long, not an expression, or uses
        a node, function or name that is not allowed.
    """
    if not isinstance(text, str):
        from monnto.core.errors import bad_type

        raise bad_type(owner.split(":")[0], "a constraint", text, "a string like 'b>=a'")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise _refuse(owner, short_repr(text, 60), f"has {len(text)} characters; at most "
                      f"{MAX_EXPRESSION_CHARS} are allowed")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise _refuse(owner, text, f"is not a valid expression ({err.msg})") from None
    except (RecursionError, MemoryError):
        raise _refuse(owner, text, "is nested too deeply") from None
    names = set(names)
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise _refuse(owner, text, f"has {len(nodes)} parts; at most {MAX_NODES} are allowed")
    for node in nodes:
        if not isinstance(node, _ALLOWED):
            raise _refuse(owner, text, f"uses {type(node).__name__}, which is not allowed; "
                          "use comparisons and arithmetic over gene names")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                               or not isinstance(node.value, (int, float))):
            raise _refuse(owner, text, f"holds the constant {short_repr(node.value, 40)}; only numbers are allowed")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
                                               and not node.keywords):
            raise _refuse(owner, text, f"calls a function that is not one of {sorted(FUNCTIONS)} "
                          "(positional arguments only)")
        if isinstance(node, ast.Name) and node.id not in names and node.id not in FUNCTIONS:
            raise _refuse(owner, text, f"names unknown gene {node.id!r}; the genes are {sorted(names)}")
    return tree


def _check_number(value: Any, owner: str, text: str, what: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refuse(owner, text, f"gets {what} = {short_repr(value, 40)}; expected a number")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _refuse(owner, text, f"computes an integer of {value.bit_length()} bits; "
                      f"at most {MAX_INT_BITS} are allowed")
    return value


def _power(base: Any, exponent: Any, owner: str, text: str) -> Any:
    if abs(exponent) > MAX_EXPONENT:
        raise _refuse(owner, text, f"raises {short_repr(base, 30)} to the power {short_repr(exponent, 30)}; "
                      f"|exponent| must be at most {MAX_EXPONENT}")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        bits = base.bit_length() * exponent
        if bits > MAX_INT_BITS:
            raise _refuse(owner, text, f"computes {base}**{exponent}, an integer of about {bits} bits; "
                          f"at most {MAX_INT_BITS} are allowed")
    return base ** exponent


def _multiply(left: Any, right: Any, owner: str, text: str) -> Any:
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise _refuse(owner, text, f"multiplies integers of {left.bit_length()} and {right.bit_length()} bits; "
                      f"at most {MAX_INT_BITS} bits are allowed")
    return left * right


def _call(name: str, args: list[Any], owner: str, text: str) -> Any:
    if name == "round" and len(args) == 2:
        digits = args[1]
        if not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS:
            raise _refuse(owner, text, f"calls round(x, {short_repr(digits, 30)}); ndigits must be an int "
                          f"with |ndigits| <= {MAX_ROUND_DIGITS}")
    return FUNCTIONS[name](*args)


def evaluate(tree: ast.Expression, values: Mapping[str, Any], text: str = "",
             owner: str = "Evolution: constraint") -> Any:
    """Evaluate a tree from :func:`parse` with ``values`` for its names, within the bounds above.

    Raises
    ------
    ExpressionError
        When the expression asks for unbounded work, or an operation is
        undefined for these values (``log(-1)``, an overflow, a division by 0).
    """

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in values:
                return _check_number(values[node.id], owner, text, f"gene {node.id!r}")
            raise _refuse(owner, text, f"needs gene {node.id!r}, which the genome {short_repr(dict(values), 60)} "
                          "does not have")
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](walk(node.operand))
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return all(walk(v) for v in node.values)
            return any(walk(v) for v in node.values)
        if isinstance(node, ast.Compare):
            left = walk(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = walk(right_node)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BinOp):
            left = _check_number(walk(node.left), owner, text, "an operand")
            right = _check_number(walk(node.right), owner, text, "an operand")
            if isinstance(node.op, ast.Pow):
                result = _power(left, right, owner, text)
            elif isinstance(node.op, ast.Mult):
                result = _multiply(left, right, owner, text)
            else:
                result = _BINARY[type(node.op)](left, right)
            return _check_number(result, owner, text, "a result")
        if isinstance(node, ast.Call):
            args = [_check_number(walk(a), owner, text, "an argument") for a in node.args]
            return _check_number(_call(node.func.id, args, owner, text), owner, text, "a result")
        raise _refuse(owner, text, f"uses {type(node).__name__}, which is not allowed")

    try:
        return walk(tree)
    except ExpressionError:
        raise
    except (ArithmeticError, ValueError, TypeError) as err:
        raise _refuse(owner, text, f"cannot be evaluated for the genome {short_repr(dict(values), 60)}: "
                      f"{type(err).__name__}: {err}") from None
