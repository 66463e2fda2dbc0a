"""Parse Brian2-style equation strings into sympy expressions with dimensions.

Expressions are read with Python's :mod:`ast` (never ``eval``) and turned
into sympy expressions in which every unit has been replaced by its value in
SI base units (``mV`` -> ``0.001``) and every variable by a real sympy
``Symbol``.  The dimension of each sub-expression is tracked while
converting, so a mismatch is reported with the offending term and both
dimensions, e.g.::

    Equation 'dv/dt = (v - 1*ms)/tau': inconsistent dimensions in 'v - 1 * ms':
    'v' is volt (...) but '1 * ms' is second (s)

Accepted equation lines (one per line, or separated by ``;`` in one-line
strings, ``#`` starts a comment):

``dx/dt = expression [: unit] [(flags)]``
    a differential equation; ``unit`` is the unit of ``x`` (Brian2 style,
    e.g. ``: volt``), ``(unless refractory)`` freezes ``x`` while the neuron
    is refractory.
``x = expression [: unit]``
    a sub-expression, substituted into the differential equations.
``x : unit``
    a parameter declaration (created as a zero vector if the group lacks it).

Flags: ``(unless refractory)`` on a differential equation; Brian2's
``(constant)`` on a parameter is accepted and has no effect (every variable
is read from the group at every step); ``(event-driven)`` and
``(clock-driven)`` on equations of a SynapseGroup are accepted and both
integrate every step; ``(summed)`` on a sub-expression of a SynapseGroup
(``Igap_post = g*(v_pre - v_post) : amp (summed)``) sets a neuron variable to
the sum over synapses (see :class:`~.modules.Equation`).
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy

from .base import EquationError, value_text
from .units import DIMENSIONLESS, TIME, Dim, lookup_unit

__all__ = [
    "EquationError",
    "EquationLine",
    "Statement",
    "Typed",
    "ExpressionConverter",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_EXPRESSION_LENGTH",
    "MAX_NODES",
    "MAX_TEXT_LENGTH",
    "constant_value",
    "parse_equation_lines",
    "parse_expression",
    "parse_statements",
    "parse_duration",
    "parse_unit",
]


#: Limits that keep parsing bounded: a string past one of them is refused with
#: an :class:`EquationError` before sympy sees it (sympy evaluates integer
#: powers such as ``9**9**9`` eagerly, and deep trees exhaust the stack).
MAX_EXPRESSION_LENGTH = 4000  # characters of one expression (one line of equations)
MAX_TEXT_LENGTH = 100_000     # characters of a whole equation or statement string
MAX_NODES = 1000              # syntax-tree nodes of one expression
MAX_DEPTH = 100               # nesting depth of one expression's syntax tree
MAX_EXPONENT = 32             # largest integer exponent of a non-constant base (sympy expands them)
_MAX_BITS = 1024              # a constant of 2**1024 or more overflows float64 (and 2**-1074 underflows)

_SPACED_PRODUCT = re.compile(r"(\d\.?)\s+([A-Za-z_\u00b5][A-Za-z0-9_]*)")


def _excerpt(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, for messages about huge strings."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_expression(text: str, context: str) -> ast.expr:
    """The syntax tree of one expression, within the limits above.

    Parameters
    ----------
    text : str
        The expression (``'(El - v)/tau'``).
    context : str
        How the owning string is named in errors (``"Equation(eq='...')"``).

    Raises
    ------
    EquationError
        When ``text`` is not an expression, or is longer, larger or deeper
        than :data:`MAX_EXPRESSION_LENGTH`, :data:`MAX_NODES`, :data:`MAX_DEPTH`.
    """
    text = text.strip()
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise EquationError(
            f"{context}: the expression '{_excerpt(text)}' is too long: {len(text)} characters, at most "
            f"{MAX_EXPRESSION_LENGTH} per expression (split it into sub-expressions 'x = ...' on lines of "
            "their own)")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        hint = ""
        spaced = _SPACED_PRODUCT.sub(r"\1*\2", text)
        if spaced != text and _parses(spaced):
            hint = f"; did you mean '{spaced}'? (a product needs '*', as in '0.1*ms')"
        raise EquationError(f"{context}: '{text}' is not a valid expression ({exc.msg}){hint}") from None
    except (RecursionError, MemoryError):
        raise EquationError(f"{context}: the expression '{_excerpt(text)}' is nested too deeply "
                            f"(at most {MAX_DEPTH} levels)") from None
    nodes, depth, stack = 0, 0, [(tree.body, 1)]
    while stack:
        node, level = stack.pop()
        nodes += 1
        depth = max(depth, level)
        if nodes > MAX_NODES:
            raise EquationError(f"{context}: the expression '{_excerpt(text)}' is too large: more than "
                                f"{MAX_NODES} terms and operators (split it into sub-expressions)")
        if depth > MAX_DEPTH:
            raise EquationError(f"{context}: the expression '{_excerpt(text)}' is nested too deeply: more "
                                f"than {MAX_DEPTH} levels (split it into sub-expressions)")
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop,
                                               ast.boolop)))
    return tree.body


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except (SyntaxError, RecursionError, MemoryError):
        return False
    return True


def _check_length(text: str, context: str, what: str) -> None:
    if len(text) > MAX_TEXT_LENGTH:
        raise EquationError(f"{context}: the {what} string '{_excerpt(text)}' is too long: {len(text)} "
                            f"characters, at most {MAX_TEXT_LENGTH}")


def constant_value(typed, context: str, what: str) -> float:
    """The float value of a constant expression, refusing NaN, complex and overflowing values.

    Parameters
    ----------
    typed : Typed
        A converted expression free of variables.
    context : str
        How the owning behaviour and argument are named in errors.
    what : str
        What the value is, for the message ("a duration", "a unit").
    """
    try:
        value = float(typed.expr)
    except (TypeError, OverflowError, ValueError):
        raise EquationError(f"{context}: '{typed.text}' is not a finite real number, expected {what}") from None
    if math.isnan(value):
        raise EquationError(f"{context}: '{typed.text}' is not a number (NaN), expected {what}")
    return value


@dataclass
class Typed:
    """A converted expression: sympy expression, dimension, source text."""

    expr: sympy.Basic
    dim: Dim
    text: str
    is_zero_literal: bool = False
    is_bool: bool = False


_ONE_ARG_DIMLESS = {
    "exp": sympy.exp,
    "log": sympy.log,
    "log10": lambda x: sympy.log(x, 10),
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "expm1": lambda x: sympy.exp(x) - 1,
    "log1p": lambda x: sympy.log(1 + x),
}
_CONSTANTS = {"pi": sympy.pi, "e": sympy.E, "inf": sympy.oo}
_CLIP = sympy.Function("clip")
_SIGN = sympy.sign

_BIN_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMP = {
    ast.Gt: sympy.StrictGreaterThan,
    ast.Lt: sympy.StrictLessThan,
    ast.GtE: sympy.GreaterThan,
    ast.LtE: sympy.LessThan,
    ast.Eq: sympy.Eq,
    ast.NotEq: sympy.Ne,
}


def _is_distribution(name: str) -> bool:
    return not name.startswith("_") and callable(getattr(np.random.Generator, name, None))


@dataclass
class ExpressionConverter:
    """Convert expression strings to :class:`Typed` sympy expressions.

    Parameters
    ----------
    variables : dict
        ``name -> (sympy.Symbol, Dim)`` for every variable the expression may
        use (state variables, parameters, ``t``...). Variables shadow units.
    context : str
        How the owning string is named in errors, e.g. ``"Equation 'dv/dt=...'"``.
    constants : dict, optional
        ``name -> (float, Dim)`` inlined as numbers (values in SI units).
    random_calls : bool
        If True, calls of numpy.random.Generator distributions
        (``normal(-65, 5)``) and ``rand()``/``randn()`` are allowed; each
        becomes a dimensionless placeholder symbol recorded in
        :attr:`random_placeholders` as ``(symbol, init_string)``.
    """

    variables: dict
    context: str
    constants: dict = field(default_factory=dict)
    random_calls: bool = False
    random_placeholders: list = field(default_factory=list)
    fallback: object = None

    def error(self, msg: str) -> EquationError:
        return EquationError(f"{self.context}: {msg}")

    def convert(self, text: str) -> Typed:
        """Parse ``text`` and convert it (raises :class:`EquationError`).

        The expression is checked against the limits of :func:`parse_expression`
        first; constants are folded as they are read, and a constant that
        is NaN, complex or outside float64's range is refused.
        """
        if not isinstance(text, str):
            raise self.error(f"expected an expression string, got {value_text(text)}")
        tree = parse_expression(text, self.context)
        try:
            return self._node(tree)
        except RecursionError:
            raise self.error(f"the expression '{_excerpt(text)}' is nested too deeply") from None

    # ------------------------------------------------------------------
    def _node(self, node) -> Typed:
        src = ast.unparse(node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return Typed(sympy.true if node.value else sympy.false, DIMENSIONLESS, src, is_bool=True)
            if isinstance(node.value, (int, float)):
                if isinstance(node.value, float) and not math.isfinite(node.value):
                    raise self.error(f"the number {src} is outside the range of a float (about 1.8e308); "
                                     "write inf for infinity")
                val = sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Float(node.value)
                return Typed(self._bounded(val, src), DIMENSIONLESS, src, is_zero_literal=(node.value == 0))
            raise self.error(f"constant {src} is not a number")
        if isinstance(node, ast.Name):
            return self._name(node.id, src)
        if isinstance(node, ast.UnaryOp):
            operand = self._node(node.operand)
            if isinstance(node.op, ast.USub):
                return Typed(-operand.expr, operand.dim, src, operand.is_zero_literal)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Not):
                return Typed(sympy.Not(self._as_bool(operand)), DIMENSIONLESS, src, is_bool=True)
            raise self.error(f"operator in '{src}' is not supported")
        if isinstance(node, ast.BinOp):
            return self._binop(node, src)
        if isinstance(node, ast.Compare):
            return self._compare(node, src)
        if isinstance(node, ast.BoolOp):
            parts = [self._as_bool(self._node(v)) for v in node.values]
            op = sympy.And if isinstance(node.op, ast.And) else sympy.Or
            return Typed(op(*parts), DIMENSIONLESS, src, is_bool=True)
        if isinstance(node, ast.Call):
            return self._call(node, src)
        raise self.error(f"'{src}' is not supported in an expression")

    def _as_bool(self, t: Typed):
        if not t.is_bool:
            raise self.error(f"'{t.text}' is not a condition (use a comparison such as 'v > -50*mV')")
        return t.expr

    def _name(self, name: str, src: str) -> Typed:
        if name in self.variables:
            sym, dim = self.variables[name]
            return Typed(sym, dim, src)
        if name in self.constants:
            val, dim = self.constants[name]
            return Typed(sympy.Float(val), dim, src)
        unit = lookup_unit(name)
        if unit is not None:
            return Typed(sympy.Float(unit.factor), unit.dim, src)
        if self.fallback is not None:
            found = self.fallback(name)
            if found is not None:
                sym, dim = found
                return Typed(sym, dim, src)
        if name in _CONSTANTS:
            return Typed(_CONSTANTS[name], DIMENSIONLESS, src)
        if name in ("True", "False"):
            return Typed(sympy.true if name == "True" else sympy.false, DIMENSIONLESS, src, is_bool=True)
        raise self.error(
            f"unknown name '{name}': it is neither a variable of the group, "
            "a unit, nor a constant (declare it, e.g. with "
            f"'{name} : volt' in the equations or Variable(eq='{name}=...'))"
        )

    def _check_same(self, a: Typed, b: Typed, src: str) -> Dim:
        if a.dim == b.dim or a.is_zero_literal:
            return b.dim
        if b.is_zero_literal:
            return a.dim
        raise self.error(
            f"inconsistent dimensions in '{src}': '{a.text}' is {a.dim} but '{b.text}' is {b.dim}"
        )

    def _binop(self, node, src) -> Typed:
        left, right = self._node(node.left), self._node(node.right)
        op = node.op
        if isinstance(op, (ast.BitAnd, ast.BitOr)):
            fn = sympy.And if isinstance(op, ast.BitAnd) else sympy.Or
            return Typed(fn(self._as_bool(left), self._as_bool(right)), DIMENSIONLESS, src, is_bool=True)
        if type(op) not in _BIN_OPS:
            raise self.error(f"operator in '{src}' is not supported (use + - * / **)")
        if left.is_bool or right.is_bool:
            raise self.error(f"arithmetic on a condition in '{src}'")
        if isinstance(op, (ast.Add, ast.Sub)):
            dim = self._check_same(left, right, src)
            expr = left.expr + right.expr if isinstance(op, ast.Add) else left.expr - right.expr
            zero = left.is_zero_literal and right.is_zero_literal
            return Typed(self._bounded(expr, src), dim, src, zero)
        # a bare 0 fits any dimension; 0*mV is a voltage
        if isinstance(op, ast.Mult):
            dim = left.dim * right.dim
            zero = (left.is_zero_literal or right.is_zero_literal) and dim.is_dimensionless
            return Typed(self._bounded(left.expr * right.expr, src), dim, src, zero)
        if isinstance(op, ast.Div):
            dim = left.dim / right.dim
            return Typed(self._bounded(left.expr / right.expr, src), dim, src,
                         left.is_zero_literal and dim.is_dimensionless)
        # power
        if not right.dim.is_dimensionless:
            raise self.error(f"exponent '{right.text}' in '{src}' must be dimensionless, not {right.dim}")
        if left.dim.is_dimensionless:
            self._check_power(left, right, src)
            return Typed(self._bounded(left.expr**right.expr, src), DIMENSIONLESS, src)
        if not right.expr.is_number:
            raise self.error(
                f"'{left.text}' has dimension {left.dim}, so its exponent in '{src}' must be a number"
            )
        exponent = self._simple_fraction(right, left, src)
        return Typed(self._bounded(left.expr**exponent, src), left.dim**exponent, src)

    # -- keeping constants and powers bounded ---------------------------------
    def _bounded(self, expr, src: str):
        """``expr``, once it is known not to be a constant that float64 cannot hold.

        Checked on every operation, so that no huge integer is ever built
        (``10**10**8`` stops at the outer power) and NaN, division by zero
        and complex constants are refused where they appear.
        """
        if isinstance(expr, sympy.Rational):  # Integer too
            p, q = abs(int(expr.p)), int(expr.q)
            if p.bit_length() - q.bit_length() > _MAX_BITS:
                raise self.error(f"'{src}' is too large: it exceeds the range of a float (about 1.8e308)")
            if p and q.bit_length() - p.bit_length() > _MAX_BITS + 52:
                raise self.error(f"'{src}' is too small: it is below the smallest float (about 5e-324)")
            return expr
        if isinstance(expr, sympy.Float) or expr.is_Symbol or expr.is_Boolean:
            return expr
        if expr is sympy.zoo or expr.has(sympy.zoo):
            raise self.error(f"'{src}' divides by zero")
        if expr is sympy.nan or expr.has(sympy.nan):
            raise self.error(f"'{src}' is not a number (NaN)")
        if expr.free_symbols or expr.has(sympy.oo, -sympy.oo) or not expr.is_number:
            self._check_exponents(expr, src)
            return expr
        try:
            value = complex(expr)
        except (TypeError, OverflowError, ValueError):
            raise self.error(f"'{src}' is too large: it exceeds the range of a float (about 1.8e308)") from None
        if value.imag != 0:
            raise self.error(f"'{src}' is not a real number (it is {value})")
        if not math.isfinite(value.real):
            raise self.error(f"'{src}' is too large: it exceeds the range of a float (about 1.8e308)")
        return expr

    def _check_exponents(self, expr, src: str) -> None:
        """Refuse integer powers of variables above :data:`MAX_EXPONENT` (``(v + 1)**1000``)."""
        for term in (expr, *expr.args) if expr.is_Mul else (expr,):
            if term.is_Pow and term.exp.is_Rational and abs(term.exp) > MAX_EXPONENT \
                    and not term.base.is_number:
                raise self.error(f"the power '{src}' has the exponent {term.exp}; at most {MAX_EXPONENT} is "
                                 f"allowed for a variable (write a float exponent, e.g. '**{float(term.exp)}', "
                                 "if you mean it)")

    def _check_power(self, base: Typed, exponent: Typed, src: str) -> None:
        """Refuse a constant power whose value float64 cannot hold, before sympy computes it."""
        if not (base.expr.is_number and exponent.expr.is_number):
            if exponent.expr.is_Rational and abs(exponent.expr) > MAX_EXPONENT:
                raise self.error(f"the power '{src}' has the exponent {exponent.text}; at most {MAX_EXPONENT} "
                                 f"is allowed for a variable (write a float exponent, e.g. "
                                 f"'**{float(exponent.expr)}', if you mean it)")
            return
        if base.expr.has(sympy.oo, -sympy.oo) or exponent.expr.has(sympy.oo, -sympy.oo):
            return
        try:
            b, e = abs(complex(base.expr)), float(exponent.expr)
        except (TypeError, OverflowError, ValueError):
            raise self.error(f"the power '{src}' is not a finite real number") from None
        if b == 0 and e < 0:
            raise self.error(f"'{src}' divides by zero")
        if b not in (0.0, 1.0) and abs(e * math.log2(b)) > _MAX_BITS + 52:
            raise self.error(f"the power '{src}' is too large: its value exceeds the range of a float "
                             "(about 1.8e308, or 5e-324 for tiny values)")

    def _simple_fraction(self, exponent: Typed, base: Typed, src: str):
        """The exponent of a quantity with units as a fraction with a small denominator (``1/2``)."""
        value = exponent.expr
        if not value.is_Rational:
            try:
                value = sympy.Rational(Fraction(float(value)).limit_denominator(12))
            except (TypeError, OverflowError, ValueError):
                value = None
            if value is None or abs(float(value) - float(exponent.expr)) > 1e-9 * max(1.0, abs(float(value))):
                raise self.error(f"'{base.text}' has dimension {base.dim}, so its exponent in '{src}' must be "
                                 f"a simple fraction such as 2 or 1/2, got {exponent.text}")
        if abs(value) > MAX_EXPONENT or value.q > 12:
            raise self.error(f"'{base.text}' has dimension {base.dim}: its exponent in '{src}' must be a "
                             f"fraction of at most {MAX_EXPONENT} with a denominator of at most 12, got "
                             f"{exponent.text}")
        return value

    def _compare(self, node, src) -> Typed:
        parts = []
        left = self._node(node.left)
        for op, comp in zip(node.ops, node.comparators):
            right = self._node(comp)
            if type(op) not in _CMP:
                raise self.error(f"comparison in '{src}' is not supported")
            self._check_same(left, right, src)
            parts.append(_CMP[type(op)](left.expr, right.expr))
            left = right
        expr = parts[0] if len(parts) == 1 else sympy.And(*parts)
        return Typed(expr, DIMENSIONLESS, src, is_bool=True)

    def _call(self, node, src) -> Typed:
        if not isinstance(node.func, ast.Name) or node.keywords and node.func.id not in self._dist_names():
            raise self.error(f"call '{src}' is not supported")
        name = node.func.id
        if name in self.variables or name in self.constants:
            raise self.error(f"'{name}' is a variable, not a function, in '{src}'")
        if self.random_calls and (name in ("rand", "randn") or _is_distribution(name)):
            if name in ("rand", "randn"):
                if node.args:
                    raise self.error(f"'{src}': {name}() takes no arguments")
                init = "uniform(0, 1)" if name == "rand" else "normal(0, 1)"
            else:
                init = src
            sym = sympy.Symbol(f"_rand{len(self.random_placeholders)}", real=True)
            self.random_placeholders.append((sym, init))
            return Typed(sym, DIMENSIONLESS, src)
        args = [self._node(a) for a in node.args]
        if name in _ONE_ARG_DIMLESS:
            self._nargs(name, args, 1, src)
            if not args[0].dim.is_dimensionless:
                raise self.error(f"the argument of {name} in '{src}' must be dimensionless, not {args[0].dim}")
            return Typed(self._bounded(_ONE_ARG_DIMLESS[name](args[0].expr), src), DIMENSIONLESS, src)
        if name == "sqrt":
            self._nargs(name, args, 1, src)
            return Typed(self._bounded(sympy.sqrt(args[0].expr), src), args[0].dim ** sympy.Rational(1, 2), src)
        if name == "abs":
            self._nargs(name, args, 1, src)
            return Typed(sympy.Abs(args[0].expr), args[0].dim, src)
        if name == "sign":
            self._nargs(name, args, 1, src)
            return Typed(_SIGN(args[0].expr), DIMENSIONLESS, src)
        if name == "clip":
            self._nargs(name, args, 3, src)
            self._check_same(args[0], args[1], src)
            self._check_same(args[0], args[2], src)
            return Typed(_CLIP(*(a.expr for a in args)), args[0].dim, src)
        if name in ("rand", "randn") or _is_distribution(name):
            raise self.error(f"random numbers ('{src}') are only allowed in Variable initial values")
        raise self.error(f"unknown function '{name}' in '{src}'")

    def _dist_names(self):
        return () if not self.random_calls else dir(np.random.Generator)

    def _nargs(self, name, args, n, src):
        if len(args) != n:
            raise self.error(f"{name}() takes {n} argument(s), got {len(args)} in '{src}'")


def parse_unit(text: str, context: str) -> tuple[float, Dim]:
    """Parse a unit expression (``'volt'``, ``'1'``, ``'mV/ms'``, ``'metre**2'``).

    Returns ``(factor, dimension)``, ``factor`` being the unit's SI value.
    """
    conv = ExpressionConverter({}, context)
    try:
        typed = conv.convert(text)
    except EquationError as exc:
        raise EquationError(f"{exc} (in the unit '{text.strip()}')") from None
    if typed.is_bool or not typed.expr.is_number:
        raise conv.error(f"'{text.strip()}' is not a unit")
    return constant_value(typed, f"{context}, unit '{text.strip()}'", "a unit"), typed.dim


# ----------------------------------------------------------------------
# Equation lines

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DIFF_RE = re.compile(rf"^d({_IDENT})\s*/\s*dt\s*=(.*)$", re.S)
_SUB_RE = re.compile(rf"^({_IDENT})\s*=(?!=)(.*)$", re.S)
_PARAM_RE = re.compile(rf"^({_IDENT})\s*$")
_FLAGS_RE = re.compile(r"\(([^()]*)\)\s*$")
_KNOWN_FLAGS = {"unless refractory", "constant", "event-driven", "clock-driven", "summed"}


@dataclass
class EquationLine:
    """One parsed line: kind is ``'diff'``, ``'sub'`` or ``'param'``."""

    kind: str
    name: str
    expr: str | None
    unit: str | None
    flags: tuple
    source: str


def _split_lines(text: str, context: str = "", what: str = "equation") -> list:
    _check_length(text, context, what)
    lines = []
    for raw in re.split(r"[\n;]", text):
        line = raw.split("#", 1)[0].strip()
        if len(line) > MAX_EXPRESSION_LENGTH + 200:  # room for 'dx/dt = ... : unit (flags)'
            raise EquationError(f"{context}: the line '{_excerpt(line)}' is too long: {len(line)} characters, "
                                f"at most {MAX_EXPRESSION_LENGTH} per expression (split it into sub-expressions "
                                "'x = ...' on lines of their own)")
        if line:
            lines.append(line)
    return lines


def parse_equation_lines(text: str, context: str) -> list:
    """Split an equation string into :class:`EquationLine` objects."""
    if not isinstance(text, str) or not text.strip():
        raise EquationError(f"{context}: expected a non-empty equation string, got {value_text(text)}")
    out = []
    for line in _split_lines(text, context, "equation"):
        body, unit, flags = line, None, ()
        if ":" in line:
            body, unit = (p.strip() for p in line.split(":", 1))
            m = _FLAGS_RE.search(unit)
            if m:
                flags = tuple(f.strip() for f in m.group(1).split(",") if f.strip())
                unit = unit[: m.start()].strip()
                for f in flags:
                    if f not in _KNOWN_FLAGS:
                        raise EquationError(
                            f"{context}: unknown flag '{f}' in line '{line}' "
                            f"(known: {sorted(_KNOWN_FLAGS)})"
                        )
            if not unit:
                raise EquationError(f"{context}: missing unit after ':' in line '{line}'")
        m = _DIFF_RE.match(body)
        if m:
            expr = m.group(2).strip()
            if not expr:
                raise EquationError(f"{context}: empty right-hand side in line '{line}'")
            out.append(EquationLine("diff", m.group(1), expr, unit, flags, line))
            continue
        m = _SUB_RE.match(body)
        if m and m.group(1) != "d":
            expr = m.group(2).strip()
            if not expr:
                raise EquationError(f"{context}: empty right-hand side in line '{line}'")
            out.append(EquationLine("sub", m.group(1), expr, unit, flags, line))
            continue
        m = _PARAM_RE.match(body)
        if m and unit is not None:
            out.append(EquationLine("param", m.group(1), None, unit, flags, line))
            continue
        hint = ""
        if re.match(r"^d\s+\w+\s*/\s*dt", body) or re.match(r"^d\w+\s*/\s*d\s+t", body):
            hint = " (write the derivative without spaces, e.g. 'dv/dt')"
        raise EquationError(
            f"{context}: cannot parse line '{line}'{hint}; expected "
            "'dx/dt = expression [: unit]', 'x = expression [: unit]' or 'x : unit'"
        )
    names = [ln.name for ln in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise EquationError(f"{context}: {sorted(dup)} defined more than once")
    return out


# ----------------------------------------------------------------------
# Statements (Reset, on_pre)

_STMT_RE = re.compile(rf"^({_IDENT})\s*(\+=|-=|\*=|/=|=)(.*)$", re.S)


@dataclass
class Statement:
    """``target op expression`` with ``op`` one of ``=``, ``+=``, ``-=``, ``*=``, ``/=``."""

    target: str
    op: str
    expr: str
    source: str


def parse_statements(text: str, context: str) -> list:
    """Split ``'v = -60*mV; w += 1*nA'`` into :class:`Statement` objects."""
    if not isinstance(text, str) or not text.strip():
        raise EquationError(f"{context}: expected a non-empty statement string, got {value_text(text)}")
    out = []
    for line in _split_lines(text, context, "statement"):
        m = _STMT_RE.match(line)
        if not m or not m.group(3).strip() or m.group(3).lstrip().startswith("="):
            raise EquationError(
                f"{context}: cannot parse statement '{line}'; expected 'x = expression' "
                "or 'x += expression' (also -=, *=, /=)"
            )
        out.append(Statement(m.group(1), m.group(2), m.group(3).strip(), line))
    return out


def parse_duration(text, context: str, *, allow_zero: bool = True) -> float:
    """A duration (``'0.1*ms'``, or a number of seconds) in seconds.

    Parameters
    ----------
    text : str or float
        A duration string with units, or a number of seconds.
    context : str
        How the behaviour and argument are named in errors (``"Clock(step='0.1*ms')"``).
    allow_zero : bool
        Whether 0 is a valid duration (a Clock step is not).

    Raises
    ------
    EquationError
        If ``text`` is not a finite duration ``>= 0`` (``> 0`` without
        ``allow_zero``): NaN, infinity, a negative number, another dimension.
    """
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, (bool, np.bool_)):
        value = float(text)
    elif isinstance(text, str):
        typed = ExpressionConverter({}, context).convert(text)
        if typed.is_bool or not typed.expr.is_number:
            raise EquationError(f"{context}: '{text}' is not a duration")
        if typed.dim != TIME and not (typed.is_zero_literal):
            raise EquationError(f"{context}: '{text}' is {typed.dim}, expected a duration (second)")
        value = constant_value(typed, context, "a duration")
    else:
        raise EquationError(f"{context}: expected a duration string such as '0.1*ms', got {value_text(text)}")
    if math.isnan(value):
        raise EquationError(f"{context}: a duration must be a number of seconds, got NaN ({text!r})")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise EquationError(f"{context}: a duration must be finite and {bound}, got {text!r}")
    return value
