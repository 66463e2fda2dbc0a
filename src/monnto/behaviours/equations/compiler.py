"""The sympy side of the equation behaviours: name resolution, namespaces,
noise terms, the Equation compiler and Reset-style statements.

``registered_dims(group)`` (in :mod:`.base`, with the other light helpers)
maps each variable name to its dimension (a
:class:`~.units.Dim`); Variables and Equations fill it, Thresholds, Resets
and OnPre read it. :func:`compile_equations` turns an equation string into
the source of a step function (see :mod:`.modules` for the semantics). The
behaviours import this module when they are initialized.
"""

from __future__ import annotations

import ast
import re

import numpy as np
import sympy

from .base import (
    RESERVED,
    bool_vector,
    ensure_vector,
    is_state_array,
    registered_dims,
    value_text,
)
from .codegen import cse_assignments, print_expr
from .dims import dim_to_data
from .integrators import NotApplicable, integrate, stochastic_heun
from .parser import (
    EquationError,
    ExpressionConverter,
    constant_value,
    parse_equation_lines,
    parse_expression,
    parse_statements,
    parse_unit,
)
from .units import DIMENSIONLESS, TIME

__all__ = [
    "compile_equations",
    "converter_for",
    "namespace_constants",
    "reset_program",
    "sym",
]

# ----------------------------------------------------------------------
# helpers shared with events.py


def sym(name: str) -> sympy.Symbol:
    """The sympy symbol used for variable ``name``."""
    return sympy.Symbol(name, real=True)


def group_fallback(parent):
    """Name resolver for plain (unit-less) attributes of ``parent``: dimensionless."""

    def resolve(name):
        if name.startswith("_") or name in RESERVED:
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


def converter_for(parent, context: str, extra: dict | None = None, namespace: dict | None = None,
                  **kw) -> ExpressionConverter:
    """An ExpressionConverter seeing ``parent``'s registered variables, ``t`` and ``dt``.

    ``namespace`` holds constants from :func:`namespace_constants`, inlined
    as numbers; a name that is also a variable of ``parent`` is an error.
    """
    variables = {name: (sym(name), dim) for name, dim in registered_dims(parent).items()}
    variables["t"] = (sym("t"), TIME)
    if extra:
        variables.update(extra)
    constants = {}
    dt = getattr(parent, "dt", None)
    if isinstance(dt, float):
        constants["dt"] = (dt, TIME)
    if namespace:
        clash = sorted(set(namespace) & set(variables))
        if clash:
            raise EquationError(f"{context}: namespace name(s) {clash} are also variables of {parent!r}; "
                                "rename one of them")
        constants.update(namespace)
    return ExpressionConverter(variables, context, constants=constants, fallback=group_fallback(parent), **kw)


def namespace_constants(behaviour, context: str) -> dict:
    """Parse a behaviour's ``namespace={'taum': '20*ms', 'gain': 2}`` into ``{name: (SI value, Dim)}``.

    Brian2's namespace: constants used by the strings of the behaviour,
    inlined as numbers when the code is generated (so ``exp(-dt/taum)`` is
    computed once), instead of per-neuron Variables. NaN is refused (it
    would make every value it touches NaN); ``inf`` is accepted
    (``'vmax': 'inf*mV'`` switches a threshold off).
    """
    namespace = behaviour.get_init_attr("namespace", None, do_not_diversify=True)
    if namespace is None:
        return {}
    if not isinstance(namespace, dict):
        raise EquationError(f"{context}: namespace must be a dict such as {{'taum': '20*ms'}}, "
                            f"got {value_text(namespace)}")
    out = {}
    for name, value in namespace.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or name in RESERVED:
            raise EquationError(f"{context}: namespace key {value_text(name)} is not a usable name (an "
                                "identifier not starting with '_', and not t, dt or numpy)")
        where = f"{context}, namespace[{name!r}]={value_text(value)}"
        if isinstance(value, str):
            typed = ExpressionConverter({}, where).convert(value)
            if typed.is_bool or not typed.expr.is_number:
                raise EquationError(f"{where}: '{value}' is not a constant (a number times units, e.g. '20*ms')")
            out[name] = (constant_value(typed, where, "a constant"), typed.dim)
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            if value != value:
                raise EquationError(f"{where}: a namespace value must be a number, got NaN ({value!r})")
            out[name] = (float(value), DIMENSIONLESS)
        else:
            raise EquationError(f"{where}: expected a number or a string with units such as '20*ms', "
                                f"got {value_text(value)}")
    return out


#: Dimension of a white-noise term ``xi`` (Brian2's convention): second ** -1/2.
NOISE_DIM = TIME ** sympy.Rational(-1, 2)
_NOISE_NAME = re.compile(r"xi(_\w+)?")


def noise_names(lines, variables, context: str = "Equation") -> list:
    """Names of the white-noise terms (``xi``, ``xi_1``, ``xi_input``...) used in ``lines``."""
    names = set()
    for ln in lines:
        if ln.kind == "param":
            continue
        tree = parse_expression(ln.expr, f"{context}, line '{ln.source}'")
        names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
                  and _NOISE_NAME.fullmatch(node.id) and node.id not in variables}
    return sorted(names)


def split_noise(rhs: dict, noise: dict, lines, context: str) -> tuple[dict, dict]:
    """Split ``dx/dt = f + sum_k g_k*xi_k`` into ``({x: f}, {x: [(xi_k, g_k), ...]})``.

    ``xi`` must appear linearly; ``g_k`` may depend on the state variables
    (multiplicative noise), which the caller accepts only for methods that
    integrate it (stochastic Heun).
    """
    if not noise:
        return rhs, {}
    sources = {sym(ln.name): ln.source for ln in lines if ln.kind == "diff"}
    drift, diffusion = {}, {}
    for x, f in rhs.items():
        terms = []
        for xi in noise.values():
            g = sympy.expand(sympy.diff(f, xi))
            if g == 0:
                continue
            if xi in g.free_symbols:
                raise EquationError(f"{context}: in '{sources[x]}' the noise term must be linear in xi")
            terms.append((xi, g))
        drift[x] = f.subs({xi: 0 for xi in noise.values()}) if terms else f
        if terms:
            diffusion[x] = terms
    return drift, diffusion


def compile_equations(parent, text: str, method: str, dt: float, context: str, namespace: dict | None = None):
    """Parse, check and integrate ``text``; return its program (kind ``'equation'``, see :mod:`.emit`).

    ``namespace``: constants from :func:`namespace_constants`. The program's
    ``method`` is the integration method used; its ``warnings`` are given
    when the program is installed (so a cached program warns too).
    """
    lines = parse_equation_lines(text, context)
    dims = registered_dims(parent)
    declared = {}
    for ln in lines:
        if ln.name.startswith("_") or ln.name in RESERVED:
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
    noise = {name: sym(f"_xi{k}") for k, name in enumerate(noise_names(lines, variables, context))}
    variables.update({name: (symbol, NOISE_DIM) for name, symbol in noise.items()})

    conv = converter_for(parent, context, extra=variables, namespace=namespace)
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
        if ("event-driven" in ln.flags or "clock-driven" in ln.flags) \
                and not callable(getattr(parent, "matrix_dim", None)):
            raise EquationError(f"{context}: the flags '(event-driven)' / '(clock-driven)' in '{ln.source}' "
                                f"are for synaptic variables; {parent!r} is not a SynapseGroup")
        if "unless refractory" in ln.flags:
            if callable(getattr(parent, "matrix_dim", None)):
                raise EquationError(f"{context}: '(unless refractory)' in '{ln.source}' needs a NeuronGroup; "
                                    f"{parent!r} is a SynapseGroup")
            freeze[x] = nr_sym
        ensure_vector(parent, ln.name, context)

    if not rhs:
        raise EquationError(f"{context}: no differential equation ('dx/dt = ...') found")

    rhs, diffusion = split_noise(rhs, noise, lines, context)
    if diffusion:
        multiplicative = sorted({ln.source for ln in lines if ln.kind == "diff" and sym(ln.name) in diffusion
                                 and any(g.free_symbols & set(rhs) for _, g in diffusion[sym(ln.name)])})
        if method == "auto":
            method = "heun" if multiplicative else "euler"
        if method not in ("euler", "heun"):
            raise EquationError(
                f"{context}: the stochastic term(s) {sorted(noise)} need method 'euler' (Euler-Maruyama, "
                f"additive noise), 'heun' (stochastic Heun, Stratonovich) or 'auto', not {method!r}"
            )
        if method == "euler" and multiplicative:
            raise EquationError(
                f"{context}: in {multiplicative} the noise is multiplied by a state variable; "
                "Euler-Maruyama takes additive noise only: use method='heun' (Stratonovich) or 'auto'"
            )
    if diffusion and method == "heun":
        scheme = stochastic_heun(rhs, diffusion, sympy.Float(dt), t=t_sym, t0=t0_sym, freeze=freeze)
    else:
        try:
            scheme = integrate(rhs, method, sympy.Float(dt), t=t_sym, t0=t0_sym,
                               freeze=freeze if method != "exact" else {})
        except NotApplicable as exc:
            raise EquationError(f"{context}: method {method!r} cannot integrate these equations: {exc}") from None
    if diffusion and method == "euler":  # Euler-Maruyama: x += f*dt + sum_k g_k*sqrt(dt)*N(0, 1)
        sqrt_dt = sympy.sqrt(sympy.Float(dt))
        updates = dict(scheme.updates)
        for x, terms in diffusion.items():
            for xi, g in terms:
                updates[x] = updates[x] + sqrt_dt * g * xi * freeze.get(x, 1)
        scheme = type(scheme)(scheme.stages, updates, scheme.increment, "euler")
    # explicit methods multiply frozen right-hand sides by _nr; 'exact' masks
    # the new values with numpy.where instead
    mask_where = freeze if scheme.method == "exact" else {}

    states = list(rhs)
    lets = []
    for i, group in enumerate(scheme.stages):
        lets += cse_assignments([(s.name, e) for s, e in group], prefix=f"_s{i}_")
    upd_names = {x: f"_u_{x.name}" for x in states}
    updates = dict(scheme.updates)
    scaled = set()  # exact updates of the form x_new = c*x become x *= c
    if not scheme.increment:
        for x in states:
            factor = updates[x] / x
            if x not in mask_where and not (factor.free_symbols & set(states)):
                updates[x] = factor
                scaled.add(x)
    lets += cse_assignments([(upd_names[x], updates[x]) for x in states], prefix="_x")
    writes = []
    for x in states:
        u = upd_names[x]
        if scheme.increment:
            writes.append([x.name, "+=", u])
        elif x in scaled:
            writes.append([x.name, "*=", u])
        elif x in mask_where:
            writes.append([x.name, "where", u])
        else:
            writes.append([x.name, "=", u])

    used = set()
    for group in scheme.stages:
        for _, e in group:
            used |= e.free_symbols
    for e in scheme.updates.values():
        used |= e.free_symbols
    used = {s.name for s in used} | {x.name for x in states}
    internal = {n for n in used if n.startswith("_")}
    if freeze and not hasattr(parent, "not_refractory"):
        parent.not_refractory = bool_vector(parent, True)
    unknown = [n for n in used - internal - {"t"} - {x.name for x in states} if not hasattr(parent, n)]
    warned = [f"{context}: {parent!r} has no attribute(s) {unknown} yet"] if unknown else []
    return {
        "kind": "equation", "method": scheme.method, "dt": float(dt),
        "ensure_params": [ln.name for ln in lines if ln.kind == "param"],
        "ensure_states": [x.name for x in states],
        "dims": {ln.name: dim_to_data(declared[ln.name]) for ln in lines if ln.kind != "sub"},
        "warnings": warned,
        "reads": sorted(used - internal - {"t"}), "time": "t" in used, "t0": "_t0" in used,
        "noise": [symbol.name for symbol in noise.values() if symbol.name in used],
        "freeze": bool(freeze), "lets": lets, "writes": writes, "summed": [],
    }


def reset_program(parent, text, context, namespace=None) -> dict:
    """The program (kind ``'reset'``, see :mod:`.emit`) of statements applied to the spiking neurons."""
    statements = []
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
        typed = converter_for(parent, context, namespace=namespace).convert(stmt.expr)
        if typed.is_bool:
            raise EquationError(f"{context}: '{stmt.source}': the value is a condition")
        want = target_dim if stmt.op in ("=", "+=", "-=") else DIMENSIONLESS
        if typed.dim != want and not typed.is_zero_literal:
            raise EquationError(
                f"{context}: inconsistent dimensions in '{stmt.source}': '{stmt.expr}' is "
                f"{typed.dim} but {name} {stmt.op} needs {want}"
            )
        reads, subs = [], {}
        for s in sorted(typed.expr.free_symbols, key=lambda s: s.name):
            local = f"_v_{s.name}"
            reads.append([local, s.name, bool(is_state_array(getattr(parent, s.name, None), size))])
            subs[s] = sympy.Symbol(local, real=True)
        statements.append({"target": name, "op": stmt.op, "expr": print_expr(typed.expr.xreplace(subs)),
                           "reads": reads})
    return {"kind": "reset", "statements": statements}
