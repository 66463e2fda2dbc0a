"""Hindmarsh-Rose (1984) bursting neuron.

    dx/dt = y - a x^3 + b x^2 - z + I
    dy/dt = c - d x^2 - y
    dz/dt = r (s (x - x_rest) - z)

All variables, the current I and time are dimensionless (the model is
conventionally unitless). The wrapper maps model time to seconds with
``time_unit`` (s per model time unit, default 1e-3, i.e. one unit = 1 ms),
so it runs with the same Clock as the SI models; the default step is
0.1 model units (1e-4 s with the default ``time_unit``; RK4 is accurate there).

Regimes with the standard parameters (a=1, b=3, c=1, d=5, s=4,
x_rest=-1.6) and r=0.001: I=0.4 quiescent (stable fixed point), I=2
bursting, I=4 tonic spiking (the three currents of Brian2's and PymoNNto's
HR-1984 examples).

Integration: classical fourth-order Runge-Kutta (the current is held
constant over the step). A spike is an upward crossing of ``x_spike``
(default 1.0).

Reference: J. L. Hindmarsh & R. M. Rose, A model of neuronal bursting using
three coupled first order differential equations, Proc. R. Soc. Lond. B
221:87-102 (1984).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monnto.core.behaviour import Behaviour

from ...core.errors import MonntoValueError
from ._common import clear_, input_vector, read_params, resolve_dt, warn_if_coarse

__all__ = ["HindmarshRoseParams", "hindmarsh_rose_step", "HindmarshRose"]


@dataclass(frozen=True)
class HindmarshRoseParams:
    """Parameters of the Hindmarsh-Rose model (dimensionless)."""

    a: Any = 1.0
    b: Any = 3.0
    c: Any = 1.0
    d: Any = 5.0
    r: Any = 0.001         # slow time scale of the adaptation current z
    s: Any = 4.0
    x_rest: Any = -1.6
    x_spike: Any = 1.0     # upward crossing counted as a spike
    I_bias: Any = 0.0      # constant input current


def _rhs(x, y, z, current, p):
    dx = y - p.a * x * x * x + p.b * x * x - z + current
    dy = p.c - p.d * x * x - y
    dz = p.r * (p.s * (x - p.x_rest) - z)
    return dx, dy, dz


def hindmarsh_rose_step(x, y, z, i_in, p: HindmarshRoseParams, dt: float, xp):
    """Advance Hindmarsh-Rose neurons by one RK4 step.

    Parameters
    ----------
    x, y, z : array
        Membrane variable, fast recovery, slow adaptation (dimensionless).
    i_in : array or float
        Input current (dimensionless), added to ``p.I_bias``.
    p : HindmarshRoseParams
    dt : float
        Time step in **model time units**.
    xp : module
        Array namespace (unused: the update is plain arithmetic).

    Returns
    -------
    x, y, z, spikes
    """
    current = p.I_bias + i_in
    k1 = _rhs(x, y, z, current, p)
    k2 = _rhs(x + 0.5 * dt * k1[0], y + 0.5 * dt * k1[1], z + 0.5 * dt * k1[2], current, p)
    k3 = _rhs(x + 0.5 * dt * k2[0], y + 0.5 * dt * k2[1], z + 0.5 * dt * k2[2], current, p)
    k4 = _rhs(x + dt * k3[0], y + dt * k3[1], z + dt * k3[2], current, p)
    w = dt / 6.0
    x_new = x + w * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
    y_new = y + w * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
    z_new = z + w * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
    spikes = (x_new >= p.x_spike) & (x < p.x_spike)
    return x_new, y_new, z_new, spikes


class HindmarshRose(Behaviour):
    """Hindmarsh-Rose (1984) neurons (see module docstring).

    Keyword arguments: the fields of :class:`HindmarshRoseParams`
    (distribution strings allowed), ``time_unit`` (s per model time unit,
    default 1e-3), ``x_init`` (default ``x_rest``), ``y_init`` (default
    ``c - d x_init^2``), ``z_init`` (default 0), ``dt`` (s, default 1e-4,
    used when the group has no clock).

    Group variables: ``x``, ``y``, ``z`` (dimensionless; ``v`` is an alias of
    ``x`` kept up to date for recorders and plots), ``spike`` (bool),
    ``I_input`` (dimensionless, cleared after use), ``I_total``.
    """

    default_dt = 1e-4

    def set_variables(self, n) -> None:
        self.p = read_params(self, HindmarshRoseParams, n)
        time_unit = float(self.get_init_attr("time_unit", 1e-3, None))
        if not time_unit > 0:
            raise MonntoValueError(f"{self!r}: time_unit={time_unit!r}; expected seconds > 0")
        self.dt = resolve_dt(self, n, self.default_dt)
        self.dt_model = self.dt / time_unit
        warn_if_coarse(self, self.dt, 0.1 * time_unit, " (0.1 model time units)")
        x_init = self.get_init_attr("x_init", None, n)
        n.x = n.get_neuron_vec() + (self.p.x_rest if x_init is None else x_init)
        y_init = self.get_init_attr("y_init", None, n)
        n.y = self.p.c - self.p.d * n.x * n.x if y_init is None else n.get_neuron_vec() + y_init
        n.z = n.get_neuron_vec() + self.get_init_attr("z_init", 0.0, n)
        n.v = n.x
        n.spike = n.get_neuron_vec(bool)
        input_vector(n)
        n.I_total = n.get_neuron_vec()

    def new_iteration(self, n) -> None:
        i_in = n.I_input
        n.I_total = self.p.I_bias + i_in
        n.x, n.y, n.z, n.spike = hindmarsh_rose_step(n.x, n.y, n.z, i_in, self.p,
                                                     self.dt_model, n.xp)
        n.v = n.x
        clear_(i_in)
