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
        from .eqcache import names_in, object_signature

        text = string_arg(self, "condition")
        context = context_of("Threshold", "condition", text)
        if not isinstance(text, str):
            raise EquationError(f"{context}: expected a condition string such as 'v > -50*mV'")
        namespace = self.get_init_attr("namespace", None, do_not_diversify=True)
        key = {"condition": text, "namespace": namespace, "dt": getattr(parent, "dt", None),
               "parent": object_signature(parent, names_in(text, namespace))}
        self._install_program(parent, "threshold", key, lambda: self._program(parent, text, context), context)
        if not is_state_array(getattr(parent, "spike", None), parent.size):
            parent.spike = bool_vector(parent, False)

    def _program(self, parent, text: str, context: str) -> dict:
        """Parse and check the condition (sympy): the Threshold's program (see :mod:`.emit`)."""
        from .codegen import print_expr
        from .compiler import converter_for, namespace_constants

        conv = converter_for(parent, context, random_calls=True, namespace=namespace_constants(self, context))
        typed = conv.convert(text)
        if not typed.is_bool:
            raise EquationError(f"{context}: '{text}' is not a condition (use a comparison such as 'v > -50*mV')")
        randoms = dict(conv.random_placeholders)
        for init in randoms.values():
            if init != "uniform(0, 1)":
                raise EquationError(f"{context}: only rand() is supported in a condition, not '{init}'")
        names = {s.name for s in typed.expr.free_symbols} - {s.name for s in randoms}
        return {"kind": "threshold", "reads": sorted(names), "rand": [s.name for s in sorted(randoms, key=str)],
                "cond": print_expr(typed.expr)}

    def _extra_globals(self, parent) -> dict:
        from .modules import noise_globals

        return noise_globals(self, parent)


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
        from .dims import TIME
        from .eqcache import cached, duration, names_in, object_signature
        from .printers import check_expression

        text = string_arg(self, "duration")
        context = context_of("Refractory", "duration", text)
        namespace = self.get_init_attr("namespace", None, do_not_diversify=True)
        if isinstance(text, str) and ("(" in text or namespace):
            def check(value):
                check_expression(value["expr"])
                for name, init in value["rand"]:
                    if not (isinstance(name, str) and name.isidentifier() and isinstance(init, str)):
                        raise ValueError(f"bad random placeholder {[name, init]!r}")

            key = {"duration": text, "namespace": namespace,
                   "parent": object_signature(parent, names_in(text, namespace))}
            value = cached("refractory", key, lambda: self._program(parent, text, context), check)
            # one draw per neuron and random call, in the order they appear (the network's generator)
            values = {name: parent.get_neuron_vec(init) for name, init in value["rand"]}
            src = f"def _value({', '.join(sorted(values))}):\n    return {value['expr']}\n"
            refractory = compile_function(src, "_value", xp=getattr(parent, "xp", None), label=context)(**values)
        else:
            refractory = duration(text, context)
        parent.refractory = refractory
        ensure_vector(parent, "lastspike", context)
        parent.lastspike[...] = -np.inf
        parent.not_refractory = bool_vector(parent, True)
        registered_dims(parent)["lastspike"] = TIME

    def _program(self, parent, text: str, context: str) -> dict:
        """Parse and check a duration with random draws or namespace constants (sympy)."""
        from .codegen import print_expr
        from .compiler import converter_for, namespace_constants
        from .units import TIME

        conv = converter_for(parent, context, random_calls=True, namespace=namespace_constants(self, context))
        typed = conv.convert(text)
        if typed.dim != TIME:
            raise EquationError(f"{context}: '{text}' is {typed.dim}, expected a duration (second)")
        if not conv.random_placeholders and not typed.expr.is_number:
            raise EquationError(f"{context}: '{text}' must be a duration, from constants and random "
                                "draws only")
        return {"expr": print_expr(typed.expr), "rand": [[s.name, init] for s, init in conv.random_placeholders]}


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
        from .eqcache import names_in, object_signature

        text = string_arg(self, "statements")
        context = context_of("Reset", "statements", text)
        namespace = self.get_init_attr("namespace", None, do_not_diversify=True)
        key = {"statements": text, "namespace": namespace, "dt": getattr(parent, "dt", None),
               "parent": object_signature(parent, names_in(text, namespace))}
        self._install_program(parent, "reset", key, lambda: self._program(parent, text, context), context)

    def _program(self, parent, text, context: str) -> dict:
        """Parse and check the statements (sympy): the Reset's program (see :mod:`.emit`)."""
        from .compiler import namespace_constants, reset_program

        return reset_program(parent, text, context, namespace=namespace_constants(self, context))
