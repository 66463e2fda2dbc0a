"""Safe query strings over run parameters: ``'k>5'``, ``'k>5 and s=="x"'``.

A query is parsed with :mod:`ast` and evaluated by walking the tree; nothing
is ever passed to ``eval``. Allowed: parameter names, constants (numbers,
strings, True/False/None), tuples/lists of those (for ``in``), comparisons
(``== != < <= > >= in not in is is not``), ``and``, ``or``, ``not`` and a
unary minus. Anything else (calls, attributes, subscripts, arithmetic,
lambdas, comprehensions) raises ValueError naming the query.

A name that is not a parameter of a run evaluates to None; a comparison
that cannot be made (``None > 5``, ``'a' < 1``) is False.
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from ..core.errors import MonntoTypeError, MonntoValueError

__all__ = ["evaluate_query", "parse_query", "query_names"]

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
            ast.UAdd, ast.Compare, ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List,
            *_COMPARE)


def parse_query(query: str) -> ast.Expression:
    """Parse and check a query string; return its syntax tree.

    Raises
    ------
    ValueError
        When the query is not valid syntax or uses anything but names,
        constants, comparisons and and/or/not.
    """
    if not isinstance(query, str):
        raise MonntoTypeError(f"query: expected a str, got {type(query).__name__} {query!r}")
    try:
        tree = ast.parse(query.strip(), mode="eval")
    except SyntaxError as err:
        raise MonntoValueError(f"query {query!r}: not a valid expression ({err.msg}); expected "
                         "comparisons of parameter names with constants, e.g. 'k>5 and "
                         "s==\"x\"'") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise MonntoValueError(
                f"query {query!r}: {type(node).__name__} is not allowed; a query may only "
                "hold parameter names, constants, comparisons and and/or/not")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise MonntoValueError(f"query {query!r}: name {node.id!r} is not allowed")
    return tree


def query_names(tree: ast.Expression) -> set[str]:
    """Parameter names used in a parsed query."""
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _eval(node: ast.AST, lookup: Callable[[str], Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, lookup)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):  # pragma: no cover - parsed as Constant
            return {"True": True, "False": False, "None": None}[node.id]
        return lookup(node.id)
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_eval(e, lookup) for e in node.elts)
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, lookup) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, lookup)
        if isinstance(node.op, ast.Not):
            return not value
        try:
            return -value if isinstance(node.op, ast.USub) else +value
        except TypeError:
            return None
    if isinstance(node, ast.Compare):
        left = _eval(node.left, lookup)
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, lookup)
            try:
                ok = bool(_COMPARE[type(op)](left, right))
            except (TypeError, ValueError):
                return False
            if not ok:
                return False
            left = right
        return True
    raise MonntoValueError(f"query: {type(node).__name__} is not allowed")  # pragma: no cover


def evaluate_query(tree: ast.Expression, lookup: Callable[[str], Any]) -> bool:
    """Evaluate a parsed query with ``lookup(name)`` giving each name's value."""
    return bool(_eval(tree, lookup))
