"""``Behaviour``: a module with an init and a per-step update.

Subclasses override ``set_variables(self, parent)`` (later name:
``initialize``), run once by ``Network.initialize()``, and
``new_iteration(self, parent)`` (later name: ``iteration``), run every step in
key order. The parent is the Network, NeuronGroup or SynapseGroup the
behaviour is attached to.

Parameters are passed as keyword arguments and read inside
``set_variables`` with :meth:`Behaviour.get_init_attr` (alias ``parameter``),
which understands distribution strings, callables ``f(shape, rng)``,
``'same(tag, attr)'``, ``'20%'``, numeric strings and evolution genes. A
keyword argument that is never read gives a warning naming it, and a method
whose name is a near miss of a hook (``set_variable``, ``new_iterations``,
``initialise``) gives a warning naming the hook when the class is defined;
both catch typos. NaN is refused as a parameter value.
"""
from __future__ import annotations

import difflib
import inspect
import math
import warnings
from typing import Any

import numpy as np

from .errors import MonntoValueError, bad_value, short_repr
from .genome import GENE_PATTERN, resolve_genes
from .tagging import TaggableObject

_RESERVED_KWARGS = ("tag", "behaviour_enabled", "behavior_enabled")

#: Methods the framework calls on a behaviour, in groups of names that do one
#: job (the paper's name first); a near miss of one gives a warning.
HOOKS = (("set_variables", "initialize"), ("new_iteration", "iteration"), ("after_load",))
_HOOK_NAMES = tuple(name for group in HOOKS for name in group)
#: Methods of Behaviour and its library subclasses that are no hooks (never "near misses").
_NOT_HOOKS = frozenset({"run_initialize", "initialized", "iterations", "time_to_iterations",
                        "simulate_iteration", "simulate_iterations"})


def _normalized(name: str) -> str:
    return name.replace("_", "").lower()


def misspelt_hook(cls: type, name: str) -> str | None:
    """The hook ``name`` is a near miss of, when ``cls`` does not define that hook; else None.

    ``set_variable``, ``setVariables``, ``new_iterations`` and ``initialise``
    are near misses; a helper with a different name (``update_weights``)
    is not.
    """
    if name in _HOOK_NAMES or name in _NOT_HOOKS or name.startswith("__"):
        return None
    key = _normalized(name)
    normalized = {_normalized(h): h for h in _HOOK_NAMES}
    match = normalized.get(key)
    if match is None:
        close = difflib.get_close_matches(key, list(normalized), n=1, cutoff=0.85)
        if not close:
            return None
        match = normalized[close[0]]
    group = next(g for g in HOOKS if match in g)
    if any(_overrides(cls, hook) for hook in group):  # the hook exists: name is a helper
        return None
    return match


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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Warn about a method whose name is a near miss of a hook (it would never run)."""
        super().__init_subclass__(**kwargs)
        for name, member in cls.__dict__.items():
            if not callable(member) or isinstance(member, type):
                continue
            hook = misspelt_hook(cls, name)
            if hook is not None:
                warnings.warn(f"Behaviour subclass {cls.__qualname__}: method {name!r} looks like a "
                              f"misspelling of the hook {hook!r}, which the network calls; {name!r} "
                              f"is never called by it. Rename it to {hook!r}", stacklevel=2)

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
            When given, a distribution string (``'normal(0.9,0.1)'``) or a
            callable ``f(shape, rng)`` becomes one value per neuron (or per
            synapse), and ``'same(tag, attr)'`` copies ``attr`` of the first
            object tagged ``tag``.
        do_not_diversify : bool
            Keep strings and callables as they are.
        required : bool
            Raise when the argument is absent.

        Notes
        -----
        A callable is called (as ``f(shape, rng)``, with the group's shape
        and the network's generator) only when it is read for a group
        (``neurons`` given, ``do_not_diversify`` false) and accepts two
        positional arguments; a class, or a callable read without a group
        (the ``model=`` function of an embedding), is returned unchanged.

        Raises
        ------
        MonntoValueError
            When the value is NaN (or an array holding NaN), or a numeric
            string cannot be cast to the default's type.
        """
        self.used_attr_keys.add(key)
        if key not in self.init_kwargs:
            if required:
                raise KeyError(f"{self!r}: the keyword argument {key!r} is required")
            return default
        value = self.init_kwargs[key]
        if neurons is not None and not do_not_diversify and _is_init_callable(value):
            make = getattr(neurons, "get_synapse_mat", None) or neurons.get_neuron_vec
            try:
                value = make(value)
            except Exception as err:
                err.add_note(f"while {self!r} read its argument {key}={short_repr(value)} as f(shape, rng), "
                             f"one value per {'synapse' if hasattr(neurons, 'get_synapse_mat') else 'neuron'}")
                raise
            return _refuse_nan(self, key, value, value)
        if (neurons is not None and not do_not_diversify and callable(value)
                and not isinstance(value, (type, Behaviour)) and isinstance(default, (int, float, np.number))):
            # a number is expected per neuron, but this function cannot be called as f(shape, rng)
            raise bad_value(self, f"argument {key}", value,
                            "a number, a distribution string, or a function f(shape, rng) of two arguments",
                            hint=f"{short_repr(value, 60)} does not take (shape, rng)")
        if not isinstance(value, str) or do_not_diversify:
            return _refuse_nan(self, key, value, value)
        text = value.strip()
        if GENE_PATTERN.search(text):
            text = resolve_genes(text)
        if neurons is not None:
            if text.startswith("same(") and text.endswith(")"):
                return self._same(text, neurons, key)
            if "(" in text or text.endswith(";plot"):
                make = getattr(neurons, "get_synapse_mat", None) or neurons.get_neuron_vec
                return _refuse_nan(self, key, value, make(text))
        if default is None or isinstance(default, str):
            return text
        return _refuse_nan(self, key, value, _cast_like(text, default, f"{self!r}: argument {key}"))

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

    def _arguments_text(self) -> str:
        """``k=v`` of the init arguments; long values (arrays) shortened, strings in full."""
        return ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={short_repr(v, 60)}"
                         for k, v in self.init_kwargs.items())

    def __repr__(self) -> str:
        args = self._arguments_text()
        where = ""
        if self.parent is not None:
            where = f" on {self.parent!r}"
        return f"{type(self).__name__}({args}){where}"

    def __str__(self) -> str:
        args = self._arguments_text()
        return f"{type(self).__name__}({args})"


Behavior = Behaviour


def _is_init_callable(value: Any) -> bool:
    """Whether ``value`` is a function ``f(shape, rng)`` (not a class, not a function of other arity)."""
    if not callable(value) or isinstance(value, (type, Behaviour)):
        return False
    try:
        inspect.signature(value).bind(None, None)
    except (TypeError, ValueError):  # not two positional arguments, or no signature (builtins)
        return False
    return True


def _has_nan(value: Any) -> bool:
    """Whether a number or array is or holds NaN (other values: False)."""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (np.ndarray, np.floating, np.complexfloating)):
        return value.dtype.kind in "fc" and bool(np.isnan(value).any())
    dtype = getattr(value, "dtype", None)
    if getattr(dtype, "is_floating_point", False) and hasattr(value, "isnan"):  # a torch tensor
        return bool(value.isnan().any())
    return False


def _refuse_nan(behaviour: Behaviour, key: str, given: Any, value: Any) -> Any:
    """Return ``value`` unless it is or holds NaN (a parameter never means 'not a number')."""
    if _has_nan(value):
        made = "" if value is given else f" (it gave {short_repr(value, 60)})"
        raise bad_value(behaviour, f"argument {key}", given, f"a number, not NaN{made}",
                        hint="Pass a number, a distribution string or a callable f(shape, rng)")
    return value


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
                units = (" (library parameters are plain numbers in SI units: 0.01 for 10 ms, -0.07 for "
                         "-70 mV)") if any(c.isalpha() for c in text) and any(c.isdigit() for c in text) and "(" not in text else ""
                raise MonntoValueError(f"{what}={text!r}: expected a number like the default "
                                       f"{default!r}, or a distribution such as 'normal(0.9, 0.1)'{units}"
                                       ) from None
    return text
