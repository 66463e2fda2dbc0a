"""``EventMatrix``: a dense synapse matrix whose spike products are event-driven.

A ``D x S`` weight matrix times a boolean spike vector only needs the columns
of the sources that spiked: ``W @ spike == W[:, spike].sum(axis=1)``. With
under 1 % of sources spiking per step that is 100 times less work than the
dense product. :class:`EventMatrix` is an ``numpy.ndarray`` subclass stored in
Fortran (column-major) order, so each column is contiguous and the gather is
a contiguous copy; there is one copy of the data, so in-place plasticity
(``W += dW``, ``W *= 0.9``, ``W[i, j] = x``) needs no bookkeeping.

``SynapseGroup.get_synapse_mat`` returns one for float matrices, so the
paper's ``W.dot(src.spike)`` is event-driven with no change to user code.

Where it differs from a plain ndarray (all tested):

* ``W.dot(v)``, ``W @ v`` and ``np.dot(W, v)`` with a 1-D **boolean** ``v``
  sum the spiking columns (same result within float rounding; when more
  than 1/8 of the sources spike the ordinary product is used). Any other
  ``v`` (float, int, 2-D) gives the ordinary product.
* Element-wise results shaped like the matrix with a float dtype
  (``W * 0.5``, ``np.clip(W, 0, 1)``, ``W + dW``) stay ``EventMatrix``;
  everything else is a plain ndarray: comparisons (``W > 0`` is a plain
  bool array), reductions (``np.sum(W, axis=1)``, ``W.max()``), indexing and
  slicing (``W[0]``, ``W[:, idx]``, ``W[mask]``: plain views or copies,
  writes through views still reach ``W``), ``reshape``/``ravel``/``flatten``
  and ``astype`` to a non-float dtype.
* ``W.copy()`` keeps the memory layout (``order='A'``) instead of numpy's
  default C order; ``np.copy(W)`` and ``np.asarray(W)`` give plain arrays.
* ``W.T`` is an ``EventMatrix`` too (C-ordered, so its spike products gather
  strided columns and switch to the dense product earlier).
* Pickling and ``copy.deepcopy`` keep the class and the layout.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import MonntoValueError

#: Matrices with at most this many elements always use the dense (BLAS) product:
#: measured here, the gather's fixed cost loses below about 150 x 150.
SMALL_MATRIX = 20_000
#: Use the gather when at most this fraction of the sources spike (Fortran layout).
EVENT_FRACTION_F = 1.0 / 8.0
#: The same for other layouts (strided column gather).
EVENT_FRACTION_OTHER = 1.0 / 32.0


def event_product(W: np.ndarray, spikes: Any) -> np.ndarray | None:
    """``W @ spikes`` for a boolean vector by summing only the spiking columns.

    Parameters
    ----------
    W : numpy.ndarray, shape (D, S)
        Weights (any layout; Fortran order makes the gather contiguous).
    spikes : numpy.ndarray of bool, shape (S,)
        Which sources spiked.

    Returns
    -------
    numpy.ndarray or None
        The product (shape ``(D,)``, dtype of ``W @ spikes``), or None when
        ``spikes`` is not a 1-D boolean array of length S or when so many
        sources spiked that the ordinary product is cheaper.
    """
    if not (isinstance(spikes, np.ndarray) and spikes.dtype == np.bool_ and spikes.ndim == 1):
        return None
    W = W.view(np.ndarray) if type(W) is not np.ndarray else W
    if W.ndim != 2 or W.shape[1] != spikes.shape[0] or W.dtype.kind not in "fc":
        return None
    if W.size <= SMALL_MATRIX:  # a BLAS product of a small matrix beats the gather's overhead
        return None
    fortran = W.flags.f_contiguous
    idx = np.flatnonzero(spikes)
    limit = (EVENT_FRACTION_F if fortran else EVENT_FRACTION_OTHER) * W.shape[1]
    if idx.size > limit:
        return None
    if idx.size == 0:
        return np.zeros(W.shape[0], dtype=W.dtype)
    if fortran:
        return W.T[idx].sum(axis=0)
    return W[:, idx].sum(axis=1)


def _plain(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, EventMatrix) else x


class EventMatrix(np.ndarray):
    """A ``D x S`` float matrix (Fortran order) with event-driven spike products.

    Build one with ``EventMatrix(array)`` (copies into Fortran order unless
    ``array`` already is) or get one from ``SynapseGroup.get_synapse_mat``.
    See the module docstring for where it differs from ``numpy.ndarray``.
    """

    def __new__(cls, data: Any, dtype: Any = None) -> EventMatrix:
        arr = np.asfortranarray(data, dtype=dtype)
        if arr.ndim != 2:
            raise MonntoValueError(f"EventMatrix: expected a 2-D (dst x src) matrix, got shape {arr.shape}")
        return arr.view(cls)

    # -- products --------------------------------------------------------------
    def dot(self, other: Any, out: np.ndarray | None = None) -> Any:
        """``self @ other``; event-driven for a 1-D boolean ``other``."""
        if out is None:
            result = event_product(self, other)
            if result is not None:
                return result
        other = _plain(other)
        if isinstance(other, np.ndarray) and other.dtype == np.bool_ and self.dtype.kind == "f":
            other = other.astype(self.dtype)  # BLAS instead of numpy's mixed-dtype loop
        return np.ndarray.dot(self.view(np.ndarray), other, out)

    def __array_function__(self, func, types, args, kwargs):
        if func is np.dot and len(args) >= 2 and args[0] is self and not kwargs and len(args) == 2:
            return self.dot(args[1])
        return super().__array_function__(func, types, args, kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if (ufunc is np.matmul and method == "__call__" and out is None and not kwargs
                and len(inputs) == 2 and inputs[0] is self):
            result = event_product(self, inputs[1])
            if result is not None:
                return result
            if isinstance(inputs[1], np.ndarray) and inputs[1].ndim == 1:
                return self.dot(inputs[1])
        plain_inputs = tuple(_plain(x) for x in inputs)
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        result = getattr(ufunc, method)(*plain_inputs, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if method != "__call__":
            return result
        shapes = {x.shape for x in inputs if isinstance(x, EventMatrix)}
        if isinstance(result, tuple):
            return tuple(self._wrap(r, shapes) for r in result)
        return self._wrap(result, shapes)

    @staticmethod
    def _wrap(result: Any, shapes: set) -> Any:
        if isinstance(result, np.ndarray) and result.ndim == 2 and result.dtype.kind == "f" \
                and result.shape in shapes:
            return result.view(EventMatrix)
        return result

    # -- plain results ----------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        return self.view(np.ndarray)[key]

    def reshape(self, *args: Any, **kwargs: Any) -> np.ndarray:
        return self.view(np.ndarray).reshape(*args, **kwargs)

    def ravel(self, order: str = "C") -> np.ndarray:
        return self.view(np.ndarray).ravel(order)

    def flatten(self, order: str = "C") -> np.ndarray:
        return self.view(np.ndarray).flatten(order)

    def astype(self, dtype: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        result = self.view(np.ndarray).astype(dtype, *args, **kwargs)
        return result.view(EventMatrix) if result.dtype.kind == "f" and result.ndim == 2 else result

    def copy(self, order: str = "A") -> EventMatrix:
        """A copy that keeps the memory layout (numpy's default would be C order)."""
        return np.ndarray.copy(self, order=order)

    def __copy__(self) -> EventMatrix:
        return self.copy()

    def __deepcopy__(self, memo: dict) -> EventMatrix:
        return self.copy()
