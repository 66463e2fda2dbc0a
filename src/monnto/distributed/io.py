"""Saving a distributed network and loading a save on any number of ranks.

``net.save(path)`` on K ranks (a collective call) gathers every split array
to rank 0, which writes one ordinary save (:func:`monnto.storage.save_network`)
of the whole network, as one process would, plus the attribute
``distributed_split`` of the network: which arrays are split by rows
(``[owner kind, owner index, behaviour key or None, attribute]``) and which
recorded expressions are per neuron (``'local'``) or group-wide.

``load_network(path)`` then works anywhere: on K' ranks every rank reads the
save and keeps its block of each split array (memory of the load is the whole
network per rank, the run afterwards 1/K'); in a plain process a save made
by a distributed network continues in distributed mode on one rank, so its
random numbers (and spike trains) continue as on any number of ranks.

An array is split when its first axis has the owner's local number of rows
on every rank (a NeuronGroup's neurons; a SynapseGroup's destination
neurons). An array of a SynapseGroup that could also be one value per
*source* neuron (destination rows equal to source size on every rank) is
taken as per source when it is the same on every rank, else as split; with
one rank this cannot be told apart, and loading such a save on more ranks
raises :class:`~monnto.core.errors.LoadError` naming the arrays.
"""
from __future__ import annotations

import copy
import hashlib
from typing import Any

import numpy as np

from ..core.errors import LoadError

__all__ = ["after_load", "save"]

#: group attributes set by the partition itself (sliced there, never by the generic rule)
_PARTITION_ATTRIBUTES = {"id", "x", "y", "z", "partition_bounds"}


def _is_array(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim >= 1
    return hasattr(value, "tocsr") and hasattr(value, "shape")  # scipy sparse


def _candidates(net: Any) -> list[tuple[list, Any, str, Any, Any]]:
    """``(path, holder, attribute, value, rows group)`` of every array of groups and their behaviours.

    ``rows group`` is the NeuronGroup whose neurons number the rows a split
    array would have (the group itself, or a SynapseGroup's destination).
    """
    from ..behaviours.recorder import Recorder

    found = []
    owners = [("ng", i, g, g) for i, g in enumerate(net.NeuronGroups)]
    owners += [("sg", i, s, getattr(s.dst, "BaseNeuronGroup", s.dst)) for i, s in enumerate(net.SynapseGroups)]
    for kind, i, owner, rows in owners:
        holders = [(None, owner)] + [(key, b) for key, b in owner.behaviour.items() if not isinstance(b, Recorder)]
        for key, holder in holders:
            for attr, value in sorted(holder.__dict__.items()):
                if attr.startswith("__") or not _is_array(value):
                    continue
                if key is None and kind == "ng" and attr in ("id", "partition_bounds"):
                    continue
                found.append(([kind, i, key, attr], holder, attr, value, rows))
    return found


def _concat(parts: list) -> Any:
    first = parts[0]
    if hasattr(first, "tocsr"):
        import scipy.sparse as sp

        joined = type(first)(sp.vstack(parts, format="csr"))
        joined.has_sorted_indices = True
        return joined
    joined = np.concatenate([np.asarray(p) for p in parts])
    return type(first)(joined) if type(first) is not np.ndarray else joined


def _rows(value: Any, start: int, stop: int) -> Any:
    if hasattr(value, "tocsr"):
        part = type(value)(value[start:stop])
        part.has_sorted_indices = True
        return part
    part = np.array(np.asarray(value)[start:stop])
    return type(value)(part) if type(value) is not np.ndarray else part


def _digest(value: Any) -> str:
    data = value.tocsr() if hasattr(value, "tocsr") else np.ascontiguousarray(value)
    h = hashlib.blake2b(digest_size=16)
    if hasattr(data, "indptr"):
        for a in (data.indptr, data.indices, data.data):
            h.update(np.ascontiguousarray(a).tobytes())
    else:
        h.update(data.tobytes())
    return h.hexdigest()


def _classify(ctx: Any, entries: list) -> tuple[list[bool], list[list]]:
    """Which candidate arrays are split over the ranks (collective); the undecidable ones."""
    local, per_source = [], []
    for path, _holder, _attr, value, rows in entries:
        local.append(int(value.shape[0] == rows.size))
        src = None
        if path[0] == "sg":
            src = ctx.network.SynapseGroups[path[1]].src.size
        per_source.append(int(src is not None and value.shape[0] == src))
    comm = ctx.comm
    local = comm.allreduce(np.array(local, dtype=np.int64), "min") if local else np.zeros(0, np.int64)
    per_source = comm.allreduce(np.array(per_source, dtype=np.int64), "min") if per_source else local * 0
    split = [bool(x) for x in local]
    ambiguous_index = [j for j, (a, b) in enumerate(zip(local, per_source)) if a and b]
    undecided = []
    if ambiguous_index:
        digests = comm.allgather([_digest(entries[j][3]) for j in ambiguous_index])
        for n, j in enumerate(ambiguous_index):
            same = len({d[n] for d in digests}) == 1
            split[j] = not same
            if ctx.size == 1:
                undecided.append(entries[j][0])
    return split, undecided


def _global_block(block: Any, series: Any) -> Any:
    """A copy of a recorder block holding rank 0's gathered (global) samples."""
    from ..behaviours.recording_blocks import EventBlock

    data = np.array(series.read())
    new = copy.copy(block)
    if isinstance(block, EventBlock):
        new.data = data if len(data) else np.empty((0, 1 + block.ndim), dtype=np.int64)
        new.count = len(data)
        return new
    new.data = data
    new.shape = tuple(data.shape[1:])
    new.counter = [len(data), block.total]
    if block.max_length is not None and block.total > block.max_length:
        new.data = np.roll(data, block.total % block.max_length, axis=0)
    return new


def _recorder_entries(ctx: Any) -> list[tuple[list, Any, Any, str]]:
    """``(path, recorder, parent, expression)`` of every recorded expression of a partitioned group."""
    from ..behaviours.recorder import Recorder

    found = []
    for i, g in enumerate(ctx.network.NeuronGroups):
        for key, b in g.behaviour.items():
            if isinstance(b, Recorder):
                for expression in b.__dict__.get("_blocks", {}):
                    found.append((["ng", i, key, expression], b, g, expression))
    return found


def save(net: Any, path: Any, overwrite: bool = False) -> Any:
    """Save a distributed network (a collective call; rank 0 writes). See the module docstring."""
    from ..storage.network_io import save_network

    ctx = net._distributed
    comm = ctx.comm
    ctx.flush_exchange()  # buffered spikes reach the delay lines, as a per-step exchange leaves them
    ctx.recorders.after_run()  # every rank's samples are on rank 0
    entries = _candidates(net)
    split, undecided = _classify(ctx, entries)
    global_values = {}
    for j, (entry, is_split) in enumerate(zip(entries, split)):
        if is_split:
            parts = comm.gather(entry[3], root=0)
            if ctx.rank == 0:
                global_values[j] = _concat(parts) if ctx.size > 1 else entry[3]
    recorders = [[*p, ctx.recorders.modes.get((id(b), x), "local" if ctx.size == 1 else "global")]
                 for p, b, _g, x in _recorder_entries(ctx)]
    result = None
    if ctx.rank == 0:
        swaps: list[tuple[Any, str, Any]] = []

        def swap(obj: Any, attr: str, value: Any) -> None:
            swaps.append((obj, attr, obj.__dict__.get(attr, _MISSING)))
            if value is _MISSING:
                obj.__dict__.pop(attr, None)
            else:
                obj.__dict__[attr] = value

        try:
            for j, value in global_values.items():
                swap(entries[j][1], entries[j][2], value)
            for g in net.NeuronGroups:
                swap(g, "size", g.global_size)
                swap(g, "id", np.arange(g.global_size))
                swap(g, "global_start", 0)
                swap(g, "partition_bounds", np.array([0, g.global_size], dtype=np.int64))
            for s in net.SynapseGroups:
                swap(s, "src", s.src.BaseNeuronGroup)
            for (_p, b, _g, x), info in zip(_recorder_entries(ctx), recorders):
                series = b.__dict__.get("_gathered", {}).get(x)
                if info[-1] == "local" and series is not None:
                    blocks = dict(b._blocks)
                    blocks[x] = _global_block(b._blocks[x], series)
                    swap(b, "_blocks", blocks)
            for b in net.all_behaviours():  # rank 0's gathered series are in the blocks now
                if "_gathered" in b.__dict__:
                    swap(b, "_gathered", _MISSING)
            swap(net, "distributed_split", {
                "ranks": ctx.size,
                "split": [entries[j][0] for j in range(len(entries)) if split[j]],
                "undecided": undecided, "recorders": recorders})
            result = save_network(net, path, overwrite=overwrite)
        finally:
            for obj, attr, old in reversed(swaps):
                if old is _MISSING:
                    obj.__dict__.pop(attr, None)
                else:
                    obj.__dict__[attr] = old
    return comm.bcast(result, root=0)


_MISSING = object()


def after_load(net: Any) -> None:
    """Keep this rank's block of a loaded save (called by ``load_network``). See the module docstring."""
    from .comm import SerialComm
    from .context import DistributedNetwork

    info = net.__dict__.pop("distributed_split", None)
    ctx = net._distributed
    if ctx is None:
        if info is None:
            return
        ctx = net._distributed = DistributedNetwork(net, SerialComm())
    if ctx.size > 1:  # the saved state of net.rng is rank 0's
        ctx.reseed()
    for g in net.NeuronGroups:
        g.size = int(g.__dict__.get("global_size", g.size))
        ctx.partition_group(g)
    known = None if info is None else {tuple(p) for p in info["split"]}
    undecided = [] if info is None else [tuple(p) for p in info.get("undecided", [])]
    if ctx.size > 1 and undecided:
        raise LoadError(f"load_network: {net!r} was saved on one rank, where the arrays {undecided} "
                        f"can be one value per destination or per source neuron; load it on one rank, or "
                        f"save it from two or more ranks")
    for s in net.SynapseGroups:
        s.src = ctx.source_view(getattr(s.src, "BaseNeuronGroup", s.src))
    for g in net.NeuronGroups:  # behaviours that keep the group's first global index (PoissonInput)
        for b in g.behaviour.values():
            if "_first" in b.__dict__:
                b._first = g.global_start
    for path, holder, attr, value, rows in _candidates(net):
        if path[0] == "ng" and path[2] is None and attr in _PARTITION_ATTRIBUTES:
            continue
        if known is not None:
            is_split = tuple(path) in known
        else:
            is_split = value.shape[0] == rows.global_size and not (
                path[0] == "sg" and value.shape[0] == net.SynapseGroups[path[1]].src.size and ctx.size > 1
                and _raise_ambiguous(net, path))
        if is_split:
            holder.__dict__[attr] = _rows(value, rows.global_start, rows.global_start + rows.size)
    modes = {} if info is None else {tuple(r[:4]): r[4] for r in info["recorders"]}
    _split_recorders(ctx, modes)


def _raise_ambiguous(net: Any, path: list) -> bool:
    raise LoadError(f"load_network: {net!r}: the array {path} of a save made by one process can be one "
                    f"value per destination or per source neuron; it cannot be split over ranks")


def _split_recorders(ctx: Any, modes: dict) -> None:
    """Recorders of a loaded network: local blocks, rank 0's global series, modes, step functions."""
    from ..behaviours.recording_blocks import EventBlock, SampleBlock
    from .recording import GatheredSeries

    touched = {}
    for _path, b, _g, _x in _recorder_entries(ctx):
        b.__dict__.pop("_gathered", None)
    for path, b, g, expression in _recorder_entries(ctx):
        mode = modes.get(tuple(path))
        if mode is None:
            continue
        ctx.recorders.modes[(id(b), expression)] = mode
        touched[id(b)] = (b, g)
        block = b._blocks[expression]
        if mode != "local":
            continue
        start, stop = g.global_start, g.global_start + g.size
        if isinstance(block, EventBlock):
            rows = np.array(block.read())
            if ctx.rank == 0 and ctx.size > 1:
                series = GatheredSeries()
                series.append(rows)
                b.__dict__.setdefault("_gathered", {})[expression] = series
            if ctx.size > 1:
                keep = rows[(rows[:, 1] >= start) & (rows[:, 1] < stop)] if rows.ndim == 2 and rows.shape[1] == 2 \
                    else rows[:0]
                keep = keep.copy()
                keep[:, 1] -= start
                block.data = keep if len(keep) else np.empty((64, block.data.shape[1]), dtype=np.int64)
                block.count = len(keep)
            ctx.recorders.sent[id(block)] = block.count
        elif type(block) is SampleBlock:
            values = np.array(block.read())
            if ctx.rank == 0 and ctx.size > 1:
                series = GatheredSeries(b.max_length)
                series.append(values)
                b.__dict__.setdefault("_gathered", {})[expression] = series
            if ctx.size > 1 and values.ndim >= 2:
                local = np.array(values[:, start:stop])
                if block.max_length is not None and block.total > block.max_length:
                    local = np.roll(local, block.total % block.max_length, axis=0)
                block.data = local
                block.shape = tuple(local.shape[1:])
                block.counter = [len(local), block.total]
            ctx.recorders.sent[id(block)] = block.total
    for b, g in touched.values():
        b._functions = [(x, ctx.recorder_function(b, x, fn, g)) for x, fn in b._functions]
        b._pending = [(x, ctx.recorder_function(b, x, fn, g), owner) for x, fn, owner in b._pending]
        b._build_step(g)
