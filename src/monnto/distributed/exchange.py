"""The spike exchange of a split network: once per minimum synaptic delay, or every step.

Two ways of getting other ranks' spikes to a rank's synapses:

* **per step, on demand** (the general rule): reading ``synapse.src.spike``
  on the :class:`~monnto.distributed.views.GlobalView` gathers the source
  groups' spike vectors (one ``Allgatherv`` for all of them; see
  :meth:`DistributedNetwork.gathered`). This is what a behaviour that reads
  the spikes of the step it runs in needs, as the paper's
  ``neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size``
  does.

* **once per minimum delay** (:class:`SpikeExchange`): when every reader of
  source spikes is a library propagation with a declared delay (it reads
  ``src.spike`` only through the ring buffer of its delay, see
  :meth:`~monnto.models._propagation.DelayedSynapticInput.remote_spike_line`)
  and no other behaviour may read a synapse's source (the library's neuron
  models, inputs, clocks and recorders on groups, or a class that sets
  ``reads_remote_spikes = False``), a spike made in step ``u`` is first
  delivered in step ``u + D`` (``D``: the smallest delay in steps). Each
  rank then keeps its own spikes of up to ``D`` steps and, in the step
  where the oldest of them is first needed, sends them all in one
  collective call (an ``Allgatherv`` of their indices, see
  :meth:`SpikeExchange.flush`); the received rows are written into the
  delay ring buffers of the propagations, where they would have been
  written one step at a time. With ``D = 1`` (declared readers with a
  one-step delay, as CUBA's) this is one exchange at the start of every
  step. The spike trains are the same either way.

The exchange is a step of its own at the start of every step (it keeps the
step's local spikes and, every ``D`` steps, exchanges them), placed first
in the numpy step list and, on ``target='numba'``, between the compiled
segments (:meth:`DistributedNetwork.compiled_entries`).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = ["ExchangeStep", "SpikeExchange", "declared_readers"]

#: Modules whose behaviours on NeuronGroups and on the Network never read a synapse's source arrays.
NO_REMOTE_READS = ("monnto.behaviours.neurons.", "monnto.behaviours.inputs.", "monnto.behaviours.recorder",
                   "monnto.behaviours.recording_blocks", "monnto.behaviours.equations.modules",
                   "monnto.behaviours.plasticity.intrinsic", "monnto.models._propagation",
                   "monnto.models.cuba_coba", "monnto.models.brunel")


def _reads_remote(b: Any) -> bool:
    """Whether behaviour ``b`` (on a NeuronGroup or the Network) may read a synapse's source arrays."""
    declared = getattr(b, "reads_remote_spikes", None)
    if declared is not None:
        return bool(declared)
    return not type(b).__module__.startswith(NO_REMOTE_READS)


def declared_readers(net: Any) -> tuple[list, list]:
    """``(readers, others)``: the declared delayed readers and the behaviours that may read remote spikes.

    ``readers`` holds ``(source group, DelayLine)`` of every enabled
    behaviour of a SynapseGroup that reads its source's spikes only through
    a delay line; ``others`` the enabled behaviours that may read source
    arrays some other way (the exchange is then per step, on demand).
    """
    from ..core.synapse_group import SynapseGroup

    readers, others = [], []
    for _, parent, b in net._sorted_behaviours():
        if not b.behaviour_enabled:
            continue
        if isinstance(parent, SynapseGroup):
            line_of = getattr(b, "remote_spike_line", None)
            line = line_of() if callable(line_of) else None
            if line is None:
                others.append(b)
            else:
                readers.append((getattr(parent.src, "BaseNeuronGroup", parent.src), line))
        elif _reads_remote(b):
            others.append(b)
    return readers, others


class SpikeExchange:
    """Buffered spike exchange of a network whose spike readers all declare their delay.

    Parameters
    ----------
    ctx : DistributedNetwork
        The network's context (its communicator and counters).
    readers : list of (NeuronGroup, DelayLine)
        Every delayed reader: the (local) source group and the ring buffer
        it delivers from (``delay + 1`` steps of delay, at least one).
    """

    def __init__(self, ctx: Any, readers: list):
        self.ctx = ctx
        order = ctx.network._creation_order
        groups = {id(g): g for g, _ in readers}
        self.groups = sorted(groups.values(), key=lambda g: order.get(id(g), 0))
        index = {id(g): i for i, g in enumerate(self.groups)}
        self.readers = [(index[id(g)], line) for g, line in readers]
        #: steps between exchanges: the smallest delay of a reader, in steps
        self.interval = min(int(line.delay) + 1 for _, line in readers)
        self.counts = np.array([np.diff(g.partition_bounds) for g in self.groups], dtype=np.int64)  # (G, K)
        self.local = [np.zeros((self.interval, g.size), dtype=np.bool_) for g in self.groups]
        #: the source spikes of the last exchanged step (what ``synapse.src.spike`` is in this mode)
        self.spikes = [np.zeros(g.global_size, dtype=np.bool_) for g in self.groups]
        self.pending = 0  # buffered steps not yet exchanged
        self.first = 0  # the iteration whose spikes are the oldest buffered row
        #: where each group's columns start in a rank's side-by-side rows, (groups, ranks)
        self.offsets = np.concatenate([np.zeros((1, ctx.size), dtype=np.int64),
                                       np.cumsum(self.counts, axis=0)[:-1]])
        cells = int(self.counts.sum(axis=0).max()) * self.interval
        self.code_dtype = np.int32 if cells < 2 ** 31 - 1 else np.int64
        #: spike indices per rank that one exchange carries in its first call (follows the largest count)
        self.min_capacity = 256
        self.capacity = max(self.min_capacity, cells // 100)  # at first 1 % of neuron-steps (100 Hz at 0.1 ms)
        #: exchanges made (each one collective call, two when a rank overflowed the capacity) and spikes carried
        self.rounds = 0
        self.spikes_exchanged = 0

    def buffer_of(self, group: Any) -> np.ndarray | None:
        """The global spike vector ``synapse.src.spike`` reads for ``group`` (None: not a source here)."""
        for g, spikes in zip(self.groups, self.spikes):
            if g is group:
                return spikes
        return None

    def step(self, net: Any) -> None:
        """Keep the spikes of the step before (``net.iteration - 1``); exchange when the oldest are due."""
        if self.pending == 0:
            self.first = net.iteration - 1
        row = self.pending
        for g, block in zip(self.groups, self.local):
            spike = g.__dict__.get("spike")
            if spike is None:
                block[row] = False
            else:
                block[row] = spike
        self.pending += 1
        if self.pending >= self.interval:  # the oldest row is delivered in this step
            self.flush()

    def flush(self) -> None:
        """Exchange the buffered steps now (a collective call: every rank makes it).

        Each rank sends the indices of its spikes (``row * width + column``
        in its buffered rows of all source groups side by side) in a message
        of ``capacity + 1`` numbers (the count first), one ``Allgatherv`` of
        equal parts. When a rank has more spikes than the capacity (every
        rank sees every count), a second call carries the rest. After each
        exchange every rank sets the same new capacity, 1.5 times the largest
        count, when the largest count was above the capacity or below half of it.
        """
        n = self.pending
        if n == 0:
            return
        ctx = self.ctx
        widths = self.counts.sum(axis=0)  # local neurons of all source groups, per rank
        local = np.concatenate([block[:n] for block in self.local], axis=1)
        codes = np.flatnonzero(local).astype(self.code_dtype, copy=False)
        capacity = self.capacity
        send = np.zeros(capacity + 1, dtype=self.code_dtype)
        send[0] = codes.size
        send[1:1 + min(codes.size, capacity)] = codes[:capacity]
        start = time.perf_counter()
        received = ctx.comm.allgatherv(send, np.full(ctx.size, capacity + 1)).reshape(ctx.size, capacity + 1)
        found = received[:, 0].astype(np.int64)
        extra = np.maximum(found - capacity, 0)
        more = None
        if extra.any():  # a rank had more spikes than the capacity: the rest in a second call
            more = ctx.comm.allgatherv(codes[capacity:], extra)
            ctx.spike_exchanges += 1
        ctx.exchange_seconds += time.perf_counter() - start
        ctx.spike_exchanges += 1
        self.rounds += 1
        self.spikes_exchanged += int(found.sum())
        largest = int(found.max())
        if largest > capacity or 2 * largest < capacity:  # 1.5 times the largest count, within a factor 2
            self.capacity = max(self.min_capacity, (3 * largest) // 2 + 16)
        rows = [np.zeros((n, g.global_size), dtype=np.bool_) for g in self.groups]
        offset = 0
        for r in range(ctx.size):
            mine = received[r, 1:1 + min(int(found[r]), capacity)]
            if extra[r]:
                mine = np.concatenate([mine, more[offset:offset + extra[r]]])
                offset += int(extra[r])
            if mine.size == 0:
                continue
            row, col = np.divmod(mine.astype(np.int64), int(widths[r]))
            group = np.searchsorted(self.offsets[:, r], col, side="right") - 1
            for gi, g in enumerate(self.groups):
                pick = group == gi
                rows[gi][row[pick], col[pick] - self.offsets[gi, r] + int(g.partition_bounds[r])] = True
        # the spikes of iteration u are what the propagation reads in step u + 1: its ring-buffer slot
        steps = self.first + 1 + np.arange(n)
        for gi, line in self.readers:
            line.history[steps % line.length] = rows[gi]
        for gi, spikes in enumerate(self.spikes):
            spikes[:] = rows[gi][n - 1]
        self.pending = 0


class ExchangeStep:
    """The exchange as an entry of the step plan: ``step_function()`` gives ``SpikeExchange.step``.

    On ``target='numba'`` it runs between the compiled segments (a segment
    boundary that is not a Python behaviour of the user, so no
    :class:`~monnto.targets.numba_target.PythonStepWarning`).
    """

    behaviour_enabled = True
    exchange_step = True  #: the numba runner's mark of a step that is no behaviour of the user

    def __init__(self, exchange: SpikeExchange):
        self.exchange = exchange

    def step_function(self) -> Any:
        return self.exchange.step

    def __repr__(self) -> str:
        return f"<spike exchange every {self.exchange.interval} step(s)>"
