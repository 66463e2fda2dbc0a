"""Synapses that scale: event-driven products, sparse groups, delays, partitioning.

* :class:`~monnto.core.event_matrix.EventMatrix` (returned by
  ``SynapseGroup.get_synapse_mat``) and
  :class:`~monnto.core.sparse_matrix.SparseSynapseMatrix`
  (``get_synapse_mat(..., sparse=True)``): ``W.dot(spike)`` adds only the
  synapses of the sources that spiked.
* Connectivity builders that never allocate ``D x S``:
  :func:`fixed_probability`, :func:`fixed_indegree`, :func:`distance_dependent`.
* Delays: :class:`Delay` (a SynapseGroup behaviour), :class:`DelayLine`,
  :class:`HeterogeneousDelays`, and :func:`propagate`, the helper library
  behaviours use to compute a SynapseGroup's input.
* Structure: :class:`Box_Receptive_Fields`, :class:`Circle_Receptive_Fields`,
  :class:`Remove_Autapses`, and :class:`Partition` (paper section 2.3).
"""
from ...core.event_matrix import EventMatrix, event_product
from ...core.sparse_matrix import SparseSynapseMatrix, sparse_from_init
from .delays import Delay, DelayLine, HeterogeneousDelays, product, propagate
from .partition import Partition, partition_masks, remove_synapse_group
from .sparse import as_synapse_matrix, distance_dependent, fixed_indegree, fixed_probability
from .structure import (
    Box_Receptive_Fields,
    Circle_Receptive_Fields,
    Remove_Autapses,
    max_receptive_field,
)

__all__ = [
    "EventMatrix", "event_product", "SparseSynapseMatrix", "sparse_from_init",
    "Delay", "DelayLine", "HeterogeneousDelays", "product", "propagate",
    "Partition", "partition_masks", "remove_synapse_group",
    "as_synapse_matrix", "distance_dependent", "fixed_indegree", "fixed_probability",
    "Box_Receptive_Fields", "Circle_Receptive_Fields", "Remove_Autapses", "max_receptive_field",
]
