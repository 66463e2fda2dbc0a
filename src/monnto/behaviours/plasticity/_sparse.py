"""Dense/CSR helpers shared by the plasticity rules.

Weights are ``D x S`` (destination rows, source columns). A rule works on a
dense array (numpy or torch) or on a :class:`scipy.sparse.csr_matrix`; for
CSR it changes only the stored synapses, through ``W.data`` with the CSR
``indices`` (columns) and the expanded row index of each stored entry.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def is_csr(W: Any) -> bool:
    """True when ``W`` is a scipy CSR matrix or array."""
    return getattr(W, "format", None) == "csr" and hasattr(W, "indptr")


def csr_rows(W: Any) -> np.ndarray:
    """Row (destination) index of every stored entry of a CSR matrix.

    Parameters
    ----------
    W : scipy.sparse.csr_matrix
        ``D x S`` weights.

    Returns
    -------
    numpy.ndarray
        int array of length ``W.nnz``; ``W.data[k]`` sits at
        ``(rows[k], W.indices[k])``.
    """
    counts = np.diff(W.indptr)
    return np.repeat(np.arange(W.shape[0], dtype=np.int64), counts)


def gather_ranges(ptr: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(ptr[i], ptr[i+1])`` for every ``i`` in ``idx``."""
    idx = np.asarray(idx, dtype=np.int64)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts = ptr[idx].astype(np.int64)
    lengths = (ptr[idx + 1] - ptr[idx]).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(total, dtype=np.int64)


class CSRIndex:
    """Row and column look-ups for the stored entries of a CSR matrix.

    ``entries_of_rows(i)`` and ``entries_of_cols(j)`` give the positions in
    ``W.data`` of the synapses onto the destinations ``i`` / from the sources
    ``j``, so an update touches only the synapses of neurons that spiked
    (event-driven, O(spikes x fan-in/out)). The index is rebuilt when the
    sparsity structure changes.
    """

    def __init__(self, W: Any):
        self.indptr = np.asarray(W.indptr)
        self.indices = np.asarray(W.indices)
        self.nnz = W.nnz
        self.rows = csr_rows(W)
        self.col_order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=W.shape[1])
        self.col_ptr = np.concatenate(([0], np.cumsum(counts)))

    def entries_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """Positions in ``W.data`` of all entries in the given rows."""
        return gather_ranges(self.indptr, rows)

    def entries_of_cols(self, cols: np.ndarray) -> np.ndarray:
        """Positions in ``W.data`` of all entries in the given columns."""
        return self.col_order[gather_ranges(self.col_ptr, cols)]


def csr_index(W: Any, cached: CSRIndex | None) -> CSRIndex:
    """Return ``cached`` if it still fits ``W``, else a new :class:`CSRIndex`."""
    if cached is not None and cached.nnz == W.nnz and cached.indices is W.indices \
            and cached.indptr is W.indptr:
        return cached
    return CSRIndex(W)


def afferent_sums(W: Any, xp: Any, absolute: bool = True) -> Any:
    """Sum of (absolute) weights over sources, one value per destination."""
    if is_csr(W):
        data = np.abs(W.data) if absolute else W.data
        return np.bincount(csr_rows(W), weights=data, minlength=W.shape[0])
    M = xp.abs(W) if absolute else W
    return xp.sum(M, axis=1)


def efferent_sums(W: Any, xp: Any, absolute: bool = True) -> Any:
    """Sum of (absolute) weights over destinations, one value per source."""
    if is_csr(W):
        data = np.abs(W.data) if absolute else W.data
        return np.bincount(W.indices, weights=data, minlength=W.shape[1])
    M = xp.abs(W) if absolute else W
    return xp.sum(M, axis=0)
