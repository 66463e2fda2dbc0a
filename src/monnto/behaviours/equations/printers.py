"""Printers of the equation emitter: one expression language, one printer per target.

The analysis (parser, units, integrators: sympy) turns every equation,
condition and statement into a *program* (:mod:`.emit`): plain data whose
leaves are expression strings in one small language, the one sympy's numpy
printer writes (:class:`.codegen.CodePrinter`)::

    numpy.exp(-0.001*tau**(-1.0))*v + clip(w, 0, 1)
    ((numpy.greater(v, 0.02)) & (numpy.logical_not(_nr)))

Each target has a printer that renders an expression of that language in
its own form:

* :class:`NumpyPrinter` (numpy and torch arrays, whole groups at once):
  the text as it is, after checking it;
* :class:`ScalarPrinter` (one element per loop iteration, the numba
  target): ``numpy.exp`` becomes ``math.exp``, comparisons become operators,
  ``clip`` / ``sign`` / ``_phi1`` become small scalar helpers, ``x**2``
  becomes ``x*x`` and ``x**(-1.0)`` ``1.0/x`` (the forms numpy computes for
  those powers, so both targets get the same numbers).

Both printers first check the expression against a fixed grammar
(:func:`check_expression`): names, numbers, arithmetic, comparisons and the
listed functions only. A program read back from the equation cache
(:mod:`.eqcache`) goes through the same check, so nothing but this grammar
can reach generated code.
"""

from __future__ import annotations

import ast

__all__ = ["NUMPY_FUNCTIONS", "NotCompilable", "NumpyPrinter", "ScalarPrinter", "check_expression"]

#: ``numpy.<name>(x)`` of one argument, and the scalar function each becomes
NUMPY_FUNCTIONS = {
    "exp": "math.exp", "log": "math.log", "sqrt": "math.sqrt", "sin": "math.sin", "cos": "math.cos",
    "tan": "math.tan", "sinh": "math.sinh", "cosh": "math.cosh", "tanh": "math.tanh",
    "arcsin": "math.asin", "arccos": "math.acos", "arctan": "math.atan", "sign": "_eq_sign",
    "abs": "abs", "absolute": "abs", "logical_not": "not", "floor": "math.floor", "ceil": "math.ceil",
    "log1p": "math.log1p", "expm1": "math.expm1", "log2": "math.log2", "log10": "math.log10",
}
#: other numpy functions sympy's printer may write; allowed, but without a scalar form
_NUMPY_OTHER = frozenset({"select", "amax", "amin", "maximum", "minimum", "heaviside", "mod", "power", "hypot",
                          "arctan2", "exp2"})
_COMPARISONS = {"greater": ast.Gt, "less": ast.Lt, "greater_equal": ast.GtE, "less_equal": ast.LtE,
                "equal": ast.Eq, "not_equal": ast.NotEq}
_NUMPY_CONSTANTS = {"pi": "math.pi", "e": "math.e", "inf": "math.inf", "nan": "math.nan"}
#: bare functions: the name and number of arguments
_BARE = {"clip": 3, "_phi1": 1, "abs": 1}
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitAnd, ast.BitOr)
_UNARY = (ast.USub, ast.UAdd, ast.Not, ast.Invert)
_MAX_LENGTH = 200_000


class NotCompilable(ValueError):
    """An expression this printer cannot render (the behaviour then runs as Python)."""


def _is_numpy(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "numpy"


def check_expression(text: str) -> ast.Expression:
    """Parse ``text`` and check it against the expression grammar of programs.

    Raises
    ------
    ValueError
        ``text`` is not a string, does not parse, or uses anything besides
        names, numbers, arithmetic, comparisons and the listed functions.
    """
    if not isinstance(text, str) or len(text) > _MAX_LENGTH:
        raise ValueError(f"an expression must be a string of at most {_MAX_LENGTH} characters, got "
                         f"{type(text).__name__}")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"expression {text[:80]!r} does not parse: {exc.msg}") from None
    for node in ast.walk(tree):
        ok = isinstance(node, (ast.Expression, ast.Load, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.IfExp,
                               *_BINOPS, *_UNARY, ast.Gt, ast.Lt, ast.GtE, ast.LtE, ast.Eq, ast.NotEq))
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            ok = isinstance(node.op, _BINOPS + _UNARY)
        elif isinstance(node, ast.Constant):
            ok = type(node.value) in (int, float, bool)
        elif isinstance(node, ast.Name):
            ok = node.id.isidentifier() and not node.id.startswith("__")
        elif isinstance(node, ast.Attribute):
            ok = _is_numpy(node.value) and (node.attr in NUMPY_FUNCTIONS or node.attr in _COMPARISONS
                                            or node.attr in _NUMPY_CONSTANTS or node.attr in _NUMPY_OTHER
                                            or node.attr == "where")
        elif isinstance(node, ast.List):  # numpy.select([conditions], [values], default=...)
            ok = True
        elif isinstance(node, ast.keyword):
            ok = node.arg == "default"
        elif isinstance(node, ast.Call):
            func = node.func
            select = isinstance(func, ast.Attribute) and func.attr == "select"
            ok = (not node.keywords or select) and (
                (isinstance(func, ast.Attribute) and _is_numpy(func.value))
                or (isinstance(func, ast.Name) and func.id in _BARE and len(node.args) == _BARE[func.id]))
        if not ok:
            raise ValueError(f"expression {text[:80]!r}: {type(node).__name__} is not allowed in an equation "
                             "program")
    return tree


class NumpyPrinter:
    """Whole-array form (numpy, torch through the group's namespace): the checked text itself."""

    name = "numpy"

    def expr(self, text: str) -> str:
        """``text`` after :func:`check_expression`."""
        check_expression(text)
        return text


class _ToScalar(ast.NodeTransformer):
    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if _is_numpy(node.value) and node.attr in _NUMPY_CONSTANTS:
            return ast.parse(_NUMPY_CONSTANTS[node.attr], mode="eval").body
        raise NotCompilable(f"numpy.{node.attr} has no scalar form")

    def visit_Call(self, node: ast.Call) -> ast.AST:
        args = [self.visit(a) for a in node.args]
        func = node.func
        if isinstance(func, ast.Name):
            name = {"clip": "_eq_clip", "_phi1": "_eq_phi1", "abs": "abs"}[func.id]
            return ast.Call(ast.Name(name, ast.Load()), args, [])
        attr = func.attr
        if attr in _COMPARISONS and len(args) == 2:
            return ast.Compare(args[0], [_COMPARISONS[attr]()], [args[1]])
        if attr == "where" and len(args) == 3:
            return ast.IfExp(args[0], args[1], args[2])
        if attr in NUMPY_FUNCTIONS and len(args) == 1:
            target = NUMPY_FUNCTIONS[attr]
            if target == "not":
                return ast.UnaryOp(ast.Not(), args[0])
            return ast.Call(ast.parse(target, mode="eval").body, args, [])
        raise NotCompilable(f"numpy.{attr} with {len(args)} argument(s) has no scalar form")

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow):
            power = _constant_power(right)
            if power == 2:  # numpy squares: x*x
                return ast.BinOp(left, ast.Mult(), left)
            if power == -1:  # numpy's reciprocal: 1/x
                return ast.BinOp(ast.Constant(1.0), ast.Div(), left)
            if power == 0.5:
                return ast.Call(ast.parse("math.sqrt", mode="eval").body, [left], [])
        if isinstance(node.op, ast.BitAnd):
            return ast.BoolOp(ast.And(), [left, right])
        if isinstance(node.op, ast.BitOr):
            return ast.BoolOp(ast.Or(), [left, right])
        return ast.BinOp(left, node.op, right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Invert):
            return ast.UnaryOp(ast.Not(), operand)
        return ast.UnaryOp(node.op, operand)


def _constant_power(node: ast.AST):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) in (int, float):
        return -node.operand.value
    return None


class ScalarPrinter:
    """One-element form for compiled loops (numba): ``math`` functions and scalar helpers.

    The helpers ``_eq_clip``, ``_eq_sign`` and ``_eq_phi1`` are defined by
    :data:`SCALAR_HELPERS` in the generated module.
    """

    name = "scalar"

    def expr(self, text: str) -> str:
        """``text`` rewritten for one element; :class:`NotCompilable` when it has no scalar form."""
        tree = check_expression(text)
        body = _ToScalar().visit(tree.body)
        return ast.unparse(ast.fix_missing_locations(ast.Expression(body)))


#: scalar helpers the :class:`ScalarPrinter` output calls (numpy's semantics, NaN included)
SCALAR_HELPERS = '''
def _eq_clip(x, lo, hi):
    y = lo if x < lo else x
    return hi if y > hi else y


def _eq_sign(x):
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x * 0.0


def _eq_phi1(z):
    if z == 0:
        return 1.0
    return math.expm1(z) / z
'''
