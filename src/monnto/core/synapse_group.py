"""``SynapseGroup``: the connections from one NeuronGroup to another."""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import MonntoTypeError, MonntoValueError
from .network_object import NetworkFallback, NetworkObject, normalize_behaviours


class SynapseGroup(NetworkObject):
    """Synapses from ``src`` to ``dst``.

    Matrices made by :meth:`get_synapse_mat` have shape ``(dst.size,
    src.size)`` (destination rows, source columns), so the input to ``dst``
    is ``W.dot(src.spike)``.

    Parameters
    ----------
    net : Network
        The network.
    src, dst : NeuronGroup, NeuronSubGroup or str
        Source and destination; a string is looked up as a tag.
    tag : str, optional
        Comma-separated tags (also keys of ``dst.afferent_synapses`` and
        ``src.efferent_synapses``).
    behaviour : dict or list of Behaviour, optional
        Alias ``behavior``.
    sparse : bool
        Default of :meth:`get_synapse_mat`'s ``sparse``: matrices of this
        group are CSR (:class:`~monnto.core.sparse_matrix.SparseSynapseMatrix`).
    """

    # read from the network when the group has none of its own (a Clock on the network)
    t = NetworkFallback()
    dt = NetworkFallback()

    def __init__(self, net=None, src: Any = None, dst: Any = None, tag: str | None = None,
                 behaviour: dict | list | None = None, behavior=None, sparse: bool = False):
        from .network import Network

        if not isinstance(net, Network):
            raise MonntoTypeError(f"SynapseGroup {tag!r}: net must be a Network, got {net!r}")
        super().__init__(tag, net)
        net.check_group_tags(f"SynapseGroup {tag!r}", self.tags)
        if behavior is not None:
            if behaviour is not None:
                raise MonntoTypeError(f"SynapseGroup {tag!r}: pass behaviour= or behavior=, not both")
            behaviour = behavior
        if not self.tags:
            self.tags.append(f"SynapseGroup_{len(net.SynapseGroups) + 1}")
        self.src = self._resolve_group(net, src, "src")
        self.dst = self._resolve_group(net, dst, "dst")
        self.tags += ["syn", f"{self.src.tag}_to_{self.dst.tag}"]
        if net._distributed is not None:  # src.spike / src.size are global (monnto.distributed)
            self.src = net._distributed.source_view(self.src)
        #: tags the framework added (they may repeat across groups without a warning)
        self.automatic_tags = {"syn", f"{self.src.tag}_to_{self.dst.tag}",
                               f"SynapseGroup_{len(net.SynapseGroups) + 1}"}
        self.enabled = True
        self.sparse = bool(sparse)
        behaviours = normalize_behaviours(self, behaviour)
        for key, b in behaviours.items():
            self._check_behaviour(key, b)
        user_tags = self.tags[: -2]
        for group, synapses in ((self.dst, "afferent_synapses"), (self.src, "efferent_synapses")):
            base = getattr(group, "BaseNeuronGroup", group)
            table = base.__dict__[synapses]
            for t in user_tags + ["All"]:
                table.setdefault(t, []).append(self)
        for key, b in behaviours.items():
            self._attach(key, b)
        try:
            net._register_group(self)
            for b in behaviours.values():
                if b.initialize_on_init and not b.initialized:
                    b.run_initialize(self)
        except BaseException:  # no half-built group stays in the network
            if self in net.SynapseGroups or any(self in v for v in (
                    getattr(self.dst, "BaseNeuronGroup", self.dst).afferent_synapses.values())):
                net._unregister_group(self)
            for key in list(self.behaviour):
                self._detach(key)
            raise

    def _resolve_group(self, net, group: Any, name: str):
        from .neuron_group import NeuronGroup, NeuronSubGroup

        if isinstance(group, str):
            matches = [g for g in net.NeuronGroups if group in g.tags]
            if not matches:
                known = [g.tag for g in net.NeuronGroups]
                raise MonntoValueError(f"SynapseGroup {self.tag!r}: {name}={group!r} matches no NeuronGroup "
                                       f"of the network; known groups: {known}")
            return matches[0]
        if isinstance(group, (NeuronGroup, NeuronSubGroup)):
            if group.network is not net:
                raise MonntoValueError(f"SynapseGroup {self.tag!r}: {name}={group!r} belongs to another network")
            return group
        raise MonntoTypeError(f"SynapseGroup {self.tag!r}: {name} must be a NeuronGroup, a NeuronSubGroup "
                              f"or a tag string, got {group!r}")

    def matrix_dim(self) -> tuple[int, int]:
        """``(dst.size, src.size)``."""
        return (self.dst.size, self.src.size)

    get_synapse_mat_dim = matrix_dim

    def get_synapse_mat(self, mode: Any = "zeros", scale: Any = None, density: Any = None,
                        plot: bool = False, sparse: bool | None = None) -> Any:
        """Return a new ``(dst.size, src.size)`` matrix from an init ``mode``.

        ``density=p`` keeps each synapse with probability ``p`` (an array
        gives one probability per destination neuron).

        A float matrix is an :class:`~monnto.core.event_matrix.EventMatrix`
        (an ndarray whose product with a boolean spike vector adds only the
        spiking sources' columns). With ``sparse=True`` (default: the
        group's ``sparse``) it is a CSR
        :class:`~monnto.core.sparse_matrix.SparseSynapseMatrix` holding only
        the kept synapses (see :func:`~monnto.core.sparse_matrix.sparse_from_init`).
        """
        sparse = self.sparse if sparse is None else bool(sparse)
        net = self.network
        if net.backend != "numpy":
            if sparse:
                raise MonntoValueError(f"{self!r}: sparse=True needs the numpy backend, the network uses "
                                       f"backend={net.backend!r}")
            W = np.asarray(net.draws.synapse_matrix(self, mode, scale, density, False, plot))
            return net.array_backend.synapse_matrix(net._convert(W))
        # this process's destination rows (all of them unless split over MPI ranks)
        return net.draws.synapse_matrix(self, mode, scale, density, sparse, plot)

    matrix = get_synapse_mat

    @property
    def size(self) -> int:
        """Number of possible synapses, ``dst.size * src.size``."""
        return self.dst.size * self.src.size
