"""Hodgkin-Huxley (1952) squid giant axon, as a point neuron and as a cable.

Membrane equation per unit area (the paper's modern sign convention, rest
near -65 mV)::

    c_m dv/dt = -g_na m^3 h (v - e_na) - g_k n^4 (v - e_k) - g_l (v - e_l) + I / area
    dx/dt = phi (alpha_x(v) (1 - x) - beta_x(v) x)        for x in m, h, n
    phi = q10 ** ((temperature - 6.3) / 10),  q10 = 3

with (v in mV, rates in 1/ms)::

    alpha_m = 0.1 (v + 40) / (1 - exp(-(v + 40) / 10))   beta_m = 4 exp(-(v + 65) / 18)
    alpha_h = 0.07 exp(-(v + 65) / 20)                   beta_h = 1 / (1 + exp(-(v + 35) / 10))
    alpha_n = 0.01 (v + 55) / (1 - exp(-(v + 55) / 10))  beta_n = 0.125 exp(-(v + 65) / 80)

Stored values are SI: v (V), conductances per area (S/m^2; 120 mS/cm^2 =
1200 S/m^2), capacitance per area (F/m^2), currents (A). ``area`` (m^2)
converts the input current to a density; the default 1e-8 m^2 makes 1 nA
equal to 10 uA/cm^2.

Integration: exponential Euler (Rush-Larsen): each gate is advanced with
the exact solution of its linear equation for v frozen over the step, then
v with the exact solution of the membrane equation for the gates frozen.
Stable for any dt; first-order accurate; dt = 0.01 ms is the default.

The cable variant (:class:`HHCable`, :func:`hh_cable_step`) chains
``n_compartments`` HH compartments of a cylinder of radius ``radius`` (m),
compartment length ``length`` (m) and axial resistivity ``r_axial``
(ohm m). The axial coupling per unit area is ``g_c = radius / (2 r_axial
length^2)``; compartment i receives ``g_c (v_{i-1} - 2 v_i + v_{i+1})``
(sealed ends). The cable's membrane potentials are advanced with backward
Euler (ionic conductances frozen over the step, coupling implicit; a
tridiagonal solve per cable), which stays stable and accurate for short
compartments. Each neuron of the group is one compartment:
neurons ``k*n_compartments ... (k+1)*n_compartments - 1`` form cable k.

References: A. L. Hodgkin & A. F. Huxley, J. Physiol. 117:500-544 (1952);
J. Rinzel & R. N. Miller, Math. Biosci. 49:27-59 (1980) (repetitive-firing
threshold near 6.3 uA/cm^2); Dayan & Abbott, *Theoretical Neuroscience*
(2001) ch. 5-6 (rate functions in this convention, cable equation).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monnto.core.behaviour import Behaviour

from ...core.errors import MonntoValueError
from ._common import check_positive, clear_, input_vector, read_params, resolve_dt, warn_if_coarse

__all__ = ["HHParams", "HHCableParams", "hh_rates", "hh_steady_state", "hh_step",
           "hh_cable_step", "HodgkinHuxley", "HHCable"]


@dataclass(frozen=True)
class HHParams:
    """Parameters of the Hodgkin-Huxley membrane (SI units)."""

    c_m: Any = 1e-2          # F/m^2 (1 uF/cm^2)
    g_na: Any = 1200.0       # S/m^2 (120 mS/cm^2)
    g_k: Any = 360.0         # S/m^2 (36 mS/cm^2)
    g_l: Any = 3.0           # S/m^2 (0.3 mS/cm^2)
    e_na: Any = 50e-3        # V
    e_k: Any = -77e-3        # V
    e_l: Any = -54.387e-3    # V
    area: Any = 1e-8         # m^2, converts input current (A) to density
    temperature: Any = 6.3   # degC, rates scale with q10 = 3
    v_spike: Any = 0.0       # V, upward crossing counted as a spike
    I_bias: Any = 0.0        # A, constant input current

    def __post_init__(self):
        check_positive(self, ("c_m", "area"), allow_zero=("g_na", "g_k", "g_l"))


@dataclass(frozen=True)
class HHCableParams(HHParams):
    """HH membrane plus cable geometry (SI units; squid giant axon defaults)."""

    radius: Any = 238e-6     # m, axon radius (Hodgkin & Huxley 1952)
    r_axial: Any = 0.354     # ohm m (35.4 ohm cm), axial resistivity
    length: Any = 0.5e-3     # m, compartment length

    def __post_init__(self):
        super().__post_init__()
        check_positive(self, ("radius", "r_axial", "length"))


def _x_over_expm1(x, xp):
    """``x / (1 - exp(-x))``, continuous at 0 (value 1)."""
    small = xp.abs(x) < 1e-6
    safe = xp.where(small, 1.0, x)
    return xp.where(small, 1.0 + 0.5 * x, safe / (1.0 - xp.exp(-safe)))


def hh_rates(v, xp):
    """Opening and closing rates (1/s) of m, h, n at 6.3 degC for v in volts.

    Returns ``(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n)``.
    """
    u = v * 1e3  # mV
    alpha_m = 1.0 * _x_over_expm1((u + 40.0) / 10.0, xp)
    beta_m = 4.0 * xp.exp(-(u + 65.0) / 18.0)
    alpha_h = 0.07 * xp.exp(-(u + 65.0) / 20.0)
    beta_h = 1.0 / (1.0 + xp.exp(-(u + 35.0) / 10.0))
    alpha_n = 0.1 * _x_over_expm1((u + 55.0) / 10.0, xp)
    beta_n = 0.125 * xp.exp(-(u + 65.0) / 80.0)
    # one product per rate, written out (not a generator) so the scalar twin compiles (numba target)
    return (alpha_m * 1e3, beta_m * 1e3, alpha_h * 1e3, beta_h * 1e3, alpha_n * 1e3, beta_n * 1e3)


def hh_steady_state(v, xp):
    """Steady-state gates ``(m_inf, h_inf, n_inf)`` at potential v (V)."""
    am, bm, ah, bh, an, bn = hh_rates(v, xp)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def _gate(x, alpha, beta, phi, dt, xp):
    total = alpha + beta
    x_inf = alpha / total
    return x_inf + (x - x_inf) * xp.exp(-phi * dt * total)


def _gates_and_conductances(v, m, h, n, p: HHParams, dt, xp):
    phi = 3.0 ** ((p.temperature - 6.3) / 10.0)
    am, bm, ah, bh, an, bn = hh_rates(v, xp)
    m = _gate(m, am, bm, phi, dt, xp)
    h = _gate(h, ah, bh, phi, dt, xp)
    n = _gate(n, an, bn, phi, dt, xp)
    g_na = p.g_na * m * m * m * h
    g_k = p.g_k * n * n * n * n
    return m, h, n, g_na, g_k


def _hh_core(v, m, h, n, i_density, p: HHParams, dt, xp):
    m, h, n, g_na, g_k = _gates_and_conductances(v, m, h, n, p, dt, xp)
    g_tot = g_na + g_k + p.g_l
    v_inf = (g_na * p.e_na + g_k * p.e_k + p.g_l * p.e_l + i_density) / g_tot
    v_new = v_inf + (v - v_inf) * xp.exp(-dt * g_tot / p.c_m)
    spikes = (v_new >= p.v_spike) & (v < p.v_spike)
    return v_new, m, h, n, spikes


def hh_step(v, m, h, n, i_in, p: HHParams, dt: float, xp):
    """Advance Hodgkin-Huxley membranes by one exponential-Euler step.

    Parameters
    ----------
    v : array
        Membrane potentials (V).
    m, h, n : array
        Gating variables (1).
    i_in : array or float
        Input current (A), added to ``p.I_bias`` and divided by ``p.area``.
    p : HHParams
    dt : float
        Time step (s).
    xp : module
        Array namespace.

    Returns
    -------
    v, m, h, n, spikes
        Spikes flag upward crossings of ``p.v_spike``.
    """
    return _hh_core(v, m, h, n, (p.I_bias + i_in) / p.area, p, dt, xp)


def hh_cable_step(v, m, h, n, i_in, p: HHCableParams, dt: float, xp, n_compartments: int):
    """Advance HH cables (compartments coupled along the group) by one step.

    The arrays have shape ``(n_cables * n_compartments,)``; consecutive
    blocks of ``n_compartments`` neurons form one cable with sealed ends.
    Gates use the exponential update; the membrane potential uses backward
    Euler for the linear system (ionic conductances frozen over the step,
    axial coupling implicit), solved per cable with the Thomas algorithm,
    so the step is stable for any compartment length. Parameters as in
    :func:`hh_step`; returns ``v, m, h, n, spikes``.
    """
    m, h, n, g_na, g_k = _gates_and_conductances(v, m, h, n, p, dt, xp)
    g_c = p.radius / (2.0 * p.r_axial * p.length * p.length)
    k = n_compartments
    c_dt = p.c_m / dt
    diag = xp.reshape(c_dt + g_na + g_k + p.g_l + 0.0 * v, (-1, k))
    rhs = xp.reshape(c_dt * v + g_na * p.e_na + g_k * p.e_k + p.g_l * p.e_l
                     + (p.I_bias + i_in) / p.area, (-1, k))
    if k == 1:
        solution = [rhs[:, 0] / diag[:, 0]]
    else:
        off = -g_c
        c_prime = []
        d_prime = []
        for i in range(k):
            d_i = diag[:, i] + (g_c if i in (0, k - 1) else 2.0 * g_c)
            if i == 0:
                denom = d_i
                d_val = rhs[:, i] / denom
            else:
                denom = d_i - off * c_prime[-1]
                d_val = (rhs[:, i] - off * d_prime[-1]) / denom
            c_prime.append(off / denom)
            d_prime.append(d_val)
        solution = [None] * k
        solution[k - 1] = d_prime[k - 1]
        for i in range(k - 2, -1, -1):
            solution[i] = d_prime[i] - c_prime[i] * solution[i + 1]
    v_new = xp.reshape(xp.stack(solution, axis=1), (-1,))
    spikes = (v_new >= p.v_spike) & (v < p.v_spike)
    return v_new, m, h, n, spikes


class HodgkinHuxley(Behaviour):
    """Hodgkin-Huxley (1952) point neurons (see module docstring).

    Keyword arguments: the fields of :class:`HHParams` (distribution strings
    allowed), ``v_init`` (V, default -65e-3; the gates start at their steady
    state there), ``dt`` (s, default 0.01e-3, used when the group has no clock).

    Group variables: ``v`` (V), ``m``, ``h``, ``n_gate`` (1), ``spike`` (bool),
    ``I_input`` (A, cleared after use), ``I_total`` (A).
    """

    default_dt = 0.01e-3
    max_accurate_dt = 0.05e-3
    params_cls = HHParams

    def _param_overrides(self) -> dict:
        return {}

    def set_variables(self, n) -> None:
        self.p = read_params(self, self.params_cls, n, overrides=self._param_overrides())
        self.dt = resolve_dt(self, n, self.default_dt)
        warn_if_coarse(self, self.dt, self.max_accurate_dt)
        self._setup_extra(n)
        v_init = self.get_init_attr("v_init", -65e-3, n)
        n.v = n.get_neuron_vec() + v_init
        n.m, n.h, n.n_gate = hh_steady_state(n.v, n.xp)
        n.spike = n.get_neuron_vec(bool)
        input_vector(n)
        n.I_total = n.get_neuron_vec()

    def _setup_extra(self, n) -> None:
        pass

    def _step(self, n, i_in):
        return hh_step(n.v, n.m, n.h, n.n_gate, i_in, self.p, self.dt, n.xp)

    def new_iteration(self, n) -> None:
        i_in = n.I_input
        n.I_total = self.p.I_bias + i_in
        n.v, n.m, n.h, n.n_gate, n.spike = self._step(n, i_in)
        clear_(i_in)


class HHCable(HodgkinHuxley):
    """Chain of Hodgkin-Huxley compartments: a spike travels along the cable.

    Keyword arguments: those of :class:`HodgkinHuxley`, the cable fields of
    :class:`HHCableParams` (``radius``, ``r_axial``, ``length``), and
    ``n_compartments`` (default: the whole group is one cable). The group
    size must be a multiple of ``n_compartments``; each neuron is one
    compartment (``area`` is then the compartment's membrane area for the
    input current; the default 2 pi radius length is used when ``area`` is
    not given).
    """

    params_cls = HHCableParams

    def _param_overrides(self) -> dict:
        radius = float(self.init_kwargs.get("radius", HHCableParams.radius))
        length = float(self.init_kwargs.get("length", HHCableParams.length))
        return {"area": 2.0 * 3.141592653589793 * radius * length}

    def _setup_extra(self, n) -> None:
        k = self.get_init_attr("n_compartments", int(n.size), None)
        k = int(k)
        if k < 1 or n.size % k:
            raise MonntoValueError(f"{self!r}: n_compartments={k!r}; expected a positive divisor of the "
                             f"group size {n.size}")
        self.n_compartments = k
        for name in ("radius", "r_axial", "length"):
            if not isinstance(getattr(self.p, name), float):
                raise MonntoValueError(f"{self!r}: argument {name} must be one number (the cable "
                                 f"geometry is shared), got {getattr(self.p, name)!r}")

    def _step(self, n, i_in):
        return hh_cable_step(n.v, n.m, n.h, n.n_gate, i_in, self.p, self.dt, n.xp,
                             self.n_compartments)
