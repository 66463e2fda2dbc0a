"""The init mini-language: turn ``'uniform(0,10)'``-style strings into arrays.

Accepted forms of ``mode`` (see ``semantics.md``):

* ``None``, ``'zeros'`` / ``'zeros()'``: zeros; ``'ones'``: ones;
* a number (Python or numpy scalar): that value everywhere;
* ``bool`` / ``'bool'``: all False (dtype bool); ``int`` / ``'int'``: zeros (int64);
* ``'random'`` / ``'rand'`` / ``'rnd'``: same as ``'uniform'``;
* any ``numpy.random.Generator`` distribution, bare (``'normal'``) or called
  with arguments (``'uniform(0,10)'``, ``'normal(loc=1, scale=0.1)'``);
* ``'lognormal_real_mean(m, s)'`` (lognormal whose mean is ``m``) and
  ``'uniform_gap(mean, gap)'`` (uniform on ``[mean-gap, mean+gap]``);
* arithmetic around those (``'ones()*3'``, ``'2*normal(0,1)+1'``);
* a callable ``f(shape, rng)``;
* a trailing ``';plot'`` shows a histogram of the result.

Strings are parsed with :mod:`ast`; only the names in the table above,
numbers and arithmetic are allowed, so no arbitrary code runs. Each string is
compiled once into a closure and cached.

Work is bounded: a string longer than :data:`MAX_INIT_STRING_LENGTH`
characters, arithmetic on numbers whose result would exceed
:data:`MAX_CONSTANT_MAGNITUDE` (``'9**9**9'``, ``'ones()*10**10**8'``), a
division by zero between numbers, or nesting deeper than Python can parse
raise :class:`InitStringError` at once instead of hanging or filling memory.
Arithmetic on numbers is folded when the string is compiled.
"""
from __future__ import annotations

import ast
import difflib
import math
import operator
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import MonntoValueError, bad_value, describe, short_repr

#: Generator methods usable as distributions (all accept ``size=``).
GENERATOR_DISTRIBUTIONS = (
    "beta", "binomial", "chisquare", "exponential", "f", "gamma", "geometric",
    "gumbel", "hypergeometric", "integers", "laplace", "logistic", "lognormal",
    "logseries", "negative_binomial", "noncentral_chisquare", "noncentral_f",
    "normal", "pareto", "poisson", "power", "random", "rayleigh",
    "standard_cauchy", "standard_exponential", "standard_gamma",
    "standard_normal", "standard_t", "triangular", "uniform", "vonmises",
    "wald", "weibull", "zipf",
)
ALIASES = {"rand": "random", "rnd": "random"}
SHAPE_FUNCTIONS = ("zeros", "ones", "full")
EXTRA_DISTRIBUTIONS = ("lognormal_real_mean", "uniform_gap")
CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf}
#: Longest init string accepted (characters); distribution strings are short.
MAX_INIT_STRING_LENGTH = 1000
#: Largest magnitude of a number computed from numbers in an init string.
MAX_CONSTANT_MAGNITUDE = sys.float_info.max
ALL_NAMES = tuple(sorted(set(GENERATOR_DISTRIBUTIONS) | set(ALIASES) | set(SHAPE_FUNCTIONS)
                         | set(EXTRA_DISTRIBUTIONS)))

ACCEPTED_FORMS = (
    "a number, 'zeros', 'ones', 'bool', 'int', 'random', a numpy.random.Generator "
    "distribution bare or called ('uniform(0,10)', 'normal(loc=1, scale=0.1)'), "
    "arithmetic around those ('2*normal(0,1)+1'), a callable f(shape, rng), "
    "optionally followed by ';plot'"
)

_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

# A compiled node: f(shape, rng) -> scalar or array.
Node = Callable[[tuple, np.random.Generator], Any]


class InitStringError(MonntoValueError):
    """An init string that is not part of the mini-language."""


def _fail(mode: str, why: str) -> InitStringError:
    return InitStringError(f"init string {mode!r}: {why}. Accepted forms: {ACCEPTED_FORMS}")


def _distribution(name: str, mode: str) -> Callable[..., Any]:
    """Return ``draw(shape, rng, *args, **kwargs)`` for a distribution name."""
    name = ALIASES.get(name, name)
    if name == "zeros":
        return lambda shape, rng, *a, **k: np.zeros(shape)
    if name == "ones":
        return lambda shape, rng, *a, **k: np.ones(shape)
    if name == "full":
        return lambda shape, rng, value=0.0: np.full(shape, value)
    if name == "lognormal_real_mean":
        def lognormal_real_mean(shape, rng, mean=1.0, sigma=1.0):
            return rng.lognormal(np.log(mean) - sigma**2 / 2.0, sigma, size=shape)
        return lognormal_real_mean
    if name == "uniform_gap":
        return lambda shape, rng, mean=0.0, gap=1.0: rng.uniform(mean - gap, mean + gap, size=shape)
    if name in GENERATOR_DISTRIBUTIONS:
        def draw(shape, rng, *args, **kwargs):
            return getattr(rng, name)(*args, size=shape, **kwargs)
        return draw
    suggestion = difflib.get_close_matches(name, ALL_NAMES, n=1)
    hint = f"; did you mean {suggestion[0]!r}?" if suggestion else ""
    raise _fail(mode, f"unknown distribution {name!r}{hint}")


def _is_constant(node: ast.AST) -> bool:
    """Whether ``node`` is numbers, constants, signs and arithmetic only (no distribution)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in CONSTANTS
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _bounded_binary(op: type, left: Any, right: Any, node: ast.AST, mode: str) -> Any:
    """``left <op> right`` for numbers, refusing results beyond :data:`MAX_CONSTANT_MAGNITUDE`.

    Integer powers are checked before they are computed (``9**9**9`` would
    take hours); every other result is checked after (it is cheap for
    numbers that are themselves bounded).
    """
    what = ast.unparse(node)
    if op is ast.Pow and isinstance(left, int) and isinstance(right, int) and right > 0 \
            and abs(left) > 1 and right * math.log10(abs(left)) > math.log10(MAX_CONSTANT_MAGNITUDE):
        raise _fail(mode, f"{what!r} is too large (more than {MAX_CONSTANT_MAGNITUDE:.3g}); "
                          f"init strings refuse unbounded arithmetic")
    try:
        result = _BINARY[op](left, right)
    except ZeroDivisionError:
        raise _fail(mode, f"{what!r} divides by zero") from None
    except OverflowError:
        raise _fail(mode, f"{what!r} is too large (more than {MAX_CONSTANT_MAGNITUDE:.3g}); "
                          f"init strings refuse unbounded arithmetic") from None
    if isinstance(result, complex):
        raise _fail(mode, f"{what!r} is a complex number")
    if math.isnan(result):
        raise _fail(mode, f"{what!r} is not a number (NaN)")
    finite_operands = math.isfinite(left) and math.isfinite(right)
    if (math.isinf(result) and finite_operands) or (math.isfinite(result) and abs(result) > MAX_CONSTANT_MAGNITUDE):
        raise _fail(mode, f"{what!r} is too large (more than {MAX_CONSTANT_MAGNITUDE:.3g}); "
                          f"init strings refuse unbounded arithmetic")
    return result


def _constant_arg(node: ast.AST, mode: str) -> Any:
    """Evaluate a call argument: numbers, signs and arithmetic of numbers (bounded)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        if abs(node.value) > MAX_CONSTANT_MAGNITUDE:
            raise _fail(mode, f"the number {ast.unparse(node)} is too large "
                              f"(more than {MAX_CONSTANT_MAGNITUDE:.3g})")
        return node.value
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_constant_arg(node.operand, mode))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _constant_arg(node.left, mode), _constant_arg(node.right, mode)
        return _bounded_binary(type(node.op), left, right, node, mode)
    raise _fail(mode, f"argument {ast.unparse(node)!r} is not a number")


def _compile_node(node: ast.AST, mode: str) -> Node:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(mode, f"{value!r} is not a number")
    if _is_constant(node):  # folded now, with bounds (see _bounded_binary)
        value = _constant_arg(node, mode)
        return lambda shape, rng: value
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return lambda shape, rng: value
        return _distribution(node.id, mode)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise _fail(mode, f"{ast.unparse(node.func)!r} is not a distribution name")
        draw = _distribution(node.func.id, mode)
        args = tuple(_constant_arg(a, mode) for a in node.args)
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None or kw.arg == "size":
                raise _fail(mode, "'**kwargs' and 'size=' are not allowed (the shape is the group's)")
            kwargs[kw.arg] = _constant_arg(kw.value, mode)
        try:  # validate the arguments once, on a tiny draw
            draw((1,), np.random.default_rng(0), *args, **kwargs)
        except (TypeError, ValueError) as err:
            raise _fail(mode, f"bad arguments for {node.func.id!r}: {err}") from None
        return lambda shape, rng: draw(shape, rng, *args, **kwargs)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op = _BINARY[type(node.op)]
        left, right = _compile_node(node.left, mode), _compile_node(node.right, mode)
        if type(node.op) in (ast.Div, ast.FloorDiv, ast.Mod) and _is_constant(node.right) \
                and _constant_arg(node.right, mode) == 0:
            raise _fail(mode, f"{ast.unparse(node)!r} divides by zero")
        return lambda shape, rng: op(left(shape, rng), right(shape, rng))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        op = _UNARY[type(node.op)]
        operand = _compile_node(node.operand, mode)
        return lambda shape, rng: op(operand(shape, rng))
    raise _fail(mode, f"{ast.unparse(node)!r} is not allowed")


@lru_cache(maxsize=1024)
def compile_init_string(mode: str) -> tuple[Node | str, bool]:
    """Compile an init string once; returns ``(node_or_special, plot)``.

    ``node_or_special`` is ``'bool'`` or ``'int'`` for those special modes.
    """
    if len(mode) > MAX_INIT_STRING_LENGTH:
        raise _fail(mode[:40] + "...", f"longer than {MAX_INIT_STRING_LENGTH} characters")
    text = mode.strip()
    plot = False
    if ";" in text:
        text, _, flag = text.partition(";")
        if flag.strip() != "plot":
            raise _fail(mode, f"unknown option {flag.strip()!r} after ';' (only 'plot')")
        plot = True
        text = text.strip()
    if text in ("bool", "int"):
        return text, plot
    if not text:
        raise _fail(mode, "empty string")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise _fail(mode, f"syntax error ({err.msg})") from None
    except (RecursionError, MemoryError):
        raise _fail(mode, "nested too deeply") from None
    try:
        return _compile_node(tree.body, mode), plot
    except RecursionError:
        raise _fail(mode, "nested too deeply") from None


def make_array(mode: Any, shape: tuple, rng: np.random.Generator, dtype: np.dtype,
               scale: Any = None, density: Any = None, plot: bool = False,
               owner: Any = None) -> np.ndarray:
    """Build an array of ``shape`` from an init ``mode``.

    Parameters
    ----------
    mode : str, number, bool, int, callable or None
        What to fill the array with (see the module docstring).
    shape : tuple of int
        Shape of the result.
    rng : numpy.random.Generator
        Source of every random draw.
    dtype : numpy dtype
        Float dtype of the result (``bool``/``int`` modes keep theirs).
    scale : number or array, optional
        Multiplies the result.
    density : number or array, optional
        Probability in [0, 1] that an element is kept (others become 0); an
        array gives one probability per row.
    plot : bool
        Show a histogram of the values (also set by a trailing ``';plot'``).
    owner : object, optional
        The calling object, named in error messages.
    """
    if type(mode) is str:
        if len(mode) > MAX_INIT_STRING_LENGTH:
            raise InitStringError(
                f"{describe(owner) or 'init string'}: the init string of {len(mode)} characters "
                f"({short_repr(mode, 40)}) is longer than {MAX_INIT_STRING_LENGTH} characters; "
                f"init strings are short expressions such as 'normal(0.9, 0.1)'")
        try:
            node, plot_flag = compile_init_string(mode)
        except InitStringError as err:
            raise InitStringError(f"{owner!r}: {err}" if owner is not None else str(err)) from None
        if type(node) is str:
            return np.zeros(shape, dtype=bool if node == "bool" else np.int64)
        plot = plot or plot_flag
        result = np.asarray(node(shape, rng), dtype=dtype)
        if result.shape != shape:  # a scalar expression such as '3*2'
            result = np.broadcast_to(result, shape).copy()
    elif mode is None:
        result = np.zeros(shape, dtype=dtype)
    elif mode is bool:
        return np.zeros(shape, dtype=bool)
    elif mode is int:
        return np.zeros(shape, dtype=np.int64)
    elif isinstance(mode, (int, float, np.integer, np.floating)) and not isinstance(mode, bool):
        result = np.full(shape, mode, dtype=dtype)
    elif callable(mode):
        returned = mode(shape, rng)
        try:
            result = np.array(returned, dtype=dtype)
        except (ValueError, TypeError):
            raise MonntoValueError(f"{owner!r}: the init callable {mode!r} returned {short_repr(returned, 60)}; "
                                   f"expected numbers of shape {shape}") from None
        if result.shape != shape:
            raise MonntoValueError(f"{owner!r}: the init callable {mode!r} returned shape {result.shape}, "
                                   f"expected {shape}")
    else:
        raise InitStringError(f"{owner!r}: init mode {mode!r} is not valid. Accepted forms: {ACCEPTED_FORMS}")

    if density is not None:
        if type(density) is float and 0.0 <= density <= 1.0:  # the common case, checked cheaply
            result *= rng.random(shape) < density
        else:
            result *= _density_mask(density, shape, rng, owner)
    if scale is not None:
        result *= check_scale(scale, owner)
    if plot:
        _plot_histogram(result, mode)
    return result


def check_scale(scale: Any, owner: Any) -> Any:
    """Return ``scale`` when it is finite (a number, or an array of finite numbers).

    NaN or infinite scales make every value NaN or infinite, which no model
    means: they are refused, naming ``owner``.
    """
    if type(scale) is float or type(scale) is int:
        if scale - scale == 0:  # false for NaN and +-inf; the cheap common case
            return scale
        raise bad_value(owner, "scale", scale, "a finite number")
    if isinstance(scale, (np.ndarray, np.number)) and scale.dtype.kind in "fc" \
            and not np.isfinite(scale).all():
        raise bad_value(owner, "scale", scale, "a finite number or an array of finite numbers")
    return scale


def _density_mask(density: Any, shape: tuple, rng: np.random.Generator, owner: Any) -> np.ndarray:
    if isinstance(density, (int, float, np.integer, np.floating)) and not isinstance(density, bool):
        p = float(density)
        if not 0.0 <= p <= 1.0:
            raise MonntoValueError(f"{owner!r}: density must be a probability in [0, 1], got {density!r}")
        return rng.random(shape) < p
    p = np.asarray(density, dtype=float)
    if p.ndim != 1 or p.shape[0] != shape[0]:
        raise MonntoValueError(f"{owner!r}: density must be a number in [0, 1] or an array with one value "
                               f"per row ({shape[0]}), got shape {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):  # NaN fails both comparisons
        raise MonntoValueError(f"{owner!r}: density values must lie in [0, 1] (no NaN), got min "
                               f"{np.nanmin(p) if not np.isnan(p).all() else 'nan'}, max "
                               f"{np.nanmax(p) if not np.isnan(p).all() else 'nan'}, "
                               f"{int(np.isnan(p).sum())} NaN")
    p = p.reshape((-1,) + (1,) * (len(shape) - 1))
    return rng.random(shape) < p


def _plot_histogram(values: np.ndarray, mode: Any) -> None:
    import matplotlib.pyplot as plt

    plt.figure()
    plt.hist(np.ravel(values), bins=50)
    plt.title(str(mode))
    plt.show()
