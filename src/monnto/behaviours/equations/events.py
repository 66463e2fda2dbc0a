"""Event behaviours: Threshold, Reset, Refractory and synaptic OnPre.

With these, a Brian2 network such as the Vogels-Abbott CUBA benchmark is
written without custom Python (see ``tests/behaviours/equations``).

Order within a step (recommended keys, as Brian2 does it): Clock (1),
Variables (2-3), Equation (4), Threshold (5), OnPre on SynapseGroups (6),
Reset (7), Recorders (9).

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
import scipy.sparse as sp
import sympy

from monnto.core import Behaviour

from .codegen import compile_function, print_expr
from .compiler import (
    CompiledStep,
    bool_vector,
    converter_for,
    ensure_vector,
    is_state_array,
    registered_dims,
    string_arg,
    sym,
)
from .parser import EquationError, parse_duration, parse_statements
from .units import DIMENSIONLESS, TIME

__all__ = ["OnPre", "Refractory", "Reset", "Threshold"]


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
        text = string_arg(self, "condition")
        context = f"Threshold({text!r})"
        if not isinstance(text, str):
            raise EquationError(f"{context}: expected a condition string such as 'v > -50*mV'")
        conv = converter_for(parent, context, random_calls=True)
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
        text = string_arg(self, "duration")
        context = f"Refractory({text!r})"
        if isinstance(text, str) and "(" in text:
            conv = converter_for(parent, context, random_calls=True)
            typed = conv.convert(text)
            if typed.dim != TIME:
                raise EquationError(f"{context}: '{text}' is {typed.dim}, expected a duration (second)")
            values = {s.name: parent.get_neuron_vec(init) for s, init in conv.random_placeholders}
            src = f"def _value({', '.join(sorted(values))}):\n    return {print_expr(typed.expr)}\n"
            refractory = compile_function(src, "_value", xp=getattr(parent, "xp", None), label=context)(**values)
        else:
            refractory = parse_duration(text, context)
        parent.refractory = refractory
        ensure_vector(parent, "lastspike", context)
        parent.lastspike[...] = -np.inf
        parent.not_refractory = bool_vector(parent, True)
        registered_dims(parent)["lastspike"] = TIME


def _statement_code(parent, text, context, index="_i", target_obj="_grp"):
    """Lines applying statements to the neurons ``index`` of ``parent``."""
    lines = []
    size = parent.size
    for stmt in parse_statements(text, context):
        name = stmt.target
        value = getattr(parent, name, None)
        if not is_state_array(value, size):
            raise EquationError(
                f"{context}: '{stmt.source}': {parent!r}.{name} is not a variable of the group "
                "(set it with a Variable or declare it in an Equation)"
            )
        target_dim = registered_dims(parent).get(name, DIMENSIONLESS)
        typed = converter_for(parent, context).convert(stmt.expr)
        if typed.is_bool:
            raise EquationError(f"{context}: '{stmt.source}': the value is a condition")
        want = target_dim if stmt.op in ("=", "+=", "-=") else DIMENSIONLESS
        if typed.dim != want and not typed.is_zero_literal:
            raise EquationError(
                f"{context}: inconsistent dimensions in '{stmt.source}': '{stmt.expr}' is "
                f"{typed.dim} but {name} {stmt.op} needs {want}"
            )
        lines.append(f"    _tgt = {target_obj}.{name}")
        subs = {}
        for s in typed.expr.free_symbols:
            local = f"_v_{s.name}"
            if is_state_array(getattr(parent, s.name, None), size):
                lines.append(f"    {local} = {target_obj}.{s.name}[{index}]")
            else:
                lines.append(f"    {local} = {target_obj}.{s.name}")
            subs[s] = sympy.Symbol(local, real=True)
        expr = print_expr(typed.expr.xreplace(subs))
        if stmt.op == "=":
            lines.append(f"    _tgt[{index}] = {expr}")
        else:
            lines.append(f"    _tgt[{index}] {stmt.op} {expr}")
    return lines


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
        text = string_arg(self, "statements")
        context = f"Reset({text!r})"
        lines = [
            "def _step(_grp):",
            "    _spk = _grp.spike",
            "    if _spk.any():",  # no early return: the network may fuse this step with others
            "        _i = numpy.nonzero(_spk)[0]",
        ]
        lines += ["    " + line for line in _statement_code(parent, text, context)]
        self._install(parent, "\n".join(lines) + "\n", context)


class OnPre(CompiledStep, Behaviour):
    """On each presynaptic spike, add the synapses' weights to a target variable.

    Attach to a SynapseGroup: ``OnPre('ge += w')`` adds, for every source
    neuron that spiked this step, its weight column ``W[:, j]`` to ``dst.ge``;
    i.e. ``dst.ge += c * W[:, spiking].sum(axis=1)`` (dense ``W``) or
    ``c * (W @ spike)`` (scipy.sparse ``W``), where the statement's value is
    ``c * w``.

    Parameters
    ----------
    statement : str
        ``'<dst variable> += <expression linear in w>'`` (or ``-=``), e.g.
        ``'ge += w'``, ``'g_ampa += 0.5*w'``. ``w`` is the synapse weight
        (the SynapseGroup's ``W``, D x S); other names are variables of
        the destination group (``c`` may depend on them) or units. Alias
        ``on_pre``.
    w : str or float, optional
        If given, the weight of every synapse, with units (``'1.62*mV'``,
        ``'normal(1, 0.1)*nS'``), stored in SI units; it also fixes the unit
        of ``w``. Without it ``W`` must already exist, and ``w`` has the
        unit the statement needs.
    p : float, optional
        Connection probability used with ``w`` (default 1: all to all),
        drawn with the network's RNG.
    sparse : bool
        Store a created ``W`` as scipy.sparse CSR (default False: dense).

    Notes
    -----
    ``syn.enabled`` is not consulted: a synapse that must not act needs a
    zero weight. The increment acts from the next integration step on (the
    destination's Equation has already run in this step), as in Brian2.
    """

    _step_globals = {"_issparse": sp.issparse}

    def __init__(self, *args, **kwargs):
        if "on_pre" in kwargs:
            kwargs.setdefault("statement", kwargs.pop("on_pre"))
        args, kwargs = _positional(kwargs, args, "statement")
        super().__init__(*args, **kwargs)
        self.code = None
        self._step = None

    def set_variables(self, syn) -> None:
        text = string_arg(self, "statement")
        weight = self.get_init_attr("w", None, do_not_diversify=True)
        p = self.get_init_attr("p", 1.0)
        sparse = bool(self.get_init_attr("sparse", False))
        context = f"OnPre({text!r})"
        dst = syn.dst
        stmts = parse_statements(text, context)
        if weight is not None:
            self._make_weights(syn, weight, p, sparse, context)
        W = getattr(syn, "W", None)
        if W is None or not hasattr(W, "shape"):
            raise EquationError(
                f"{context}: {syn!r} has no weight matrix W; set syn.W (D x S) or pass w='1*mV' (and p=...)"
            )
        if tuple(W.shape) != (dst.size, syn.src.size):
            raise EquationError(f"{context}: {syn!r}.W has shape {W.shape}, expected {(dst.size, syn.src.size)}")
        _check_backend(syn, W, context)
        w_dim = registered_dims(syn).get("W")
        lines = [  # no early return: the network may fuse this step with others
            "def _step(_syn):",
            "    _spk = _syn.src.spike",
            "    if _spk.any():",
            "        _W = _syn.W",
            "        if _issparse(_W):",
            "            _x = _W @ numpy.astype(_spk, _W.dtype)",
            "        else:",
            "            _x = numpy.sum(_W[:, numpy.nonzero(_spk)[0]], axis=1)",
            "        _dst = _syn.dst",
        ]
        for stmt in stmts:
            if stmt.op not in ("+=", "-="):
                raise EquationError(f"{context}: '{stmt.source}': on_pre statements must use += or -=")
            target_dim = registered_dims(dst).get(stmt.target, DIMENSIONLESS)
            if not is_state_array(getattr(dst, stmt.target, None), dst.size):
                raise EquationError(
                    f"{context}: '{stmt.source}': the destination {dst!r} has no variable '{stmt.target}'"
                )
            w = sym("_w")
            conv = converter_for(dst, context, extra={"w": (w, w_dim or DIMENSIONLESS)})
            typed = conv.convert(stmt.expr)
            coeff = sympy.simplify(typed.expr / w)
            if w not in typed.expr.free_symbols or w in coeff.free_symbols:
                raise EquationError(
                    f"{context}: '{stmt.source}': the value must be proportional to the weight w "
                    "(e.g. 'ge += w' or 'ge += 0.5*w')"
                )
            if w_dim is None:  # the unit of w is whatever makes the statement consistent
                w_dim = target_dim / typed.dim
                registered_dims(syn)["W"] = w_dim
            elif typed.dim != target_dim:
                raise EquationError(
                    f"{context}: inconsistent dimensions in '{stmt.source}': '{stmt.expr}' is "
                    f"{typed.dim} (w is {w_dim}) but {stmt.target} is {target_dim}"
                )
            names = sorted(s.name for s in coeff.free_symbols)
            for n in names:
                lines.append(f"        {n} = _dst.{n}")
            c = print_expr(coeff)
            inc = "_x" if coeff == 1 else f"({c}) * _x"
            lines.append(f"        _dst.{stmt.target} {stmt.op} {inc}")
        self._install(dst, "\n".join(lines) + "\n", context)

    def _make_weights(self, syn, weight, p, sparse, context) -> None:
        backend = _backend_name(syn)
        if sparse and backend != "numpy":
            raise EquationError(f"{context}: sparse=True (scipy.sparse CSR weights) needs the numpy backend, "
                                f"{syn!r} is on backend {backend!r}; use sparse=False (dense weights)")
        if isinstance(weight, (int, float, np.integer, np.floating)):
            value, dim = float(weight), None
            matrix = syn.get_synapse_mat("ones", density=p if p < 1 else None) * value
        else:
            conv = converter_for(syn, context, random_calls=True)
            typed = conv.convert(weight)
            mask = syn.get_synapse_mat("ones", density=p if p < 1 else None)
            values = {s.name: syn.get_synapse_mat(init) for s, init in conv.random_placeholders}
            if values:
                src = f"def _value({', '.join(sorted(values))}):\n    return {print_expr(typed.expr)}\n"
                value = compile_function(src, "_value", xp=getattr(syn, "xp", None), label=context)(**values)
                matrix = mask * value
            else:
                matrix = mask * float(typed.expr)
            dim = typed.dim
        syn.W = sp.csr_matrix(matrix) if sparse else matrix
        if dim is not None:
            registered_dims(syn)["W"] = dim


def _backend_name(obj) -> str:
    """The array backend of ``obj``'s network ('numpy' without one)."""
    return getattr(getattr(obj, "network", None), "backend", None) or "numpy"


def _check_backend(syn, W, context) -> None:
    """Reject a weight matrix that is not an array of the synapse group's backend."""
    backend = _backend_name(syn)
    if backend == "numpy":
        return
    if sp.issparse(W):
        raise EquationError(
            f"{context}: {syn!r}.W is a scipy.sparse matrix, which needs the numpy backend; the network "
            f"uses backend {backend!r}: set a dense W (syn.get_synapse_mat(...)) instead"
        )
    if isinstance(W, np.ndarray):
        raise EquationError(
            f"{context}: {syn!r}.W is a numpy array but the network uses backend {backend!r}; "
            f"make it with syn.get_synapse_mat(...) or syn.xp.asarray(W)"
        )
