"""``NeuronGroup`` and ``NeuronSubGroup``."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .dimension import NeuronDimension
from .errors import MonntoTypeError, MonntoValueError, NotEnoughMemoryError
from .memory import available_memory
from .network_object import NetworkFallback, NetworkObject, normalize_behaviours

#: ``neurons.synapses(afferent, tag)`` direction constants.
afferent = pre = 0
efferent = post = 1


class SynapseDict(dict):
    """``{tag: [SynapseGroup, ...]}``; ``'All'`` holds every group.

    A tag that some SynapseGroup of the network carries gives ``[]`` on
    groups it does not touch; a tag no SynapseGroup carries raises KeyError
    (a typo guard).
    """

    def __init__(self, owner, direction: str):
        super().__init__(All=[])
        self.owner = owner
        self.direction = direction

    def __missing__(self, tag):
        network = self.owner.network
        if any(tag in sg.tags for sg in network.SynapseGroups):
            return []
        known = sorted({t for sg in network.SynapseGroups for t in sg.tags})
        raise KeyError(f"{self.owner!r}: no SynapseGroup of the network is tagged {tag!r} "
                       f"({self.direction}); known tags: {known}")


class NeuronGroup(NetworkObject):
    """A population of neurons sharing behaviours.

    Parameters
    ----------
    net : Network
        The network the group belongs to.
    size : int or NeuronDimension
        Number of neurons, or a grid layout (sets ``width``, ``height``,
        ``depth`` and positions ``x``, ``y``, ``z``).
    behaviour : dict or list of Behaviour, optional
        ``{key: Behaviour}``; a list gets keys 0, 1, 2, ... (alias ``behavior``).
    tag : str, optional
        Comma-separated tags; also an attribute of the network.
    color : tuple, optional
        RGBA (0-255) colour used by plots and the GUI.
    """

    def __init__(self, net=None, size: Any = None, behaviour: dict | list | None = None,
                 tag: str | None = None, color: tuple | None = None, behavior=None):
        from .network import Network

        if not isinstance(net, Network):
            raise MonntoTypeError(f"NeuronGroup {tag!r}: net must be a Network, got {net!r}")
        super().__init__(tag, net)
        net.check_group_tags(f"NeuronGroup {tag!r}", self.tags)
        if behavior is not None:
            if behaviour is not None:
                raise MonntoTypeError(f"NeuronGroup {tag!r}: pass behaviour= or behavior=, not both")
            behaviour = behavior
        if not self.tags:
            self.tags.append(f"NeuronGroup_{len(net.NeuronGroups) + 1}")
        self.tags.append("ng")
        #: tags the framework added (they may repeat across groups without a warning)
        self.automatic_tags = {"ng", f"NeuronGroup_{len(net.NeuronGroups) + 1}"}
        behaviours = normalize_behaviours(self, behaviour)

        dimension = None
        if isinstance(size, NeuronDimension):
            dimension = size
        elif size is None:
            dimension = next((b for b in behaviours.values() if isinstance(b, NeuronDimension)), None)
        if dimension is not None:
            size = dimension.size
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise MonntoValueError(f"NeuronGroup {self.tag!r}: size must be a positive int or a "
                                   f"NeuronDimension, got {size!r}")
        self.size = int(size)
        free = available_memory()
        if free is not None and self.size * 8 > free:
            raise NotEnoughMemoryError(
                f"NeuronGroup {self.tag!r}: size {self.size} needs at least {self.size * 8 / 2**30:.3g} GiB "
                f"per neuron vector, but only {free / 2**30:.3g} GiB of memory are available")
        self.id = np.arange(self.size)
        self.color = color
        self.BaseNeuronGroup = self
        self.mask = True
        self.afferent_synapses = SynapseDict(self, "afferent")
        self.efferent_synapses = SynapseDict(self, "efferent")

        for key, b in behaviours.items():
            self._check_behaviour(key, b)
        if dimension is not None and dimension not in behaviours.values():
            dimension.parent = self
            dimension.run_initialize(self)
        if net._distributed is not None:  # this rank's block of neurons (monnto.distributed)
            net._distributed.partition_group(self)
        # the creation number keys the group's draws (monnto.core.keyed_draws), also those made here
        net._creation_order[id(self)] = net._next_creation_number()
        try:
            for key, b in behaviours.items():
                self._attach(key, b)
                if b.initialize_on_init:
                    b.run_initialize(self)
        except BaseException:  # the behaviours stay usable for another group
            net._creation_order.pop(id(self), None)
            for key in list(self.behaviour):
                self._detach(key)
            raise
        net._register_group(self)

    # read from the network when the group has none of its own
    # (a Clock on the network gives every group t and dt)
    t = NetworkFallback()
    dt = NetworkFallback()

    # -- arrays ------------------------------------------------------------
    def get_neuron_vec(self, mode: Any = "zeros", scale: Any = None, density: Any = None,
                       plot: bool = False) -> np.ndarray:
        """Return a new vector of shape ``(size,)`` built from an init ``mode``.

        See :mod:`monnto.core.init_strings` for the accepted modes; the float
        dtype is the network's.
        """
        net = self.network
        result = net.draws.neuron_vector(self, mode, scale, density, plot)  # split-independent numbers
        return result if net._convert is None else net._convert(result)

    vector = get_neuron_vec

    def get_neuron_vec_buffer(self, buffer_size: int) -> np.ndarray:
        """Zeros of shape ``(buffer_size, size)``."""
        return np.zeros((buffer_size, self.size), dtype=self.network.dtype)

    vector_buffer = get_neuron_vec_buffer

    def synapses(self, direction: int, tag: str = "All") -> list:
        """SynapseGroups ending (``afferent``) or starting (``efferent``) here."""
        if direction == afferent:
            return self.afferent_synapses[tag]
        if direction == efferent:
            return self.efferent_synapses[tag]
        raise MonntoValueError(f"{self!r}: direction must be afferent (0) or efferent (1), got {direction!r}")

    def subGroup(self, mask: Any) -> NeuronSubGroup:
        """A masked view of this group (see :class:`NeuronSubGroup`)."""
        return NeuronSubGroup(self, mask)

    sub_group = subGroup

    def __len__(self) -> int:
        return self.size


class NeuronSubGroup:
    """A masked view of a NeuronGroup that reads and writes through to it.

    Reading an array attribute whose first axis has the base group's size
    returns ``base.attr[mask]`` (a copy, as numpy boolean indexing does);
    assigning such an attribute writes into ``base.attr[mask]``, so
    ``sub.v += x`` and ``sub.v = y`` change the base group. In-place item
    assignment on a read value (``sub.v[0] = 1``) changes only the copy:
    write ``sub.v = ...`` instead. Arrays shaped ``(k, base.size)`` (buffers)
    are masked along their second axis. Any other attribute set on a
    subgroup stays on the subgroup. On the torch backend the same holds for
    tensors (a value written through is converted to the tensor's dtype and
    device, as numpy casts on assignment).

    Parameters
    ----------
    base : NeuronGroup
        The group viewed.
    mask : array of bool, shape (base.size,), or array of int indices
        Which neurons the view holds.
    """

    def __init__(self, base: NeuronGroup, mask: Any):
        base = getattr(base, "BaseNeuronGroup", base)
        mask = np.asarray(mask)
        if mask.dtype != bool:
            if mask.dtype.kind not in "iu" and not (mask.size == 0 or mask.dtype.kind == "f"
                                                     and np.array_equal(mask, np.round(mask))):
                raise MonntoTypeError(f"NeuronSubGroup of {base!r}: mask must be a bool mask of shape "
                                      f"({base.size},) or neuron indices, got {mask.dtype} values")
            indices = mask.astype(int).ravel()
            outside = indices[(indices < -base.size) | (indices >= base.size)]
            if outside.size:
                raise MonntoValueError(f"NeuronSubGroup of {base!r}: neuron indices must be in "
                                       f"0..{base.size - 1}, got {outside[:5].tolist()}")
            mask = np.zeros(base.size, dtype=bool)
            mask[indices] = True
        if mask.shape != (base.size,):
            raise MonntoValueError(f"NeuronSubGroup of {base!r}: mask must have shape ({base.size},), "
                                   f"got {mask.shape}")
        d = self.__dict__
        d["BaseNeuronGroup"] = base
        d["mask"] = mask
        d["id_mask"] = np.flatnonzero(mask)
        d["id"] = d["id_mask"]
        d["size"] = int(mask.sum())
        d["network"] = base.network
        d["tags"] = [f"{base.tag}_sub"]

    @property
    def tag(self) -> str:
        return self.tags[0]

    @staticmethod
    def _is_array(base: NeuronGroup, value: Any) -> bool:
        """Whether ``value`` is an array of ``base``'s backend (numpy array or torch tensor)."""
        if isinstance(value, np.ndarray):
            return True
        backend = getattr(getattr(base, "network", None), "array_backend", None)
        return backend is not None and backend.name != "numpy" and backend.is_native(value)

    def __getattr__(self, name: str) -> Any:
        base = self.__dict__["BaseNeuronGroup"]
        value = getattr(base, name)
        if self._is_array(base, value) and value.ndim >= 1:
            # integer indices (same elements and order as the mask): O(subgroup size)
            if value.shape[0] == base.size:
                return value[self.id_mask]
            if value.ndim >= 2 and value.shape[1] == base.size:
                return value[:, self.id_mask]
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        base = self.__dict__["BaseNeuronGroup"]
        current = base.__dict__.get(name)
        if self._is_array(base, current) and current.ndim >= 1 and name not in self.__dict__:
            if not isinstance(current, np.ndarray):  # torch: the value must be a tensor of the same dtype
                value = base.network.xp.asarray(value, dtype=current.dtype, device=current.device)
            if current.shape[0] == base.size:
                current[self.id_mask] = value
                return
            if current.ndim >= 2 and current.shape[1] == base.size:
                current[:, self.id_mask] = value
                return
        self.__dict__[name] = value

    def get_neuron_vec(self, mode: Any = "zeros", scale: Any = None, density: Any = None,
                       plot: bool = False) -> np.ndarray:
        return self.BaseNeuronGroup._get_mat(mode, (self.size,), scale, density, plot)

    vector = get_neuron_vec

    def __repr__(self) -> str:
        return f"<NeuronSubGroup of {self.BaseNeuronGroup.tag!r}, {self.size} neurons>"

    def __len__(self) -> int:
        return self.size
