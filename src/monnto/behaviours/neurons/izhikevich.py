"""Izhikevich (2003) simple spiking model.

    dv/dt = 0.04 v^2 + 5 v + 140 - u + I        (v in mV, t in ms)
    du/dt = a (b v - u)
    v >= v_peak (30 mV)  ->  spike, v = c, u = u + d

Units follow the paper: v and u in mV, time in ms, the current I is the
paper's dimensionless input (it enters dv/dt directly, so it has units of
mV/ms). The wrapper takes ``dt`` in seconds like every other model and
converts it to ms.

Integration: explicit Euler for v, then u with the new v (as in the paper's
MATLAB code), spike test and reset at the end of the step, so the stored v
never exceeds v_peak.

Cell types (Izhikevich 2003, Fig. 2): parameters (a, b, c, d) of

* ``'RS'`` regular spiking (0.02, 0.2, -65, 8): tonic, adapting;
* ``'IB'`` intrinsically bursting (0.02, 0.2, -55, 4): initial burst, then tonic;
* ``'CH'`` chattering (0.02, 0.2, -50, 2): repetitive bursts;
* ``'FS'`` fast spiking (0.1, 0.2, -65, 2): high rate, no adaptation;
* ``'LTS'`` low-threshold spiking (0.02, 0.25, -65, 2): high rate, adapting.

Reference: E. M. Izhikevich, Simple model of spiking neurons, IEEE Trans.
Neural Netw. 14:1569-1572 (2003).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monnto.core.behaviour import Behaviour

from ...core.errors import MonntoValueError
from ._common import clear_, input_vector, read_params, resolve_dt, warn_if_coarse

__all__ = ["IzhikevichParams", "IZHIKEVICH_CELL_TYPES", "izhikevich_step", "Izhikevich"]

#: (a, b, c, d) of the cell types of Izhikevich (2003), Fig. 2.
IZHIKEVICH_CELL_TYPES: dict[str, dict[str, float]] = {
    "RS": dict(a=0.02, b=0.2, c=-65.0, d=8.0),
    "IB": dict(a=0.02, b=0.2, c=-55.0, d=4.0),
    "CH": dict(a=0.02, b=0.2, c=-50.0, d=2.0),
    "FS": dict(a=0.1, b=0.2, c=-65.0, d=2.0),
    "LTS": dict(a=0.02, b=0.25, c=-65.0, d=2.0),
}


@dataclass(frozen=True)
class IzhikevichParams:
    """Parameters of the Izhikevich model (paper units: mV, ms)."""

    a: Any = 0.02          # 1/ms, recovery rate
    b: Any = 0.2           # 1, sensitivity of u to v
    c: Any = -65.0         # mV, reset potential
    d: Any = 8.0           # mV, reset increment of u
    v_peak: Any = 30.0     # mV, spike cut-off
    I_bias: Any = 0.0      # mV/ms (paper's current unit), constant input


def izhikevich_step(v, u, i_in, p: IzhikevichParams, dt_ms: float, xp):
    """Advance Izhikevich neurons by one Euler step.

    Parameters
    ----------
    v, u : array
        Membrane potential and recovery variable (mV).
    i_in : array or float
        Input (paper's current unit, mV/ms), added to ``p.I_bias``.
    p : IzhikevichParams
    dt_ms : float
        Time step in **milliseconds**.
    xp : module
        Array namespace.

    Returns
    -------
    v, u, spikes
    """
    current = p.I_bias + i_in
    v_new = v + dt_ms * (0.04 * v * v + 5.0 * v + 140.0 - u + current)
    u_new = u + dt_ms * p.a * (p.b * v_new - u)
    spikes = v_new >= p.v_peak
    v_new = xp.where(spikes, p.c + 0.0 * v_new, v_new)
    u_new = xp.where(spikes, u_new + p.d, u_new)
    return v_new, u_new, spikes


class Izhikevich(Behaviour):
    """Izhikevich (2003) neurons (see module docstring).

    Keyword arguments: ``cell_type`` (one of ``'RS', 'IB', 'CH', 'FS', 'LTS'``;
    sets the defaults of a, b, c, d; default 'RS'), the fields of
    :class:`IzhikevichParams` (override the cell type; distribution strings
    allowed), ``v_init`` (mV, default -65), ``u_init`` (mV, default b*v_init),
    ``dt`` (s, default 0.1e-3, used when the group has no clock).

    Group variables: ``v``, ``u`` (mV), ``spike`` (bool), ``I_input`` (paper
    current unit, cleared after use), ``I_total``.
    """

    default_dt = 0.1e-3

    def set_variables(self, n) -> None:
        cell_type = self.get_init_attr("cell_type", "RS", None)
        if cell_type not in IZHIKEVICH_CELL_TYPES:
            raise MonntoValueError(f"{self!r}: cell_type={cell_type!r}; expected one of "
                             f"{sorted(IZHIKEVICH_CELL_TYPES)}")
        self.p = read_params(self, IzhikevichParams, n, overrides=IZHIKEVICH_CELL_TYPES[cell_type])
        self.dt = resolve_dt(self, n, self.default_dt)
        self.dt_ms = self.dt * 1e3
        warn_if_coarse(self, self.dt, 0.5e-3)
        v_init = self.get_init_attr("v_init", -65.0, n)
        n.v = n.get_neuron_vec() + v_init
        u_init = self.get_init_attr("u_init", None, n)
        n.u = self.p.b * n.v if u_init is None else n.get_neuron_vec() + u_init
        n.spike = n.get_neuron_vec(bool)
        input_vector(n)
        n.I_total = n.get_neuron_vec()

    def new_iteration(self, n) -> None:
        i_in = n.I_input
        n.I_total = self.p.I_bias + i_in
        n.v, n.u, n.spike = izhikevich_step(n.v, n.u, i_in, self.p, self.dt_ms, n.xp)
        clear_(i_in)
