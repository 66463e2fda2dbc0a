"""The distributed context of one Network: its rank's share and the hooks core calls.

Core calls these methods (only when ``net._distributed`` is set):

* :meth:`DistributedNetwork.partition_group` when a NeuronGroup is built,
* :meth:`DistributedNetwork.source_view` for a SynapseGroup's ``src``,
* :meth:`DistributedNetwork.neuron_vector` / :meth:`synapse_matrix` for
  ``get_neuron_vec`` / ``get_synapse_mat``,
* :meth:`DistributedNetwork.wrap_steps` when the step list is built (and
  :meth:`DistributedNetwork.compiled_entries` when a compiled target plans
  its steps), which adds the spike exchange (:mod:`.exchange`),
* :meth:`DistributedNetwork.recorder_function` when a Recorder compiles an
  expression,
* :meth:`DistributedNetwork.after_run` at the end of each run.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.errors import ConfigurationError, bad_value
from .comm import install_abort_hook
from .exchange import ExchangeStep, SpikeExchange, declared_readers
from .partition import partition_bounds
from .recording import RecorderSync
from .views import GlobalView

__all__ = ["DistributedNetwork", "configure"]

#: Targets whose step plan has a place for the spike exchange (numpy's step list; numba's segment boundaries).
TARGETS = ("numpy", "numba")
#: Partition rules by group tag (``'*'``: the default); see :func:`configure`.
_PARTITION: dict[str, Any] = {"*": "blocks"}


def configure(partition: Any = None, **by_tag: Any) -> None:
    """Choose how groups built from now on are split over the ranks.

    Parameters
    ----------
    partition : {'blocks', 'dimension'} or callable, optional
        The rule of every group without a rule of its own
        (see :mod:`monnto.distributed.partition`).
    **by_tag
        A rule per group tag (``configure(exc='dimension')``).
    """
    if partition is not None:
        _PARTITION["*"] = partition
    _PARTITION.update(by_tag)


class DistributedNetwork:
    """This rank's view of a Network split over ``comm.size`` ranks.

    Parameters
    ----------
    net : Network
        The network (its backend must be numpy, its target numpy or numba).
    comm : SerialComm or MPIComm
        The ranks.

    Attributes
    ----------
    spike_exchanges : int
        Collective calls that exchanged spikes so far (one per step, or one
        per minimum synaptic delay, see :mod:`.exchange`).
    exchange_seconds : float
        Wall time spent in those calls (waiting for the slowest rank included).
    exchange : SpikeExchange or None
        The buffered exchange when every spike reader declares its delay, else None.
    """

    def __init__(self, net: Any, comm: Any):
        if net.backend != "numpy":
            raise bad_value(net, "backend", net.backend, "'numpy' for a network split over MPI ranks",
                            hint="set MONNTO_DISTRIBUTED=0 to run each rank as its own network")
        if net.target not in TARGETS:
            raise bad_value(net, "target", net.target, f"one of {TARGETS} for a network split over MPI ranks",
                            hint="the spike exchange is a step between the target's compiled steps; "
                                 "use target='numpy' under mpiexec")
        self.network = net
        self.comm = comm
        self.rank = comm.rank
        self.size = comm.size
        self.epoch = 0
        self.spike_exchanges = 0
        self.exchange_seconds = 0.0
        self.exchange: SpikeExchange | None = None
        self._remote_readers: list = []
        self._cache: dict = {}
        self._views: dict = {}
        self.recorders = RecorderSync(self)
        if comm.size > 1:
            install_abort_hook(comm)
            self.reseed()

    def reseed(self) -> None:
        """Give ``net.rng`` an independent stream per rank (for K > 1 ranks).

        The framework's draws never use it (see :mod:`monnto.core.keyed_draws`); a behaviour
        that draws ``net.rng.random(n.size)`` itself gets independent numbers
        on each rank instead of the same numbers for the i-th local neuron of
        every rank (its spike trains then depend on K, its statistics not).
        """
        net = self.network
        net.rng = np.random.default_rng([net.seed, self.rank, self.size, int(net.iteration)])

    # -- groups ------------------------------------------------------------------
    def partition_group(self, group: Any) -> None:
        """Keep this rank's block of ``group`` (sets size, id, global_size, global_start)."""
        size = int(group.size)
        rule = next((_PARTITION[t] for t in group.tags if t in _PARTITION), _PARTITION["*"])
        bounds = partition_bounds(group, size, self.size, rule)
        start, stop = int(bounds[self.rank]), int(bounds[self.rank + 1])
        group.global_size = size
        group.global_start = start
        group.partition_bounds = bounds
        group.size = stop - start
        group.id = np.arange(start, stop)
        for name in ("x", "y", "z"):  # NeuronDimension positions
            value = group.__dict__.get(name)
            if isinstance(value, np.ndarray) and value.shape == (size,):
                setattr(group, name, value[start:stop])

    def source_view(self, group: Any) -> GlobalView:
        """What a SynapseGroup sees of its source ``group`` (see :mod:`.views`)."""
        if not hasattr(group, "global_size"):
            raise bad_value(group, "src", group, "a whole NeuronGroup of a distributed network",
                            hint="NeuronSubGroups are not split over ranks yet; connect the whole group "
                                 "and mask the weights instead", cls=ConfigurationError)
        view = self._views.get(id(group))
        if view is None:
            view = self._views[id(group)] = GlobalView(group, self)
        return view

    def gathered(self, group: Any, name: str, value: np.ndarray, live: bool = False) -> np.ndarray:
        """The global array of ``group.<name>`` (cached until the next behaviour runs).

        With the buffered exchange (:mod:`.exchange`) a synapse's
        ``src.spike`` is the exchange's vector of the last exchanged step;
        ``live`` views (recorders) gather the current spikes instead.
        """
        if name == "spike" and not live and self.exchange is not None:
            spikes = self.exchange.buffer_of(group)
            if spikes is not None:
                return spikes
        key = (id(group), name)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.epoch and hit[1] is value:
            return hit[2]
        if self.size == 1:
            result = value
        elif name == "spike":  # every source group's spikes that are due, in one exchange
            return self._gather_spikes(group, value)
        else:
            result = self.comm.allgatherv(value, np.diff(group.partition_bounds))
        self._cache[key] = (self.epoch, value, result)
        return result

    def _gather_spikes(self, group: Any, value: np.ndarray) -> np.ndarray:
        """Gather the ``spike`` vectors of all source groups not gathered in this epoch at once.

        One ``Allgatherv`` per step for the whole network (instead of one per
        source group): each rank sends its parts of the groups' vectors one
        after the other, and the received buffer is cut back into groups.
        """
        batch = [(group, value)]
        for g in self._source_groups():
            if g is group:
                continue
            v = g.__dict__.get("spike")
            if not isinstance(v, np.ndarray) or v.shape != (g.size,) or v.dtype != value.dtype:
                continue
            hit = self._cache.get((id(g), "spike"))
            if hit is None or hit[0] != self.epoch or hit[1] is not v:
                batch.append((g, v))
        batch.sort(key=lambda gv: self.network._creation_order.get(id(gv[0]), 0))
        counts = np.array([np.diff(g.partition_bounds) for g, _ in batch])  # (groups, ranks)
        start = time.perf_counter()
        received = self.comm.allgatherv(np.concatenate([v for _, v in batch]), counts.sum(axis=0))
        self.exchange_seconds += time.perf_counter() - start
        self.spike_exchanges += 1
        starts = np.concatenate([[0], np.cumsum(counts.sum(axis=0))])
        inner = np.concatenate([np.zeros((1, self.size), dtype=np.int64), np.cumsum(counts, axis=0)])
        for j, (g, v) in enumerate(batch):
            parts = [received[starts[r] + inner[j, r]: starts[r] + inner[j + 1, r]] for r in range(self.size)]
            self._cache[(id(g), "spike")] = (self.epoch, v, np.concatenate(parts))
        return self._cache[(id(group), "spike")][2]

    def _source_groups(self) -> list:
        """The NeuronGroups that are the source of some SynapseGroup (creation order)."""
        groups = {id(getattr(s.src, "BaseNeuronGroup", s.src)) for s in self.network.SynapseGroups}
        return [g for g in self.network.NeuronGroups if id(g) in groups]

    # -- stepping ----------------------------------------------------------------------
    def wrap_steps(self, steps: list) -> list:
        """The step list of a split network: the spike exchange first, then the steps, with epochs.

        When every reader of source spikes declares its delay (see
        :mod:`.exchange`), a :class:`~.exchange.SpikeExchange` step runs first
        in every step and exchanges the spikes once per minimum delay.
        Otherwise spikes are gathered when read, and steps of NeuronGroups
        and the Network are followed by a new epoch (gathered arrays expire).
        A SynapseGroup's behaviours write their own state and add to the
        destination's vectors but do not make new spikes, so they leave the
        epoch alone: the source spikes read by all SynapseGroups at the start
        of a step are exchanged once per group, not once per SynapseGroup.
        (A vector assigned anew, ``n.x = ...``, is gathered again anyway.)
        """
        from ..core.synapse_group import SynapseGroup

        self.plan_exchange()
        if self.size == 1:
            return steps
        wrapped = [(fn if isinstance(parent, SynapseGroup) else self._epoch_step(fn), parent)
                   for fn, parent in steps]
        if self.exchange is not None:
            wrapped.insert(0, (self.exchange.step, self.network))
        return wrapped

    def plan_exchange(self) -> SpikeExchange | None:
        """Choose the exchange for the current behaviours: buffered (returned) or per step (None).

        Buffered spikes not exchanged yet under the previous plan are
        exchanged first (a collective call; every rank rebuilds its steps at
        the same point).
        """
        if self.exchange is not None:
            self.exchange.flush()
        self.exchange = None
        readers, others = declared_readers(self.network)
        self._remote_readers = others
        if self.size > 1 and readers and not others:
            self.exchange = SpikeExchange(self, readers)
        return self.exchange

    def flush_exchange(self) -> None:
        """Exchange buffered spikes now (before a save; a collective call)."""
        if self.exchange is not None:
            self.exchange.flush()

    def compiled_entries(self, entries: list) -> list:
        """A compiled target's ``(key, parent, behaviour)`` plan with the spike exchange as a step of its own.

        Raises
        ------
        ConfigurationError
            When behaviours may read other ranks' spikes in the step they are
            made (the per-step exchange on demand needs target='numpy').
        """
        if self.size == 1:
            return entries
        if self.exchange is None and self._remote_readers and self.network.SynapseGroups:
            names = ", ".join(repr(b) for b in self._remote_readers[:5])
            raise bad_value(self.network, "target", self.network.target,
                            "'numpy' for a split network with behaviours that may read other ranks' spikes "
                            f"in the step they are made ({names})", cls=ConfigurationError,
                            hint="on a compiled target every reader of a synapse's source spikes must be a "
                                 "delayed propagation (DelayedSynapticInput); a behaviour class that reads "
                                 "no synapse's source can say so with reads_remote_spikes = False")
        if self.exchange is None:
            return entries
        return [(entries[0][0] if entries else 0, self.network, ExchangeStep(self.exchange)), *entries]

    def _epoch_step(self, fn: Callable) -> Callable:
        ctx = self

        def step(parent: Any) -> None:
            fn(parent)
            ctx.epoch += 1

        step.__name__ = getattr(fn, "__name__", "step")
        step.__wrapped__ = fn
        return step

    def after_run(self) -> None:
        """End of a run (a point every rank reaches): gather new recordings to rank 0."""
        self.epoch += 1
        self.recorders.after_run()

    # -- recorders -------------------------------------------------------------------------
    def recorder_function(self, recorder: Any, expression: str, fn: Callable, parent: Any) -> Callable:
        """``fn`` of a recorded expression, evaluated locally or on the global view (see :mod:`.recording`)."""
        if self.size == 1 or not hasattr(parent, "global_size"):
            return fn
        ctx = self
        key = (id(recorder), expression)
        modes = self.recorders.modes
        view = GlobalView(parent, self, live=True)

        def record(p: Any) -> Any:
            mode = modes.get(key)
            if mode is None:
                value = fn(p)
                local = isinstance(getattr(value, "shape", None), tuple) and len(value.shape) >= 1 \
                    and value.shape[0] == parent.size
                mode = modes[key] = "local" if ctx.comm.allreduce(int(local), "min") else "global"
                if mode == "local":
                    return value
            if mode == "local":
                return fn(p)
            return fn(view)

        return record
