"""Light helpers of the equation behaviours (numpy only, no sympy).

The behaviours import these at import time; the parsing, unit checking and
code generation (sympy) are imported when a behaviour is initialized, so
``from monnto import *`` does not load sympy.
"""

from __future__ import annotations

import copy

import numpy as np

from ...core.errors import MonntoValueError, short_repr
from .runtime import compile_function

__all__ = [
    "RESERVED",
    "CompiledStep",
    "EquationError",
    "bool_vector",
    "check_number",
    "context_of",
    "ensure_vector",
    "is_float_array",
    "is_state_array",
    "new_state",
    "read_lines",
    "registered_dims",
    "state_shape",
    "string_arg",
    "value_text",
]


class EquationError(MonntoValueError):
    """An equation, condition or statement string is not valid."""


def value_text(value, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages."""
    return short_repr(value, limit)


def context_of(kind: str, argument: str, value, limit: int = 200) -> str:
    """How errors name a behaviour and the argument holding the bad value: ``Threshold(condition='v > 1')``.

    A long value is cut to ``limit`` characters (its start stays readable).
    """
    text = repr(value) if isinstance(value, str) else short_repr(value, limit)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{kind}({argument}={text})"


def check_number(context: str, argument: str, value, *, finite: bool = True, low=None, high=None) -> float:
    """``value`` as a float, refusing NaN (and infinity, unless ``finite`` is False) and values out of range.

    Parameters
    ----------
    context : str
        The behaviour, named as in :func:`context_of`.
    argument : str
        The argument holding ``value`` (``'p'``, ``'w'``, ``'step'``).
    value : float
        The number received.
    finite : bool
        Refuse infinities too (default).
    low, high : float, optional
        Inclusive bounds.
    """
    if low is not None and high is not None:
        bounds = f" in [{low}, {high}]"
    elif low is not None:
        bounds = f" >= {low}"
    else:
        bounds = f" <= {high}" if high is not None else ""
    expected = ("a finite number" if finite else "a number") + bounds
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise EquationError(f"{context}: {argument} must be {expected}, got {value_text(value)}") from None
    if number != number or (finite and number in (float("inf"), float("-inf"))) \
            or (low is not None and number < low) or (high is not None and number > high):
        raise EquationError(f"{context}: {argument} must be {expected}, got {value_text(value)}")
    return number


_DIMS_ATTR = "_equation_dims"
RESERVED = {"numpy", "_grp", "t", "dt"}


def registered_dims(obj) -> dict:
    """``{variable name: Dim}`` declared on ``obj`` by Variables and Equations."""
    d = obj.__dict__.get(_DIMS_ATTR)
    if d is None:
        d = {}
        obj.__dict__[_DIMS_ATTR] = d
    return d


def is_state_array(value, size) -> bool:
    """True for a per-element array (first axis ``size``)."""
    shape = getattr(value, "shape", None)
    return shape is not None and len(shape) >= 1 and shape[0] == size


def is_float_array(value) -> bool:
    """True for a floating-point numpy array or torch tensor."""
    is_fp = getattr(value, "is_floating_point", None)
    if callable(is_fp):
        return bool(is_fp())
    return np.issubdtype(value.dtype, np.floating)


def bool_vector(parent, fill: bool):
    """A bool vector of the group's size in the group's array type."""
    vec = parent.get_neuron_vec()
    return vec == 0 if fill else vec != 0


def state_shape(parent) -> tuple:
    """Shape of one state variable: ``(size,)`` on a NeuronGroup, ``(D, S)`` on a SynapseGroup."""
    matrix_dim = getattr(parent, "matrix_dim", None)
    return tuple(matrix_dim()) if callable(matrix_dim) else (parent.size,)


def new_state(parent):
    """A zero state variable of ``parent`` (a vector, or a dense matrix on a SynapseGroup)."""
    if callable(getattr(parent, "matrix_dim", None)):
        return parent.get_synapse_mat("zeros", sparse=False)
    return parent.get_neuron_vec()


def ensure_vector(parent, name: str, context: str):
    """Make ``parent.name`` a float state variable of the group (zeros if absent)."""
    value = getattr(parent, name, None)
    shape = state_shape(parent)
    if tuple(getattr(value, "shape", ())) == shape:
        if not is_float_array(value):
            vec = new_state(parent)
            vec[...] = value
            setattr(parent, name, vec)
        return
    if value is not None and not isinstance(value, (int, float, np.integer, np.floating)):
        raise EquationError(
            f"{context}: {parent!r}.{name} must be a number or an array of shape {shape}, got {value!r}"
        )
    vec = new_state(parent)
    if value is not None:
        vec[...] = value
    setattr(parent, name, vec)


def read_lines(names, target="_grp", indent="    ") -> list:
    """Code lines reading each variable from the group."""
    return [f"{indent}{n} = {target}.{n}" for n in sorted(names)]


def string_arg(self, key, default=None, positional=0):
    value = self.get_init_attr(key, None, do_not_diversify=True)
    if value is None:
        value = self.init_kwargs.get(f"arg_{positional}", default)
    return value


class CompiledStep:
    """Mixin: a behaviour whose per-step work is a generated function ``_step``.

    The step's program (plain data, :mod:`.emit`) is kept in
    ``self.program`` and its numpy source in ``self.code``. Neither the source nor the compiled
    function is saved by ``save_network``: ``load_network`` runs the init
    method again, which regenerates the source from the behaviour's
    equation strings through the parser (stored code is never executed),
    and ``after_load`` compiles it once the saved state is back.
    """

    transient_attributes = ("_step", "new_iteration", "code", "program")
    #: load_network regenerates this behaviour's code by running its init method again
    regenerate_on_load = True
    _step_globals: dict = {}

    def _install_program(self, parent, kind: str, key: dict, build, label: str, apply=None) -> dict:
        """Get the program of ``key`` (equation cache, else ``build()``) and install its numpy step.

        ``apply(program)`` makes the program's changes to the group (arrays,
        registered dimensions) before the step is installed; it runs for a
        cached program as for a new one. The program is kept in
        ``self.program`` (the numba target renders it again, as a loop); see
        :mod:`.emit` and :mod:`.eqcache`.
        """
        from .emit import check_program, numpy_source
        from .eqcache import cached

        program = copy.deepcopy(cached(kind, key, build, check_program))  # the cached one stays unchanged
        if apply is not None:
            apply(program)
        self.program = program
        self._install(parent, numpy_source(program), label)
        return program

    def _install(self, parent, source: str, label: str) -> None:
        self.code = source
        extra = dict(self._step_globals)
        extra.update(self._extra_globals(parent))
        self._step = compile_function(source, "_step", xp=getattr(parent, "xp", None),
                                      extra_globals=extra, label=label)
        if type(self).new_iteration is CompiledStep.new_iteration:
            # the network's step list calls the generated function directly
            # (one Python call per step instead of two); subclasses that
            # override new_iteration keep their method
            self.__dict__["new_iteration"] = self._step

    def _extra_globals(self, parent) -> dict:
        """Names the generated code needs besides ``numpy`` (subclasses add theirs)."""
        return {}

    def after_load(self, parent) -> None:
        """Recompile ``self.code`` after ``load_network``."""
        if getattr(self, "code", None):
            self._install(parent, self.code, f"{type(self).__name__} (loaded)")

    def new_iteration(self, parent) -> None:
        self._step(parent)
