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
import sympy

from monnto.core import Behaviour

from .codegen import compile_function, cse_lines, print_expr
from .integrators import METHODS, NotApplicable, integrate
from .parser import (
    EquationError,
    ExpressionConverter,
    parse_duration,
    parse_equation_lines,
    parse_statements,
    parse_unit,
)
from .units import DIMENSIONLESS, TIME

__all__ = ["Clock", "Equation", "Variable", "EquationError"]

_DIMS_ATTR = "_equation_dims"
_RESERVED = {"numpy", "_grp", "t", "dt"}


# ----------------------------------------------------------------------
# helpers shared with events.py


def registered_dims(obj) -> dict:
    """``{variable name: Dim}`` declared on ``obj`` by Variables and Equations."""
    d = obj.__dict__.get(_DIMS_ATTR)
    if d is None:
        d = {}
        obj.__dict__[_DIMS_ATTR] = d
    return d


def sym(name: str) -> sympy.Symbol:
    """The sympy symbol used for variable ``name``."""
    return sympy.Symbol(name, real=True)


def is_state_array(value, size) -> bool:
    """True for a per-element array (first axis ``size``)."""
    shape = getattr(value, "shape", None)
    return shape is not None and len(shape) >= 1 and shape[0] == size


def group_fallback(parent):
    """Name resolver for plain (unit-less) attributes of ``parent``: dimensionless."""

    def resolve(name):
        if name.startswith("_") or name in _RESERVED:
            return None
        try:
            value = getattr(parent, name)
        except AttributeError:
            return None
        if isinstance(value, (bool, np.bool_)):
            return None
        if isinstance(value, (int, float, np.integer, np.floating)) or hasattr(value, "shape"):
            return sym(name), DIMENSIONLESS
        return None

    return resolve


def converter_for(parent, context: str, extra: dict | None = None, **kw) -> ExpressionConverter:
    """An ExpressionConverter seeing ``parent``'s registered variables and ``t``."""
    variables = {name: (sym(name), dim) for name, dim in registered_dims(parent).items()}
    variables["t"] = (sym("t"), TIME)
    if extra:
        variables.update(extra)
    constants = {}
    dt = getattr(parent, "dt", None)
    if isinstance(dt, float):
        constants["dt"] = (dt, TIME)
    return ExpressionConverter(variables, context, constants=constants, fallback=group_fallback(parent), **kw)


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


def ensure_vector(parent, name: str, context: str):
    """Make ``parent.name`` a float vector of the group's size (zeros if absent)."""
    value = getattr(parent, name, None)
    size = parent.size
    if is_state_array(value, size):
        if not is_float_array(value):
            vec = parent.get_neuron_vec()
            vec[...] = value
            setattr(parent, name, vec)
        return
    if value is not None and not isinstance(value, (int, float, np.integer, np.floating)):
        raise EquationError(
            f"{context}: {parent!r}.{name} must be a number or an array of shape ({size},), got {value!r}"
        )
    vec = parent.get_neuron_vec()
    if value is not None:
        vec[...] = value
    setattr(parent, name, vec)


def read_lines(names, target="_grp", indent="    ") -> list:
    """Code lines reading each variable from the group."""
    return [f"{indent}{n} = {target}.{n}" for n in sorted(names)]


def _string_arg(self, key, default=None, positional=0):
    value = self.get_init_attr(key, None, do_not_diversify=True)
    if value is None:
        value = self.init_kwargs.get(f"arg_{positional}", default)
    return value


class CompiledStep:
    """Mixin: a behaviour whose per-step work is a generated function ``_step``.

    The source is kept in ``self.code``; the compiled function is not saved
    by ``save_network`` and is recompiled by ``after_load``.
    """

    transient_attributes = ("_step", "new_iteration")
    _step_globals: dict = {}

    def _install(self, parent, source: str, label: str) -> None:
        self.code = source
        self._step = compile_function(source, "_step", xp=getattr(parent, "xp", None),
                                      extra_globals=self._step_globals, label=label)
        if type(self).new_iteration is CompiledStep.new_iteration:
            # the network's step list calls the generated function directly
            # (one Python call per step instead of two); subclasses that
            # override new_iteration keep their method
            self.__dict__["new_iteration"] = self._step

    def after_load(self, parent) -> None:
        """Recompile ``self.code`` after ``load_network``."""
        if getattr(self, "code", None):
            self._install(parent, self.code, f"{type(self).__name__} (loaded)")

    def new_iteration(self, parent) -> None:
        self._step(parent)


# ----------------------------------------------------------------------


class Clock(Behaviour):
    """Owns the time of its parent: ``parent.dt`` and ``parent.t`` in seconds.

    Parameters
    ----------
    step : str or float
        Step size, a duration string (``'0.1*ms'``) or seconds. Default ``'1*ms'``.

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
        self._k = 0

    def _context(self):
        return f"Clock(step={self.init_kwargs.get('step', '1*ms')!r})"

    @property
    def dt(self) -> float:
        """The step size in seconds."""
        if self._dt is None:
            self._dt = parse_duration(self.init_kwargs.get("step", "1*ms"), self._context())
            if self._dt <= 0:
                raise EquationError(f"{self._context()}: the step must be > 0")
        return self._dt

    def set_variables(self, parent) -> None:
        self.get_init_attr("step", "1*ms", do_not_diversify=True)
        self._dt = None
        parent.dt = self.dt
        parent.t = 0.0
        self._k = 0

    def new_iteration(self, parent) -> None:
        self._k += 1
        parent.t = self._k * self._dt

    def time_to_iterations(self, duration) -> int:
        """Number of steps in ``duration`` (``'1000*ms'`` or seconds); an int passes through.

        A duration within 1e-6 steps of an integer gives that integer,
        otherwise the number of whole steps (floor).
        """
        if isinstance(duration, (int, np.integer)) and not isinstance(duration, bool):
            return int(duration)
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
        text = _string_arg(self, "eq")
        context = f"Variable(eq={text!r})"
        for stmt in parse_statements(text, context):
            if stmt.op != "=":
                raise EquationError(f"{context}: expected 'name = value', got '{stmt.source}'")
            self._assign(parent, stmt, context)

    def _assign(self, parent, stmt, context) -> None:
        name = stmt.target
        if name.startswith("_") or name in _RESERVED:
            raise EquationError(f"{context}: '{name}' is a reserved name")
        extra = {}
        if hasattr(parent, "get_neuron_vec"):  # Brian2's neuron index i and group size N
            for short, local in (("i", "_index"), ("N", "_size")):
                if short not in registered_dims(parent) and not hasattr(parent, short):
                    extra[short] = (sym(local), DIMENSIONLESS)
        conv = converter_for(parent, context, extra=extra, random_calls=True)
        typed = conv.convert(stmt.expr)
        if typed.is_bool:
            raise EquationError(f"{context}: '{stmt.expr}' is a condition, not a value")
        placeholders = dict(conv.random_placeholders)
        values = {}
        make = getattr(parent, "get_neuron_vec", None) or parent.get_synapse_mat
        for s in typed.expr.free_symbols:
            if s in placeholders:
                values[s.name] = make(placeholders[s])
            elif s.name == "_index":
                index = make()
                xp = getattr(parent, "xp", np)
                index[...] = xp.asarray(np.arange(parent.size, dtype=float))
                values[s.name] = index
            elif s.name == "_size":
                values[s.name] = float(parent.size)
            else:
                values[s.name] = getattr(parent, s.name)
        if values:
            args = sorted(values)
            src = f"def _value({', '.join(args)}):\n    return {print_expr(typed.expr)}\n"
            value = compile_function(src, "_value", xp=getattr(parent, "xp", None), label=context)(**values)
        else:
            value = float(typed.expr)
        array = make()
        array[...] = value
        setattr(parent, name, array)
        if not typed.is_zero_literal:
            registered_dims(parent)[name] = typed.dim


class Equation(CompiledStep, Behaviour):
    """Differential equations integrated on the group's arrays, in place.

    Parameters
    ----------
    eq : str
        Brian2-style equations (see :mod:`.parser`), e.g.
        ``'dv/dt=(0*mV-v)/tau'`` or several lines such as
        ``'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)'``.
    method : str
        ``'euler'``, ``'rk2'``, ``'rk4'``, ``'exponential_euler'``,
        ``'exact'`` (linear systems) or ``'auto'`` (default: exact if the
        system is linear with constant coefficients, else exponential Euler
        if each equation is linear in its own variable, else rk4).

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
        text = _string_arg(self, "eq")
        method = self.get_init_attr("method", "auto", do_not_diversify=True)
        context = f"Equation(eq={text!r})"
        if method != "auto" and method not in METHODS:
            raise EquationError(f"{context}: unknown method {method!r}; expected one of {METHODS} or 'auto'")
        dt = getattr(parent, "dt", None)
        if not isinstance(dt, float):
            raise EquationError(
                f"{context}: {parent!r} has no time step dt; add Clock(step='0.1*ms') to the group "
                "or the network (before the Equation)"
            )
        source, self.method = compile_equations(parent, text, method, dt, context)
        self._install(parent, source, context)


def compile_equations(parent, text: str, method: str, dt: float, context: str):
    """Parse, check and integrate ``text``; return ``(source, method_used)``."""
    lines = parse_equation_lines(text, context)
    dims = registered_dims(parent)
    declared = {}
    for ln in lines:
        if ln.name.startswith("_") or ln.name in _RESERVED:
            raise EquationError(f"{context}: '{ln.name}' is a reserved name (line '{ln.source}')")
        if ln.unit is not None:
            _, dim = parse_unit(ln.unit, f"{context}, line '{ln.source}'")
            old = dims.get(ln.name)
            if old is not None and old != dim:
                raise EquationError(
                    f"{context}: line '{ln.source}' declares {ln.name} as {dim}, "
                    f"but a Variable set it as {old}"
                )
            declared[ln.name] = dim
    for ln in lines:
        if ln.kind == "diff" and ln.name not in declared:
            declared[ln.name] = dims.get(ln.name, DIMENSIONLESS)
        if ln.kind == "param":
            ensure_vector(parent, ln.name, context)
    for ln in lines:
        if ln.kind != "sub":
            dims[ln.name] = declared[ln.name]

    subs_lines = {ln.name: ln for ln in lines if ln.kind == "sub"}
    subs_done: dict = {}
    pending: list = []
    variables = {ln.name: (sym(ln.name), declared[ln.name]) for ln in lines if ln.kind != "sub"}

    conv = converter_for(parent, context, extra=variables)
    base_fallback = conv.fallback

    def fallback(name):
        if name in subs_lines:
            if name in pending:
                raise EquationError(f"{context}: sub-expressions {pending} depend on each other in a cycle")
            if name not in subs_done:
                pending.append(name)
                ln = subs_lines[name]
                typed = conv.convert(ln.expr)
                pending.remove(name)
                if ln.unit is not None and typed.dim != declared[name] and not typed.is_zero_literal:
                    raise EquationError(
                        f"{context}: line '{ln.source}': the expression is {typed.dim} "
                        f"but the declared unit is {declared[name]}"
                    )
                subs_done[name] = typed
            return subs_done[name].expr, subs_done[name].dim
        return base_fallback(name)

    conv.fallback = fallback
    for name in subs_lines:
        fallback(name)

    t_sym, t0_sym, nr_sym = sym("t"), sym("_t0"), sym("_nr")
    rhs, freeze = {}, {}
    for ln in lines:
        if ln.kind != "diff":
            continue
        x = sym(ln.name)
        typed = conv.convert(ln.expr)
        if typed.is_bool:
            raise EquationError(f"{context}: the right-hand side of '{ln.source}' is a condition")
        want = declared[ln.name] / TIME
        if typed.dim != want and not typed.is_zero_literal:
            raise EquationError(
                f"{context}: inconsistent dimensions in '{ln.source}': the right-hand side "
                f"'{ln.expr}' is {typed.dim}, but d{ln.name}/dt must be {want} "
                f"({ln.name} is {declared[ln.name]})"
            )
        rhs[x] = typed.expr
        if "unless refractory" in ln.flags:
            freeze[x] = nr_sym
        ensure_vector(parent, ln.name, context)

    if not rhs:
        raise EquationError(f"{context}: no differential equation ('dx/dt = ...') found")

    try:
        scheme = integrate(rhs, method, sympy.Float(dt), t=t_sym, t0=t0_sym,
                           freeze=freeze if method != "exact" else {})
    except NotApplicable as exc:
        raise EquationError(f"{context}: method {method!r} cannot integrate these equations: {exc}") from None
    # explicit methods multiply frozen right-hand sides by _nr; 'exact' masks
    # the new values with numpy.where instead
    mask_where = freeze if scheme.method == "exact" else {}

    states = list(rhs)
    body = []
    for i, group in enumerate(scheme.stages):
        body += cse_lines([(s.name, e) for s, e in group], prefix=f"_s{i}_")
    upd_names = {x: f"_u_{x.name}" for x in states}
    updates = dict(scheme.updates)
    scaled = set()  # exact updates of the form x_new = c*x become x *= c
    if not scheme.increment:
        for x in states:
            factor = updates[x] / x
            if x not in mask_where and not (factor.free_symbols & set(states)):
                updates[x] = factor
                scaled.add(x)
    body += cse_lines([(upd_names[x], updates[x]) for x in states], prefix="_x")
    for x in states:
        u = upd_names[x]
        if scheme.increment:
            body.append(f"    {x.name} += {u}")
        elif x in scaled:
            body.append(f"    {x.name} *= {u}")
        elif x in mask_where:
            body.append(f"    {x.name}[...] = numpy.where(_nr, {u}, {x.name})")
        else:
            body.append(f"    {x.name}[...] = {u}")

    used = set()
    for group in scheme.stages:
        for _, e in group:
            used |= e.free_symbols
    for e in scheme.updates.values():
        used |= e.free_symbols
    used = {s.name for s in used} | {x.name for x in states}
    internal = {n for n in used if n.startswith("_")}
    head = ["def _step(_grp):"]
    head += read_lines(used - internal - {"t"})
    if "t" in used:
        head.append("    t = _grp.t")
    if "_t0" in used:
        head.append(f"    _t0 = _grp.t - {dt!r}")
    if freeze:
        head.append("    _nr = _grp.not_refractory")
        if not hasattr(parent, "not_refractory"):
            parent.not_refractory = bool_vector(parent, True)
    unknown = [n for n in used - internal - {"t"} - {x.name for x in states} if not hasattr(parent, n)]
    if unknown:
        warnings.warn(f"{context}: {parent!r} has no attribute(s) {unknown} yet", stacklevel=3)
    return "\n".join(head + body) + "\n", scheme.method
