"""Wang-Buzsaki (1996) fast-spiking hippocampal interneuron.

Membrane equation per unit area (v in mV, rates in 1/ms)::

    c_m dv/dt = -g_na m_inf(v)^3 h (v - e_na) - g_k n^4 (v - e_k) - g_l (v - e_l) + I / area
    dh/dt = phi (alpha_h (1 - h) - beta_h h)       dn/dt = phi (alpha_n (1 - n) - beta_n n)
    m_inf = alpha_m / (alpha_m + beta_m),  phi = 5

    alpha_m = 0.1 (v + 35) / (1 - exp(-(v + 35) / 10))    beta_m = 4 exp(-(v + 60) / 18)
    alpha_h = 0.07 exp(-(v + 58) / 20)                    beta_h = 1 / (1 + exp(-(v + 28) / 10))
    alpha_n = 0.01 (v + 34) / (1 - exp(-(v + 34) / 10))   beta_n = 0.125 exp(-(v + 44) / 80)

Parameters: c_m 1 uF/cm^2, g_na 35, g_k 9, g_l 0.1 mS/cm^2, e_na 55,
e_k -90, e_l -65 mV. Stored values are SI (V, S/m^2, F/m^2, A); ``area``
(default 1e-8 m^2, so 1 nA = 10 uA/cm^2) converts input currents to
densities.

Integration: exponential Euler (gates exact for frozen v, then v exact for
frozen conductances); default dt = 0.01 ms.

Reference: X.-J. Wang & G. Buzsaki, Gamma oscillation by synaptic
inhibition in a hippocampal interneuronal network model, J. Neurosci.
16:6402-6413 (1996).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monnto.core.behaviour import Behaviour

from ._common import check_positive, clear_, input_vector, read_params, resolve_dt, warn_if_coarse
from .hodgkin_huxley import _x_over_expm1

__all__ = ["WangBuzsakiParams", "wang_buzsaki_rates", "wang_buzsaki_step", "WangBuzsaki"]


@dataclass(frozen=True)
class WangBuzsakiParams:
    """Parameters of the Wang-Buzsaki interneuron (SI units)."""

    c_m: Any = 1e-2        # F/m^2 (1 uF/cm^2)
    g_na: Any = 350.0      # S/m^2 (35 mS/cm^2)
    g_k: Any = 90.0        # S/m^2 (9 mS/cm^2)
    g_l: Any = 1.0         # S/m^2 (0.1 mS/cm^2)
    e_na: Any = 55e-3      # V
    e_k: Any = -90e-3      # V
    e_l: Any = -65e-3      # V
    phi: Any = 5.0         # 1, temperature factor of h and n
    area: Any = 1e-8       # m^2, converts input current (A) to density
    v_spike: Any = 0.0     # V, upward crossing counted as a spike
    I_bias: Any = 0.0      # A, constant input current

    def __post_init__(self):
        check_positive(self, ("c_m", "area", "phi"), allow_zero=("g_na", "g_k", "g_l"))


def wang_buzsaki_rates(v, xp):
    """``(m_inf, alpha_h, beta_h, alpha_n, beta_n)`` at v (V); rates in 1/s."""
    u = v * 1e3
    alpha_m = 1.0 * _x_over_expm1((u + 35.0) / 10.0, xp)
    beta_m = 4.0 * xp.exp(-(u + 60.0) / 18.0)
    m_inf = alpha_m / (alpha_m + beta_m)
    alpha_h = 0.07e3 * xp.exp(-(u + 58.0) / 20.0)
    beta_h = 1e3 / (1.0 + xp.exp(-(u + 28.0) / 10.0))
    alpha_n = 0.1e3 * _x_over_expm1((u + 34.0) / 10.0, xp)
    beta_n = 0.125e3 * xp.exp(-(u + 44.0) / 80.0)
    return m_inf, alpha_h, beta_h, alpha_n, beta_n


def wang_buzsaki_step(v, h, n, i_in, p: WangBuzsakiParams, dt: float, xp):
    """Advance Wang-Buzsaki neurons by one exponential-Euler step.

    Parameters
    ----------
    v : array
        Membrane potentials (V).
    h, n : array
        Sodium inactivation and potassium activation (1).
    i_in : array or float
        Input current (A), added to ``p.I_bias`` and divided by ``p.area``.
    p : WangBuzsakiParams
    dt : float
        Time step (s).
    xp : module
        Array namespace.

    Returns
    -------
    v, h, n, spikes
    """
    m_inf, ah, bh, an, bn = wang_buzsaki_rates(v, xp)
    tot_h = ah + bh
    h = ah / tot_h + (h - ah / tot_h) * xp.exp(-p.phi * dt * tot_h)
    tot_n = an + bn
    n = an / tot_n + (n - an / tot_n) * xp.exp(-p.phi * dt * tot_n)
    g_na = p.g_na * m_inf * m_inf * m_inf * h
    g_k = p.g_k * n * n * n * n
    g_tot = g_na + g_k + p.g_l
    v_inf = (g_na * p.e_na + g_k * p.e_k + p.g_l * p.e_l + (p.I_bias + i_in) / p.area) / g_tot
    v_new = v_inf + (v - v_inf) * xp.exp(-dt * g_tot / p.c_m)
    spikes = (v_new >= p.v_spike) & (v < p.v_spike)
    return v_new, h, n, spikes


class WangBuzsaki(Behaviour):
    """Wang-Buzsaki (1996) interneurons (see module docstring).

    Keyword arguments: the fields of :class:`WangBuzsakiParams`
    (distribution strings allowed), ``v_init`` (V, default -65e-3; gates at
    their steady state there), ``dt`` (s, default 0.01e-3, used when the
    group has no clock).

    Group variables: ``v`` (V), ``h``, ``n_gate`` (1), ``spike`` (bool),
    ``I_input`` (A, cleared after use), ``I_total`` (A).
    """

    default_dt = 0.01e-3

    def set_variables(self, n) -> None:
        self.p = read_params(self, WangBuzsakiParams, n)
        self.dt = resolve_dt(self, n, self.default_dt)
        warn_if_coarse(self, self.dt, 0.05e-3)
        v_init = self.get_init_attr("v_init", -65e-3, n)
        n.v = n.get_neuron_vec() + v_init
        _, ah, bh, an, bn = wang_buzsaki_rates(n.v, n.xp)
        n.h = ah / (ah + bh)
        n.n_gate = an / (an + bn)
        n.spike = n.get_neuron_vec(bool)
        input_vector(n)
        n.I_total = n.get_neuron_vec()

    def new_iteration(self, n) -> None:
        i_in = n.I_input
        n.I_total = self.p.I_bias + i_in
        n.v, n.h, n.n_gate, n.spike = wang_buzsaki_step(n.v, n.h, n.n_gate, i_in, self.p,
                                                        self.dt, n.xp)
        clear_(i_in)
