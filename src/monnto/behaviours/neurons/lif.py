"""Leaky integrate-and-fire neurons, current- and conductance-based.

Current-based (:class:`LIF`)::

    tau_m dv/dt = (v_rest - v) + r_m (I_bias + I_input)
    v > v_th  ->  spike, v = v_reset, clamped for t_ref

Conductance-based (:class:`ConductanceLIF`, as in the Vogels-Abbott COBA
benchmark)::

    c_m dv/dt = g_l (e_l - v) + g_e (e_e - v) + g_i (e_i - v) + I_bias + I_input
    tau_e dg_e/dt = -g_e        tau_i dg_i/dt = -g_i

Integration. ``method='exact'`` (default) integrates the linear membrane
equation exactly over each step for an input that is constant during the
step, and places the threshold crossing at its exact time inside the step
(so firing rates do not depend on ``dt``; at most one spike per neuron per
step). ``method='euler'`` is the explicit Euler rule (first-order, for
comparison; for the conductance model it is the integration of the COBA
benchmark's reference implementations, e.g. Brian2's ``method='euler'``:
``v += dt (g_l (e_l - v) + g_e (e_e - v) + g_i (e_i - v) + I) / c_m`` with
the conductances at the step's start, which then decay exactly).

The conductance model's exact method uses the exact step-average of the
exponentially decaying conductances and then the exact update of the
membrane equation with that constant conductance (error O(dt^2)). The
membrane's time constant enters as its inverse, the rate ``1 / tau``
(``g_total / c_m``), so that a step needs one division per neuron.

References: Gerstner, Kistler, Naud, Paninski, *Neuronal Dynamics* (2014),
ch. 1.3 (closed forms used in the tests); Vogels & Abbott (2005) J Neurosci
25:10786, and Brette et al. (2007) J Comput Neurosci 23:349 (COBA values).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from monnto.core.behaviour import Behaviour

from ...core.errors import MonntoValueError
from ._common import check_positive, clear_, input_vector, read_params, resolve_dt

__all__ = ["LIFParams", "ConductanceLIFParams", "lif_step", "conductance_lif_step",
           "lif_rate", "LIF", "ConductanceLIF"]


@dataclass(frozen=True)
class LIFParams:
    """Parameters of the current-based LIF neuron (SI units)."""

    tau_m: Any = 20e-3      # s, membrane time constant
    v_rest: Any = -65e-3    # V, resting potential
    v_reset: Any = -65e-3   # V, reset potential
    v_th: Any = -50e-3      # V, firing threshold
    r_m: Any = 1e7          # ohm, membrane resistance
    t_ref: Any = 2e-3       # s, absolute refractory period
    I_bias: Any = 0.0       # A, constant input current
    method: str = "exact"   # 'exact' or 'euler'

    def __post_init__(self):
        check_positive(self, ("tau_m", "r_m"), allow_zero=("t_ref",))
        _check_method(self.method)


def _check_method(method: str) -> None:
    if method not in ("exact", "euler"):
        raise MonntoValueError(f"LIF method={method!r}: expected 'exact' or 'euler'")


def _at_least(x, low, xp):
    """``max(x, low)`` elementwise; numpy's ``clip`` costs microseconds of Python per call."""
    return np.maximum(x, low) if xp is np else xp.clip(x, min=low)


def _at_most(x, high, xp):
    """``min(x, high)`` elementwise (see :func:`_at_least`)."""
    return np.minimum(x, high) if xp is np else xp.clip(x, max=high)


def _indices(mask, xp):
    """Indices of the True entries of a 1-D mask (numpy, torch or an array-API namespace)."""
    if xp is np:
        return np.flatnonzero(mask)
    found = xp.nonzero(mask)
    return found[0] if isinstance(found, tuple) else found.reshape(-1)


def _active_time(refractory_left, dt, xp):
    """Element-wise: the non-refractory part of the step and the refractory time left after it.

    Written once for every target: numpy calls the element-wise helpers on
    arrays, the numba target compiles scalar copies of these very functions
    (:mod:`monnto.targets.scalarize`).
    """
    active_time = _at_most(_at_least(dt - refractory_left, 0.0, xp), dt, xp)
    refractory_new = _at_least(refractory_left - dt, 0.0, xp)
    return active_time, refractory_new


def _membrane_free(v, v_inf, decay, active_time, v_th, xp):
    """Element-wise: relax towards ``v_inf`` by ``decay = exp(-active_time * rate)``; threshold test.

    Returns ``(v_new, crossed)`` (see :func:`_active_time` for the targets).
    """
    v_new = v_inf + (v - v_inf) * decay
    crossed = (active_time > 0) & ((v >= v_th) | (v_new > v_th))
    return v_new, crossed


def _membrane_spike(v, v_inf, rate, active_time, v_th, v_reset, t_ref, dt, xp):
    """Element-wise, for neurons that cross the threshold in this step (``rate = 1 / tau``, 1/s).

    Returns ``(v_new, refractory_new, spike_offset)``: the crossing time
    inside the step, the reset and the refractory time left at the step's
    end (see :func:`_active_time` for the targets).
    """
    # time of the crossing measured from the start of the active part
    rising = ~(v >= v_th)
    ratio = xp.where(rising, (v_inf - v) / xp.where(rising, v_inf - v_th, 1.0), 1.0)
    t_cross = xp.log(_at_least(ratio, 1.0, xp)) / rate
    spike_offset = (dt - active_time) + t_cross    # spike time inside the step, s
    left_after_spike = t_ref - (dt - spike_offset)  # refractory time left at step end
    extra = _at_least(-left_after_spike, 0.0, xp)   # active time after the refractory period
    v_new = v_inf + (v_reset - v_inf) * xp.exp(-extra * rate)
    return v_new, _at_least(left_after_spike, 0.0, xp), spike_offset


def _exact_membrane_step(v, v_inf, rate, refractory_left, p, dt, xp):
    """Shared exact update of ``dv/dt = rate (v_inf - v)`` with threshold and refractoriness.

    ``rate`` is ``1 / tau`` (1/s), a scalar or one value per neuron.

    Every neuron decays exactly over the active (non-refractory) part of the
    step; the crossing time, reset and new refractory time are computed only
    for the few neurons that cross the threshold in this step.
    """
    active_time, refractory_new = _active_time(refractory_left, dt, xp)
    v_new, crossed = _membrane_free(v, v_inf, xp.exp(-active_time * rate), active_time, p.v_th, xp)
    offset = xp.zeros_like(v)
    idx = _indices(crossed, xp)
    if idx.shape[0] == 0:
        return v_new, crossed, refractory_new, offset

    def at(x):  # a per-neuron parameter at the crossing neurons; scalars pass
        return x[idx] if getattr(x, "ndim", 0) else x

    v_new[idx], refractory_new[idx], offset[idx] = _membrane_spike(
        v[idx], at(v_inf), at(rate), active_time[idx], at(p.v_th), at(p.v_reset), at(p.t_ref), dt, xp)
    return v_new, crossed, refractory_new, offset


def lif_step(v, i_in, refractory_left, p: LIFParams, dt: float, xp):
    """Advance current-based LIF neurons by one step.

    Parameters
    ----------
    v : array
        Membrane potentials (V).
    i_in : array or float
        Input current during the step (A), added to ``p.I_bias``.
    refractory_left : array
        Remaining refractory time (s); 0 when the neuron is free.
    p : LIFParams
        Parameters (scalars or per-neuron arrays).
    dt : float
        Time step (s).
    xp : module
        Array namespace (numpy, or torch / array-api-compat).

    Returns
    -------
    v, spikes, refractory_left, spike_offset
        New potentials (V), spike flags (bool), remaining refractory time (s)
        and, for spiking neurons, the spike time inside the step (s after the
        step's start; exact for ``method='exact'``, ``dt`` for Euler).
    """
    _check_method(p.method)
    v_inf = p.v_rest + p.r_m * (p.I_bias + i_in)
    if p.method == "exact":
        return _exact_membrane_step(v, v_inf, 1.0 / p.tau_m, refractory_left, p, dt, xp)
    return _euler_membrane_step(v, v + dt * (v_inf - v) / p.tau_m, refractory_left, p, dt, xp)


def _euler_membrane_step(v, v_free, refractory_left, p, dt, xp):
    """Shared end of an Euler step: ``v_free`` where not refractory, threshold, reset, refractoriness."""
    active = refractory_left <= 0
    v_new = xp.where(active, v_free, v)
    spikes = v_new > p.v_th
    v_new = xp.where(spikes, p.v_reset + 0.0 * v_new, v_new)
    refractory_new = xp.where(spikes, p.t_ref + 0.0 * v_new, _at_least(refractory_left - dt, 0.0, xp))
    offset = xp.where(spikes, dt + 0.0 * v_new, 0.0 * v_new)
    return v_new, spikes, refractory_new, offset


def lif_rate(i_in, p: LIFParams, xp=None):
    """Closed-form firing rate (Hz) of the LIF neuron for a constant current (A).

    ``1 / (t_ref + tau_m ln((v_inf - v_reset) / (v_inf - v_th)))`` when
    ``v_inf = v_rest + r_m I > v_th``, else 0 (Gerstner et al. 2014, eq. 1.11).
    """
    xp = xp or np
    v_inf = p.v_rest + p.r_m * (p.I_bias + i_in)
    above = v_inf > p.v_th
    safe = xp.where(above, (v_inf - p.v_reset) / xp.where(above, v_inf - p.v_th, 1.0), 1.0)
    period = p.t_ref + p.tau_m * xp.log(safe)
    return xp.where(above, 1.0 / period, 0.0)


@dataclass(frozen=True)
class ConductanceLIFParams:
    """Parameters of the conductance-based LIF neuron (SI units; COBA defaults)."""

    c_m: Any = 200e-12      # F, membrane capacitance
    g_l: Any = 10e-9        # S, leak conductance (tau_m = c_m / g_l = 20 ms)
    e_l: Any = -60e-3       # V, leak reversal (resting) potential
    v_reset: Any = -60e-3   # V, reset potential
    v_th: Any = -50e-3      # V, firing threshold
    t_ref: Any = 5e-3       # s, refractory period
    e_e: Any = 0.0          # V, excitatory reversal potential
    e_i: Any = -80e-3       # V, inhibitory reversal potential
    tau_e: Any = 5e-3       # s, excitatory conductance decay
    tau_i: Any = 10e-3      # s, inhibitory conductance decay
    I_bias: Any = 0.0       # A, constant input current
    method: str = "exact"   # 'exact' or 'euler'

    def __post_init__(self):
        check_positive(self, ("c_m", "g_l", "tau_e", "tau_i"), allow_zero=("t_ref",))
        _check_method(self.method)


def conductance_factors(v, p: ConductanceLIFParams, dt: float, xp):
    """The per-step constants of :func:`conductance_lif_step`, as arrays shaped like ``v``.

    Returns ``(decay_e, decay_i, mean_e, mean_i, inv_c_m)``: the decays
    ``exp(-dt/tau)`` of the conductances, the factors ``tau (1 - exp(-dt/tau)) / dt``
    that turn a conductance at the step's start into its exact average over
    the step, and ``1 / c_m`` (1/F). They change only with ``p`` and ``dt``.
    """
    decay_e, decay_i = xp.exp(-dt / (p.tau_e + 0.0 * v)), xp.exp(-dt / (p.tau_i + 0.0 * v))
    mean_e = (1.0 - decay_e) * p.tau_e / dt
    mean_i = (1.0 - decay_i) * p.tau_i / dt
    return decay_e, decay_i, mean_e, mean_i, 1.0 / (p.c_m + 0.0 * v)


def _conductance_drive(g_e, g_i, mean_e, mean_i, i_in, g_l, e_l, e_e, e_i, inv_c_m, i_bias, xp):
    """Element-wise: steady state ``v_inf`` (V) and rate ``1 / tau`` (1/s) of the membrane during a step.

    The conductances enter with their exact average over the step,
    ``g * mean`` with ``mean = tau (1 - exp(-dt/tau)) / dt`` from
    :func:`conductance_factors` (one source for every target, see
    :func:`_active_time`); one division per neuron.
    """
    avg_e = g_e * mean_e
    avg_i = g_i * mean_i
    g_tot = g_l + avg_e + avg_i
    v_inf = (g_l * e_l + avg_e * e_e + avg_i * e_i + i_bias + i_in) / g_tot
    return v_inf, g_tot * inv_c_m


def _conductance_euler(v, g_e, g_i, i_in, g_l, e_l, e_e, e_i, inv_c_m, i_bias, dt):
    """Element-wise: the explicit Euler step of the membrane (V), conductances at the step's start."""
    return v + dt * ((g_l * (e_l - v) + g_e * (e_e - v) + g_i * (e_i - v) + i_bias + i_in) * inv_c_m)


def conductance_lif_step(v, g_e, g_i, i_in, refractory_left, p: ConductanceLIFParams, dt: float, xp,
                         factors=None):
    """Advance conductance-based LIF neurons by one step.

    With ``p.method == 'exact'`` the conductances are replaced by their exact
    average over the step, ``g tau (1 - exp(-dt/tau)) / dt``, the membrane
    equation is then solved exactly with that constant conductance (threshold
    crossing placed exactly inside the step); with ``'euler'`` the membrane
    takes one explicit Euler step with the conductances at the step's start
    (a spike's offset is then ``dt``). Then the conductances decay by
    ``exp(-dt/tau)``.

    Parameters
    ----------
    v : array
        Membrane potentials (V).
    g_e, g_i : array
        Excitatory and inhibitory conductances at the step's start (S).
    i_in : array or float
        Input current (A), added to ``p.I_bias``.
    refractory_left : array
        Remaining refractory time (s).
    p : ConductanceLIFParams
    dt : float
        Time step (s).
    xp : module
        Array namespace.
    factors : tuple of arrays, optional
        :func:`conductance_factors` of these parameters, to reuse (they only
        change with ``p`` and ``dt``).

    Returns
    -------
    v, g_e, g_i, spikes, refractory_left, spike_offset
    """
    decay_e, decay_i, mean_e, mean_i, inv_c_m = conductance_factors(v, p, dt, xp) if factors is None else factors
    _check_method(p.method)
    if p.method == "euler":
        v_free = _conductance_euler(v, g_e, g_i, i_in, p.g_l, p.e_l, p.e_e, p.e_i, inv_c_m, p.I_bias, dt)
        v_new, spikes, refr, offset = _euler_membrane_step(v, v_free, refractory_left, p, dt, xp)
        return v_new, g_e * decay_e, g_i * decay_i, spikes, refr, offset
    v_inf, rate = _conductance_drive(g_e, g_i, mean_e, mean_i, i_in, p.g_l, p.e_l, p.e_e, p.e_i, inv_c_m,
                                     p.I_bias, xp)
    v_new, spikes, refr, offset = _exact_membrane_step(v, v_inf, rate, refractory_left, p, dt, xp)
    return v_new, g_e * decay_e, g_i * decay_i, spikes, refr, offset


class LIF(Behaviour):
    """Current-based leaky integrate-and-fire neurons (see module docstring).

    Keyword arguments are the fields of :class:`LIFParams` (each may be a
    distribution string, e.g. ``tau_m='normal(20e-3, 1e-3)'``), plus ``dt``
    (s, default 0.1e-3, used only when the group has no clock) and ``v_init``
    (V, default ``v_rest``; may be a distribution string).

    Group variables: ``v`` (V), ``spike`` (bool), ``refractory_left`` (s),
    ``spike_offset`` (s inside the step), ``I_input`` (A, cleared after use),
    ``I_total`` (A).
    """

    default_dt = 0.1e-3

    def set_variables(self, n) -> None:
        self.p = read_params(self, LIFParams, n)
        self.dt = resolve_dt(self, n, self.default_dt)
        v_init = self.get_init_attr("v_init", None, n)
        n.v = n.get_neuron_vec() + (self.p.v_rest if v_init is None else v_init)
        n.spike = n.get_neuron_vec(bool)
        n.refractory_left = n.get_neuron_vec()
        n.spike_offset = n.get_neuron_vec()
        input_vector(n)
        n.I_total = n.get_neuron_vec()

    def new_iteration(self, n) -> None:
        i_in = n.I_input
        n.I_total = self.p.I_bias + i_in
        n.v, n.spike, n.refractory_left, n.spike_offset = lif_step(
            n.v, i_in, n.refractory_left, self.p, self.dt, n.xp)
        clear_(i_in)


class ConductanceLIF(Behaviour):
    """Conductance-based leaky integrate-and-fire neurons (see module docstring).

    Keyword arguments are the fields of :class:`ConductanceLIFParams`, plus
    ``dt`` (s, default 0.1e-3) and ``v_init`` (V, default ``e_l``).

    Group variables: ``v`` (V), ``g_e``, ``g_i`` (S; synapses add jumps here
    before this behaviour runs), ``spike``, ``refractory_left`` (s),
    ``spike_offset`` (s), ``I_input`` (A, cleared after use), ``I_total`` (A).
    """

    default_dt = 0.1e-3

    def set_variables(self, n) -> None:
        self.p = read_params(self, ConductanceLIFParams, n)
        self.dt = resolve_dt(self, n, self.default_dt)
        v_init = self.get_init_attr("v_init", None, n)
        n.v = n.get_neuron_vec() + (self.p.e_l if v_init is None else v_init)
        n.g_e = n.get_neuron_vec()
        n.g_i = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)
        n.refractory_left = n.get_neuron_vec()
        n.spike_offset = n.get_neuron_vec()
        input_vector(n)
        n.I_total = n.get_neuron_vec()
        self._factors = (None, None, None)  # (p, dt, conductance_factors) of the last step

    def new_iteration(self, n) -> None:
        i_in = n.I_input
        n.I_total = self.p.I_bias + i_in
        p, dt, factors = self._factors
        if p is not self.p or dt != self.dt:  # computed again only when the parameters change
            factors = conductance_factors(n.v, self.p, self.dt, n.xp)
            self._factors = (self.p, self.dt, factors)
        n.v, n.g_e, n.g_i, n.spike, n.refractory_left, n.spike_offset = conductance_lif_step(
            n.v, n.g_e, n.g_i, i_in, n.refractory_left, self.p, self.dt, n.xp, factors)
        clear_(i_in)
