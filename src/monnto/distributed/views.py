"""The global side of a partitioned NeuronGroup, as synapses and recorders see it.

On a rank, a NeuronGroup holds its own neurons only: ``n.size`` is the
local count and ``n.voltage`` the local vector. A SynapseGroup's ``src`` is
a :class:`GlobalView` of its source group instead of the group itself:

* ``src.size`` is the global size, ``src.id`` the global indices;
* reading an array attribute whose first axis is the group's local size
  (``src.spike``, ``src.voltage``) returns the global array: the local parts
  of all ranks gathered in global order (one ``Allgatherv``);
* anything else (``src.tag``, a parameter, ``src.dt``) is the group's own
  value, and assigning an attribute assigns it on the group.

A gathered array is kept until a behaviour of a NeuronGroup or of the
Network has run (or the group's attribute is assigned a new array), so all
SynapseGroups reading a group's spikes at the start of a step share one
exchange, and the first read after the spikes changed exchanges again. This makes the paper's
``neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size``
work unchanged on every rank (``W`` holds this rank's destination rows and
all source columns).

Every read of a gathered attribute is a collective call: all ranks must
make it (they do when they run the same behaviours); a read inside ``if``
on local data can hang the run.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["GlobalView"]


class GlobalView:
    """The global view of a partitioned NeuronGroup (see the module docstring).

    Parameters
    ----------
    group : NeuronGroup
        This rank's part of the group.
    ctx : DistributedNetwork
        The network's distributed context (it gathers and caches).
    live : bool
        Always gather the current arrays (a recorder's view); a synapse's
        view (False) reads ``spike`` from the buffered exchange when there is one.
    """

    __slots__ = ("_group", "_ctx", "_live")

    def __init__(self, group: Any, ctx: Any, live: bool = False):
        object.__setattr__(self, "_group", group)
        object.__setattr__(self, "_ctx", ctx)
        object.__setattr__(self, "_live", live)

    @property
    def size(self) -> int:
        """The number of neurons of the whole group (all ranks)."""
        return self._group.global_size

    @property
    def id(self) -> np.ndarray:
        """Global indices of all neurons, ``0 .. size-1``."""
        return np.arange(self._group.global_size)

    @property
    def BaseNeuronGroup(self) -> Any:
        """The local group (so code that compares base groups finds it)."""
        return self._group

    @property
    def local(self) -> Any:
        """This rank's part of the group (the NeuronGroup itself)."""
        return self._group

    def __getattr__(self, name: str) -> Any:
        group = self._group
        value = getattr(group, name)
        if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == group.size \
                and not name.startswith("_"):
            return self._ctx.gathered(group, name, value, self._live)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._group, name, value)

    def __getitem__(self, key: Any) -> Any:
        return self._group[key]

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"<global view of {self._group!r}>"
