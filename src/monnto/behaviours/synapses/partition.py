"""``Partition``: split a locally connected SynapseGroup into many small dense ones.

Paper section 2.3. A SynapseGroup whose ``enabled`` mask is local (set by a
receptive field) stores a ``D x S`` matrix that is almost all zeros.
``Partition`` cuts the destination grid into boxes; for each box it makes a
SynapseGroup from a NeuronSubGroup of the sources that reach the box to a
NeuronSubGroup of the box, so the matrices are small and dense. Memory falls
from ``D*S`` to about ``D * (box + 2 * receptive field)^dims``.

The new groups carry the original's tags plus ``'partitioned'`` and are
listed in the base groups' ``afferent_synapses`` / ``efferent_synapses``
instead of the original, which leaves ``network.SynapseGroups`` (it keeps
``partitioned_into``, the list of its parts). Behaviours that loop over
``neurons.afferent_synapses[tag]`` see the parts; they must use
``synapse.dst`` and ``synapse.src`` (the subgroups) rather than the group
they run on, e.g. ``synapse.dst.voltage += synapse.W.dot(synapse.src.spike)``,
which gives the same result as the unpartitioned ``neurons.voltage += ...``.

What the parts get from the original: ``enabled`` and every other
``D x S`` attribute (``W``, ...) sliced to the part, other attributes
shared (shallow copy), ``sparse``, and a fresh copy of each behaviour except
receptive fields and ``Partition`` (already applied). Behaviour copies are
initialized by ``Network.initialize()``, or right away when the network is
already initialized.

Parameters (keyword arguments)
------------------------------
split_size : 'auto' or [sx, sy, sz]
    Number of boxes along x, y and z of the destination grid. ``'auto'``:
    ``int((src.width/7 + dst.width/7)/2)`` along x, likewise y and z, at
    least 1; when every axis gets fewer than 3 boxes nothing is split.

On the torch backend the boxes and the reached sources are found on the host
(numpy); each part's ``D x S`` tensors are sliced on the device, float
matrices as ``SynapseTensor``s (``W.dot(spikes)`` works on the parts).
"""
from __future__ import annotations

import copy
import logging
import warnings
from typing import Any

import numpy as np
from array_api_compat import is_torch_array

from ...core import Behaviour
from ...core.backend import to_numpy
from ...core.errors import MonntoValueError
from ...core.event_matrix import EventMatrix
from ...core.sparse_matrix import SparseSynapseMatrix
from .sparse import positions
from .structure import Remove_Autapses, _ReceptiveField

log = logging.getLogger("monnto")

#: Attributes of a SynapseGroup that Partition does not copy to the parts.
_OWN_ATTRIBUTES = frozenset({
    "network", "src", "dst", "tags", "behaviour", "recording", "_attribute_shortcuts",
    "enabled", "sparse", "tag_shortcuts", "_cache", "_tag_cache", "automatic_tags", "partitioned_into",
})


def partition_masks(group: Any, splits: tuple[int, int, int], owner: str) -> list[np.ndarray]:
    """Non-empty boolean masks of ``group`` cut into ``sx * sy * sz`` boxes along x, y, z."""
    pos = positions(group, owner)
    index = np.zeros(group.size, dtype=np.int64)
    for axis, n in enumerate(splits):
        lo, hi = pos[:, axis].min(), pos[:, axis].max()
        width = hi - lo
        b = np.zeros(group.size, dtype=np.int64) if width == 0 or n == 1 else \
            np.minimum(((pos[:, axis] - lo) / width * n).astype(np.int64), n - 1)
        index = index * n + b
    return [index == k for k in np.unique(index)]


def remove_synapse_group(net: Any, sg: Any) -> None:
    """Take ``sg`` out of the network (see :meth:`Network.remove_synapse_group`)."""
    net.remove_synapse_group(sg)


def _slice(value: Any, rows: np.ndarray, cols: np.ndarray, shape: tuple, backend: Any = None) -> Any:
    if isinstance(value, np.ndarray) and value.shape == shape:
        part = value[np.ix_(rows, cols)]
        return EventMatrix(part) if part.dtype.kind == "f" else part
    if is_torch_array(value) and tuple(value.shape) == shape:
        part = value[rows][:, cols].contiguous()  # a plain tensor on value's device
        return backend.synapse_matrix(part) if backend is not None and hasattr(backend, "synapse_matrix") \
            else part
    if hasattr(value, "indptr") and getattr(value, "shape", None) == shape:
        return SparseSynapseMatrix(value[rows][:, cols])
    return value


def _fresh_copy(b: Behaviour) -> Behaviour:
    nb = copy.copy(b)
    nb.__dict__ = {k: v for k, v in b.__dict__.items()}
    nb.init_kwargs = dict(b.init_kwargs)
    nb.used_attr_keys = set()
    nb.parent = None
    nb.key = None
    nb.initialized = False
    return nb


class Partition(Behaviour):
    """Replace a locally connected SynapseGroup by small dense ones between subgroups.

    See the module docstring for what is copied and how behaviours see the
    parts.
    """

    initialize_on_init = True

    def set_variables(self, synapses) -> None:
        from ...core import SynapseGroup

        owner = f"Partition on {synapses!r}"
        split = self.get_init_attr("split_size", "auto")
        src, dst = synapses.src, synapses.dst
        positions(dst, owner)  # both groups need a NeuronDimension
        positions(src, owner)
        if isinstance(split, str):
            if split != "auto":
                raise MonntoValueError(f"{owner}: split_size must be 'auto' or [sx, sy, sz], got {split!r}")
            dims = [(getattr(src, a, 1) / 7 + getattr(dst, a, 1) / 7) / 2 for a in ("width", "height", "depth")]
            splits = tuple(max(1, int(v)) for v in dims)
            if all(s < 3 for s in splits):
                log.info("%s: the groups are too small to split (%s boxes); left as it is", owner, splits)
                return
        else:
            splits = tuple(int(v) for v in split)
            if len(splits) != 3 or min(splits) < 1:
                raise MonntoValueError(f"{owner}: split_size must be 'auto' or three positive ints "
                                 f"[sx, sy, sz], got {split!r}")
        enabled = synapses.enabled
        if enabled is True or (isinstance(enabled, (bool, np.bool_)) and enabled):
            warnings.warn(f"{owner}: the SynapseGroup has no receptive field (enabled is True), so every "
                          f"part would need every source; not partitioned. Add Box_Receptive_Fields or "
                          f"Circle_Receptive_Fields before Partition", stacklevel=2)
            return
        if getattr(synapses, "delay_line", None) is not None:
            raise MonntoValueError(f"{owner}: partition before adding a Delay")
        shape = synapses.matrix_dim()
        net = synapses.network
        user_tags = [t for t in synapses.tags[:-2] if t != "partitioned"]
        tag = ",".join(user_tags + ["partitioned"])
        skip = (Partition, _ReceptiveField, Remove_Autapses)
        carried = {k: b for k, b in synapses.behaviour.items() if not isinstance(b, skip)}
        attributes = {k: v for k, v in synapses.__dict__.items()
                      if k not in _OWN_ATTRIBUTES and k not in synapses._attribute_shortcuts}
        dense_attrs = [v for v in attributes.values()
                       if getattr(v, "shape", None) == shape and not isinstance(v, (bool, np.bool_))]
        src_ids = np.asarray(to_numpy(src.id))
        dst_ids = np.asarray(to_numpy(dst.id))
        base_src = getattr(src, "BaseNeuronGroup", src)
        base_dst = getattr(dst, "BaseNeuronGroup", dst)
        parts = []
        remove_synapse_group(net, synapses)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*is used by.*")
            for mask in partition_masks(dst, splits, owner):
                rows = np.flatnonzero(mask)
                reach = _reached_sources(enabled, rows)
                for value in dense_attrs:
                    reach |= _reached_sources(value, rows)
                cols = np.flatnonzero(reach)
                if cols.size == 0:
                    continue
                sub_dst = base_dst.subGroup(dst_ids[rows])
                sub_src = base_src.subGroup(src_ids[cols])
                behaviours = {k: _fresh_copy(b) for k, b in carried.items()}
                part = SynapseGroup(net, sub_src, sub_dst, tag=tag, sparse=synapses.sparse)
                part.enabled = _slice(enabled, rows, cols, shape)
                if isinstance(part.enabled, np.ndarray) and part.enabled.dtype != bool:
                    part.enabled = part.enabled.astype(bool)
                elif is_torch_array(part.enabled) and part.enabled.dtype != net.xp.bool:
                    part.enabled = net.xp.astype(part.enabled, net.xp.bool)
                for k, v in attributes.items():
                    setattr(part, k, _slice(v, rows, cols, shape, net.array_backend))
                for k, b in behaviours.items():
                    part.add_behaviour(k, b)
                parts.append(part)
        synapses.partitioned_into = parts
        if "partitioned" not in synapses.tags:
            synapses.tags.append("partitioned")
        log.info("%s: partitioned into %d SynapseGroups (%d x %d x %d boxes)", owner, len(parts), *splits)


def _reached_sources(matrix: Any, rows: np.ndarray) -> np.ndarray:
    """Bool per source: any nonzero entry of ``matrix`` in ``rows``."""
    if hasattr(matrix, "indptr"):
        sub = matrix[rows]
        reach = np.zeros(matrix.shape[1], dtype=bool)
        reach[sub.indices[np.asarray(sub.data) != 0]] = True
        return reach
    if is_torch_array(matrix):  # the rows on the device, only they go to the host
        return to_numpy(matrix[rows]).any(axis=0)
    return np.asarray(matrix)[rows].any(axis=0)
