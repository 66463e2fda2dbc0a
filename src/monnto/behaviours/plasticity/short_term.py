"""Short-term synaptic plasticity (Tsodyks-Markram model).

Tsodyks, Pawelzik & Markram (1998, Neural Comput 10:821), Markram, Wang &
Tsodyks (1998, PNAS 95:5323). Each presynaptic neuron j has a utilization
u_j (facilitation) and a fraction of available resources x_j (depression):

    du/dt = -u / tau_f                 (u jumps at a spike: u+ = u- + U (1 - u-))
    dx/dt = (1 - x) / tau_d            (x jumps at a spike: x+ = x- - u+ x-)

and the spike releases ``r_j = u+ x-`` (the efficacy that multiplies the
weight). ``tau_f = 0`` gives a purely depressing synapse (u+ = U). Between
spikes u and x are integrated exactly. For a regular train of period T the
steady state is (used in the tests)

    u+ = U / (1 - (1 - U) exp(-T/tau_f))
    x- = (1 - exp(-T/tau_d)) / (1 - (1 - u+) exp(-T/tau_d))

The wrapper lives on a SynapseGroup and writes ``s.stp_release`` (S,), zero
for sources that did not spike; a propagation behaviour then uses
``W @ s.stp_release`` in place of ``W @ src.spike``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from monnto.behaviours.plasticity._common import state_vector, step_dt
from monnto.core import Behaviour

from ...core.errors import MonntoValueError

__all__ = ["STPParams", "ShortTermPlasticity", "TsodyksMarkram", "stp_decays", "stp_element", "stp_step",
           "stp_steady_state"]


@dataclass(frozen=True)
class STPParams:
    """Tsodyks-Markram parameters (times in s); defaults: a depressing synapse."""

    U: float = 0.5         # utilization increment
    tau_d: float = 0.8     # s, recovery from depression
    tau_f: float = 0.0     # s, decay of facilitation (0: none)


def stp_step(u: Any, x: Any, spikes: Any, p: STPParams, dt: float, xp: Any = np) -> tuple:
    """Advance u and x by one step, then apply this step's spikes.

    Returns ``(u, x, release)`` with ``release = u+ x-`` for spiking
    sources and 0 elsewhere.
    """
    fac, dep = stp_decays(p, dt)
    return stp_element(u, x, spikes, p.U, fac, dep, xp)


def stp_decays(p: STPParams, dt: float) -> tuple[float, float]:
    """The per-step factors ``(exp(-dt/tau_f), exp(-dt/tau_d))`` (0 for ``tau_f = 0``), as Python floats."""
    fac = math.exp(-dt / p.tau_f) if p.tau_f > 0 else 0.0
    return fac, math.exp(-dt / p.tau_d)


def stp_element(u: Any, x: Any, spike: Any, U: float, fac: float, dep: float, xp: Any) -> tuple:
    """Element-wise Tsodyks-Markram step of one source (or of arrays of sources).

    Written once for every target: :func:`stp_step` calls it on whole arrays,
    the numba target compiles its scalar form (:mod:`monnto.targets.scalarize`)
    into a per-source loop. Returns ``(u, x, release)``.
    """
    u = u * fac
    x = 1.0 - (1.0 - x) * dep
    u_plus = u + U * (1.0 - u)
    release = xp.where(spike, u_plus * x, 0.0 * x)
    u = xp.where(spike, u_plus, u)
    x = x - release
    return u, x, release


def stp_steady_state(period: float, p: STPParams) -> tuple[float, float, float]:
    """Steady state ``(u+, x-, release)`` for a regular spike train of ``period`` s."""
    ef = math.exp(-period / p.tau_f) if p.tau_f > 0 else 0.0
    ed = math.exp(-period / p.tau_d)
    u_plus = p.U / (1.0 - (1.0 - p.U) * ef)
    x_minus = (1.0 - ed) / (1.0 - (1.0 - u_plus) * ed)
    return u_plus, x_minus, u_plus * x_minus


class ShortTermPlasticity(Behaviour):
    """Tsodyks-Markram STP on a SynapseGroup; writes ``s.stp_release`` (S,).

    Parameters (keyword arguments): ``U``, ``tau_d`` (s), ``tau_f`` (s; 0 for
    none), ``dt`` (s; default the group's clock), ``spike_attr`` of the
    source (default 'spike'). State: ``s.stp_u``, ``s.stp_x`` (S,).
    Give it a key after the source's neuron model and before the synaptic
    propagation that reads ``s.stp_release``.
    """

    def set_variables(self, s: Any) -> None:
        owner = type(self).__name__
        if not hasattr(s, "src"):
            raise MonntoValueError(f"{owner}: attach it to a SynapseGroup, got {s!r}")
        self.p = STPParams(U=float(self.get_init_attr("U", 0.5)),
                           tau_d=float(self.get_init_attr("tau_d", 0.8)),
                           tau_f=float(self.get_init_attr("tau_f", 0.0)))
        if not 0 < self.p.U <= 1:
            raise MonntoValueError(f"{owner}: U must be in (0, 1], got {self.p.U!r}")
        if not self.p.tau_d > 0 or self.p.tau_f < 0:
            raise MonntoValueError(f"{owner}: need tau_d > 0 and tau_f >= 0 (s), got "
                             f"tau_d={self.p.tau_d!r}, tau_f={self.p.tau_f!r}")
        self.dt = step_dt(s.src, self.get_init_attr("dt", None), owner)
        self.spike_attr = self.get_init_attr("spike_attr", "spike")
        s.stp_u = state_vector(s.src, s.src.size)
        s.stp_x = state_vector(s.src, s.src.size, 1.0)
        s.stp_release = state_vector(s.src, s.src.size)

    def new_iteration(self, s: Any) -> None:
        xp = getattr(s.src, "xp", np)
        s.stp_u, s.stp_x, s.stp_release = stp_step(s.stp_u, s.stp_x, getattr(s.src, self.spike_attr),
                                                   self.p, self.dt, xp)


#: Short name.
TsodyksMarkram = ShortTermPlasticity
