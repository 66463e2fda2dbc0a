"""The framework's random draws: numbers of a neuron that do not depend on how the group is split.

Every framework draw (``get_neuron_vec``, ``get_synapse_mat``, the
connectivity builders, the library's per-step noise) is numbered per owner
and iteration, and its numbers are a function of::

    (seed, owner's creation number, call number in this iteration, iteration, global element index)

only (the counter-based scheme of :mod:`monnto.targets.random_streams`).
The simple distributions of the init mini-language (``random``,
``uniform(a, b)``, ``normal(m, s)``, ``standard_normal``,
``exponential(s)``) are drawn element by element from the counter, in numpy
here and in compiled steps of the numba target alike. Any other init string
cuts the global index space (neurons, or rows of a matrix) into fixed chunks
whose boundaries depend on the global shape only; chunk ``c`` draws from its
own generator, ``PCG64([key, c])``, with any numpy distribution.

A process that holds only a block of a group's neurons (an MPI rank,
:mod:`monnto.distributed`) draws only the elements (or chunks) of its own
neurons, so the numbers of global neuron ``i`` are the same in a plain
single-process run and on any number of ranks, while the work per rank
falls as 1/K.

Calls are numbered per owner and iteration, so the same script makes the
same calls in the same order on every rank; a draw made on one rank only,
inside ``if`` on local data, shifts the numbers of later calls on that rank.
``net.rng`` stays the user's generator: the framework's draws never touch
it, so drawing from it in a behaviour does not shift the network's numbers.

An init callable ``f(shape, rng)`` is called once with the whole global
shape (on every rank: it may compute rather than draw, e.g.
``np.linspace``), and each process keeps its rows.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..targets.random_streams import _G1, call_key, mix64, parse_counter_distribution, sample, take_draw
from . import sparse_matrix
from .errors import MonntoValueError, bad_value
from .init_strings import _plot_histogram, check_scale, compile_init_string, make_array
from .sparse_matrix import SparseSynapseMatrix, distinct_columns, from_rows

__all__ = ["CHUNK_ELEMENTS", "KeyedDraws", "chunk_rng", "chunks", "draw_rows"]

#: Elements (neurons, or matrix entries / synapses) per chunk.
CHUNK_ELEMENTS = 4096


def chunk_rng(key: Any, chunk: int) -> np.random.Generator:
    """The generator of chunk ``chunk`` of the stream ``key``."""
    return np.random.Generator(np.random.PCG64([int(key), int(chunk)]))


def _whole_rng(key: Any) -> np.random.Generator:
    """The generator an init callable gets (called once with the whole shape)."""
    return np.random.Generator(np.random.PCG64([int(key), 0, 1]))


def _u64(value: Any) -> np.ndarray:
    """A 1-element uint64 array (numpy wraps array arithmetic silently; scalars would warn)."""
    return np.array([int(value) % 2**64], dtype=np.uint64)


def _step_key(key: Any, step: int) -> int:
    """The key of one call in one iteration, for the chunked generators."""
    return int(mix64(_u64(key) + _u64(step) * _G1)[0])


def _counter_distribution(mode: Any) -> tuple | None:
    """``(kind, a, b)`` of a simple init string (parsed once per string: draws are made every step)."""
    if type(mode) is not str or len(mode) > 200:
        return None
    return _parsed_counter_distribution(mode)


_parsed_counter_distribution = functools.lru_cache(maxsize=512)(parse_counter_distribution)


def chunks(n_rows: int, row_elements: float, start: int, stop: int):
    """``(chunk, first row, end row)`` of the chunks holding global rows ``start:stop``.

    A chunk holds ``max(1, CHUNK_ELEMENTS // row_elements)`` rows of the
    ``n_rows`` rows; the cut depends on the global shape only.
    """
    per = max(1, int(CHUNK_ELEMENTS // max(1, row_elements)))
    if stop <= start:
        return
    for c in range(start // per, (stop - 1) // per + 1):
        yield c, c * per, min(n_rows, (c + 1) * per)


def _without_plot(mode: Any, plot: bool) -> tuple[Any, bool]:
    """``(mode, plot)`` with a trailing ``';plot'`` moved from the init string to the flag.

    The histogram is drawn once, of the whole result, not once per chunk.
    """
    if type(mode) is str and ";" in mode and compile_init_string(mode)[1]:
        return mode.rsplit(";", 1)[0], True
    return mode, bool(plot)


def draw_rows(key: Any, step: int, mode: Any, n_rows: int, row_shape: tuple, start: int, stop: int,
              dtype: Any, owner: Any) -> np.ndarray:
    """Rows ``start:stop`` of a ``(n_rows, *row_shape)`` array from an init ``mode`` (no density).

    ``key`` is the call's key (:func:`~monnto.targets.random_streams.call_key`), ``step`` the iteration.
    """
    row_elements = int(np.prod(row_shape, dtype=np.int64)) if row_shape else 1
    simple = _counter_distribution(mode)
    if simple is not None:  # element by element from the counter (as compiled steps draw)
        kind, a, b = simple
        index = np.arange(start * row_elements, stop * row_elements, dtype=np.uint64)
        values = sample(kind, a, b, _u64(key), _u64(step), index)
        return np.asarray(values, dtype=dtype).reshape((stop - start, *row_shape))
    key = _step_key(key, step)
    if callable(mode) and not isinstance(mode, type):
        whole = make_array(mode, (n_rows, *row_shape), _whole_rng(key), dtype, owner=owner)
        return np.array(whole[start:stop])
    parts = []
    for c, r0, r1 in chunks(n_rows, row_elements, start, stop):
        full = np.asarray(make_array(mode, (r1 - r0, *row_shape), chunk_rng(key, c), dtype, owner=owner))
        if full.shape[:1] != (r1 - r0,):
            full = np.broadcast_to(full, (r1 - r0, *row_shape))
        parts.append(full[max(start, r0) - r0: min(stop, r1) - r0])
    if not parts:
        probe = np.asarray(make_array(mode, (1, *row_shape), chunk_rng(key, 0), dtype, owner=owner))
        return np.empty((0, *row_shape), dtype=probe.dtype)
    return np.concatenate(parts) if len(parts) > 1 else np.array(parts[0])


def _keep_rows(key: Any, step: int, density: Any, n_rows: int, row_shape: tuple, start: int, stop: int,
               owner: Any) -> np.ndarray:
    """``uniform < density`` for rows ``start:stop`` (an array density holds those rows, or broadcasts)."""
    if np.ndim(density) == 0:
        if isinstance(density, bool) or not isinstance(density, (int, float, np.integer, np.floating)) \
                or not 0.0 <= float(density) <= 1.0:
            raise bad_value(owner, "density", density, "a probability in [0, 1]")
    else:
        density = np.asarray(density, dtype=float)
        rows = stop - start
        if density.shape not in ((rows,), (rows, *row_shape)) or \
                not np.all((density >= 0) & (density <= 1)):  # NaN fails both
            raise bad_value(owner, "density", f"an array of shape {density.shape}",
                            f"a probability in [0, 1] or one value per row, shape ({rows},)")
        if density.ndim == 1 and row_shape:
            density = density.reshape((rows,) + (1,) * len(row_shape))
    u = draw_rows(key, step, "random", n_rows, row_shape, start, stop, np.float64, owner)
    return u < density


class KeyedDraws:
    """The framework draws of one network (:attr:`Network._draws`), numbered per owner and iteration.

    Parameters
    ----------
    network : Network
        Gives the seed, the iteration and the owners' creation numbers.
    """

    def __init__(self, network: Any):
        from ..targets.random_streams import stream_key  # the counter-based key scheme

        self.network = network
        self._stream_key = stream_key
        self._owner_keys: dict = {}
        self._counters: dict = {}

    def _number(self, owner: Any) -> int:
        return self.network._creation_order.get(id(owner), 0)

    def owner_key(self, owner: Any) -> np.uint64:
        """The key of all framework draws of ``owner`` (seed and creation number)."""
        where = (self.network.seed, self._number(owner))
        key = self._owner_keys.get(where)
        if key is None:
            key = self._owner_keys[where] = self._stream_key(where[0], f"draws|{where[1]}")
        return key

    def counter(self, owner: Any) -> np.ndarray:
        """``[iteration, calls made in it]`` of ``owner`` (int64; compiled steps count in it too)."""
        number = self._number(owner)
        counter = self._counters.get(number)
        if counter is None:
            counter = self._counters[number] = np.array([-1, 0], dtype=np.int64)
        return counter

    def next_key(self, owner: Any) -> np.uint64:
        """The key of the next draw of ``owner`` in this iteration."""
        count = int(take_draw(self.counter(owner), self.network.iteration))
        return call_key(_u64(self.owner_key(owner)), _u64(count))[0]

    def step_key(self, owner: Any) -> int:
        """The key of the next draw of ``owner``, for a generator of its own (mixes in the iteration)."""
        return _step_key(self.next_key(owner), self.network.iteration)

    def generator(self, owner: Any) -> np.random.Generator:
        """A numpy generator for the next draw of ``owner`` (a whole-structure draw, e.g. a builder's)."""
        return chunk_rng(self.step_key(owner), 0)

    # -- neurons -------------------------------------------------------------------
    def neuron_vector(self, group: Any, mode: Any, scale: Any, density: Any, plot: bool = False) -> np.ndarray:
        """This process's part of ``group.get_neuron_vec(mode, scale, density)`` (host numpy array)."""
        mode, plot = _without_plot(mode, plot)
        start = int(getattr(group, "global_start", 0))
        n = int(getattr(group, "global_size", group.size))
        stop = start + int(group.size)
        result = draw_rows(self.next_key(group), self.network.iteration, mode, n, (), start, stop,
                           self.network.dtype, group)
        if density is not None:
            keep = _keep_rows(self.next_key(group), self.network.iteration, density, n, (), start, stop, group)
            result = result * keep if result.dtype != np.bool_ else result & keep
        if scale is not None:
            result = result * check_scale(scale, group)
        if plot:
            _plot_histogram(result, mode)
        return result

    def array(self, owner: Any, mode: Any, shape: tuple, scale: Any = None, density: Any = None,
              plot: bool = False) -> np.ndarray:
        """A whole ``shape`` array of ``owner`` from an init ``mode`` (rows along the first axis)."""
        mode, plot = _without_plot(mode, plot)
        shape = tuple(int(d) for d in shape)
        n, row_shape = (shape[0], shape[1:]) if shape else (1, ())
        result = draw_rows(self.next_key(owner), self.network.iteration, mode, n, row_shape, 0, n,
                           self.network.dtype, owner)
        if density is not None:
            keep = _keep_rows(self.next_key(owner), self.network.iteration, density, n, row_shape, 0, n, owner)
            result = result * keep if result.dtype != np.bool_ else result & keep
        if scale is not None:
            result = result * check_scale(scale, owner)
        if plot:
            _plot_histogram(result, mode)
        return result.reshape(shape)

    # -- synapses ------------------------------------------------------------------
    @staticmethod
    def _row_range(synapses: Any) -> tuple[int, int, int, int]:
        """``(global dst rows, global src columns, first local row, end local row)``."""
        dst = synapses.dst
        start = int(getattr(dst, "global_start", 0))
        return int(getattr(dst, "global_size", dst.size)), int(synapses.src.size), start, start + int(dst.size)

    def synapse_matrix(self, synapses: Any, mode: Any, scale: Any, density: Any, sparse: bool,
                       plot: bool = False) -> Any:
        """This process's rows of ``synapses.get_synapse_mat(...)`` (destination rows may be split).

        Dense: an ndarray (float matrices as EventMatrix). Sparse: a CSR
        matrix with the same synapses and weights as the dense matrix up to
        :data:`~monnto.core.sparse_matrix.EXACT_DRAW_LIMIT` possible
        synapses, drawn per synapse (O(nnz)) beyond.
        """
        mode, plot = _without_plot(mode, plot)
        n_rows, n_cols, start, stop = self._row_range(synapses)
        owner = repr(synapses)
        key = self.next_key(synapses)
        if sparse and n_rows * n_cols > sparse_matrix.EXACT_DRAW_LIMIT:
            return self._large_sparse(key, synapses, mode, scale, density, n_rows, n_cols, start, stop)
        values = draw_rows(key, self.network.iteration, mode, n_rows, (n_cols,), start, stop, self.network.dtype, owner)
        keep = None if density is None else _keep_rows(self.next_key(synapses), self.network.iteration, density, n_rows,
                                                       (n_cols,), start, stop, synapses)
        if sparse:
            if keep is None:
                keep = np.ones(values.shape, dtype=bool)
            if values.dtype == np.bool_:
                values = keep
            rows, cols = np.nonzero(keep)
            data = values[rows, cols]
            if scale is not None:
                check_scale(scale, synapses)
                data = data * (scale if np.ndim(scale) == 0 else np.broadcast_to(scale, values.shape)[rows, cols])
            return from_rows(np.bincount(rows, minlength=stop - start), cols,
                             data.astype(values.dtype, copy=False), (stop - start, n_cols))
        if keep is not None:
            values = values * keep if values.dtype != np.bool_ else values & keep
        if scale is not None:
            values = values * check_scale(scale, synapses)
        if plot:
            _plot_histogram(values, mode)
        if values.dtype.kind == "f" and values.ndim == 2:
            from .event_matrix import EventMatrix

            return EventMatrix(values)
        return values

    def _large_sparse(self, key: Any, synapses: Any, mode: Any, scale: Any, density: Any,
                      n_rows: int, n_cols: int, start: int, stop: int) -> SparseSynapseMatrix:
        """A big sparse matrix drawn per synapse: binomial counts per row, distinct sources, weights."""
        owner = repr(synapses)
        if density is None:
            raise MonntoValueError(f"{owner}: a sparse matrix of {n_rows} x {n_cols} possible synapses needs "
                                   f"density= (or a connectivity builder from monnto.behaviours.synapses); "
                                   f"without it every synapse would be stored")
        if np.ndim(density) == 0:
            if isinstance(density, bool) or not 0.0 <= float(density) <= 1.0:
                raise bad_value(synapses, "density", density, "a probability in [0, 1]")
            p_rows = None
            mean = float(density)
        else:
            p_rows = np.asarray(density, dtype=float)
            if p_rows.shape != (stop - start,) or not np.all((p_rows >= 0) & (p_rows <= 1)):
                raise bad_value(synapses, "density", f"an array of shape {p_rows.shape}",
                                f"a probability in [0, 1] or one value per row, shape ({stop - start},)")
            if (start, stop) != (0, n_rows):
                raise bad_value(synapses, "density", "an array", "a number for a big sparse matrix of a "
                                "network split over MPI ranks", hint="use a connectivity builder")
            mean = float(p_rows.mean()) if p_rows.size else 0.0
        if scale is not None:
            check_scale(scale, synapses)
            if np.ndim(scale) != 0:
                raise bad_value(synapses, "scale", "an array", "a number for a sparse matrix this large")

        def build(rng: np.random.Generator, r0: int, r1: int) -> tuple:
            p = float(density) if p_rows is None else p_rows[r0:r1]
            counts = rng.binomial(n_cols, p, size=r1 - r0)
            cols = distinct_columns(counts, n_cols, rng)
            values = make_array(mode, (cols.size,), rng, self.network.dtype, owner=owner)
            return counts, cols, values if scale is None else values * scale

        return self._rows(_step_key(key, self.network.iteration), n_rows, n_cols, start, stop,
                          max(1.0, n_cols * mean), build)

    @staticmethod
    def _rows(key: Any, n_rows: int, n_cols: int, start: int, stop: int, per_row: float,
              build) -> SparseSynapseMatrix:
        """Assemble rows ``start:stop`` from ``build(rng, r0, r1) -> (counts, cols, values)`` per chunk."""
        counts_parts, col_parts, value_parts = [], [], []
        for c, r0, r1 in chunks(n_rows, per_row, start, stop):
            counts, cols, values = build(chunk_rng(key, c), r0, r1)
            offsets = np.concatenate([[0], np.cumsum(counts)])
            a, b = max(start, r0) - r0, min(stop, r1) - r0
            counts_parts.append(counts[a:b])
            col_parts.append(cols[offsets[a]:offsets[b]])
            value_parts.append(np.asarray(values)[offsets[a]:offsets[b]])
        if not counts_parts:
            return from_rows(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), (0, n_cols))
        return from_rows(np.concatenate(counts_parts), np.concatenate(col_parts).astype(np.int64),
                         np.concatenate(value_parts), (stop - start, n_cols))

    def fixed_indegree(self, synapses: Any, k: int, weights: Any, no_self: bool) -> SparseSynapseMatrix:
        """Rows of :func:`monnto.behaviours.synapses.sparse.fixed_indegree` (``k`` checked by the caller)."""
        n_rows, n_cols, start, stop = self._row_range(synapses)
        dtype, owner = self.network.dtype, repr(synapses)

        def build(rng: np.random.Generator, r0: int, r1: int) -> tuple:
            counts = np.full(r1 - r0, int(k), dtype=np.int64)
            if no_self:  # draw from the n_cols - 1 others and skip the neuron itself
                cols = distinct_columns(counts, n_cols - 1, rng)
                cols = cols + (cols >= np.repeat(np.arange(r0, r1), counts))
            else:
                cols = distinct_columns(counts, n_cols, rng)
            return counts, cols, make_array(weights, (cols.size,), rng, dtype, owner=owner)

        return self._rows(self.step_key(synapses), n_rows, n_cols, start, stop, max(1, int(k)),
                          build)

    def fixed_probability(self, synapses: Any, p: float, weights: Any, no_self: bool) -> SparseSynapseMatrix:
        """Rows of :func:`monnto.behaviours.synapses.sparse.fixed_probability` (``p`` checked by the caller)."""
        n_rows, n_cols, start, stop = self._row_range(synapses)
        dtype, owner = self.network.dtype, repr(synapses)

        def build(rng: np.random.Generator, r0: int, r1: int) -> tuple:
            counts = rng.binomial(n_cols, float(p), size=r1 - r0)
            cols = distinct_columns(counts, n_cols, rng)
            if no_self:
                rows = np.repeat(np.arange(r0, r1), counts)
                keep = cols != rows
                counts = np.bincount(rows[keep] - r0, minlength=r1 - r0)
                cols = cols[keep]
            return counts, cols, make_array(weights, (cols.size,), rng, dtype, owner=owner)

        return self._rows(self.step_key(synapses), n_rows, n_cols, start, stop,
                          max(1.0, n_cols * float(p)), build)
