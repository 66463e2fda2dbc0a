"""What Network, NeuronGroup and SynapseGroup share: behaviours and arrays."""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .behaviour import Behaviour
from .errors import MonntoTypeError, MonntoValueError
from .tagging import TaggableObject


def check_key(owner: Any, key: Any) -> float:
    """Validate a behaviour key: any real number (not bool, not NaN)."""
    if isinstance(key, bool) or not isinstance(key, numbers.Real) or (
            isinstance(key, float) and math.isnan(key)):
        raise MonntoTypeError(f"{owner!r}: behaviour keys must be real numbers (they set the execution "
                              f"order), got {key!r}")
    return key


def normalize_behaviours(owner: Any, behaviour: Any) -> dict:
    """Turn the ``behaviour=`` argument (dict, list or None) into a dict."""
    if behaviour is None:
        return {}
    if isinstance(behaviour, dict):
        return dict(behaviour)
    if isinstance(behaviour, (list, tuple)):
        return dict(enumerate(behaviour))
    if isinstance(behaviour, Behaviour):
        return {0: behaviour}
    raise MonntoTypeError(f"{owner!r}: behaviour must be a dict {{key: Behaviour}} or a list of "
                          f"Behaviours, got {type(behaviour).__name__}")


class NetworkFallback:
    """Class attribute of a group: its own value when set, else the network's.

    A non-data descriptor, so a value the group sets (its own Clock) shadows
    it. It replaces a ``__getattr__`` hook: a class with one gets no
    specialized (fast) attribute look-ups from CPython, which every
    behaviour pays for on every ``n.voltage``.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        network = obj.__dict__.get("network")
        if network is not None and self.name in network.__dict__:
            return network.__dict__[self.name]
        raise AttributeError(f"{obj!r} has no attribute {self.name!r} (and neither has its network)",
                             name=self.name, obj=obj)


class NetworkObject(TaggableObject):
    """Base of Network, NeuronGroup and SynapseGroup."""

    def __init__(self, tag: str | None, network):
        super().__init__(tag)
        self.network = network
        self.behaviour: dict = {}
        self.recording = True
        self._attribute_shortcuts: dict[str, Any] = {}

    # -- properties shared with the network --------------------------------
    @property
    def iteration(self) -> int:
        """The network's step counter (the first step is 1)."""
        return self.network.iteration

    @property
    def rng(self) -> np.random.Generator:
        """The network's seeded random generator."""
        return self.network.rng

    @property
    def def_dtype(self) -> np.dtype:
        return self.network.dtype

    @property
    def xp(self):
        """The array namespace of this object's arrays (numpy)."""
        return self.network.xp

    # -- behaviours ---------------------------------------------------------
    def _check_behaviour(self, key: Any, behaviour: Any) -> None:
        check_key(self, key)
        if not isinstance(behaviour, Behaviour):
            raise MonntoTypeError(f"{self!r}: the behaviour at key {key!r} must be an instance of a "
                                  f"Behaviour subclass, got {behaviour!r}")
        if key in self.behaviour:
            raise MonntoValueError(f"{self!r}: key {key!r} is already used by {self.behaviour[key]!r}; "
                                   f"each key holds one behaviour per object")
        if behaviour.parent is not None:
            raise MonntoValueError(f"{behaviour!r} is already attached to {behaviour.parent!r}; create a "
                                   f"new instance for {self!r}")

    def _attach(self, key: Any, behaviour: Behaviour) -> None:
        self.behaviour[key] = behaviour
        behaviour.parent = self
        behaviour.key = key
        for tag in behaviour.tags + [type(behaviour).__name__]:
            if tag.isidentifier() and not hasattr(self, tag):
                object.__setattr__(self, tag, behaviour)
                self._attribute_shortcuts[tag] = behaviour

    def _detach(self, key: Any) -> Behaviour:
        behaviour = self.behaviour.pop(key)
        for tag, target in list(self._attribute_shortcuts.items()):
            if target is behaviour:
                del self._attribute_shortcuts[tag]
                if self.__dict__.get(tag) is behaviour:
                    delattr(self, tag)
        behaviour.parent = None
        return behaviour

    def add_behaviour(self, key: Any, behaviour: Behaviour, initialize: bool = True) -> Behaviour:
        """Attach ``behaviour`` at ``key``.

        When the network is already initialized and ``initialize`` is true,
        the behaviour is initialized at once; the step list is rebuilt.
        """
        self._check_behaviour(key, behaviour)
        self._attach(key, behaviour)
        net = self.network
        try:
            if initialize and net.initialized:
                behaviour.resolve_gene_arguments()
                behaviour.run_initialize(self)
        except BaseException:
            self._detach(key)
            raise
        net._structure_changed()
        return behaviour

    add_behavior = add_behaviour

    def add_behaviours(self, behaviours: dict | list) -> None:
        for key, behaviour in normalize_behaviours(self, behaviours).items():
            self.add_behaviour(key, behaviour)

    add_behaviors = add_behaviours

    def remove_behaviour(self, key_tag_or_type: Any) -> list[Behaviour]:
        """Remove every behaviour whose key, tag, type or identity matches."""
        x = key_tag_or_type
        removed = []
        for key, b in list(self.behaviour.items()):
            match = (b is x or (isinstance(x, type) and isinstance(b, x))
                     or (isinstance(x, str) and b.has_tag(x))
                     or (not isinstance(x, (str, type, Behaviour)) and key == x))
            if match:
                removed.append(self._detach(key))
        if removed:
            self.network._structure_changed()
        return removed

    remove_behavior = remove_behaviour

    def set_behaviours(self, tag: Any, enabled: bool) -> list:
        """Enable or disable every behaviour matching ``tag`` in this subtree."""
        hits = [h for h in self[tag] if isinstance(h, Behaviour)]
        for b in hits:
            b.behaviour_enabled = bool(enabled)
        self.network._structure_changed(clear_tags=False)
        return hits

    set_behaviors = set_behaviours

    def activate_behaviours(self, tag: Any) -> list:
        return self.set_behaviours(tag, True)

    def deactivate_behaviours(self, tag: Any) -> list:
        return self.set_behaviours(tag, False)

    activate_behaviors = activate_behaviours
    deactivate_behaviors = deactivate_behaviours

    def find_objects(self, key: Any) -> list:
        hits: list = []
        if not isinstance(key, str) and key in self.behaviour:
            hits.append(self.behaviour[key])
        for b in self.behaviour.values():
            hits.extend(b._search(key))
        return hits

    def visualize_module(self, path: Any = None, **kwargs: Any) -> Any:
        """Flow chart of this object's behaviours with the variables each reads and writes.

        Saved to ``path`` (.png/.svg/.pdf, no Qt needed) or shown in a Qt
        window; see :func:`monnto.analysis.visualize_module.visualize_module`
        (the analysis layer, imported on use).
        """
        from ..analysis.visualize_module import visualize_module

        return visualize_module(self, path=path, **kwargs)

    # -- arrays ---------------------------------------------------------------
    def _get_mat(self, mode: Any, shape: tuple, scale: Any = None, density: Any = None,
                 plot: bool = False) -> np.ndarray:
        net = self.network
        result = net.draws.array(self, mode, shape, scale, density, plot)
        return result if net._convert is None else net._convert(result)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.tag!r}>"
