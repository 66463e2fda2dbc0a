"""The run-time side of generated code: compile it, and the array namespace it sees.

numpy only (no sympy), so that the equation behaviours can be imported
without loading sympy; the code generation itself is in :mod:`.codegen`.

The array namespace (numpy, or the group's ``xp``) is bound as ``numpy`` in
the function's globals. numpy functions take Python numbers (the scalar
``t``, constants such as ``numpy.log(10)``); torch's do not, so for any
namespace other than numpy the functions are wrapped to make a Python number
a 0-d float64 array first (:class:`ScalarSafeNamespace`). numpy code is run
unwrapped, so numpy results do not change.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["ScalarSafeNamespace", "compile_function", "make_phi1", "namespace_for_code", "phi1_numpy"]

_counter = itertools.count()


def make_phi1(xp):
    """``phi1(z) = (exp(z) - 1)/z`` elementwise with ``phi1(0) = 1``, in namespace ``xp``."""

    def phi1(z):
        if isinstance(z, (int, float)):
            return math.expm1(z) / z if z != 0 else 1.0
        safe = xp.where(z == 0, xp.ones_like(z), z)
        return xp.where(z == 0, xp.ones_like(z), xp.expm1(safe) / safe)

    return phi1


phi1_numpy = make_phi1(np)


class ScalarSafeNamespace:
    """Array namespace ``xp`` whose functions accept Python numbers.

    ``ns.cos(0.5)`` is ``xp.cos(xp.asarray(0.5, dtype=xp.float64))``: every
    positional argument that is a Python (or numpy) int or float becomes a
    0-d float64 array of ``xp``; arrays, bools and keyword arguments pass
    unchanged. Other attributes (``pi``, dtypes) are ``xp``'s. Generated
    code uses it with torch, whose functions take tensors only.
    """

    def __init__(self, xp):
        self._xp = xp

    def __getattr__(self, name):
        attr = getattr(self._xp, name)
        if callable(attr) and not isinstance(attr, type):
            attr = _scalar_safe(attr, self._xp)
        setattr(self, name, attr)  # cached: later look-ups are plain attributes
        return attr

    def __repr__(self) -> str:
        return f"ScalarSafeNamespace({getattr(self._xp, '__name__', self._xp)!r})"


def _scalar_safe(func, xp):
    asarray, float64 = xp.asarray, xp.float64

    def call(*args, **kwargs):
        args = [asarray(a, dtype=float64)
                if isinstance(a, (int, float, np.integer, np.floating)) and not isinstance(a, (bool, np.bool_))
                else a
                for a in args]
        return func(*args, **kwargs)

    call.__name__ = getattr(func, "__name__", "function")
    call.__doc__ = getattr(func, "__doc__", None)
    return call


def namespace_for_code(xp):
    """``xp`` as generated code sees it: numpy itself, other namespaces scalar-safe."""
    if xp is None or xp is np or isinstance(xp, ScalarSafeNamespace):
        return np if xp is None else xp
    return ScalarSafeNamespace(xp)


def compile_function(source: str, name: str, xp=None, extra_globals=None, label="equation"):
    """Compile ``source`` (defining function ``name``) and return the function.

    ``xp`` (default numpy) is bound as ``numpy`` in the function's globals;
    a namespace other than numpy is wrapped in :class:`ScalarSafeNamespace`.
    """
    xp = namespace_for_code(xp)
    glb = {"numpy": xp, "_phi1": make_phi1(xp), "clip": xp.clip}
    if extra_globals:
        glb.update(extra_globals)
    filename = f"<monnto {label} {next(_counter)}>"
    exec(compile(source, filename, "exec"), glb)  # noqa: S102 - code generated from a parsed AST
    fn = glb[name]
    fn.__source__ = source
    return fn
