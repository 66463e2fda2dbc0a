"""Receptive fields: restrict a SynapseGroup's ``enabled`` mask by grid distance.

Each behaviour initializes in the SynapseGroup's constructor
(``initialize_on_init``) and multiplies ``synapses.enabled`` (``True`` becomes
a ``D x S`` boolean matrix) by its mask. Positions are the groups' ``x``,
``y``, ``z`` (grid units, from a NeuronDimension); groups without them are an
error. On a sparse SynapseGroup (``sparse=True``) the mask is a CSR boolean
:class:`~monnto.core.sparse_matrix.SparseSynapseMatrix` built with a k-d tree,
so no ``D x S`` array is made.

On the torch backend the dense mask is computed on the host (numpy) and
``enabled`` becomes a boolean tensor on the network's device.

* ``Box_Receptive_Fields(range=r)``: ``|dx| <= r``, ``|dy| <= r``, ``|dz| <= r``.
* ``Circle_Receptive_Fields(radius=r)``: Euclidean distance ``<= r``.
* ``Remove_Autapses()``: no synapse from a neuron onto itself.

Box and Circle take ``remove_autapses=False`` too.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import is_torch_array

from ...core import Behaviour
from ...core.backend import to_numpy
from ...core.errors import MonntoValueError
from ...core.sparse_matrix import from_rows
from .sparse import positions

#: Build dense masks in row blocks of at most this many elements.
CHUNK_ELEMENTS = 2**22


def _same_neurons(src: Any, dst: Any) -> bool:
    return getattr(src, "BaseNeuronGroup", src) is getattr(dst, "BaseNeuronGroup", dst)


def autapse_mask(synapses: Any) -> np.ndarray:
    """``D x S`` bool, True where source and destination are different neurons."""
    src, dst = synapses.src, synapses.dst
    if not _same_neurons(src, dst):
        return np.ones(synapses.matrix_dim(), dtype=bool)
    return np.asarray(dst.id)[:, None] != np.asarray(src.id)[None, :]


def distance_mask(synapses: Any, radius: float, metric: str, owner: str) -> Any:
    """Mask of the pairs within ``radius`` (``metric`` 'box' or 'circle')."""
    src_pos = positions(synapses.src, owner)
    dst_pos = positions(synapses.dst, owner)
    d, s = synapses.matrix_dim()
    if getattr(synapses, "sparse", False):
        from scipy.spatial import cKDTree

        p = np.inf if metric == "box" else 2.0
        hits = cKDTree(dst_pos).query_ball_tree(cKDTree(src_pos), r=float(radius) + 1e-9, p=p)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=d)
        cols = np.fromiter((c for h in hits for c in sorted(h)), dtype=np.int64, count=int(counts.sum()))
        return from_rows(counts, cols, np.ones(cols.size, dtype=bool), (d, s))
    mask = np.empty((d, s), dtype=bool)
    step = max(1, CHUNK_ELEMENTS // max(s, 1))
    r = float(radius) + 1e-9
    for start in range(0, d, step):
        diff = dst_pos[start:start + step, None, :] - src_pos[None, :, :]
        if metric == "box":
            mask[start:start + step] = np.all(np.abs(diff) <= r, axis=2)
        else:
            mask[start:start + step] = (diff ** 2).sum(axis=2) <= r * r
    return mask


def _on_backend(synapses: Any, mask: Any) -> Any:
    """A dense numpy mask moved to the network's backend (unchanged on numpy)."""
    convert = getattr(getattr(synapses, "network", None), "_convert", None)
    return convert(mask) if convert is not None and isinstance(mask, np.ndarray) else mask


def _is_sparse(matrix: Any) -> bool:
    """A scipy.sparse-like matrix (``multiply``), not a numpy array or torch tensor."""
    return hasattr(matrix, "multiply") and not isinstance(matrix, np.ndarray) and not is_torch_array(matrix)


def restrict_enabled(synapses: Any, mask: Any) -> None:
    """``synapses.enabled &= mask`` (``True`` becomes the mask itself)."""
    current = synapses.enabled
    if current is True or (isinstance(current, (bool, np.bool_)) and current):
        synapses.enabled = _on_backend(synapses, mask)
    elif _is_sparse(mask):
        synapses.enabled = type(mask)(mask.multiply(current).astype(bool))
    elif _is_sparse(current):
        synapses.enabled = type(current)(current.multiply(mask).astype(bool))
    else:
        synapses.enabled = _on_backend(synapses, np.logical_and(to_numpy(current), to_numpy(mask)))


def _drop_autapses_sparse(mask: Any, synapses: Any) -> Any:
    if not _same_neurons(synapses.src, synapses.dst):
        return mask
    rows = np.repeat(np.arange(mask.shape[0]), np.diff(mask.indptr))
    keep = np.asarray(synapses.dst.id)[rows] != np.asarray(synapses.src.id)[mask.indices]
    counts = np.bincount(rows[keep], minlength=mask.shape[0])
    return from_rows(counts, mask.indices[keep].astype(np.int64), mask.data[keep], mask.shape)


class _ReceptiveField(Behaviour):
    initialize_on_init = True
    metric = "box"
    size_name = "range"

    def set_variables(self, synapses) -> None:
        owner = f"{type(self).__name__} on {synapses!r}"
        r = self.get_init_attr(self.size_name, 1.0)
        remove = self.get_init_attr("remove_autapses", False)
        if not np.isfinite(float(r)) or float(r) < 0:
            raise MonntoValueError(f"{owner}: {self.size_name} must be a distance >= 0 (grid units), got {r!r}")
        mask = distance_mask(synapses, float(r), self.metric, owner)
        if remove:
            mask = _drop_autapses_sparse(mask, synapses) if not isinstance(mask, np.ndarray) \
                else mask & autapse_mask(synapses)
        restrict_enabled(synapses, mask)


class Box_Receptive_Fields(_ReceptiveField):
    """Keep synapses with ``|dx|, |dy|, |dz| <= range`` (grid units).

    Parameters (keyword arguments)
    ------------------------------
    range : float
        Half-width of the box (default 1).
    remove_autapses : bool
        Also drop ``i -> i`` (default False).
    """

    metric = "box"
    size_name = "range"

    def __init__(self, range: float = 1.0, **kwargs: Any):  # noqa: A002 - the paper's name
        super().__init__(range=range, **kwargs)


class Circle_Receptive_Fields(_ReceptiveField):
    """Keep synapses with Euclidean distance ``<= radius`` (grid units).

    Parameters (keyword arguments)
    ------------------------------
    radius : float
        Default 1.
    remove_autapses : bool
        Also drop ``i -> i`` (default False).
    """

    metric = "circle"
    size_name = "radius"

    def __init__(self, radius: float = 1.0, **kwargs: Any):
        super().__init__(radius=radius, **kwargs)


class Remove_Autapses(Behaviour):
    """Disable synapses from a neuron onto itself (``enabled[i, i] = False``)."""

    initialize_on_init = True

    def set_variables(self, synapses) -> None:
        current = synapses.enabled
        if hasattr(current, "indptr"):
            synapses.enabled = _drop_autapses_sparse(current, synapses)
        else:
            restrict_enabled(synapses, autapse_mask(synapses))


def max_receptive_field(synapses: Any) -> np.ndarray:
    """Largest ``|dx|, |dy|, |dz|`` over the enabled synapses (at least 1 per axis)."""
    owner = f"max_receptive_field of {synapses!r}"
    en = synapses.enabled
    if en is True:
        rows, cols = np.indices(synapses.matrix_dim()).reshape(2, -1)
    elif hasattr(en, "indptr"):
        rows = np.repeat(np.arange(en.shape[0]), np.diff(en.indptr))
        cols = en.indices
        keep = np.asarray(en.data, dtype=bool)
        rows, cols = rows[keep], cols[keep]
    else:
        rows, cols = np.nonzero(to_numpy(en))
    if rows.size == 0:
        return np.ones(3)
    extent = np.abs(positions(synapses.dst, owner)[rows] - positions(synapses.src, owner)[cols]).max(axis=0)
    return np.maximum(extent, 1.0)
