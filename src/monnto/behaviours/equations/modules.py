"""Clock, Variable and Equation behaviours (paper section 4.2, code block 8).

Units and stored values
-----------------------
Equation strings carry physical units (``1*mV``, ``100*ms``, ``: volt``);
they are resolved with :mod:`sympy.physics.units` at initialize.  **Every
value stored on a group is a plain float in SI base units**: ``v`` written
``1*mV`` is stored as ``0.001`` (volt), ``tau = 100*ms`` as ``0.1`` (second),
``dt`` and ``t`` in seconds, currents in ampere, conductances in siemens.
Recorders, the GUI and storage therefore see SI values; divide by the unit to
display (``net['n.v', 0] / 1e-3`` gives mV).  Models written without units
(``dv/dt = (0.04*v**2 + 5*v + 140 - u + I)/ms``) are dimensionless: ``v`` is a
plain number and ``/ms`` means "per millisecond" (the right-hand side is
multiplied by 1000 to be per second).

Timing
------
``Clock`` sets ``parent.dt`` and ``parent.t`` (seconds). In iteration ``k``
(the first is 1) the Clock sets ``t = k*dt`` and an ``Equation`` behind it
integrates its variables from ``t - dt`` to ``t``; so with the paper's keys
(Clock 1, Equation 4, Recorder 9) the recorded pair at iteration ``k`` is
``(k*dt, v(k*dt))``: for ``dv/dt = -v/tau`` with method ``'exact'`` the
recorded ``v`` is exactly ``v0*exp(-k*dt/tau)``.

Compilation
-----------
Each Equation is parsed (:mod:`.parser`), dimension-checked, integrated
symbolically (:mod:`.integrators`) and compiled once, at initialize, into a
Python function of a few numpy expressions that update the group's arrays in
place (:mod:`.codegen`; the source is in ``Equation.code``). ``dt`` is fixed
at initialize.  Variables are read from the group at every step, so other
behaviours may change them (in place or by reassignment).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from monnto.core import Behaviour

from .base import RESERVED, CompiledStep, EquationError, check_number, context_of, registered_dims, string_arg
from .runtime import compile_function

# The parser, unit system and code generator (sympy) are imported where they
# are used, at initialize: importing the behaviours does not load sympy.

__all__ = ["Clock", "Equation", "Variable", "EquationError"]


# ----------------------------------------------------------------------


class Clock(Behaviour):
    """Owns the time of its parent: ``parent.dt`` and ``parent.t`` in seconds.

    Parameters
    ----------
    step : str or float
        Step size, a duration string (``'0.1*ms'``) or seconds. Default ``'1*ms'``.
        It must be finite and > 0; a number of 0.01 or more gives a warning
        (``step=0.1`` is 100 ms: numbers are seconds).

    Notes
    -----
    At initialize ``parent.t = 0.0``; in the ``k``-th step of this Clock
    ``parent.t = k*dt`` (computed, not accumulated, so no rounding drift).
    Attached to the Network it gives every group without its own Clock
    ``t`` and ``dt``. ``time_to_iterations('1000*ms')`` converts a duration
    to a number of steps (used by ``Network.simulate_iterations``).
    """

    def __init__(self, *args, **kwargs):
        if args:
            kwargs.setdefault("step", args[0])
            args = args[1:]
        super().__init__(*args, **kwargs)
        self._dt = None
        self._ticks = [0]  # steps done; a list, cheaper to update than an attribute

    def _context(self):
        return context_of("Clock", "step", self.init_kwargs.get("step", "1*ms"))

    @property
    def dt(self) -> float:
        """The step size in seconds."""
        if self._dt is None:
            step = self.init_kwargs.get("step", "1*ms")
            context = self._context()
            if isinstance(step, (int, float, np.integer, np.floating)) and not isinstance(step, (bool, np.bool_)):
                # seconds; no need to load the unit parser (sympy)
                dt = check_number(context, "step", step)
                if dt >= 0.01:
                    warnings.warn(f"{context}: a number is a step in seconds, so step={step!r} is "
                                  f"{dt * 1e3:g} ms; write step='{dt:g}*ms' if you meant milliseconds",
                                  stacklevel=3)
            else:
                from .eqcache import duration as parse_duration

                dt = parse_duration(step, context)
            if dt <= 0:
                raise EquationError(f"{context}: step must be a finite duration > 0, got {step!r}")
            self._dt = dt
        return self._dt

    #: the generated tick is rebuilt by after_load
    transient_attributes = ("new_iteration",)

    def set_variables(self, parent) -> None:
        self.get_init_attr("step", "1*ms", do_not_diversify=True)
        self._dt = None
        parent.dt = self.dt
        parent.t = 0.0
        self._ticks = [0]
        self._install_tick()

    def _install_tick(self) -> None:
        # generated, so that the network can fuse it with the equations behind it
        source = ("def _tick(_grp):\n"
                  "    _k = _ticks[0] + 1\n"
                  "    _ticks[0] = _k\n"
                  "    _grp.t = _k * _dt\n")
        self.__dict__["new_iteration"] = compile_function(
            source, "_tick", extra_globals={"_ticks": self._ticks, "_dt": self.dt}, label=self._context())

    def after_load(self, parent) -> None:
        """Rebuild the generated tick after ``load_network``."""
        if "_ticks" not in self.__dict__:  # saved by an older monnto, which counted in _k
            self._ticks = [int(self.__dict__.pop("_k", 0))]
        self._install_tick()

    def new_iteration(self, parent) -> None:
        self._ticks[0] += 1
        parent.t = self._ticks[0] * self.dt

    def time_to_iterations(self, duration) -> int:
        """Number of steps in ``duration`` (``'1000*ms'`` or seconds); an int passes through.

        A duration within 1e-6 steps of an integer gives that integer,
        otherwise the number of whole steps (floor).
        """
        if isinstance(duration, (int, np.integer)) and not isinstance(duration, bool):
            if duration < 0:
                raise EquationError(f"{self._context()}.time_to_iterations: duration must be a number of "
                                    f"steps >= 0 or a duration string such as '100*ms', got {duration!r}")
            return int(duration)
        from .eqcache import duration as parse_duration

        seconds = parse_duration(duration, f"{self._context()}.time_to_iterations")
        steps = seconds / self.dt
        nearest = round(steps)
        if abs(steps - nearest) <= 1e-6 * max(1.0, abs(steps)):
            return int(nearest)
        return int(math.floor(steps))


class Variable(Behaviour):
    """Set (and declare the unit of) group variables: ``Variable(eq='v=1*mV')``.

    Parameters
    ----------
    eq : str
        One or more assignments ``name = expression`` (separated by ``;`` or
        new lines). The expression may use units, other variables of the
        group (``'v = El + 2*mV'``), the neuron index ``i`` and the group
        size ``N`` (``'I = i*0.1*nA'``), ``rand()``/``randn()`` and any numpy
        random distribution (``'v = normal(-65, 5)*mV'``: one draw per
        neuron from the network's RNG, through ``get_neuron_vec``; the
        numbers inside the call are in the unit it is multiplied by).

    Notes
    -----
    The result is stored as a float vector of the group's size (a matrix on
    a SynapseGroup), in SI base units, and its dimension is registered so
    that Equations, Thresholds and Resets check their units against it. A
    bare ``0`` declares no unit (the equations decide). Nothing is done per
    step.
    """

    def __init__(self, *args, **kwargs):
        if args:
            kwargs.setdefault("eq", args[0])
            args = args[1:]
        super().__init__(*args, **kwargs)

    def set_variables(self, parent) -> None:
        from .eqcache import cached, names_in, object_signature

        text = string_arg(self, "eq")
        context = context_of("Variable", "eq", text)
        namespace = self.get_init_attr("namespace", None, do_not_diversify=True)
        key = {"eq": text, "namespace": namespace, "parent": object_signature(parent, names_in(text, namespace)),
               "neurons": hasattr(parent, "get_neuron_vec")}
        built = []

        def build() -> list:
            from .parser import parse_statements

            records = []
            for stmt in parse_statements(text, context):
                if stmt.op != "=":
                    raise EquationError(f"{context}: expected 'name = value', got '{stmt.source}'")
                record = self._record(parent, stmt, context)
                _assign_variable(parent, record, context)  # the next statements may read this one
                records.append(record)
            built.append(True)
            return records

        records = cached("variable", key, build, _check_variable_records)
        if not built:  # from the cache: assign in the same order
            for record in records:
                _assign_variable(parent, record, context)

    def _record(self, parent, stmt, context) -> dict:
        """Parse and check one assignment (sympy): what :func:`_assign_variable` computes."""
        from .codegen import print_expr
        from .compiler import converter_for, namespace_constants, sym
        from .dims import dim_to_data
        from .units import DIMENSIONLESS

        name = stmt.target
        if name.startswith("_") or name in RESERVED:
            raise EquationError(f"{context}: '{name}' is a reserved name")
        extra = {}
        if hasattr(parent, "get_neuron_vec"):  # Brian2's neuron index i and group size N
            for short, local in (("i", "_index"), ("N", "_size")):
                if short not in registered_dims(parent) and not hasattr(parent, short):
                    extra[short] = (sym(local), DIMENSIONLESS)
        conv = converter_for(parent, context, extra=extra, random_calls=True,
                             namespace=namespace_constants(self, context))
        typed = conv.convert(stmt.expr)
        if typed.is_bool:
            raise EquationError(f"{context}: '{stmt.expr}' is a condition, not a value")
        names = {s.name for s in typed.expr.free_symbols}
        rand = [[s.name, init] for s, init in conv.random_placeholders if s.name in names]
        record = {"name": name, "expr": print_expr(typed.expr), "rand": rand,
                  "reads": sorted(names - {r[0] for r in rand} - {"_index", "_size"}),
                  "index": "_index" in names, "size": "_size" in names,
                  "dim": None if typed.is_zero_literal else dim_to_data(typed.dim), "constant": None}
        if not names:
            from .parser import constant_value

            record["constant"] = repr(constant_value(typed, f"{context}, '{stmt.source}'", "a value"))
        return record


def _check_variable_records(records) -> None:
    from .dims import dim_from_data
    from .printers import check_expression

    if not isinstance(records, list):
        raise ValueError("expected a list of assignments")
    for record in records:
        for key in ("name", *record["reads"], *(r[0] for r in record["rand"])):
            if not isinstance(key, str) or not key.isidentifier() or key.startswith("__"):
                raise ValueError(f"not an identifier: {key!r}")
        if not all(isinstance(r[1], str) for r in record["rand"]) or not isinstance(record["index"], bool) \
                or not isinstance(record["size"], bool):
            raise ValueError("bad random draws or flags")
        check_expression(record["expr"])
        if record["dim"] is not None:
            dim_from_data(record["dim"])
        if record["constant"] is not None:
            float(record["constant"])


def _assign_variable(parent, record: dict, context: str) -> None:
    """Set ``parent.<name>`` from an assignment record (the same for a new and a cached one)."""
    from .dims import dim_from_data

    make = getattr(parent, "get_neuron_vec", None) or parent.get_synapse_mat
    values = {}
    for name, init in record["rand"]:  # one draw per element and call, in the order they appear
        values[name] = make(init)
    if record["index"]:
        index = make()
        xp = getattr(parent, "xp", np)
        index[...] = xp.asarray(np.arange(parent.size, dtype=float))
        values["_index"] = index
    if record["size"]:
        values["_size"] = float(parent.size)
    for name in record["reads"]:
        values[name] = getattr(parent, name)
    if record["constant"] is not None:
        value = float(record["constant"])
    else:
        args = sorted(values)
        src = f"def _value({', '.join(args)}):\n    return {record['expr']}\n"
        value = compile_function(src, "_value", xp=getattr(parent, "xp", None), label=context)(**values)
    array = make()
    array[...] = value
    setattr(parent, record["name"], array)
    if record["dim"] is not None:
        registered_dims(parent)[record["name"]] = dim_from_data(record["dim"])


class Equation(CompiledStep, Behaviour):
    """Differential equations integrated on the group's arrays, in place.

    Parameters
    ----------
    eq : str
        Brian2-style equations (see :mod:`.parser`), e.g.
        ``'dv/dt=(0*mV-v)/tau'`` or several lines such as
        ``'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)'``.
    method : str
        ``'euler'``, ``'rk2'``, ``'heun'``, ``'rk4'``, ``'exponential_euler'``,
        ``'exact'`` (linear systems) or ``'auto'`` (default: exact if the
        system is linear with constant coefficients, else exponential Euler
        if each equation is linear in its own variable, else rk4; with
        white noise: euler for additive, heun for multiplicative noise).
    namespace : dict, optional
        Constants of the equations, Brian2's namespace:
        ``{'taum': '20*ms', 'gain': 2}`` (a number, or a string with
        units). They are inlined as numbers, so terms made of constants
        (``exp(-dt/taum)``) are computed once instead of per neuron and
        step. A name may not also be a variable of the group. Threshold,
        Reset, Refractory, Variable, OnPre and OnPost take it too.

    Notes
    -----
    The unit of each variable comes from ``: unit`` in the equation, else
    from a Variable that set it, else it is dimensionless. The right-hand
    side of ``dx/dt`` must have the dimension of ``x`` per second; any
    mismatch raises :class:`EquationError` at initialize naming the term and
    both dimensions. A differential equation flagged ``(unless refractory)``
    keeps its variable constant while ``parent.not_refractory`` is False
    (see :class:`~monnto.behaviours.equations.events.Refractory`); other
    variables integrate during the refractory period, as in Brian2.
    The compiled step function is in ``self.code``; ``self.method`` is the
    method actually used.

    On a SynapseGroup the variables are ``(dst.size, src.size)`` matrices,
    one value per synapse (Brian2's clock-driven synaptic equations); they
    can be read and changed by :class:`OnPre` / :class:`OnPost` statements.
    Brian2's ``(event-driven)`` flag is accepted there and means the same
    here: the variable is integrated every step, which for linear equations
    with ``method='exact'`` gives the values Brian2 computes at the events.
    A sub-expression flagged ``(summed)`` whose name ends in ``_post`` (or
    ``_pre``) sets that variable of the destination (source) group to its
    sum over the existing synapses, after the synaptic variables were
    integrated: ``Igap_post = g*(v_pre - v_post) : amp (summed)``
    (Brian2's summed variables; give the Equation a key before the
    neurons' Equation so they use this step's sum).

    White noise, as in Brian2: ``xi`` (or ``xi_<name>``) is a Gaussian
    white-noise term of dimension second**-1/2, e.g.
    ``dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : volt`` (an Ornstein-Uhlenbeck
    process of standard deviation ``sigma``). Additive noise (a factor
    free of the state variables) is integrated with Euler-Maruyama
    (``'euler'``): each step adds ``g*sqrt(dt)*N(0, 1)``. Multiplicative
    noise (``s*X*xi``) needs ``'heun'``, the stochastic Heun scheme, which
    reads the equation in the Stratonovich sense (as Brian2's ``heun``);
    ``'auto'`` picks one of the two. One standard normal number per neuron,
    noise name and step is drawn from the network's seeded generator; one
    name used in several equations is one noise, different names are
    independent.
    """

    def __init__(self, *args, **kwargs):
        if args:
            kwargs.setdefault("eq", args[0])
            args = args[1:]
        super().__init__(*args, **kwargs)
        self.code = None
        self.method = None
        self._step = None

    def set_variables(self, parent) -> None:
        from .emit import METHODS
        from .eqcache import names_in, object_signature

        text = string_arg(self, "eq")
        method = self.get_init_attr("method", "auto", do_not_diversify=True)
        context = context_of("Equation", "eq", text)
        if not isinstance(method, str) or (method != "auto" and method not in METHODS):
            raise EquationError(f"{context}: unknown method {method!r}; expected one of {METHODS} or 'auto'")
        dt = getattr(parent, "dt", None)
        if not isinstance(dt, float):
            raise EquationError(
                f"{context}: {parent!r} has no time step dt; add Clock(step='0.1*ms') to the group "
                "or the network (before the Equation)"
            )
        if not math.isfinite(dt) or dt <= 0:
            raise EquationError(f"{context}: the time step dt of {parent!r} must be a finite duration > 0 s, "
                                f"got {dt!r}; set it with Clock(step='0.1*ms')")
        namespace = self.get_init_attr("namespace", None, do_not_diversify=True)
        names = names_in(text, namespace)
        key = {"eq": text, "method": method, "dt": dt, "namespace": namespace,
               "parent": object_signature(parent, names)}
        if callable(getattr(parent, "matrix_dim", None)):
            key["src"] = object_signature(parent.src, names)
            key["dst"] = object_signature(parent.dst, names)
            key["connected_all"] = _all_connected(parent, "summed" in text)
        program = self._install_program(parent, "equation", key, lambda: self._program(parent, text, method, dt,
                                                                                     context),
                                        context, apply=lambda p: _apply_equation(parent, p, context))
        self.method = program["method"]

    def _program(self, parent, text, method, dt, context) -> dict:
        """Parse, check and integrate (sympy): the Equation's program (see :mod:`.emit`)."""
        from .compiler import compile_equations, namespace_constants
        from .parser import parse_equation_lines
        from .synaptic_compiler import summed_records

        namespace = namespace_constants(self, context)
        lines = parse_equation_lines(text, context)
        summed = [ln for ln in lines if "summed" in ln.flags]
        rest = [ln.source for ln in lines if "summed" not in ln.flags]
        if summed and not callable(getattr(parent, "matrix_dim", None)):
            raise EquationError(f"{context}: '(summed)' in '{summed[0].source}' sums over synapses: "
                                f"it needs a SynapseGroup, {parent!r} is not one")
        if rest or not summed:
            program = compile_equations(parent, "\n".join(rest), method, dt, context, namespace)
        else:  # only summed variables
            program = {"kind": "equation", "method": None, "dt": float(dt), "ensure_params": [],
                       "ensure_states": [], "dims": {}, "warnings": [], "reads": [], "time": False, "t0": False,
                       "noise": [], "freeze": False, "lets": [], "writes": [], "summed": []}
        if summed:
            program["summed"] = summed_records(parent, summed, context, namespace)
        return program

    def _extra_globals(self, parent) -> dict:
        return noise_globals(self, parent)


def noise_globals(behaviour, parent) -> dict:
    """Globals of generated code with random terms: the counter-based draws (:mod:`.noise`), the
    behaviour's stream key, the shape of one draw, and the move to the group's backend and device."""
    from monnto.targets.random_streams import behaviour_stream_key

    from .base import state_shape
    from .noise import normal, uniform

    backend = getattr(getattr(parent, "network", None), "array_backend", None)
    net = getattr(parent, "network", None)
    key = behaviour_stream_key(behaviour, parent) if net is not None else np.uint64(0)
    return {"_from_numpy": backend.from_numpy if backend is not None else np.asarray, "_normal": normal,
            "_uniform": uniform, "_key": key, "_shape": state_shape(parent), "_start": _global_start(parent)}


def _global_start(parent) -> int:
    """The global number of the group's first neuron (0 unless the group is one rank's part of a split group)."""
    start = getattr(parent, "global_start", 0) if not callable(getattr(parent, "matrix_dim", None)) else 0
    return int(start) if isinstance(start, (int, np.integer)) else 0


def _all_connected(syn, make: bool = True) -> bool | None:
    """Whether every synapse of ``syn`` exists (None when unknown); ``make``: make ``syn.connected``
    from the nonzero weights when it is absent (as the statements will)."""
    from .synaptic_program import connection_mask

    if make and getattr(syn, "connected", None) is None and getattr(syn, "W", None) is not None:
        connection_mask(syn)
    connected = getattr(syn, "connected", None)
    if connected is None or not hasattr(connected, "all"):
        return None
    return bool(connected.all())


def _apply_equation(parent, program: dict, context: str) -> None:
    """The changes an Equation's program makes to its group: arrays, registered dimensions, warnings."""
    from .base import bool_vector, ensure_vector
    from .dims import dim_from_data
    from .synaptic_program import connection_mask

    for name in program["ensure_params"]:
        ensure_vector(parent, name, context)
    dims = registered_dims(parent)
    for name, data in program["dims"].items():
        dims[name] = dim_from_data(data)
    for name in program["ensure_states"]:
        ensure_vector(parent, name, context)
    if program["freeze"] and not hasattr(parent, "not_refractory"):
        parent.not_refractory = bool_vector(parent, True)
    if program.get("summed"):
        connection_mask(parent)
    for message in program["warnings"]:
        warnings.warn(message, stacklevel=5)

