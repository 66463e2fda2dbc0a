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

On the torch backend (``Network(backend='torch')``) the buffers are tensors
on the network's device and :func:`propagate` takes any torch matrix (the
per-synapse delays are checked on the host, then moved to the device); the
sparse matrices are numpy-only.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_torch_array

from ...core import Behaviour
from ...core.backend import to_numpy
from ...core.errors import MonntoValueError
from ...core.event_matrix import event_product
from ...core.sparse_matrix import SparseSynapseMatrix

_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_TIME_PATTERN = re.compile(r"^\s*([0-9.eE+-]+)\s*\*?\s*(s|ms|us|ns)\s*$")


def time_to_seconds(value: Any, owner: str) -> float:
    """``'1.5*ms'``, ``'2 ms'`` or a number of seconds -> seconds."""
    if isinstance(value, str):
        m = _TIME_PATTERN.match(value)
        if not m:
            raise MonntoValueError(f"{owner}: delay time {value!r} is not a duration such as '1.5*ms' "
                             f"(units: {', '.join(_TIME_UNITS)})")
        return float(m.group(1)) * _TIME_UNITS[m.group(2)]
    return float(value)


def steps_from_time(seconds: Any, dt: float, owner: str) -> Any:
    """Round delays in seconds to whole steps of ``dt``; raise if they are negative."""
    steps = np.rint(np.asarray(seconds, dtype=float) / dt).astype(np.int64)
    if np.any(steps < 0):
        raise MonntoValueError(f"{owner}: delays must be >= 0, got {np.min(seconds)!r} s")
    return int(steps) if steps.ndim == 0 else steps


def product(W: Any, spikes: Any) -> Any:
    """``W @ spikes``, event-driven for boolean spikes on any dense or sparse ``W``.

    A torch ``W`` (a ``SynapseTensor`` or any plain 2-D tensor) gives the
    matrix-vector product in ``W``'s dtype on ``W``'s device.
    """
    if isinstance(W, SparseSynapseMatrix):
        return W.dot(spikes)
    if isinstance(W, np.ndarray):
        result = event_product(W, spikes)
        if result is not None:
            return result
    elif is_torch_array(W):
        xp = array_namespace(W)
        return W @ xp.astype(xp.asarray(spikes, device=W.device), W.dtype)
    return W.dot(spikes)


def _zeros(shape: tuple, dtype: Any, xp: Any, device: Any) -> Any:
    """numpy zeros, or zeros of namespace ``xp`` on ``device`` (``dtype`` a numpy dtype)."""
    if xp is None or xp is np:
        return np.zeros(shape, dtype=dtype)
    return xp.zeros(shape, dtype=getattr(xp, np.dtype(dtype).name), device=device)


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
    xp, device : optional
        Array namespace and device of the buffer (a group's ``xp`` and its
        network's ``array_backend.device``); default numpy on the CPU.
    """

    def __init__(self, n_sources: int, delay: int, max_delay: int | None = None, owner: str = "",
                 xp: Any = None, device: Any = None):
        max_delay = delay if max_delay is None else max_delay
        if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay < 0:
            raise MonntoValueError(f"{owner}: delay must be a number of steps >= 0, got {delay!r}")
        if delay > max_delay:
            raise MonntoValueError(f"{owner}: delay of {delay} steps is longer than the buffer allows "
                             f"(max_delay={max_delay} steps); raise max_delay")
        self.delay = int(delay)
        self.length = int(max_delay) + 1
        self.history = _zeros((self.length, int(n_sources)), bool, xp, device)
        self.last = None

    def delayed(self, spikes: Any, iteration: int) -> Any:
        """Store this step's spikes and return those of ``delay`` steps ago."""
        if self.last is not None and iteration - self.last > 1:  # skipped steps: no spikes then
            for t in range(self.last + 1, min(iteration, self.last + 1 + self.length)):
                self.history[t % self.length] = False
        if not isinstance(self.history, np.ndarray):  # torch: a tensor on the buffer's device
            spikes = array_namespace(self.history).asarray(spikes, device=self.history.device)
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
    W : numpy.ndarray or torch tensor (D x S), or SparseSynapseMatrix
        The weights the delays belong to (for the shape and layout); the
        buffers are made in ``W``'s namespace on ``W``'s device.
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
        delays = np.asarray(to_numpy(delays))
        self.sparse = isinstance(W, SparseSynapseMatrix)
        if self.sparse and delays.shape == W.shape:
            rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
            delays = delays[rows, W.indices]
        expected = (W.nnz,) if self.sparse else W.shape
        if delays.shape != expected:
            raise MonntoValueError(f"{owner}: per-synapse delays have shape {delays.shape}, expected "
                             f"{expected} (one per synapse)")
        if delays.dtype.kind not in "iu":
            if not np.all(np.equal(np.mod(delays, 1), 0)):
                raise MonntoValueError(f"{owner}: delays in steps must be whole numbers")
        delays = delays.astype(np.int64)
        if delays.size and delays.min() < 0:
            raise MonntoValueError(f"{owner}: delays must be >= 0 steps, got {delays.min()}")
        longest = int(delays.max()) if delays.size else 0
        max_delay = longest if max_delay is None else int(max_delay)
        if longest > max_delay:
            raise MonntoValueError(f"{owner}: a delay of {longest} steps is longer than the buffer allows "
                             f"(max_delay={max_delay} steps); raise max_delay")
        self.length = max_delay + 1
        self.n_dst = W.shape[0]
        self.xp = array_namespace(W) if is_torch_array(W) else None
        if self.xp is None:
            self.delays = np.asfortranarray(delays) if not self.sparse else delays
            self.buffer = np.zeros((self.length, self.n_dst), dtype=dtype)
        else:  # torch: delays and buffer on W's device
            self.delays = self.xp.asarray(delays, device=W.device)
            self.buffer = _zeros((self.length, self.n_dst), dtype, self.xp, W.device)
        self.last = None

    def propagate(self, W: Any, spikes: Any, iteration: int) -> Any:
        """Schedule this step's spikes at their delays; return the input due now."""
        L, D = self.length, self.n_dst
        if self.last is not None and iteration - self.last > 1:
            for t in range(self.last + 1, min(iteration, self.last + 1 + L)):
                self.buffer[t % L] = 0.0
        self.last = iteration
        if self.xp is not None:
            return self._propagate_tensor(W, spikes, iteration)
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

    def _propagate_tensor(self, W: Any, spikes: Any, iteration: int) -> Any:
        """:meth:`propagate` for a dense torch ``W`` (same schedule as the numpy code)."""
        xp, L, D = self.xp, self.length, self.n_dst
        device = self.buffer.device
        idx = xp.nonzero(xp.asarray(spikes, device=device))[0]
        if idx.shape[0]:
            # column by column (source-major), as the numpy code's ravel(order="F")
            weights = xp.reshape(xp.permute_dims(W[:, idx], (1, 0)), (-1,))
            delays = xp.reshape(xp.permute_dims(self.delays[:, idx], (1, 0)), (-1,))
            rows = xp.tile(xp.arange(D, device=device), (idx.shape[0],))
            slots = (iteration + delays) % L
            # scatter-add (numpy's add.at): torch's index_add_ on a view of the contiguous buffer
            self.buffer.view(-1).index_add_(0, slots * D + rows, xp.astype(weights, self.buffer.dtype))
        slot = iteration % L
        out = xp.asarray(self.buffer[slot], copy=True)
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
            raise MonntoValueError(f"{owner}: give the delay as steps= or as time= (exactly one)")
        if time is not None:
            dt = getattr(synapses, "dt", None) or getattr(synapses.dst, "dt", None)
            if dt is None:
                raise MonntoValueError(f"{owner}: time={time!r} needs a Clock (dt); add one with a smaller key "
                                 f"than this SynapseGroup's behaviours, or give steps=")
            if isinstance(time, np.ndarray) or is_torch_array(time):
                steps = steps_from_time(to_numpy(time), float(dt), owner)
            else:
                steps = steps_from_time(time_to_seconds(time, owner), float(dt), owner)
        if isinstance(steps, str):
            steps = np.rint(to_numpy(synapses.get_synapse_mat(steps, sparse=False))).astype(np.int64)
        elif is_torch_array(steps):
            steps = to_numpy(steps)
        if np.ndim(steps) == 0:
            if isinstance(steps, (float, np.floating)) and float(steps).is_integer():
                steps = int(steps)
            net = synapses.network
            synapses.delay_line = DelayLine(synapses.src.size, steps, max_delay, owner,
                                            xp=net.xp, device=net.array_backend.device)
        else:
            W = getattr(synapses, self.weights, None)
            if W is None:
                raise MonntoValueError(f"{owner}: per-synapse delays need the weights synapses."
                                 f"{self.weights} at initialize; give Delay a larger key")
            synapses.delay_line = HeterogeneousDelays(W, steps, max_delay, synapses.network.dtype, owner)


def propagate(synapses: Any, spikes: Any = None, weights: Any = None) -> Any:
    """Input to ``synapses.dst`` this step: ``W @ spikes``, delayed and event-driven.

    Parameters
    ----------
    synapses : SynapseGroup
        Its ``W`` (or ``weights``) and, when a :class:`Delay` is attached,
        its ``delay_line`` are used.
    spikes : array of bool, optional
        Source spikes of this step; default ``synapses.src.spike``.
    weights : matrix, optional
        Default ``synapses.W``.

    Returns
    -------
    array, shape (dst.size,)
        A numpy array, or a tensor on the torch backend. Call once per
        step per SynapseGroup (the delay buffers advance with
        ``network.iteration``).
    """
    W = synapses.W if weights is None else weights
    if spikes is None:
        spikes = synapses.src.spike
    if W.shape != (synapses.dst.size, synapses.src.size):
        raise MonntoValueError(f"propagate on {synapses!r}: the weights have shape {W.shape}, expected "
                         f"{(synapses.dst.size, synapses.src.size)} (dst.size, src.size)")
    line = getattr(synapses, "delay_line", None)
    if line is None:
        return product(W, spikes)
    return line.propagate(W, spikes, synapses.network.iteration)
