"""Event behaviours: Threshold, Reset and Refractory (OnPre/OnPost: :mod:`.synaptic`).

With these, a Brian2 network such as the Vogels-Abbott CUBA benchmark is
written without custom Python (see ``tests/behaviours/equations``).

Order within a step (recommended keys, as Brian2 does it): Clock (1),
Variables (2-3), Equation (4), Threshold (5), OnPre/OnPost on SynapseGroups
(6), Reset (7), Recorders (9).

Refractoriness (precise definition)
-----------------------------------
``Refractory('5*ms')`` gives the group ``refractory`` (s), ``lastspike``
(s, ``-inf`` before the first spike) and ``not_refractory`` (bool). A neuron
that spikes in the step ending at time ``t_s`` is refractory in every later
step whose end time ``t`` satisfies ``t - t_s < refractory`` (compared in
whole steps, with half a step of tolerance): with ``dt = 0.1 ms`` and 5 ms,
after a spike in iteration ``k`` the iterations ``k+1 ... k+49`` are
refractory and ``k+50`` is not. While refractory a neuron cannot spike
(Threshold ignores it) and the variables of differential equations flagged
``(unless refractory)`` are not integrated (they keep the value the Reset
gave them); other variables integrate normally. This is Brian2's rule, with
Brian2's spike time ``t_s - dt`` (Brian2 labels a step by its start).
Threshold computes ``not_refractory`` for the next step right after the
spikes of this one, so the key of Refractory does not matter.
"""

from __future__ import annotations

import numpy as np

from monnto.core import Behaviour

from .base import (
    CompiledStep,
    EquationError,
    bool_vector,
    context_of,
    ensure_vector,
    is_state_array,
    registered_dims,
    string_arg,
)
from .runtime import compile_function

# The parser, units and code generator (sympy) are imported at initialize.

__all__ = ["Refractory", "Reset", "Threshold"]


def _positional(kwargs, args, key):
    if args:
        kwargs.setdefault(key, args[0])
        args = args[1:]
    return args, kwargs


class Threshold(CompiledStep, Behaviour):
    """``parent.spike = condition`` (bool vector), e.g. ``Threshold('v > -50*mV')``.

    Parameters
    ----------
    condition : str
        A comparison (or several joined by ``and``/``or``/``&``/``|``) of
        group variables, with units; ``rand()`` draws one uniform number
        per neuron and step from the network's RNG, so
        ``Threshold('rand() < 10*Hz*dt')`` makes a Poisson group.

    Notes
    -----
    ``parent.spike`` is a bool vector updated in place each step. Neurons
    with ``parent.not_refractory`` False (see :class:`Refractory`) do not
    spike; for the others ``lastspike`` is set to ``t`` when they spike.
    """

    def __init__(self, *args, **kwargs):
        args, kwargs = _positional(kwargs, args, "condition")
        super().__init__(*args, **kwargs)
        self.code = None
        self._step = None

    def set_variables(self, parent) -> None:
        from .codegen import print_expr
        from .compiler import converter_for, namespace_constants

        text = string_arg(self, "condition")
        context = context_of("Threshold", "condition", text)
        if not isinstance(text, str):
            raise EquationError(f"{context}: expected a condition string such as 'v > -50*mV'")
        conv = converter_for(parent, context, random_calls=True, namespace=namespace_constants(self, context))
        typed = conv.convert(text)
        if not typed.is_bool:
            raise EquationError(f"{context}: '{text}' is not a condition (use a comparison such as 'v > -50*mV')")
        randoms = dict(conv.random_placeholders)
        for init in randoms.values():
            if init != "uniform(0, 1)":
                raise EquationError(f"{context}: only rand() is supported in a condition, not '{init}'")
        names = {s.name for s in typed.expr.free_symbols} - {s.name for s in randoms}
        lines = ["def _step(_grp):"]
        lines += [f"    {n} = _grp.{n}" for n in sorted(names)]
        lines += [f"    {s.name} = _from_numpy(_grp.network.rng.random(_grp.size))"
                  for s in sorted(randoms, key=str)]
        lines += [
            "    _spk = _grp.spike",
            f"    _spk[...] = {print_expr(typed.expr)}",
            "    _ref = _grp.__dict__.get('refractory')",
            "    if _ref is not None:",
            "        _nr = _grp.not_refractory",
            "        _spk &= _nr",
            "        _t = _grp.t",
            "        _ls = _grp.lastspike",
            "        _ls[_spk] = _t",
            "        _dt = _grp.dt",
            "        _nr[...] = numpy.greater(_t + _dt - _ls, _ref - 0.5 * _dt)",
        ]
        self._install(parent, "\n".join(lines) + "\n", context)
        if not is_state_array(getattr(parent, "spike", None), parent.size):
            parent.spike = bool_vector(parent, False)

    def _extra_globals(self, parent) -> dict:
        # rand(): the network's numpy draws, moved to the group's backend and device
        backend = getattr(getattr(parent, "network", None), "array_backend", None)
        return {"_from_numpy": backend.from_numpy if backend is not None else np.asarray}


class Refractory(Behaviour):
    """Refractory period, e.g. ``Refractory('5*ms')`` (see the module docstring).

    Parameters
    ----------
    duration : str or float
        Duration (``'5*ms'``, or seconds); a distribution string such as
        ``'uniform(2,5)*ms'`` gives each neuron its own period.
    """

    def __init__(self, *args, **kwargs):
        args, kwargs = _positional(kwargs, args, "duration")
        super().__init__(*args, **kwargs)

    def set_variables(self, parent) -> None:
        from .codegen import print_expr
        from .compiler import converter_for, namespace_constants
        from .parser import parse_duration
        from .units import TIME

        text = string_arg(self, "duration")
        context = context_of("Refractory", "duration", text)
        namespace = namespace_constants(self, context)
        if isinstance(text, str) and ("(" in text or namespace):
            conv = converter_for(parent, context, random_calls=True, namespace=namespace)
            typed = conv.convert(text)
            if typed.dim != TIME:
                raise EquationError(f"{context}: '{text}' is {typed.dim}, expected a duration (second)")
            values = {s.name: parent.get_neuron_vec(init) for s, init in conv.random_placeholders}
            if not values and not typed.expr.is_number:
                raise EquationError(f"{context}: '{text}' must be a duration, from constants and random "
                                    "draws only")
            src = f"def _value({', '.join(sorted(values))}):\n    return {print_expr(typed.expr)}\n"
            refractory = compile_function(src, "_value", xp=getattr(parent, "xp", None), label=context)(**values)
        else:
            refractory = parse_duration(text, context)
        parent.refractory = refractory
        ensure_vector(parent, "lastspike", context)
        parent.lastspike[...] = -np.inf
        parent.not_refractory = bool_vector(parent, True)
        registered_dims(parent)["lastspike"] = TIME


class Reset(CompiledStep, Behaviour):
    """Statements applied to the neurons that spiked this step.

    Example: ``Reset('v = -60*mV; w += 1*nA')``. Statements run in order
    (``=``, ``+=``, ``-=``, ``*=``, ``/=``); right-hand sides may use group
    variables (read for the spiking neurons) and units. Reads
    ``parent.spike`` (set by :class:`Threshold`).
    """

    def __init__(self, *args, **kwargs):
        args, kwargs = _positional(kwargs, args, "statements")
        super().__init__(*args, **kwargs)
        self.code = None
        self._step = None

    def set_variables(self, parent) -> None:
        from .compiler import namespace_constants, statement_code

        text = string_arg(self, "statements")
        context = context_of("Reset", "statements", text)
        lines = [
            "def _step(_grp):",
            "    _spk = _grp.spike",
            "    if _spk.any():",  # no early return: the network may fuse this step with others
            "        _i = numpy.nonzero(_spk)[0]",
        ]
        lines += ["    " + line for line in statement_code(parent, text, context,
                                                         namespace=namespace_constants(self, context))]
        self._install(parent, "\n".join(lines) + "\n", context)
