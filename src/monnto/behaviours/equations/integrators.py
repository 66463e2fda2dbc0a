"""Integration methods: turn ``dx/dt = f(x, t)`` into one-step update formulas.

All functions are pure sympy: they take the right-hand sides as sympy
expressions and return an :class:`UpdateScheme`, a list of intermediate
assignments (``stages``) and, for each state variable, either its increment
(``x += ...``) or its new value (``x = ...``) over one step of length ``dt``
from time ``t0`` (the start of the step) to ``t0 + dt``.

Methods (``h = dt``):

``'euler'``
    forward Euler, ``x1 = x0 + h f(x0, t0)``; global order 1.
``'rk2'``
    explicit midpoint, ``x1 = x0 + h f(x0 + h/2 f(x0, t0), t0 + h/2)``; order 2.
``'rk4'``
    classical Runge-Kutta, ``x1 = x0 + h/6 (k1 + 2 k2 + 2 k3 + k4)``; order 4.
``'exponential_euler'``
    for equations linear in their own variable, ``f = A x + B`` with ``A``,
    ``B`` frozen at ``t0``: ``x1 = x0 + h f(x0) phi1(A h)``, ``phi1(z) = (e^z - 1)/z``
    (exact when A and B are constant); order 1 in general.
``'heun'``
    Heun's trapezoidal rule, ``x~ = x0 + h f(x0, t0)``,
    ``x1 = x0 + h/2 (f(x0, t0) + f(x~, t0 + h))``; order 2. With white noise
    ``g(x, t) xi`` it is the stochastic Heun scheme for Stratonovich
    equations (the same ``dW = sqrt(h) N(0, 1)`` in both stages, see
    :func:`stochastic_heun`), which allows multiplicative noise.
``'exact'``
    linear systems with constant coefficients, ``dX/dt = M X + b``: the
    augmented matrix exponential ``exp([[M, b], [0, 0]] h)`` (Parlett's
    recurrence when the variables depend on each other without cycles and
    the diagonal entries differ, otherwise sympy's Jordan-form ``exp``) gives ``X1 = e^{Mh} X0 + (int_0^h e^{Ms} ds) b``. Other variables appearing
    in ``M`` or ``b`` are held constant over the step.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field

import sympy

from ...core.errors import MonntoValueError

__all__ = [
    "METHODS",
    "UpdateScheme",
    "choose_method",
    "integrate",
    "is_conditionally_linear",
    "linear_system",
    "phi1",
    "stochastic_heun",
    "triangular_exp",
]

from .emit import METHODS  # noqa: E402 - the names live with the emitter (no sympy)


class phi1(sympy.Function):
    """``phi1(z) = (exp(z) - 1)/z`` with ``phi1(0) = 1`` (printed as a numpy helper)."""

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sympy.Integer(1)
        if z.is_number:
            return (sympy.exp(z) - 1) / z
        return None


@dataclass
class UpdateScheme:
    """One integration step as sympy assignments.

    Attributes
    ----------
    stages : list of lists of (Symbol, Expr)
        Temporaries, evaluated group by group (a group may use the symbols
        of earlier groups) before any state changes.
    updates : dict Symbol -> Expr
        New value (``increment=False``) or increment (``increment=True``) of
        each state variable, computed from the old values.
    increment : bool
        Whether ``updates`` hold increments.
    method : str
        Name of the method that produced the scheme.
    """

    stages: list = field(default_factory=list)
    updates: dict = field(default_factory=dict)
    increment: bool = True
    method: str = ""


class NotApplicable(ValueError):
    """The chosen method cannot integrate this system (reason in the message)."""


def _frozen(rhs: dict, freeze: dict) -> dict:
    """Multiply the right-hand side of frozen variables by their mask symbol."""
    return {x: (f * freeze[x] if x in freeze else f) for x, f in rhs.items()}


def _explicit_rk(rhs, t, t0, dt, freeze, tableau, weights, name) -> UpdateScheme:
    rhs = _frozen(rhs, freeze)
    states = list(rhs)
    stages, ks = [], []
    for i, (c, a_row) in enumerate(tableau):
        subs = {}
        for x in states:
            shift = sum((a * ks[j][x] for j, a in enumerate(a_row) if a != 0), sympy.Integer(0))
            if shift != 0:
                subs[x] = x + dt * shift
        if t is not None:
            subs[t] = t0 + c * dt
        k, group = {}, []
        for x in states:
            sym = sympy.Symbol(f"_k{i + 1}_{x.name}", real=True)
            group.append((sym, rhs[x].subs(subs, simultaneous=True)))
            k[x] = sym
        stages.append(group)
        ks.append(k)
    updates = {x: dt * sum((w * ks[i][x] for i, w in enumerate(weights)), sympy.Integer(0)) for x in states}
    if len(tableau) == 1:  # Euler: no temporaries needed
        updates = {x: dt * expr for (_, expr), x in zip(stages[0], states)}
        stages = []
    return UpdateScheme(stages, updates, True, name)


_HALF = sympy.Rational(1, 2)
_TABLEAUS = {
    "euler": ([(0, [])], [1]),
    "heun": ([(0, []), (1, [1])], [_HALF, _HALF]),
    "rk2": ([(0, []), (_HALF, [_HALF])], [0, 1]),
    "rk4": (
        [(0, []), (_HALF, [_HALF]), (_HALF, [0, _HALF]), (1, [0, 0, 1])],
        [sympy.Rational(1, 6), sympy.Rational(1, 3), sympy.Rational(1, 3), sympy.Rational(1, 6)],
    ),
}


def stochastic_heun(drift: dict, diffusion: dict, dt, t=None, t0=None, freeze=None) -> UpdateScheme:
    """Stochastic Heun step for ``dx/dt = f(x, t) + sum_k g_k(x, t) xi_k`` (Stratonovich).

    With ``dW_k = sqrt(dt) xi_k`` (``xi_k`` the symbols of standard normal
    numbers drawn once per step)::

        x~ = x + dt f(x, t0) + sum_k g_k(x, t0) dW_k
        x1 = x + dt/2 (f(x, t0) + f(x~, t0 + dt)) + 1/2 sum_k (g_k(x, t0) + g_k(x~, t0 + dt)) dW_k

    ``diffusion`` maps a state to ``[(xi_k, g_k), ...]``; frozen states
    (``freeze``) get zero increments where their mask is 0.
    """
    freeze = freeze or {}
    states = list(drift)
    sqrt_dt = sympy.sqrt(dt)

    def mask(x, expr):
        return expr * freeze[x] if x in freeze else expr

    def noise(x, subs):
        return sum((g.subs(subs, simultaneous=True) * xi for xi, g in diffusion.get(x, ())), sympy.Integer(0))

    def symbol(prefix, x):
        return sympy.Symbol(f"{prefix}_{x.name}", real=True)

    first, support, second = [], [], []
    at_start = {t: t0} if t is not None else {}
    for x in states:
        first.append((symbol("_k1", x), mask(x, drift[x].subs(at_start, simultaneous=True))))
        if x in diffusion:
            first.append((symbol("_n1", x), mask(x, noise(x, at_start))))
    for x in states:
        step = dt * symbol("_k1", x) + (sqrt_dt * symbol("_n1", x) if x in diffusion else 0)
        support.append((symbol("_xs", x), x + step))
    at_end = {x: symbol("_xs", x) for x in states}
    if t is not None:
        at_end[t] = t0 + dt
    updates = {}
    for x in states:
        second.append((symbol("_k2", x), mask(x, drift[x].subs(at_end, simultaneous=True))))
        updates[x] = dt * _HALF * (symbol("_k1", x) + symbol("_k2", x))
        if x in diffusion:
            second.append((symbol("_n2", x), mask(x, noise(x, at_end))))
            updates[x] += sqrt_dt * _HALF * (symbol("_n1", x) + symbol("_n2", x))
    return UpdateScheme([first, support, second], updates, True, "heun")


def is_conditionally_linear(rhs: dict) -> bool:
    """True if every ``f_x`` is linear in ``x`` (coefficients may depend on others)."""
    for x, f in rhs.items():
        if sympy.diff(f, x, 2) != 0 or x in sympy.diff(f, x).free_symbols:
            return False
    return True


def linear_system(rhs: dict, t=None):
    """Return ``(M, b)`` with ``dX/dt = M X + b``, or raise :class:`NotApplicable`.

    ``M`` and ``b`` must not depend on the state variables nor on ``t``.
    """
    states = list(rhs)
    n = len(states)
    M = sympy.zeros(n, n)
    b = sympy.zeros(n, 1)
    zero = {x: 0 for x in states}
    for i, x in enumerate(states):
        f = sympy.expand(rhs[x]) if rhs[x].is_polynomial(*states) else rhs[x]
        for j, y in enumerate(states):
            coeff = sympy.diff(f, y)
            if coeff.free_symbols & set(states):
                raise NotApplicable(f"d{x.name}/dt is not linear in {y.name}")
            M[i, j] = coeff
        b[i] = f.subs(zero)
        if t is not None and (t in M.row(i).free_symbols or t in b[i].free_symbols):
            raise NotApplicable(f"d{x.name}/dt depends on time t")
    return M, b


def triangular_exp(T: sympy.Matrix, f=sympy.exp):
    """``f(T)`` for an upper triangular ``T`` with distinct diagonal entries.

    Parlett's recurrence (Golub & Van Loan, Matrix Computations, alg. 9.1.1):
    ``F_ii = f(t_ii)``, ``F_ij = (t_ij (F_jj - F_ii) + sum_{i<k<j} (t_ik F_kj -
    F_ik t_kj)) / (t_jj - t_ii)``. Returns None if two diagonal entries are
    equal (the recurrence divides by their difference).
    """
    n = T.shape[0]
    diag = [T[i, i] for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if sympy.simplify(diag[j] - diag[i]) == 0:
                return None
    F = sympy.zeros(n, n)
    for i in range(n):
        F[i, i] = f(diag[i])
    for p in range(1, n):
        for i in range(n - p):
            j = i + p
            acc = T[i, j] * (F[j, j] - F[i, i])
            for k in range(i + 1, j):
                acc += T[i, k] * F[k, j] - F[i, k] * T[k, j]
            F[i, j] = acc / (diag[j] - diag[i]) if acc != 0 else sympy.Integer(0)
    return F


def _dependency_order(M: sympy.Matrix):
    """Order of the states making ``M`` upper triangular, or None (coupled cycle)."""
    n = M.shape[0]
    graph = {j: {i for i in range(n) if i != j and M[i, j] != 0} for j in range(n)}
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return None


def _matrix_exp(aug: sympy.Matrix, h) -> sympy.Matrix:
    """``exp(aug*h)``: Parlett's recurrence when the system is triangular, else sympy."""
    n = aug.shape[0] - 1
    order = _dependency_order(aug[:n, :n])
    if order is not None:
        perm = order + [n]
        T = aug.extract(perm, perm) * h
        F = triangular_exp(T)
        if F is not None:
            E = sympy.zeros(n + 1, n + 1)
            for a, pa in enumerate(perm):
                for c, pc in enumerate(perm):
                    E[pa, pc] = F[a, c]
            return E
    return (aug * h).exp()


def _exact(rhs, t, dt) -> UpdateScheme:
    M, b = linear_system(rhs, t)
    n = M.shape[0]
    h = sympy.Symbol("_h", positive=True)
    aug = sympy.zeros(n + 1, n + 1)
    aug[:n, :n] = M
    aug[:n, n] = b
    try:
        E = _matrix_exp(aug, h)
    except Exception as exc:  # sympy cannot diagonalise / Jordan-decompose it
        raise NotApplicable(f"sympy could not compute the matrix exponential ({exc})") from None
    E = E.subs(h, dt)
    states = list(rhs)
    updates = {}
    for i, x in enumerate(states):
        new = sum((E[i, j] * states[j] for j in range(n)), sympy.Integer(0)) + E[i, n]
        updates[x] = new
    if any(expr.has(sympy.Piecewise) for expr in updates.values()):
        updates = {x: sympy.piecewise_fold(e) for x, e in updates.items()}
    return UpdateScheme([], updates, False, "exact")


def _exponential_euler(rhs, t, t0, dt, freeze) -> UpdateScheme:
    if not is_conditionally_linear(rhs):
        bad = [x.name for x, f in rhs.items() if sympy.diff(f, x, 2) != 0 or x in sympy.diff(f, x).free_symbols]
        raise NotApplicable(f"d{bad[0]}/dt is not linear in {bad[0]}")
    updates = {}
    for x, f in rhs.items():
        if t is not None:
            f = f.subs(t, t0)
        a = sympy.diff(f, x)
        inc = dt * f if a == 0 else dt * f * phi1(a * dt)
        updates[x] = inc * freeze[x] if x in freeze else inc
    return UpdateScheme([], updates, True, "exponential_euler")


def integrate(rhs: dict, method: str, dt, t=None, t0=None, freeze=None) -> UpdateScheme:
    """Build the update scheme for ``dx/dt = rhs[x]``.

    Parameters
    ----------
    rhs : dict Symbol -> Expr
        Right-hand side of each state variable (SI units, per second).
    method : str
        One of :data:`METHODS`, or ``'auto'`` (see :func:`choose_method`).
    dt : float or Symbol
        Step size in seconds.
    t, t0 : Symbol, optional
        The time symbol used in ``rhs`` and the symbol holding the start time
        of the step.
    freeze : dict Symbol -> Symbol, optional
        State variables to keep constant where the mask symbol is 0/False
        (``(unless refractory)``). For ``'exact'`` the caller applies the
        mask to the new values.
    """
    freeze = freeze or {}
    key = (tuple(rhs.items()), method, dt, t, t0, tuple(freeze.items()))
    cached = _CACHE.get(key)
    if cached is None:
        cached = _integrate(rhs, method, dt, t, t0, freeze)
        if len(_CACHE) < 256:
            _CACHE[key] = cached
    return cached


_CACHE: dict = {}  # identical systems (e.g. the same model in several groups) integrate once


def _integrate(rhs, method, dt, t, t0, freeze) -> UpdateScheme:
    if method == "auto":
        try:
            return _exact(rhs, t, dt)
        except NotApplicable:
            pass
        method = "exponential_euler" if is_conditionally_linear(rhs) else "rk4"
    if method in _TABLEAUS:
        tableau, weights = _TABLEAUS[method]
        return _explicit_rk(rhs, t, t0, dt, freeze, tableau, weights, method)
    if method == "exponential_euler":
        return _exponential_euler(rhs, t, t0, dt, freeze)
    if method == "exact":
        return _exact(rhs, t, dt)
    raise MonntoValueError(f"unknown integration method {method!r}; expected one of {METHODS} or 'auto'")


def choose_method(rhs: dict, t=None, dt=1e-4) -> str:
    """The method ``'auto'`` picks: ``'exact'`` for linear constant-coefficient
    systems (when sympy finds the matrix exponential), else
    ``'exponential_euler'`` if each equation is linear in its own variable,
    else ``'rk4'``."""
    return integrate(rhs, "auto", dt, t=t, t0=t).method
