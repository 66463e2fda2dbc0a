"""Helpers shared by the neuron-model wrappers and the input generators.

The input convention (one for every model in :mod:`monnto.behaviours.neurons`):

* Each neuron model reads the per-neuron vector ``n.I_input`` once per step.
  Input and synapse behaviours **add** to it in their ``new_iteration``
  (they must run before the neuron model, i.e. have a smaller key); the
  neuron model uses the sum and then **clears** it (sets it to zero in
  place), so contributions never accumulate across steps. The total current
  used in the last step (bias plus input) is kept in ``n.I_total`` for
  recording.
* ``n.I_input`` is in the model's current unit: amperes (A) for the SI models
  (LIF, ConductanceLIF, HodgkinHuxley, HHCable, WangBuzsaki, AdEx), the
  model's own unit for the conventionally unitless models (Izhikevich: the
  2003 paper's dimensionless current, in mV/ms; HindmarshRose: dimensionless).
* Conductance-based models (ConductanceLIF) also own ``n.g_e`` and ``n.g_i``
  (S); synapses add conductance jumps there and the model lets them decay.
* Whoever runs first creates ``n.I_input`` with :func:`input_vector`, so the
  order of initialization does not matter.

Time step: the group's ``n.dt`` (seconds, set by a Clock or inherited from the
network) when it exists, else the wrapper's ``dt`` keyword argument, else the
model's documented default.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from monnto.core.backend import to_numpy

from ...core.errors import MonntoValueError

INPUT_NAME = "I_input"


def input_vector(n, name: str = INPUT_NAME):
    """Return ``n.<name>``, creating a zero vector on the group if it is absent.

    Parameters
    ----------
    n : NeuronGroup
        The group receiving input.
    name : str
        Attribute name of the input vector (default ``'I_input'``).
    """
    vec = n.__dict__.get(name) if hasattr(n, "__dict__") else None
    if vec is None:
        vec = n.get_neuron_vec()
        setattr(n, name, vec)
    return vec


def clear_(vec) -> None:
    """Set every element of an array to zero in place (numpy or torch)."""
    vec[...] = 0


def to_backend(value: Any, n):
    """Convert a parameter value to the group's array namespace.

    Scalars stay Python floats (cheap in arithmetic); arrays become arrays of
    the group's float dtype on its backend.
    """
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)):
        value = np.asarray(value, dtype=float)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return float(value)
        like = n.get_neuron_vec()
        if not hasattr(like, "dtype"):
            return value
        return from_host(n, value.astype(to_numpy(like[:0]).dtype, copy=False))
    return value


def from_host(n, array: np.ndarray):
    """A numpy array made on the host, on the group's backend and device.

    The identity on the numpy backend; a tensor on the network's device on
    the torch backend (random draws come from the network's numpy generator
    and are moved with this).
    """
    backend = getattr(getattr(n, "network", None), "array_backend", None)
    return array if backend is None else backend.from_numpy(array)


def read_params(behaviour, params_cls, n, overrides: dict | None = None, skip: tuple = ()):
    """Build a parameter dataclass from the behaviour's keyword arguments.

    Each field of ``params_cls`` is read with ``behaviour.get_init_attr(name,
    default, n)``, so distribution strings (``'normal(20e-3,1e-3)'``) give
    one value per neuron. ``overrides`` replaces the dataclass defaults (used
    for presets); fields named in ``skip`` keep their default.
    """
    overrides = overrides or {}
    values = {}
    for field in dataclasses.fields(params_cls):
        if field.name in skip:
            continue
        default = overrides.get(field.name, field.default)
        if isinstance(default, str):
            values[field.name] = behaviour.get_init_attr(field.name, default, None)
            continue
        value = behaviour.get_init_attr(field.name, default, n)
        value = to_backend(value, n)
        size = getattr(n, "size", None)
        shape = getattr(value, "shape", None)
        if shape is not None and size is not None and len(shape) > 0 and tuple(shape) != (size,):
            raise MonntoValueError(f"{behaviour!r}: argument {field.name} has shape {tuple(shape)}; "
                             f"expected a scalar or one value per neuron ({size},)")
        values[field.name] = value
    return params_cls(**values)


def resolve_dt(behaviour, n, default: float) -> float:
    """The time step in seconds: the group's clock, else ``dt=``, else ``default``.

    Raises ``ValueError`` when the group has a clock and ``dt=`` disagrees,
    or when the step is not a positive number.
    """
    given = behaviour.get_init_attr("dt", None, None)
    try:
        clock_dt = n.dt
    except AttributeError:
        clock_dt = None
    if isinstance(clock_dt, (np.ndarray,)) and clock_dt.ndim == 0:
        clock_dt = float(clock_dt)
    if clock_dt is not None and not isinstance(clock_dt, (int, float, np.floating, np.integer)):
        clock_dt = None
    if given is not None:
        given = float(given)
        if clock_dt is not None and abs(float(clock_dt) - given) > 1e-12 * max(abs(given), 1e-300):
            raise MonntoValueError(f"{behaviour!r}: argument dt={given!r} s disagrees with the group's "
                             f"clock dt={clock_dt!r} s; omit dt= or change the Clock")
        dt = given
    elif clock_dt is not None:
        dt = float(clock_dt)
    else:
        dt = float(default)
    if not dt > 0:
        raise MonntoValueError(f"{behaviour!r}: time step dt={dt!r} s; expected a positive number of seconds")
    return dt


def as_float_array(x, xp, like):
    """``x`` (scalar or array) as an array shaped and typed like ``like``."""
    return xp.zeros_like(like) + x


def check_positive(params, names: tuple[str, ...], allow_zero: tuple[str, ...] = ()) -> None:
    """Raise ValueError when a parameter in ``names`` is not > 0 (or >= 0 for ``allow_zero``).

    Works for scalars and for numpy or torch arrays (every element is checked).
    """
    for name in names + allow_zero:
        value = getattr(params, name)
        if isinstance(value, str) or value is None:
            continue
        bad = (value < 0) if name in allow_zero else (value <= 0)
        if bool(bad.any()) if hasattr(bad, "any") else bool(bad):
            need = ">= 0" if name in allow_zero else "> 0"
            raise MonntoValueError(f"{type(params).__name__}: {name}={value!r}; expected {need}")


def warn_if_coarse(behaviour, dt: float, max_dt: float, unit_note: str = "") -> None:
    """Warn (once, at initialize) when ``dt`` exceeds the step the model is accurate at."""
    if dt > max_dt * (1 + 1e-9):
        import warnings
        warnings.warn(f"{behaviour!r}: time step dt={dt!r} s is larger than {max_dt!r} s{unit_note}; "
                      f"the {type(behaviour).__name__} integration will be inaccurate "
                      f"(set a finer Clock or dt=)", stacklevel=3)
