"""Adaptive exponential integrate-and-fire neuron (AdEx).

    c_m dv/dt = -g_l (v - e_l) + g_l delta_t exp((v - v_t) / delta_t) - w + I
    tau_w dw/dt = a (v - e_l) - w
    v >= v_peak  ->  spike, v = v_reset, w = w + b

SI units (V, s, A, S, F). Defaults are Brette & Gerstner (2005), Table 1
(the regular-spiking pyramidal cell fit). ``ADEX_PATTERNS`` holds the
parameter sets and step currents of Naud, Marcille, Clopath & Gerstner
(2008), Table 1 (as used in Gerstner et al., *Neuronal Dynamics*, Table 6.1),
for the firing patterns: tonic, adapting, initial burst, regular bursting,
delayed accelerating, transient.

Integration: explicit Euler (as in Brette & Gerstner 2005) with the
exponential's argument capped at its value at ``v_peak``, so a step can
never overflow; optional absolute refractory period ``t_ref`` (v held at
``v_reset``; default 0). Default dt = 0.05 ms.

References: R. Brette & W. Gerstner, J. Neurophysiol. 94:3637-3642 (2005);
R. Naud, N. Marcille, C. Clopath & W. Gerstner, Biol. Cybern. 99:335-347
(2008).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monnto.core.behaviour import Behaviour

from ...core.errors import MonntoValueError
from ._common import check_positive, clear_, input_vector, read_params, resolve_dt, warn_if_coarse

__all__ = ["AdExParams", "ADEX_PATTERNS", "adex_step", "AdEx"]


@dataclass(frozen=True)
class AdExParams:
    """Parameters of the AdEx neuron (SI units; Brette & Gerstner 2005 defaults)."""

    c_m: Any = 281e-12        # F, membrane capacitance
    g_l: Any = 30e-9          # S, leak conductance
    e_l: Any = -70.6e-3       # V, leak reversal potential
    v_t: Any = -50.4e-3       # V, threshold slope factor position
    delta_t: Any = 2e-3       # V, slope factor
    a: Any = 4e-9             # S, subthreshold adaptation
    tau_w: Any = 144e-3       # s, adaptation time constant
    b: Any = 0.0805e-9        # A, spike-triggered adaptation
    v_reset: Any = -70.6e-3   # V, reset potential
    v_peak: Any = 20e-3       # V, spike cut-off
    t_ref: Any = 0.0          # s, absolute refractory period
    I_bias: Any = 0.0         # A, constant input current

    def __post_init__(self):
        check_positive(self, ("c_m", "g_l", "delta_t", "tau_w"), allow_zero=("t_ref",))


def _ms(x):
    return x * 1e-3


#: Naud et al. (2008), Table 1: parameters and the step current ``I`` (A).
ADEX_PATTERNS: dict[str, dict[str, float]] = {
    "tonic": dict(c_m=200e-12, g_l=10e-9, e_l=_ms(-70), v_t=_ms(-50), delta_t=_ms(2), a=2e-9,
                  tau_w=_ms(30), b=0.0, v_reset=_ms(-58), I=500e-12),
    "adapting": dict(c_m=200e-12, g_l=12e-9, e_l=_ms(-70), v_t=_ms(-50), delta_t=_ms(2), a=2e-9,
                     tau_w=_ms(300), b=60e-12, v_reset=_ms(-58), I=500e-12),
    "initial_burst": dict(c_m=130e-12, g_l=18e-9, e_l=_ms(-58), v_t=_ms(-50), delta_t=_ms(2),
                          a=4e-9, tau_w=_ms(150), b=120e-12, v_reset=_ms(-50), I=400e-12),
    "regular_bursting": dict(c_m=200e-12, g_l=10e-9, e_l=_ms(-58), v_t=_ms(-50), delta_t=_ms(2),
                             a=2e-9, tau_w=_ms(120), b=100e-12, v_reset=_ms(-46), I=210e-12),
    "delayed_accelerating": dict(c_m=200e-12, g_l=12e-9, e_l=_ms(-70), v_t=_ms(-50),
                                 delta_t=_ms(2), a=-10e-9, tau_w=_ms(300), b=0.0,
                                 v_reset=_ms(-58), I=300e-12),
    "transient": dict(c_m=100e-12, g_l=10e-9, e_l=_ms(-65), v_t=_ms(-50), delta_t=_ms(2), a=10e-9,
                      tau_w=_ms(90), b=100e-12, v_reset=_ms(-47), I=180e-12),
}


def adex_step(v, w, i_in, refractory_left, p: AdExParams, dt: float, xp):
    """Advance AdEx neurons by one Euler step.

    Parameters
    ----------
    v : array
        Membrane potentials (V).
    w : array
        Adaptation currents (A).
    i_in : array or float
        Input current (A), added to ``p.I_bias``.
    refractory_left : array
        Remaining refractory time (s).
    p : AdExParams
    dt : float
        Time step (s).
    xp : module
        Array namespace.

    Returns
    -------
    v, w, spikes, refractory_left
    """
    arg = xp.clip((v - p.v_t) / p.delta_t, max=(p.v_peak - p.v_t) / p.delta_t)
    dv = (-p.g_l * (v - p.e_l) + p.g_l * p.delta_t * xp.exp(arg) - w + p.I_bias + i_in) / p.c_m
    dw = (p.a * (v - p.e_l) - w) / p.tau_w
    active = refractory_left <= 0
    v_new = xp.where(active, v + dt * dv, v)
    w_new = w + dt * dw
    spikes = v_new >= p.v_peak
    v_new = xp.where(spikes, p.v_reset + 0.0 * v_new, v_new)
    w_new = xp.where(spikes, w_new + p.b, w_new)
    refractory_new = xp.where(spikes, p.t_ref + 0.0 * v_new, xp.clip(refractory_left - dt, min=0.0))
    return v_new, w_new, spikes, refractory_new


class AdEx(Behaviour):
    """Adaptive exponential integrate-and-fire neurons (see module docstring).

    Keyword arguments: ``pattern`` (a key of :data:`ADEX_PATTERNS`; sets the
    parameter defaults, and ``I_bias`` to the pattern's step current), the
    fields of :class:`AdExParams` (override the pattern; distribution
    strings allowed), ``v_init`` (V, default ``e_l``), ``w_init`` (A, default
    0), ``dt`` (s, default 0.05e-3, used when the group has no clock).

    Group variables: ``v`` (V), ``w`` (A), ``spike`` (bool),
    ``refractory_left`` (s), ``I_input`` (A, cleared after use), ``I_total``.
    """

    default_dt = 0.05e-3

    def set_variables(self, n) -> None:
        pattern = self.get_init_attr("pattern", None, None)
        overrides = {}
        if pattern is not None:
            if pattern not in ADEX_PATTERNS:
                raise MonntoValueError(f"{self!r}: pattern={pattern!r}; expected one of "
                                 f"{sorted(ADEX_PATTERNS)}")
            overrides = dict(ADEX_PATTERNS[pattern])
            overrides["I_bias"] = overrides.pop("I")
        self.p = read_params(self, AdExParams, n, overrides=overrides)
        self.dt = resolve_dt(self, n, self.default_dt)
        warn_if_coarse(self, self.dt, 0.1e-3)
        v_init = self.get_init_attr("v_init", None, n)
        n.v = n.get_neuron_vec() + (self.p.e_l if v_init is None else v_init)
        n.w = n.get_neuron_vec() + self.get_init_attr("w_init", 0.0, n)
        n.spike = n.get_neuron_vec(bool)
        n.refractory_left = n.get_neuron_vec()
        input_vector(n)
        n.I_total = n.get_neuron_vec()

    def new_iteration(self, n) -> None:
        i_in = n.I_input
        n.I_total = self.p.I_bias + i_in
        n.v, n.w, n.spike, n.refractory_left = adex_step(n.v, n.w, i_in, n.refractory_left,
                                                         self.p, self.dt, n.xp)
        clear_(i_in)
