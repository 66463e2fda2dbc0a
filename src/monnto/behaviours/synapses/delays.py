"""Synaptic delays (ring buffers) and :func:`propagate`, the one propagation helper.

Convention: without a delay, the input a synapse behaviour computes at step
``t`` comes from the source spikes present at step ``t`` (``src.spike``).
With a delay of ``d`` steps the same input arrives at step ``t + d``.

* :class:`DelayLine` (uniform delay): a ring buffer of the last ``d + 1``
  source spike vectors, ``(d+1) x S`` booleans; the product with the delayed
  vector stays event-driven.
* :class:`HeterogeneousDelays` (one delay per synapse): a ring buffer of
  future inputs, ``L x D``; each spike adds its synapses' weights into the
  slot of their own delay. Works on dense matrices (delays ``D x S``) and on
  :class:`~monnto.core.sparse_matrix.SparseSynapseMatrix` (delays aligned
  with ``W.data``).
* :class:`Delay`: a Behaviour on a SynapseGroup that makes one of the two
  (``synapses.delay_line``), with delays in steps or in seconds (converted
  with the Clock's ``dt``).

Both buffers index their slots by ``network.iteration``, so steps on which
``propagate`` was not called are treated as steps without spikes.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ...core import Behaviour
from ...core.event_matrix import event_product
from ...core.sparse_matrix import SparseSynapseMatrix

_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_TIME_PATTERN = re.compile(r"^\s*([0-9.eE+-]+)\s*\*?\s*(s|ms|us|ns)\s*$")


def time_to_seconds(value: Any, owner: str) -> float:
    """``'1.5*ms'``, ``'2 ms'`` or a number of seconds -> seconds."""
    if isinstance(value, str):
        m = _TIME_PATTERN.match(value)
        if not m:
            raise ValueError(f"{owner}: delay time {value!r} is not a duration such as '1.5*ms' "
                             f"(units: {', '.join(_TIME_UNITS)})")
        return float(m.group(1)) * _TIME_UNITS[m.group(2)]
    return float(value)


def steps_from_time(seconds: Any, dt: float, owner: str) -> Any:
    """Round delays in seconds to whole steps of ``dt``; raise if they are negative."""
    steps = np.rint(np.asarray(seconds, dtype=float) / dt).astype(np.int64)
    if np.any(steps < 0):
        raise ValueError(f"{owner}: delays must be >= 0, got {np.min(seconds)!r} s")
    return int(steps) if steps.ndim == 0 else steps


def product(W: Any, spikes: Any) -> Any:
    """``W @ spikes``, event-driven for boolean spikes on any dense or sparse ``W``."""
    if isinstance(W, SparseSynapseMatrix):
        return W.dot(spikes)
    if isinstance(W, np.ndarray):
        result = event_product(W, spikes)
        if result is not None:
            return result
    return W.dot(spikes)


class DelayLine:
    """Uniform delay: every spike arrives ``delay`` steps later.

    Parameters
    ----------
    n_sources : int
        Length of the spike vector (``src.size``).
    delay : int
        Delay in steps (>= 0).
    max_delay : int, optional
        Largest delay the buffer must hold (buffer of ``max_delay + 1``
        spike vectors); default ``delay``.
    """

    def __init__(self, n_sources: int, delay: int, max_delay: int | None = None, owner: str = ""):
        max_delay = delay if max_delay is None else max_delay
        if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay < 0:
            raise ValueError(f"{owner}: delay must be a number of steps >= 0, got {delay!r}")
        if delay > max_delay:
            raise ValueError(f"{owner}: delay of {delay} steps is longer than the buffer allows "
                             f"(max_delay={max_delay} steps); raise max_delay")
        self.delay = int(delay)
        self.length = int(max_delay) + 1
        self.history = np.zeros((self.length, int(n_sources)), dtype=bool)
        self.last = None

    def delayed(self, spikes: np.ndarray, iteration: int) -> np.ndarray:
        """Store this step's spikes and return those of ``delay`` steps ago."""
        if self.last is not None and iteration - self.last > 1:  # skipped steps: no spikes then
            for t in range(self.last + 1, min(iteration, self.last + 1 + self.length)):
                self.history[t % self.length] = False
        self.history[iteration % self.length] = spikes
        self.last = iteration
        return self.history[(iteration - self.delay) % self.length]

    def propagate(self, W: Any, spikes: np.ndarray, iteration: int) -> Any:
        """Input at this step: ``W @ spikes(iteration - delay)``."""
        return product(W, self.delayed(spikes, iteration))


class HeterogeneousDelays:
    """One delay (in steps) per synapse.

    Parameters
    ----------
    W : numpy.ndarray (D x S) or SparseSynapseMatrix
        The weights the delays belong to (for the shape and layout).
    delays : array of int
        ``D x S`` for a dense ``W``; one per stored synapse (``W.data``
        order, length ``W.nnz``) or ``D x S`` for a sparse ``W``.
    max_delay : int, optional
        Buffer holds delays up to this; default ``delays.max()``.
    dtype : numpy dtype
        Float dtype of the input buffer.
    """

    def __init__(self, W: Any, delays: Any, max_delay: int | None = None, dtype: Any = np.float64,
                 owner: str = ""):
        delays = np.asarray(delays)
        self.sparse = isinstance(W, SparseSynapseMatrix)
        if self.sparse and delays.shape == W.shape:
            rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
            delays = delays[rows, W.indices]
        expected = (W.nnz,) if self.sparse else W.shape
        if delays.shape != expected:
            raise ValueError(f"{owner}: per-synapse delays have shape {delays.shape}, expected "
                             f"{expected} (one per synapse)")
        if delays.dtype.kind not in "iu":
            if not np.all(np.equal(np.mod(delays, 1), 0)):
                raise ValueError(f"{owner}: delays in steps must be whole numbers")
        delays = delays.astype(np.int64)
        if delays.size and delays.min() < 0:
            raise ValueError(f"{owner}: delays must be >= 0 steps, got {delays.min()}")
        longest = int(delays.max()) if delays.size else 0
        max_delay = longest if max_delay is None else int(max_delay)
        if longest > max_delay:
            raise ValueError(f"{owner}: a delay of {longest} steps is longer than the buffer allows "
                             f"(max_delay={max_delay} steps); raise max_delay")
        self.delays = np.asfortranarray(delays) if not self.sparse else delays
        self.length = max_delay + 1
        self.n_dst = W.shape[0]
        self.buffer = np.zeros((self.length, self.n_dst), dtype=dtype)
        self.last = None

    def propagate(self, W: Any, spikes: np.ndarray, iteration: int) -> np.ndarray:
        """Schedule this step's spikes at their delays; return the input due now."""
        L, D = self.length, self.n_dst
        if self.last is not None and iteration - self.last > 1:
            for t in range(self.last + 1, min(iteration, self.last + 1 + L)):
                self.buffer[t % L] = 0.0
        self.last = iteration
        idx = np.flatnonzero(spikes)
        if idx.size:
            if self.sparse:
                pos, rows = W.entries_of_sources(idx)
                weights, delays = W.data[pos], self.delays[pos]
            else:
                weights = np.asarray(W)[:, idx].ravel(order="F")
                delays = self.delays[:, idx].ravel(order="F")
                rows = np.tile(np.arange(D), idx.size)
            slots = (iteration + delays) % L
            np.add.at(self.buffer.reshape(-1), slots * D + rows, weights)
        slot = iteration % L
        out = self.buffer[slot].copy()
        self.buffer[slot] = 0.0
        return out


class Delay(Behaviour):
    """Put a delay on a SynapseGroup (sets ``synapses.delay_line``), used by :func:`propagate`.

    Parameters (keyword arguments)
    ------------------------------
    steps : int, array or init string
        Delay in steps: one int (uniform), or per synapse (``D x S`` array,
        one value per stored synapse of a sparse ``W``, or an init string
        such as ``'integers(1, 5)'`` drawn per synapse).
    time : float, str or array
        Delay in seconds (``'1.5*ms'`` or a number; an array per synapse),
        rounded to whole steps of the Clock's ``dt``. Give ``steps`` or
        ``time``, not both.
    max_delay : int, optional
        Longest delay (steps) the buffer holds; a longer delay is an error.
    weights : str
        Attribute of the SynapseGroup holding the weights (default ``'W'``);
        needed, at initialize, for per-synapse delays.

    Heterogeneous delays need the weights first: give ``Delay`` a larger
    key than the behaviour that sets ``W``.
    """

    def set_variables(self, synapses) -> None:
        owner = f"Delay on {synapses!r}"
        steps = self.get_init_attr("steps", None)
        time = self.get_init_attr("time", None)
        max_delay = self.get_init_attr("max_delay", None)
        self.weights = self.get_init_attr("weights", "W")
        if (steps is None) == (time is None):
            raise ValueError(f"{owner}: give the delay as steps= or as time= (exactly one)")
        if time is not None:
            dt = getattr(synapses, "dt", None) or getattr(synapses.dst, "dt", None)
            if dt is None:
                raise ValueError(f"{owner}: time={time!r} needs a Clock (dt); add one with a smaller key "
                                 f"than this SynapseGroup's behaviours, or give steps=")
            if isinstance(time, np.ndarray):
                steps = steps_from_time(time, float(dt), owner)
            else:
                steps = steps_from_time(time_to_seconds(time, owner), float(dt), owner)
        if isinstance(steps, str):
            steps = np.rint(synapses.get_synapse_mat(steps, sparse=False)).astype(np.int64)
        if np.ndim(steps) == 0:
            if isinstance(steps, (float, np.floating)) and float(steps).is_integer():
                steps = int(steps)
            synapses.delay_line = DelayLine(synapses.src.size, steps, max_delay, owner)
        else:
            W = getattr(synapses, self.weights, None)
            if W is None:
                raise ValueError(f"{owner}: per-synapse delays need the weights synapses."
                                 f"{self.weights} at initialize; give Delay a larger key")
            synapses.delay_line = HeterogeneousDelays(W, steps, max_delay, synapses.network.dtype, owner)


def propagate(synapses: Any, spikes: Any = None, weights: Any = None) -> Any:
    """Input to ``synapses.dst`` this step: ``W @ spikes``, delayed and event-driven.

    Parameters
    ----------
    synapses : SynapseGroup
        Its ``W`` (or ``weights``) and, when a :class:`Delay` is attached,
        its ``delay_line`` are used.
    spikes : numpy.ndarray of bool, optional
        Source spikes of this step; default ``synapses.src.spike``.
    weights : matrix, optional
        Default ``synapses.W``.

    Returns
    -------
    numpy.ndarray, shape (dst.size,)
        Call once per step per SynapseGroup (the delay buffers advance with
        ``network.iteration``).
    """
    W = synapses.W if weights is None else weights
    if spikes is None:
        spikes = synapses.src.spike
    if W.shape != (synapses.dst.size, synapses.src.size):
        raise ValueError(f"propagate on {synapses!r}: the weights have shape {W.shape}, expected "
                         f"{(synapses.dst.size, synapses.src.size)} (dst.size, src.size)")
    line = getattr(synapses, "delay_line", None)
    if line is None:
        return product(W, spikes)
    return line.propagate(W, spikes, synapses.network.iteration)
