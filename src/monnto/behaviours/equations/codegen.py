"""Generate and compile vectorized Python/numpy code from sympy assignments.

Code is generated once, at initialize: common sub-expressions are shared
(``sympy.cse``), numbers are printed at full double precision, and the
result is compiled with :func:`compile` into a plain Python function whose
body is a handful of numpy expressions with in-place updates. The array
namespace (numpy, or the group's ``xp``) is bound as ``numpy`` in the
function's globals.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

__all__ = ["CodePrinter", "compile_function", "make_phi1", "phi1_numpy", "print_expr", "cse_lines"]

_counter = itertools.count()


class CodePrinter(NumPyPrinter):
    """NumPy printer with full-precision floats and ``&``/``|`` for conditions."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": True})

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_And(self, expr):
        return "(" + " & ".join(f"({self._print(a)})" for a in expr.args) + ")"

    def _print_Or(self, expr):
        return "(" + " | ".join(f"({self._print(a)})" for a in expr.args) + ")"

    def _print_Not(self, expr):
        return f"numpy.logical_not({self._print(expr.args[0])})"

    def _print_phi1(self, expr):
        return f"_phi1({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"


def print_expr(expr) -> str:
    """Print one sympy expression as numpy code."""
    return CodePrinter().doprint(expr)


def make_phi1(xp):
    """``phi1(z) = (exp(z) - 1)/z`` elementwise with ``phi1(0) = 1``, in namespace ``xp``."""

    def phi1(z):
        if isinstance(z, (int, float)):
            return math.expm1(z) / z if z != 0 else 1.0
        safe = xp.where(z == 0, xp.ones_like(z), z)
        return xp.where(z == 0, xp.ones_like(z), xp.expm1(safe) / safe)

    return phi1


phi1_numpy = make_phi1(np)


def cse_lines(assignments, indent="    ", prefix="_x"):
    """Lines computing ``[(name, expr), ...]`` in order with shared sub-expressions.

    Returns the list of code lines (without the final assignments' use).
    """
    names = [name for name, _ in assignments]
    exprs = [expr for _, expr in assignments]
    replacements, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols(prefix), optimizations=None)
    printer = CodePrinter()
    lines = [f"{indent}{sym} = {printer.doprint(e)}" for sym, e in replacements]
    lines += [f"{indent}{name} = {printer.doprint(e)}" for name, e in zip(names, reduced)]
    return lines


def compile_function(source: str, name: str, xp=None, extra_globals=None, label="equation"):
    """Compile ``source`` (defining function ``name``) and return the function.

    ``xp`` (default numpy) is bound as ``numpy`` in the function's globals.
    """
    xp = xp if xp is not None else np
    glb = {"numpy": xp, "_phi1": make_phi1(xp), "clip": xp.clip}
    if extra_globals:
        glb.update(extra_globals)
    filename = f"<monnto {label} {next(_counter)}>"
    exec(compile(source, filename, "exec"), glb)  # noqa: S102 - code generated from a parsed AST
    fn = glb[name]
    fn.__source__ = source
    return fn
