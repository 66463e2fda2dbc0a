"""Wrapper helpers shared by the plasticity behaviours (not public API)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...core.errors import MonntoValueError


def is_synapse_group(obj: Any) -> bool:
    """True for a SynapseGroup (it has ``src`` and ``dst``)."""
    return hasattr(obj, "src") and hasattr(obj, "dst")


def target_synapses(parent: Any, syn_type: str) -> list:
    """The synapse groups a rule acts on.

    On a SynapseGroup: that group. On a NeuronGroup: its afferent synapse
    groups carrying the tag ``syn_type``.
    """
    if is_synapse_group(parent):
        return [parent]
    aff = parent.afferent_synapses
    try:
        groups = aff[syn_type]
    except KeyError:
        groups = []
    return list(groups)


def step_dt(parent: Any, dt: float | None, owner: str) -> float:
    """The step length in seconds: ``dt`` if given, else the parent's ``dt``."""
    if dt is None:
        dt = getattr(parent, "dt", None)
        if dt is None and is_synapse_group(parent):
            dt = getattr(parent.dst, "dt", None)
    if dt is None:
        raise MonntoValueError(
            f"{owner}: no time step; pass dt=<seconds> or add a Clock to the network "
            f"(parent {getattr(parent, 'tag', parent)!r} has no 'dt')")
    dt = float(dt)
    if not dt > 0:
        raise MonntoValueError(f"{owner}: dt must be > 0 seconds, got {dt!r}")
    return dt


def positive(owner: str, name: str, value: Any) -> float:
    """Validate a strictly positive scalar parameter."""
    v = float(value)
    if not v > 0 or not np.isfinite(v):
        raise MonntoValueError(f"{owner}: {name} must be a positive finite number, got {value!r}")
    return v


def weight_mask(syn: Any) -> Any:
    """``syn.enabled`` as a boolean matrix, or None when all synapses are enabled."""
    en = getattr(syn, "enabled", True)
    if en is True or en is None:
        return None
    if isinstance(en, (bool, np.bool_)):
        return None if en else False
    return en


def state_vector(group: Any, size: int, fill: float = 0.0, dtype: Any = None) -> Any:
    """A state vector of ``size`` values ``fill`` on ``group``'s backend and device.

    ``dtype`` defaults to float64 (``bool`` for spike memories); numpy gives
    exactly ``np.full(size, fill, dtype)``.
    """
    xp = getattr(group, "xp", np)
    if dtype is None:
        dtype = xp.float64
    elif dtype is bool:
        dtype = xp.bool
    if xp is np:
        return np.full(size, fill, dtype=dtype)
    backend = getattr(getattr(group, "network", None), "array_backend", None)
    return xp.full(size, fill, dtype=dtype, device=getattr(backend, "device", None))


def as_numbers(spikes: Any, like: Any, xp: Any) -> Any:
    """Bool ``spikes`` ready for arithmetic with the float array ``like``.

    numpy: unchanged (bool * Python float is float64 there). Other backends:
    cast to ``like``'s dtype, because torch makes ``bool tensor * float``
    float32 whatever the network's dtype is.
    """
    if xp is np or getattr(spikes, "dtype", None) == getattr(like, "dtype", None):
        return spikes
    return xp.astype(spikes, like.dtype)
