"""Compile the hot loop of a single behaviour with numba (paper, section 4.5).

Most behaviours are a few vectorized array expressions and gain nothing from
compilation. Some per-step loops cannot be vectorized because each iteration
depends on the previous one (asynchronous network updates, event-driven
plasticity that walks spikes in time order, Gillespie-type stochastic
simulation, cellular automata updated in place). Written as plain Python
loops over numpy arrays they run at interpreter speed; :func:`jit` compiles
such a loop to machine code with numba, leaving the rest of the network
untouched::

    from monnto.behaviours.compiled import jit

    @jit
    def sweep(state, field, weights, order, thresholds):   # numpy arrays in, mutated in place
        for k in range(order.shape[0]):
            ...
        return flips

    class MyBehaviour(Behaviour):
        def new_iteration(self, n):
            sweep(n.s, n.h, self.W, order, thresholds)

Without numba the function runs as the same pure-Python code, with one
``RuntimeWarning`` at its first call that says what to install
(``pip install monnto[numba]``). ``compiled.py_func`` is always the pure
Python function (numba's attribute, also set on the fallback), so tests can
compare both. See ``docs/compiled_behaviours.md``.
"""
from __future__ import annotations

import functools
import importlib.util
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["jit", "numba_available"]


def numba_available() -> bool:
    """Whether numba can be imported (checked without importing it)."""
    return importlib.util.find_spec("numba") is not None


def _fallback(func: Callable, reason: str) -> Callable:
    warned = False

    @functools.wraps(func)
    def pure_python(*args: Any, **kwargs: Any):
        nonlocal warned
        if not warned:
            warned = True
            warnings.warn(f"{func.__qualname__} runs as pure Python ({reason}); it may be 20-1000x "
                          f"slower. pip install monnto[numba] to compile it", RuntimeWarning,
                          stacklevel=2)
        return func(*args, **kwargs)

    pure_python.py_func = func
    pure_python.compiled = False
    return pure_python


def jit(func: Callable | None = None, *, enabled: bool = True, **numba_options: Any):
    """Compile ``func`` in numba's nopython mode, or return it unchanged with a warning.

    Use as ``@jit`` or ``@jit(fastmath=False, ...)``.

    Parameters
    ----------
    func : callable
        A function of numpy arrays and scalars (numba's nopython subset:
        loops, arithmetic, ``math``/most of ``numpy``; no Python objects,
        no monnto groups). Compilation happens at the first call, for the
        argument types of that call.
    enabled : bool
        ``False`` returns the pure-Python function without warning (for
        debugging and coverage; numba's ``NUMBA_DISABLE_JIT=1`` does the
        same for every compiled function).
    **numba_options
        Passed to ``numba.njit``; ``cache`` defaults to False (no files
        written next to the source, which may be read-only when installed).

    Returns
    -------
    callable
        The numba dispatcher, or a pure-Python wrapper that warns once.
        Both have ``py_func`` (the original function) and ``compiled``
        (bool).
    """
    if func is None:
        return functools.partial(jit, enabled=enabled, **numba_options)
    if not callable(func):
        raise TypeError(f"jit: expected a function to compile, got {func!r}")
    if not enabled:
        plain = functools.wraps(func)(lambda *a, **k: func(*a, **k))
        plain.py_func = func
        plain.compiled = False
        return plain
    try:
        import numba
    except ImportError as err:
        return _fallback(func, f"numba is not installed: {err}")
    numba_options.setdefault("cache", False)
    dispatcher = numba.njit(**numba_options)(func)
    dispatcher.compiled = True
    return dispatcher
