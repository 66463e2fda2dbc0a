"""``SparseSynapseMatrix``: CSR synapse weights with event-driven spike products.

The matrix is a :class:`scipy.sparse.csr_array` (``D x S``, destination
rows), so everything scipy offers works, and ``W.data`` holds one weight per
stored synapse for in-place plasticity and normalization. On top of that
``W.dot(spike)`` / ``W @ spike`` with a 1-D boolean ``spike`` adds only the
stored synapses of the sources that spiked, through a column index
(``col_order``, ``col_ptr``) into ``W.data`` that is built once and rebuilt
when the sparsity structure changes (new ``indices``/``indptr`` arrays or a
different ``nnz``). Changing ``W.indices`` or ``W.indptr`` in place is not
detected: call :meth:`SparseSynapseMatrix.structure_changed` afterwards.

:func:`sparse_from_init` builds one from an init string without ever
allocating the dense ``D x S`` matrix when it is large.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import MonntoValueError
from .init_strings import _density_mask, check_scale, make_array

#: Up to this many possible synapses (D*S) ``sparse_from_init`` draws exactly
#: as the dense path does (same generator calls, so a sparse and a dense group
#: built from the same seed hold the same weights); above it, it draws only
#: the kept synapses (O(nnz)).
EXACT_DRAW_LIMIT = 2**22


def gather_ranges(ptr: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(ptr[i], ptr[i + 1])`` for every ``i`` in ``idx``."""
    starts = ptr.take(idx)
    lengths = ptr.take(idx + 1) - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.repeat(starts - (ends - lengths), lengths)
    return offsets + np.arange(total, dtype=np.int64)


class SparseSynapseMatrix(sp.csr_array):
    """``D x S`` CSR weights whose product with a boolean vector is event-driven.

    Construct it like a ``csr_array`` (from ``(data, indices, indptr)``, a
    dense array or another sparse matrix). Products with anything other than
    a 1-D boolean vector are scipy's.

    The event product reads the weights of a spiking source's synapses from
    a column-ordered copy of ``W.data`` (contiguous, several times faster
    than gathering them from the row-ordered ``W.data`` for large
    matrices). The copy can never be stale: every access to ``W.data`` (how
    plasticity, normalization and scipy's own operations reach the weights)
    marks it out of date, and products then read ``W.data`` directly until
    the matrix has gone unchanged long enough to pay for a new copy (its
    products have gathered ``nnz / 8`` entries). Keeping a reference to
    ``W.data`` and writing through it later bypasses that mark: call
    :meth:`weights_changed` after such writes (or re-read ``W.data``).
    """

    _col_cache: tuple | None = None
    _csc_data: np.ndarray | None = None
    _clean_events = 0
    _version = 1  # counts the accesses to ``data`` (each may have changed the weights)
    _checked_version = 0  # the version the column copy was last checked against
    _uniform_cache: tuple | None = None

    @property
    def data(self) -> np.ndarray:
        """The stored weights in CSR order (``nnz`` values, writable)."""
        self._version += 1
        return self._data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        self._version += 1
        self._data = value

    def weights_changed(self) -> None:
        """Mark the column-ordered copy of the weights out of date."""
        self._version += 1

    def take_weight_change(self) -> bool:
        """True when ``data`` was reached since the last call (the column copy may be stale)."""
        changed = self._checked_version != self._version
        self._checked_version = self._version
        return changed

    def uniform_weight(self) -> Any:
        """The one value all stored weights have (a scalar of their dtype), or None.

        Cached until ``data`` is accessed again (see the class docstring for
        writes through a kept reference).
        """
        cache = self._uniform_cache
        if cache is not None and cache[0] == self._version and cache[1] is self._data:
            return cache[2]
        data = self._data
        value = data[0] if data.size and bool(np.all(data == data[0])) else None
        self._uniform_cache = (self._version, data, value)
        return value

    def _column_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cache = self._col_cache
        if cache is not None and cache[0] is self.indices and cache[1] is self.indptr \
                and cache[2] == self.nnz:
            return cache[3], cache[4], cache[5]
        # scipy's C conversion to CSC, applied to the entry numbers, gives the
        # column order of the entries, their rows and the column pointers
        positions = np.arange(self.nnz, dtype=np.int32 if self.nnz < 2**31 else np.int64)
        csc = sp.csr_array((positions, self.indices, self.indptr), shape=self.shape).tocsc()
        col_order, rows_by_col = csc.data, csc.indices
        col_ptr = csc.indptr.astype(np.int64)
        self._col_cache = (self.indices, self.indptr, self.nnz, col_order, col_ptr, rows_by_col)
        self._csc_data = None
        self._clean_events = 0
        return col_order, col_ptr, rows_by_col

    def structure_changed(self) -> None:
        """Forget the column index (call after editing ``indices``/``indptr`` in place)."""
        self._col_cache = None
        self._csc_data = None

    def entries_of_sources(self, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``W.data`` and destination rows of the synapses from ``sources``.

        Parameters
        ----------
        sources : numpy.ndarray of int
            Source (column) indices.

        Returns
        -------
        positions, rows : numpy.ndarray of int
            ``W.data[positions[k]]`` is the synapse ``(rows[k], source)``.
        """
        col_order, col_ptr, rows_by_col = self._column_index()
        ranges = gather_ranges(col_ptr, np.asarray(sources, dtype=np.int64))
        return col_order[ranges], rows_by_col[ranges]

    def _source_weights(self, ranges: np.ndarray, col_order: np.ndarray) -> np.ndarray:
        """Weights at column-ordered positions ``ranges`` (see the class docstring)."""
        if self.take_weight_change():
            self._csc_data = None
            self._clean_events = 0
        if self._csc_data is not None:
            return self._csc_data.take(ranges)
        self._clean_events += ranges.size
        if self._clean_events * 8 >= self.nnz:
            self._csc_data = self._data[col_order]
            return self._csc_data.take(ranges)
        return self._data.take(col_order.take(ranges))

    def event_product(self, spikes: Any) -> np.ndarray | None:
        """``W @ spikes`` for a 1-D boolean vector; None for any other operand."""
        if not (isinstance(spikes, np.ndarray) and spikes.dtype == np.bool_ and spikes.ndim == 1):
            return None
        d, s = self.shape
        if spikes.shape[0] != s:
            raise MonntoValueError(f"SparseSynapseMatrix of shape {self.shape}: the spike vector has "
                                   f"length {spikes.shape[0]}, expected {s} (one entry per source)")
        dtype = self._data.dtype
        idx = np.flatnonzero(spikes)
        if idx.size == 0:
            return np.zeros(d, dtype=dtype)
        col_order, col_ptr, rows_by_col = self._column_index()
        ranges = gather_ranges(col_ptr, idx)
        out = np.bincount(rows_by_col.take(ranges), weights=self._source_weights(ranges, col_order),
                          minlength=d)
        return out if out.dtype == dtype else out.astype(dtype)

    def add_event_product(self, target: np.ndarray, spikes: Any, scale: float = 1.0) -> bool:
        """``target += scale * (W @ spikes)``, added one synapse at a time; False if not applicable.

        The spiking sources are taken in ascending order and each source's
        synapses in ascending row order; every weight (times ``scale``, a
        number of ``target``'s dtype) is added to its row on its own, as a
        compiled per-synapse loop (or Brian2's ``on_pre: v += w``) does, so
        both targets form the same sums. A row reached by several synapses
        can differ in its last bits from adding the row's total
        (:meth:`event_product`).

        Parameters
        ----------
        target : numpy.ndarray, shape (D,)
            The destination variable, changed in place.
        spikes : numpy.ndarray of bool, shape (S,)
            The arriving source spikes.
        scale : float
            Factor on every weight.

        Returns
        -------
        bool
            False (nothing changed) unless ``spikes`` is a 1-D boolean
            numpy vector and ``target`` a numpy vector of length ``D``.
        """
        if not (isinstance(spikes, np.ndarray) and spikes.dtype == np.bool_ and spikes.ndim == 1
                and isinstance(target, np.ndarray) and target.shape == (self.shape[0],)):
            return False
        if spikes.shape[0] != self.shape[1]:
            raise MonntoValueError(f"SparseSynapseMatrix of shape {self.shape}: the spike vector has "
                                   f"length {spikes.shape[0]}, expected {self.shape[1]} (one entry per source)")
        idx = np.flatnonzero(spikes)
        if idx.size == 0:
            return True
        col_order, col_ptr, rows_by_col = self._column_index()
        ranges = gather_ranges(col_ptr, idx)
        weights = self._source_weights(ranges, col_order)
        if scale != 1.0:
            weights = target.dtype.type(scale) * weights
        np.add.at(target, rows_by_col.take(ranges), weights)
        return True

    def dot(self, other: Any) -> Any:
        """``self @ other``; event-driven for a 1-D boolean ``other``."""
        result = self.event_product(other)
        return result if result is not None else super().dot(other)

    def __matmul__(self, other: Any) -> Any:
        result = self.event_product(other)
        return result if result is not None else super().__matmul__(other)


def _check_shape(shape: tuple, owner: str) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 1:
        raise MonntoValueError(f"{owner}: a sparse synapse matrix must be 2-D (dst x src) with positive "
                               f"sizes, got shape {shape}")
    return int(shape[0]), int(shape[1])


def distinct_columns(counts: np.ndarray, n_cols: int, rng: np.random.Generator) -> np.ndarray:
    """Random distinct column indices, ``counts[i]`` of them for row ``i``.

    Draws ``counts.sum()`` integers, then redraws the duplicates within a row
    until none are left (fast while ``counts[i]`` is well below ``n_cols``).
    When some row needs more than a quarter of the columns, every row instead
    takes the first ``counts[i]`` entries of a random permutation (random
    keys, argsort), which costs ``len(counts) * n_cols`` but never retries.
    Returns the columns sorted within each row, rows in order (CSR layout).
    """
    counts = np.asarray(counts, dtype=np.int64)
    if np.any(counts > n_cols):
        raise MonntoValueError(f"cannot draw {counts.max()} distinct sources out of {n_cols}")
    if counts.size and counts.max() * 4 > n_cols:
        order = np.argsort(rng.random((counts.size, n_cols)), axis=1)
        keep = np.arange(n_cols)[None, :] < counts[:, None]
        return np.sort(np.where(keep, order, n_cols), axis=1)[keep]
    rows = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    cols = rng.integers(0, n_cols, size=rows.size)
    offset = rows * n_cols
    while True:
        keys = np.sort(offset + cols, kind="stable")  # radix sort: rows stay in order
        cols = keys - offset
        dup = np.flatnonzero(keys[1:] == keys[:-1]) + 1
        if dup.size == 0:
            return cols
        cols[dup] = rng.integers(0, n_cols, size=dup.size)


def from_rows(counts: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple) -> SparseSynapseMatrix:
    """Assemble a :class:`SparseSynapseMatrix` from per-row counts and sorted columns."""
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    index_dtype = np.int32 if max(shape[1], indptr[-1]) < 2**31 else np.int64
    W = SparseSynapseMatrix((values, cols.astype(index_dtype), indptr.astype(index_dtype)), shape=shape)
    W.has_sorted_indices = True
    return W


def sparse_from_init(mode: Any, shape: tuple, rng: np.random.Generator, dtype: np.dtype,
                     scale: Any = None, density: Any = None, owner: str = "") -> SparseSynapseMatrix:
    """A sparse ``D x S`` matrix from an init ``mode`` (see ``init_strings``).

    ``density`` selects which synapses exist (each with that probability, or
    per-row probabilities); their weights are drawn from ``mode`` and
    multiplied by ``scale``. Stored weights may be zero (``'zeros'`` with a
    density gives the structure with zero weights, for plasticity to grow).

    Up to :data:`EXACT_DRAW_LIMIT` possible synapses the generator is called
    exactly as for the dense matrix (weights for all ``D*S`` entries, then the
    density mask), so a sparse group holds the same weights as a dense group
    built with the same seed. Larger matrices draw a binomial synapse count
    per row, distinct random sources, then one weight per synapse: O(nnz)
    time and memory, never the dense matrix.
    """
    d, s = _check_shape(shape, owner)
    if d * s <= EXACT_DRAW_LIMIT:
        values = make_array(mode, (d, s), rng, dtype, owner=owner)
        keep = (_density_mask(density, (d, s), rng, owner) if density is not None
                else np.ones((d, s), dtype=bool))
        if values.dtype == np.bool_:
            values = keep
        rows, cols = np.nonzero(keep)
        counts = np.bincount(rows, minlength=d)
        data = values[rows, cols]
        if scale is not None:
            check_scale(scale, owner)
            data = data * (scale if np.ndim(scale) == 0 else np.broadcast_to(scale, (d, s))[rows, cols])
        return from_rows(counts, cols, data.astype(values.dtype, copy=False), (d, s))
    if density is None:
        raise MonntoValueError(f"{owner}: a sparse matrix of {d} x {s} possible synapses needs density= "
                               f"(or a connectivity builder from monnto.behaviours.synapses); without it every "
                               f"synapse would be stored")
    if isinstance(density, (int, float, np.integer, np.floating)) and not isinstance(density, bool):
        if not 0.0 <= float(density) <= 1.0:
            raise MonntoValueError(f"{owner}: density must be a probability in [0, 1], got {density!r}")
        counts = rng.binomial(s, float(density), size=d)
    else:
        p = np.asarray(density, dtype=float)
        if p.shape != (d,) or not np.all((p >= 0) & (p <= 1)):  # NaN fails both
            raise MonntoValueError(f"{owner}: density must be a number in [0, 1] or one probability per "
                                   f"row (shape ({d},)), got {density!r}")
        counts = rng.binomial(s, p)
    cols = distinct_columns(counts, s, rng)
    values = make_array(mode, (cols.size,), rng, dtype, owner=owner)
    if scale is not None:
        check_scale(scale, owner)
        if np.ndim(scale) != 0:
            raise MonntoValueError(f"{owner}: a sparse matrix this large takes a scalar scale, got an array")
        values = values * scale
    return from_rows(counts, cols, values, (d, s))
