"""``Behaviour``: a module with an init and a per-step update.

Subclasses override ``set_variables(self, parent)`` (later name:
``initialize``), run once by ``Network.initialize()``, and
``new_iteration(self, parent)`` (later name: ``iteration``), run every step in
key order. The parent is the Network, NeuronGroup or SynapseGroup the
behaviour is attached to.

Parameters are passed as keyword arguments and read inside
``set_variables`` with :meth:`Behaviour.get_init_attr` (alias ``parameter``),
which understands distribution strings, ``'same(tag, attr)'``, ``'20%'``,
numeric strings and evolution genes. A keyword argument that is never read
gives a warning naming it, which catches typos.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .errors import MonntoValueError
from .genome import GENE_PATTERN, resolve_genes
from .tagging import TaggableObject

_RESERVED_KWARGS = ("tag", "behaviour_enabled", "behavior_enabled")


def _overrides(cls: type, name: str) -> bool:
    for klass in cls.__mro__:
        if klass is Behaviour:
            return False
        if name in klass.__dict__:
            return True
    return False


class Behaviour(TaggableObject):
    """Base class of all behaviours.

    Parameters
    ----------
    *args
        Stored as ``arg_0``, ``arg_1``, ... in ``init_kwargs``.
    tag : str, optional
        Comma-separated tags; the class name is always a tag too.
    behaviour_enabled : bool, optional
        Start disabled with ``False`` (alias ``behavior_enabled``).
    **kwargs
        Parameters, read with :meth:`get_init_attr`.
    """

    #: initialize after all other behaviours (Recorders do).
    initialize_last = False
    #: run after the other behaviours that share this key (Recorders do).
    run_last = False
    #: initialize in the parent's constructor instead of at Network.initialize().
    initialize_on_init = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(kwargs.pop("tag", None))
        enabled = kwargs.pop("behaviour_enabled", kwargs.pop("behavior_enabled", True))
        self.behaviour_enabled = bool(enabled)
        self.init_kwargs: dict[str, Any] = {f"arg_{i}": a for i, a in enumerate(args)}
        self.init_kwargs.update(kwargs)
        self.used_attr_keys: set[str] = set()
        self.parent = None
        self.key = None
        self.initialized = False

    # -- the two methods users write ---------------------------------------
    def set_variables(self, parent) -> None:
        """Create state and read parameters (runs once, at initialize)."""

    def new_iteration(self, parent) -> None:
        """Advance one step."""

    # -- dispatch between the paper's and the later names --------------------
    @classmethod
    def _init_method_name(cls) -> str | None:
        if _overrides(cls, "set_variables"):
            return "set_variables"
        if _overrides(cls, "initialize"):
            return "initialize"
        return None

    @classmethod
    def _step_method_name(cls) -> str | None:
        if _overrides(cls, "new_iteration"):
            return "new_iteration"
        if _overrides(cls, "iteration"):
            return "iteration"
        return None

    def step_function(self):
        """The bound per-step method, or None when the class defines none."""
        name = type(self)._step_method_name()
        return getattr(self, name) if name else None

    def run_initialize(self, parent) -> None:
        """Run the init method, then warn about unused keyword arguments."""
        name = type(self)._init_method_name()
        if name is not None:
            getattr(self, name)(parent)
        self.initialized = True
        self.check_unused_attrs()

    # -- parameters ---------------------------------------------------------
    def get_init_attr(self, key: str, default: Any = None, neurons=None,
                      do_not_diversify: bool = False, required: bool = False) -> Any:
        """Read the keyword argument ``key`` (or ``default``).

        Parameters
        ----------
        key : str
            Name of the keyword argument.
        default : any
            Value when the argument is absent; a numeric string argument is
            cast to the default's type (``'7'`` with default ``1`` gives 7).
        neurons : NeuronGroup or SynapseGroup, optional
            When given, a distribution string (``'normal(0.9,0.1)'``) becomes
            one value per neuron (or per synapse) and ``'same(tag, attr)'``
            copies ``attr`` of the first object tagged ``tag``.
        do_not_diversify : bool
            Keep strings as they are.
        required : bool
            Raise when the argument is absent.
        """
        self.used_attr_keys.add(key)
        if key not in self.init_kwargs:
            if required:
                raise KeyError(f"{self!r}: the keyword argument {key!r} is required")
            return default
        value = self.init_kwargs[key]
        if not isinstance(value, str) or do_not_diversify:
            return value
        text = value.strip()
        if GENE_PATTERN.search(text):
            text = resolve_genes(text)
        if neurons is not None:
            if text.startswith("same(") and text.endswith(")"):
                return self._same(text, neurons, key)
            if "(" in text or text.endswith(";plot"):
                make = getattr(neurons, "get_synapse_mat", None) or neurons.get_neuron_vec
                return make(text)
        if default is None or isinstance(default, str):
            return text
        return _cast_like(text, default, f"{self!r}: argument {key}")

    parameter = get_init_attr

    def _same(self, text: str, neurons, key: str) -> Any:
        inner = text[len("same("):-1]
        parts = [p.strip().strip("'\"") for p in inner.split(",")]
        if len(parts) != 2 or not all(parts):
            raise MonntoValueError(f"{self!r}: argument {key}={text!r}: expected 'same(tag, attribute)'")
        tag, attr = parts
        root = getattr(neurons, "network", None) or neurons
        target = root[tag, 0]
        if target is None:
            raise MonntoValueError(f"{self!r}: argument {key}={text!r}: no object is tagged {tag!r}")
        if not hasattr(target, attr):
            raise MonntoValueError(f"{self!r}: argument {key}={text!r}: {target!r} has no attribute {attr!r}")
        return getattr(target, attr)

    def resolve_gene_arguments(self) -> None:
        """Replace ``[default#gene]`` placeholders in string arguments by gene values."""
        for key, value in self.init_kwargs.items():
            if isinstance(value, str) and GENE_PATTERN.search(value):
                self.init_kwargs[key] = resolve_genes(value)

    def check_unused_attrs(self) -> None:
        """Warn about keyword arguments that set_variables never read."""
        unused = [k for k in self.init_kwargs
                  if k not in self.used_attr_keys and k not in _RESERVED_KWARGS and not k.startswith("arg_")]
        if unused:
            warnings.warn(f"{self!r}: keyword argument(s) {', '.join(map(repr, unused))} were never "
                          f"read by {type(self).__name__}.set_variables (misspelt?)", stacklevel=3)

    # -- tagging --------------------------------------------------------------
    def has_tag(self, key: Any) -> bool:
        return isinstance(key, str) and (key in self.tags or key == type(self).__name__)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.init_kwargs.items())
        where = ""
        if self.parent is not None:
            where = f" on {self.parent!r}"
        return f"{type(self).__name__}({args}){where}"

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.init_kwargs.items())
        return f"{type(self).__name__}({args})"


Behavior = Behaviour


def _cast_like(text: str, default: Any, what: str) -> Any:
    """Cast a string argument to the type of its default."""
    if text.endswith("%"):
        try:
            return float(text[:-1]) / 100.0
        except ValueError:
            raise MonntoValueError(f"{what}={text!r}: expected a percentage such as '20%'") from None
    if isinstance(default, (bool, np.bool_)):
        lowered = text.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise MonntoValueError(f"{what}={text!r}: expected a boolean ('True' or 'False')")
    if isinstance(default, (int, float, np.integer, np.floating)):
        try:
            return type(default)(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                raise MonntoValueError(f"{what}={text!r}: expected a number like the default "
                                       f"{default!r}, or a distribution such as 'normal(0.9, 0.1)'") from None
    return text
