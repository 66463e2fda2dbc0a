"""Turn an element-wise array function into its scalar twin, as source text.

A library model writes the arithmetic of one neuron once, as a function of
arrays and an array namespace ``xp`` (numpy, torch)::

    def _membrane_free(v, v_inf, tau, refractory_left, v_th, dt, xp):
        active_time = _at_most(_at_least(dt - refractory_left, 0.0, xp), dt, xp)
        ...

The numpy target calls it on whole arrays. A compiled target needs the same
arithmetic on one neuron at a time inside its loop; :func:`scalar_source`
rewrites the function's syntax tree into that form, which numba compiles:

=================================  ===============================
array form                         scalar form
=================================  ===============================
``xp.exp(a)``, ``xp.log(a)``       ``math.exp(a)``, ``math.log(a)``
``xp.sqrt(a)``, ``xp.expm1(a)``,   ``math.sqrt(a)``, ``math.expm1(a)``,
``xp.log1p(a)``                    ``math.log1p(a)``
``xp.abs(a)``                      ``abs(a)``
``xp.where(c, a, b)``              ``(a if c else b)``
``xp.clip(x, lo, hi)``             ``min(max(x, lo), hi)``
``xp.clip(x, min=lo)``             ``max(x, lo)``
``xp.clip(x, max=hi)``             ``min(x, hi)``
``_at_least(x, lo, xp)``           ``max(x, lo)``
``_at_most(x, hi, xp)``            ``min(x, hi)``
``f(a, b, xp)``                    ``f(a, b)`` (``f`` scalarized too)
``~c``, ``c & d``, ``c | d``       ``not c``, ``c and d``, ``c or d``
=================================  ===============================

and drops the ``xp`` parameter. A call of another element-wise function
that passes the namespace as its last positional argument loses that
argument: the callee must be compiled in its scalar form alongside. The
clamps give exactly ``x`` or the bound, as numpy's ``clip``/``minimum``/
``maximum`` do (a NaN ``x`` is the exception: numpy keeps it, ``min``/``max``
need not). Anything else that names ``xp`` is refused
(:class:`~monnto.core.errors.ConfigurationError`), so a function that is not
element-wise cannot be compiled into a wrong kernel silently. The operations
and their order are unchanged, so each element gets the same floating-point
result as in the array form (given the same ``exp``/``log``; see
``docs/targets.md``).
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

from monnto.core.errors import ConfigurationError

__all__ = ["scalar_source"]

_MATH = {"exp": "exp", "log": "log", "sqrt": "sqrt", "tanh": "tanh", "sin": "sin", "cos": "cos",
         "expm1": "expm1", "log1p": "log1p"}
#: keyword names of ``xp.clip``'s bounds (numpy >= 2.1 and the older ones)
_CLIP_LOW, _CLIP_HIGH = ("min", "a_min"), ("max", "a_max")
_CLAMPS = {"_at_least": "max", "_at_most": "min"}


class _Scalarize(ast.NodeTransformer):
    def __init__(self, owner: str, xp: str):
        self.owner = owner
        self.xp = xp

    def _is_xp(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == self.xp

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Attribute) and self._is_xp(func.value):
            args = [self.visit(a) for a in node.args]
            if func.attr in _MATH and len(args) == 1 and not node.keywords:
                return ast.Call(ast.Attribute(ast.Name("math", ast.Load()), _MATH[func.attr], ast.Load()),
                                args, [])
            if func.attr == "where" and len(args) == 3 and not node.keywords:
                cond, a, b = args
                return ast.IfExp(cond, a, b)
            if func.attr == "abs" and len(args) == 1 and not node.keywords:
                return ast.Call(ast.Name("abs", ast.Load()), args, [])
            if func.attr == "clip":
                return self._clip(node, args)
            raise ConfigurationError(f"{self.owner}: xp.{func.attr}(...) has no scalar form; element-wise "
                                     f"functions may use {sorted(_MATH)}, abs, clip and where")
        if isinstance(func, ast.Name) and func.id in _CLAMPS:
            if len(node.args) != 3 or not self._is_xp(node.args[2]) or node.keywords:
                raise ConfigurationError(f"{self.owner}: {func.id} expects (x, bound, xp)")
            return ast.Call(ast.Name(_CLAMPS[func.id], ast.Load()), [self.visit(a) for a in node.args[:2]], [])
        if isinstance(func, ast.Name) and node.args and self._is_xp(node.args[-1]) and not node.keywords:
            # another element-wise function, handed the namespace: its scalar twin takes no xp
            return ast.Call(func, [self.visit(a) for a in node.args[:-1]], [])
        self.generic_visit(node)
        return node

    def _clip(self, node: ast.Call, args: list) -> ast.AST:
        """``xp.clip(x, lo, hi)`` (positional, or ``min=``/``max=`` keywords, either may be absent or None)."""
        bounds: dict[str, ast.AST | None] = {"low": None, "high": None}
        if not 1 <= len(args) <= 3:
            raise ConfigurationError(f"{self.owner}: xp.clip expects (x, low, high)")
        for name, value in zip(("low", "high"), args[1:]):
            bounds[name] = value
        for kw in node.keywords:
            name = "low" if kw.arg in _CLIP_LOW else "high" if kw.arg in _CLIP_HIGH else None
            if name is None or bounds[name] is not None:
                raise ConfigurationError(f"{self.owner}: xp.clip's argument {kw.arg!r} has no scalar form")
            bounds[name] = self.visit(kw.value)
        bounds = {k: None if isinstance(v, ast.Constant) and v.value is None else v for k, v in bounds.items()}
        if bounds["low"] is None and bounds["high"] is None:
            raise ConfigurationError(f"{self.owner}: xp.clip without a bound")
        out = args[0]
        if bounds["low"] is not None:
            out = ast.Call(ast.Name("max", ast.Load()), [out, bounds["low"]], [])
        if bounds["high"] is not None:
            out = ast.Call(ast.Name("min", ast.Load()), [out, bounds["high"]], [])
        return out

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Invert):
            return ast.UnaryOp(ast.Not(), node.operand)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.BitAnd):
            return ast.BoolOp(ast.And(), [node.left, node.right])
        if isinstance(node.op, ast.BitOr):
            return ast.BoolOp(ast.Or(), [node.left, node.right])
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.xp:
            raise ConfigurationError(f"{self.owner}: the array namespace {self.xp!r} is used outside "
                                     f"xp.<function>(...) calls; the function is not element-wise")
        return node


def scalar_source(fn: Callable, name: str | None = None, xp: str = "xp") -> str:
    """The source of the scalar twin of element-wise ``fn`` (see the module docstring).

    Parameters
    ----------
    fn : callable
        A plain Python function whose last parameter is the array namespace.
    name : str, optional
        Name of the generated function (default: ``fn.__name__``).
    xp : str
        Name of the namespace parameter.

    Returns
    -------
    str
        Source text of one ``def`` (needs ``import math`` where it is executed).
    """
    owner = f"scalar form of {getattr(fn, '__qualname__', fn)!r}"
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    func = tree.body[0]
    if not isinstance(func, ast.FunctionDef) or not func.args.args or func.args.args[-1].arg != xp:
        raise ConfigurationError(f"{owner}: expected a function whose last parameter is {xp!r}")
    func.args.args = func.args.args[:-1]
    func.decorator_list = []
    func.name = name or func.name
    func.body = [_Scalarize(owner, xp).visit(stmt) for stmt in func.body]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
