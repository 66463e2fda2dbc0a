"""Generate vectorized Python/numpy code from sympy assignments.

The printed expressions are the leaves of the programs of :mod:`.emit`.
Code is generated once, at initialize: common sub-expressions are shared
(``sympy.cse``), numbers are printed at full double precision, and the
result is compiled (:func:`.runtime.compile_function`) into a plain
Python function whose body is a handful of numpy expressions with in-place
updates.
"""

from __future__ import annotations

import sympy
from sympy.printing.numpy import NumPyPrinter

__all__ = ["CodePrinter", "cse_assignments", "print_expr"]


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


def cse_assignments(assignments, prefix="_x") -> list:
    """``[[name, printed expression], ...]`` computing ``[(name, expr), ...]`` in order, with shared
    sub-expressions (``sympy.cse``) as extra entries named ``<prefix>0``, ``<prefix>1``, ...

    The printed expressions are in the language of :mod:`.printers` (a program's ``lets``).
    """
    names = [name for name, _ in assignments]
    exprs = [expr for _, expr in assignments]
    replacements, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols(prefix), optimizations=None)
    printer = CodePrinter()
    out = [[str(sym), printer.doprint(e)] for sym, e in replacements]
    out += [[name, printer.doprint(e)] for name, e in zip(names, reduced)]
    return out
