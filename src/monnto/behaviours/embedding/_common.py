"""Helpers shared by the simulator embeddings (Brian2, NEST).

Every embedding follows one cycle per monnto step:

1. copy the group's input vectors (``inputs``) into the external model;
2. advance the external simulator by the group's time step ``dt``;
3. copy the mirrored state (``variables``) and the spikes of that step back
   into the group (``n.<name>`` and ``n.spike``).

Time step: the group's ``n.dt`` (seconds, set by a Clock or inherited from the
network) when it exists, else the behaviour's ``dt`` keyword argument, else
1 ms (the step of the paper's code blocks 9 and 10).
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ...core.errors import MonntoTypeError, MonntoValueError

#: Default monnto step of an embedding when no Clock sets one, s.
DEFAULT_DT = 1e-3

_TIME_UNITS = {"s": 1.0, "second": 1.0, "ms": 1e-3, "msecond": 1e-3, "us": 1e-6, "usecond": 1e-6}
_DURATION = re.compile(r"^\s*([0-9.eE+-]+)\s*\*?\s*([a-z]+)?\s*$")


def parse_seconds(value: Any, owner: str, key: str) -> float:
    """A positive time in seconds from a number (s) or a string ``'0.5*ms'``.

    Raises ``ValueError`` naming ``owner`` and ``key`` for anything else.
    """
    if isinstance(value, str):
        match = _DURATION.match(value)
        unit = match.group(2) if match else None
        if match is None or (unit is not None and unit not in _TIME_UNITS):
            raise MonntoValueError(f"{owner}: argument {key}={value!r}: expected seconds as a number or a "
                             f"string such as '1*ms' (units: {', '.join(_TIME_UNITS)})")
        seconds = float(match.group(1)) * _TIME_UNITS[unit or "s"]
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise MonntoValueError(f"{owner}: argument {key}={value!r}: expected seconds as a number or a "
                         f"string such as '1*ms'")
    if not seconds > 0:
        raise MonntoValueError(f"{owner}: argument {key}={value!r}: expected a positive time step")
    return seconds


def resolve_dt(behaviour, n) -> float:
    """The monnto step in seconds: the group's clock, else ``dt=``, else 1 ms.

    Raises ``ValueError`` when a Clock sets ``n.dt`` and ``dt=`` disagrees.
    """
    given = behaviour.get_init_attr("dt", None, None, do_not_diversify=True)
    try:
        clock_dt = n.dt
    except AttributeError:
        clock_dt = None
    if isinstance(clock_dt, np.ndarray) and clock_dt.ndim == 0:
        clock_dt = float(clock_dt)
    if not isinstance(clock_dt, (int, float, np.integer, np.floating)) or isinstance(clock_dt, bool):
        clock_dt = None
    if given is not None:
        given = parse_seconds(given, repr(behaviour), "dt")
        if clock_dt is not None and abs(float(clock_dt) - given) > 1e-12 * given:
            raise MonntoValueError(f"{behaviour!r}: argument dt={given!r} s disagrees with the group's clock "
                             f"dt={clock_dt!r} s; omit dt= or change the Clock")
        return given
    if clock_dt is not None:
        return parse_seconds(clock_dt, repr(n), "dt")
    return DEFAULT_DT


def name_mapping(value: Any, owner: str, key: str) -> dict[str, Any]:
    """Normalize ``variables=`` / ``inputs=`` to ``{monnto_name: external_spec}``.

    Accepts a dict, a list of names (same name on both sides) or one name.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        value = {name: name for name in value}
    if not isinstance(value, dict):
        raise MonntoTypeError(f"{owner}: argument {key}={value!r}: expected a dict "
                        f"{{monnto_name: external_name}}, a list of names or one name")
    for name in value:
        if not isinstance(name, str) or not name.isidentifier():
            raise MonntoValueError(f"{owner}: argument {key}: monnto attribute name {name!r} is not a "
                             f"valid identifier")
    return dict(value)


def store(n, name: str, values: np.ndarray) -> None:
    """Write ``values`` (numpy, shape ``(n.size,)``) into ``n.<name>``.

    Copies in place when the group already holds an array of that shape and
    dtype kind (so views and recorders that hold it stay valid), otherwise
    sets a new array in the group's namespace.
    """
    current = n.__dict__.get(name)
    if isinstance(current, np.ndarray) and current.shape == values.shape and current.dtype.kind == "f":
        current[...] = values
        return
    xp = n.xp
    if values.dtype.kind == "f":
        values = values.astype(n.network.dtype, copy=False)
    setattr(n, name, xp.asarray(values.copy()))


def read_input(n, name: str, owner: str) -> np.ndarray:
    """``n.<name>`` as a float64 numpy vector of shape ``(n.size,)``."""
    try:
        value = getattr(n, name)
    except AttributeError:
        raise AttributeError(f"{owner}: input attribute n.{name} does not exist on {n!r}") from None
    array = np.asarray(value.cpu() if hasattr(value, "cpu") else value, dtype=float)
    if array.ndim == 0:
        array = np.full(n.size, float(array))
    if array.shape != (n.size,):
        raise MonntoValueError(f"{owner}: input n.{name} has shape {array.shape}; expected ({n.size},)")
    return array


def clear_input(n, name: str) -> None:
    """Set the input vector ``n.<name>`` to zero in place."""
    value = getattr(n, name)
    if hasattr(value, "shape") and len(value.shape) > 0:
        value[...] = 0
    else:
        setattr(n, name, 0.0 * value)


def step_ratio(monnto_dt: float, external_dt: float, owner: str, what: str) -> int:
    """How many external steps make one monnto step; raises unless it is a whole number."""
    ratio = monnto_dt / external_dt
    steps = int(round(ratio))
    if steps < 1 or abs(ratio - steps) > 1e-9 * max(ratio, 1.0):
        raise MonntoValueError(f"{owner}: the monnto step dt={monnto_dt!r} s is not a whole multiple of "
                         f"{what}={external_dt!r} s; choose dt as k * {external_dt!r} s")
    return steps
