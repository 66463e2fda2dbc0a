"""Random numbers that do not depend on how the neurons are split.

A distributed network never draws from ``net.rng`` for neurons or
synapses. Each call that makes random numbers (``get_neuron_vec``,
``get_synapse_mat``, a connectivity builder) gets a stream key from the
counter-based scheme of :mod:`monnto.targets.random_streams`::

    key = stream_key(seed, "<what>|<owner's creation number>|<iteration>|<call number>")

and the global index space of the result (neurons, or rows of a matrix) is
cut into fixed chunks whose boundaries depend on the global shape only.
Chunk ``c`` draws from its own generator, ``PCG64([key, c])``, with any
numpy distribution. A rank builds only the chunks that hold its neurons
(or rows) and keeps its part of them, so the numbers of global neuron
``i`` are the same for every number of ranks and equal to a single process
in distributed mode (``MONNTO_DISTRIBUTED=1``), while the work per rank
falls as 1/K (up to one partial chunk at each end of a block).

Calls are numbered per owner and iteration, so every rank must make the
same calls in the same order (as it does when it runs the same script);
a draw made on one rank only, inside ``if`` on local data, shifts the
numbers of later calls on that rank.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.init_strings import check_scale, make_array
from ..core.sparse_matrix import SparseSynapseMatrix, distinct_columns, from_rows, sparse_from_init
from ..targets.random_streams import stream_key

__all__ = ["CHUNK_ELEMENTS", "chunk_rng", "chunks", "draw_rows", "fixed_indegree_rows", "fixed_probability_rows"]

#: Elements (neurons, or matrix entries / synapses) per chunk.
CHUNK_ELEMENTS = 4096


def chunk_rng(key: Any, chunk: int) -> np.random.Generator:
    """The generator of chunk ``chunk`` of the stream ``key``."""
    return np.random.Generator(np.random.PCG64([int(key), int(chunk)]))


def chunks(n_rows: int, row_elements: int, start: int, stop: int):
    """``(chunk, first row, end row)`` of the chunks holding global rows ``start:stop``.

    A chunk holds ``max(1, CHUNK_ELEMENTS // row_elements)`` rows of the
    ``n_rows`` rows; the cut depends on the global shape only.
    """
    per = max(1, CHUNK_ELEMENTS // max(1, int(row_elements)))
    if stop <= start:
        return
    for c in range(start // per, (stop - 1) // per + 1):
        yield c, c * per, min(n_rows, (c + 1) * per)


def next_key(ctx: Any, owner: Any, what: str) -> np.uint64:
    """A fresh stream key for the next draw of ``owner`` in this iteration."""
    net = ctx.network
    owner_number = net._creation_order.get(id(owner), 0)
    counter_key = (owner_number, what)
    iteration, count = ctx.call_counts.get(counter_key, (None, 0))
    if iteration != net.iteration:
        count = 0
    ctx.call_counts[counter_key] = (net.iteration, count + 1)
    return stream_key(net.seed, f"{what}|{owner_number}|{net.iteration}|{count}")


def draw_rows(key: Any, mode: Any, n_rows: int, row_shape: tuple, start: int, stop: int,
              dtype: Any, density: Any, owner: Any) -> np.ndarray:
    """Rows ``start:stop`` of a ``(n_rows, *row_shape)`` array from an init ``mode``.

    ``density`` must be None or a scalar here (arrays are applied by the caller).
    """
    row_elements = int(np.prod(row_shape, dtype=np.int64)) if row_shape else 1
    parts = []
    for c, r0, r1 in chunks(n_rows, row_elements, start, stop):
        full = make_array(mode, (r1 - r0, *row_shape), chunk_rng(key, c), dtype, None, density, False, owner)
        full = np.asarray(full)
        if full.shape[:1] != (r1 - r0,):
            full = np.broadcast_to(full, (r1 - r0, *row_shape))
        parts.append(full[max(start, r0) - r0: min(stop, r1) - r0])
    if not parts:
        probe = np.asarray(make_array(mode, (1, *row_shape), chunk_rng(key, 0), dtype, None, density, False,
                                      owner))
        return np.empty((0, *row_shape), dtype=probe.dtype)
    return np.concatenate(parts) if len(parts) > 1 else np.array(parts[0])


def _mask_rows(key: Any, density: np.ndarray, n_rows: int, row_shape: tuple, start: int, stop: int,
               owner: Any) -> np.ndarray:
    """``uniform < density`` for rows ``start:stop`` (``density`` holds this rank's rows or broadcasts)."""
    u = draw_rows(key, "random", n_rows, row_shape, start, stop, np.float64, None, owner)
    return u < density


def neuron_vector(ctx: Any, group: Any, mode: Any, scale: Any, density: Any) -> np.ndarray:
    """This rank's part of ``group.get_neuron_vec(mode, scale, density)`` (see the module docstring)."""
    net = ctx.network
    start, stop = group.global_start, group.global_start + group.size
    key = next_key(ctx, group, "vec")
    scalar_density = density is None or np.ndim(density) == 0
    result = draw_rows(key, mode, group.global_size, (), start, stop, net.dtype,
                       density if scalar_density else None, group)
    if not scalar_density:
        density = np.asarray(density)
        if density.shape != (group.size,):
            from ..core.errors import bad_value

            raise bad_value(group, "density", density.shape,
                            f"a number or one probability per local neuron, shape ({group.size},)")
        result = result * _mask_rows(next_key(ctx, group, "vec"), density, group.global_size, (),
                                     start, stop, group)
    if scale is not None:
        check_scale(scale, group)
        result = result * scale
    return result


def _row_range(synapses: Any) -> tuple[int, int, int, int]:
    """``(global dst rows, global src columns, first local row, end local row)``."""
    dst = synapses.dst
    start = int(getattr(dst, "global_start", 0))
    return int(getattr(dst, "global_size", dst.size)), int(synapses.src.size), start, start + int(dst.size)


def synapse_matrix(ctx: Any, synapses: Any, mode: Any, scale: Any, density: Any, sparse: bool) -> Any:
    """This rank's rows of ``synapses.get_synapse_mat(...)`` (destination rows are split)."""
    net = ctx.network
    n_rows, n_cols, start, stop = _row_range(synapses)
    key = next_key(ctx, synapses, "mat")
    owner = repr(synapses)
    if sparse:
        if density is not None and np.ndim(density) != 0:
            from ..core.errors import bad_value

            raise bad_value(synapses, "density", "an array", "a number for a sparse matrix of a "
                            "distributed network", hint="use sparse=False for per-row densities")
        parts = []
        for c, r0, r1 in chunks(n_rows, n_cols, start, stop):
            W = sparse_from_init(mode, (r1 - r0, n_cols), chunk_rng(key, c), net.dtype, scale=None,
                                 density=density, owner=owner)
            parts.append(W[max(start, r0) - r0: min(stop, r1) - r0])
        W = _stack_rows(parts, (stop - start, n_cols), net.dtype)
        if scale is not None:
            check_scale(scale, synapses)
            W.data = W.data * scale
        return W
    scalar_density = density is None or np.ndim(density) == 0
    result = draw_rows(key, mode, n_rows, (n_cols,), start, stop, net.dtype,
                       density if scalar_density else None, synapses)
    if not scalar_density:
        density = np.asarray(density)
        if density.ndim == 1:
            density = density[:, None]
        mask = _mask_rows(next_key(ctx, synapses, "mat"), density, n_rows, (n_cols,), start, stop, synapses)
        result = result * mask
    if scale is not None:
        check_scale(scale, synapses)
        result = result * scale
    if result.dtype.kind == "f" and result.ndim == 2:
        from ..core.event_matrix import EventMatrix

        return EventMatrix(result)
    return result


def _stack_rows(parts: list, shape: tuple, dtype: Any) -> SparseSynapseMatrix:
    """One CSR matrix of the row blocks ``parts`` (in order)."""
    counts = np.concatenate([np.diff(p.indptr) for p in parts]) if parts else np.zeros(0, np.int64)
    cols = np.concatenate([p.indices for p in parts]) if parts else np.zeros(0, np.int64)
    values = np.concatenate([p.data for p in parts]) if parts else np.zeros(0, dtype)
    return from_rows(counts, cols.astype(np.int64), values, shape)


def _builder_rows(ctx: Any, synapses: Any, what: str, per_row: int, build) -> SparseSynapseMatrix:
    """Assemble this rank's rows from ``build(rng, r0, r1) -> (counts, cols, values)`` per chunk."""
    n_rows, n_cols, start, stop = _row_range(synapses)
    key = next_key(ctx, synapses, what)
    counts_parts, col_parts, value_parts = [], [], []
    for c, r0, r1 in chunks(n_rows, per_row, start, stop):
        counts, cols, values = build(chunk_rng(key, c), r0, r1)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        a, b = max(start, r0) - r0, min(stop, r1) - r0
        counts_parts.append(counts[a:b])
        col_parts.append(cols[offsets[a]:offsets[b]])
        value_parts.append(np.asarray(values)[offsets[a]:offsets[b]])
    return from_rows(np.concatenate(counts_parts), np.concatenate(col_parts),
                     np.concatenate(value_parts), (stop - start, n_cols))


def _same_neurons(synapses: Any) -> bool:
    """Whether source and destination are the same (whole, partitioned) group."""
    src, dst = synapses.src, synapses.dst
    return getattr(src, "BaseNeuronGroup", src) is getattr(dst, "BaseNeuronGroup", dst) and \
        getattr(src, "BaseNeuronGroup", src) is dst


def fixed_indegree_rows(ctx: Any, synapses: Any, k: int, weights: Any, autapses: bool) -> SparseSynapseMatrix:
    """:func:`monnto.behaviours.synapses.sparse.fixed_indegree` for a distributed network."""
    n_rows, n_cols, _, _ = _row_range(synapses)
    no_self = not autapses and _same_neurons(synapses)
    limit = n_cols - 1 if no_self else n_cols
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= limit:
        raise ValueError(f"fixed_indegree on {synapses!r}: k must be an int in [0, {limit}], got {k!r}")
    dtype = ctx.network.dtype

    def build(rng, r0, r1):
        counts = np.full(r1 - r0, int(k), dtype=np.int64)
        if no_self:
            cols = distinct_columns(counts, n_cols - 1, rng)
            cols = cols + (cols >= np.repeat(np.arange(r0, r1), counts))
        else:
            cols = distinct_columns(counts, n_cols, rng)
        return counts, cols, make_array(weights, (cols.size,), rng, dtype, owner=repr(synapses))

    return _builder_rows(ctx, synapses, "indegree", max(1, int(k)), build)


def fixed_probability_rows(ctx: Any, synapses: Any, p: float, weights: Any,
                           autapses: bool) -> SparseSynapseMatrix:
    """:func:`monnto.behaviours.synapses.sparse.fixed_probability` for a distributed network."""
    n_rows, n_cols, _, _ = _row_range(synapses)
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"fixed_probability on {synapses!r}: p must be in [0, 1], got {p!r}")
    no_self = not autapses and _same_neurons(synapses)
    dtype = ctx.network.dtype

    def build(rng, r0, r1):
        counts = rng.binomial(n_cols, float(p), size=r1 - r0)
        cols = distinct_columns(counts, n_cols, rng)
        if no_self:
            rows = np.repeat(np.arange(r0, r1), counts)
            keep = cols != rows
            counts = np.bincount(rows[keep] - r0, minlength=r1 - r0)
            cols = cols[keep]
        return counts, cols, make_array(weights, (cols.size,), rng, dtype, owner=repr(synapses))

    return _builder_rows(ctx, synapses, "probability", max(1, int(n_cols * float(p))), build)

