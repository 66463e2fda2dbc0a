"""Argument checks shared by the model library's network builders.

A builder's arguments are checked against its own type hints before anything
is built, so ``cuba_network(n_exc="big")`` or ``brunel_network(g="x")`` fail
with an error that names the builder, the argument, the value and what was
expected (instead of an arithmetic error deep inside), and a misspelt
keyword gets a suggestion.
"""
from __future__ import annotations

import difflib
import functools
import inspect
import math
import numbers
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from ..core.errors import MonntoTypeError, MonntoValueError

__all__ = ["checked_builder"]

F = TypeVar("F", bound=Callable[..., Any])

_KIND_TEXT = {int: "an int", float: "a finite number", bool: "True or False", str: "a string"}
#: Arguments left to the objects they are passed to (``dtype`` may be a numpy type as well as a name).
_UNCHECKED = frozenset({"dtype"})


def _allowed_kinds(hint: Any) -> tuple[set[type], bool] | None:
    """The plain kinds a hint allows and whether None is allowed; None for hints not checked."""
    origin = typing.get_origin(hint)
    members = typing.get_args(hint) if origin in (typing.Union, types.UnionType) else (hint,)
    kinds: set[type] = set()
    allow_none = False
    for member in members:
        if member is type(None):
            allow_none = True
        elif member in _KIND_TEXT:
            kinds.add(member)
        else:
            return None  # Any, arrays, callables...: the builder checks those itself
    return kinds, allow_none


def _matches(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, (bool, np.bool_))
    if isinstance(value, bool):
        return False
    if kind is int:
        return isinstance(value, numbers.Integral)
    if kind is float:
        return isinstance(value, numbers.Real) and math.isfinite(float(value))
    return isinstance(value, kind)


def _check_kind(builder: str, name: str, value: Any, hint: Any) -> None:
    allowed = _allowed_kinds(hint)
    if allowed is None:
        return
    kinds, allow_none = allowed
    if value is None and allow_none:
        return
    if any(_matches(value, k) for k in kinds):
        return
    expected = " or ".join(_KIND_TEXT[k] for k in sorted(kinds, key=lambda k: list(_KIND_TEXT).index(k)))
    if allow_none:
        expected += " or None"
    hint_text = ""
    if isinstance(value, str) and float in kinds and any(c.isalpha() for c in value) \
            and any(c.isdigit() for c in value):
        hint_text = " (builder arguments are numbers in SI units: 1e-4 for 0.1 ms, 0.02 for 20 mV)"
    error = MonntoValueError if isinstance(value, numbers.Real) else MonntoTypeError
    raise error(f"{builder}: {name} must be {expected}, got {value!r}{hint_text}")


def checked_builder(*, positive: Iterable[str] = (), probability: Iterable[str] = (),
                    nonnegative: Iterable[str] = ()) -> Callable[[F], F]:
    """Check a network builder's arguments before it builds anything.

    Parameters
    ----------
    positive : iterable of str
        Arguments that must be > 0 (sizes, time steps, time constants).
    probability : iterable of str
        Arguments that must lie in [0, 1].
    nonnegative : iterable of str
        Arguments that must be >= 0.

    Every argument whose type hint is ``int``, ``float``, ``bool`` or ``str``
    (optionally ``| None``) is checked against it; floats must be finite.
    """
    positive, probability, nonnegative = set(positive), set(probability), set(nonnegative)

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        hints = typing.get_type_hints(fn)
        unknown = (positive | probability | nonnegative) - set(signature.parameters)
        if unknown:
            raise MonntoValueError(f"checked_builder({fn.__name__}): no arguments {sorted(unknown)}")
        names = list(signature.parameters)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for key in kwargs:
                if key not in signature.parameters:
                    close = difflib.get_close_matches(key, names, n=1)
                    suggestion = f"; did you mean {close[0]!r}?" if close else ""
                    raise MonntoTypeError(f"{fn.__name__}: unknown argument {key!r}{suggestion} "
                                          f"(its arguments: {', '.join(names)})")
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as err:
                raise MonntoTypeError(f"{fn.__name__}: {err}") from None
            for name, value in bound.arguments.items():
                if name in _UNCHECKED:
                    continue
                _check_kind(fn.__name__, name, value, hints.get(name))
                if value is None or not isinstance(value, numbers.Real) or isinstance(value, bool):
                    continue
                if name in positive and not value > 0:
                    raise MonntoValueError(f"{fn.__name__}: {name} must be > 0, got {value!r}")
                if name in nonnegative and not value >= 0:
                    raise MonntoValueError(f"{fn.__name__}: {name} must be >= 0, got {value!r}")
                if name in probability and not 0 <= value <= 1:
                    raise MonntoValueError(f"{fn.__name__}: {name} must be a probability in [0, 1], "
                                           f"got {value!r}")
            return fn(*args, **kwargs)

        return typing.cast(F, wrapper)

    return decorate
