"""Intrinsic plasticity and homeostasis: push each neuron toward a target activity.

Threshold adaptation (SORN: Lazar, Pipa & Triesch 2009, Front Comput
Neurosci 3:23, eq. 6; homeostatic threshold of e.g. Zenke et al. 2013):

    theta_i(t+1) = theta_i(t) + eta * (a_i(t) - h)

where ``a_i`` is the neuron's activity (its spike, 0 or 1, per step; or a
low-pass rate estimate, see ``tau``) and ``h`` the target (spikes per step,
or ``target_rate * dt``). At the fixed point the mean activity equals ``h``.
``sign=-1`` adapts an excitability variable instead (a bias current that
must fall when the neuron is too active).

Optional rate estimate (exact exponential filter, in spikes per step):

    a_i(t) = a_i(t-1) * exp(-dt/tau) + spike_i(t) * (1 - exp(-dt/tau))

Voltage homeostasis of the paper's tutorial ("Homeostasis(target_voltage=
0.05)", Vieth et al. 2021): an exhaustion value ``e`` grows while the
voltage is above ``max_ta`` and shrinks while it is below ``min_ta``, and is
subtracted from the voltage each step:

    e += eta * (v - max_ta)   where v > max_ta
    e -= eta * (min_ta - v)   where v < min_ta
    v -= e
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from monnto.behaviours.plasticity._common import as_numbers
from monnto.core import Behaviour
from monnto.core.backend import to_numpy

from ...core.errors import MonntoValueError

__all__ = [
    "IntrinsicPlasticity", "VoltageHomeostasis", "intrinsic_plasticity_step",
    "rate_estimate_step", "voltage_homeostasis_step",
]


def intrinsic_plasticity_step(theta: Any, activity: Any, target: Any, eta: float,
                              sign: float = 1.0) -> Any:
    """``theta + sign * eta * (activity - target)`` (arrays in, array out)."""
    return theta + sign * eta * (activity - target)


def rate_estimate_step(rate: Any, spikes: Any, decay: float) -> Any:
    """Low-pass activity in spikes per step: ``rate*decay + spikes*(1-decay)``."""
    return rate * decay + spikes * (1.0 - decay)


def voltage_homeostasis_step(v: Any, exhaustion: Any, min_ta: Any, max_ta: Any, eta: float,
                             xp: Any = np) -> tuple[Any, Any]:
    """One step of the tutorial's voltage homeostasis; returns ``(v, exhaustion)``."""
    above = xp.where(v > max_ta, v - max_ta, 0.0 * v)
    below = xp.where(v < min_ta, min_ta - v, 0.0 * v)
    exhaustion = exhaustion + eta * (above - below)
    return v - exhaustion, exhaustion


class IntrinsicPlasticity(Behaviour):
    """Adapt a per-neuron threshold (or excitability) toward a target activity.

    Runs after the neuron model (higher key), reading this step's spikes.

    The parameters are keyword arguments, read with ``get_init_attr``.

    Parameters
    ----------
    target : float
        Target activity in spikes per step (``h_IP`` of SORN); or give
        ``target_rate`` (Hz), converted with the step ``dt`` (s; the
        group's clock ``dt`` when it has one).
    eta : float
        Learning rate (threshold units per unit activity), default 1e-3.
    attr : str
        Group attribute adapted (default 'threshold'); created as
        ``init_threshold`` (default 0) when absent.
    spike_attr : str
        Group attribute holding the spikes (default 'spike').
    tau : float, optional
        Time constant (s) of a rate estimate stored as ``n.ip_rate``; without
        it the instantaneous spike is used (SORN).
    sign : float
        +1 (a threshold: rises with activity) or -1 (an excitability).
    min_value, max_value : float, optional
        Clip the adapted variable.
    """

    def set_variables(self, n: Any) -> None:
        owner = type(self).__name__
        self.attr = self.get_init_attr("attr", "threshold", None)
        self.spike_attr = self.get_init_attr("spike_attr", "spike", None)
        self.eta = float(self.get_init_attr("eta", 1e-3, None))
        self.sign = float(self.get_init_attr("sign", 1.0, None))
        self.min_value = self.get_init_attr("min_value", None, None)
        self.max_value = self.get_init_attr("max_value", None, None)
        dt = self.get_init_attr("dt", None, None)
        if dt is None:
            dt = getattr(n, "dt", None)
        self.dt = None if dt is None else float(dt)
        target = self.get_init_attr("target", None, n)
        rate = self.get_init_attr("target_rate", None, n)
        if (target is None) == (rate is None):
            raise MonntoValueError(f"{owner}: give exactly one of target (spikes per step) or "
                             f"target_rate (Hz); got target={target!r}, target_rate={rate!r}")
        if rate is not None:
            if self.dt is None:
                raise MonntoValueError(f"{owner}: target_rate={rate!r} Hz needs a time step; pass dt= "
                                 f"or add a Clock")
            target = rate * self.dt
        self.target = target
        if np.any(to_numpy(target) < 0) or np.any(to_numpy(target) > 1):
            raise MonntoValueError(f"{owner}: target must be a probability per step in [0, 1], got {target!r}")
        if self.sign not in (1.0, -1.0):
            raise MonntoValueError(f"{owner}: sign must be +1 or -1, got {self.sign!r}")
        tau = self.get_init_attr("tau", None, None)
        self.decay = None
        if tau is not None:
            if self.dt is None or not float(tau) > 0:
                raise MonntoValueError(f"{owner}: tau={tau!r} s needs tau > 0 and a time step dt")
            self.decay = math.exp(-self.dt / float(tau))
            n.ip_rate = n.get_neuron_vec() + target
        if not hasattr(n, self.attr):
            init = self.get_init_attr("init_" + self.attr, 0.0, n)
            setattr(n, self.attr, n.get_neuron_vec() + init)

    def new_iteration(self, n: Any) -> None:
        theta = getattr(n, self.attr)
        spikes = as_numbers(getattr(n, self.spike_attr), theta, n.xp)
        activity = spikes
        if self.decay is not None:
            n.ip_rate = rate_estimate_step(n.ip_rate, spikes, self.decay)
            activity = n.ip_rate
        theta = intrinsic_plasticity_step(theta, activity, self.target,
                                          self.eta, self.sign)
        if self.min_value is not None or self.max_value is not None:
            theta = n.xp.clip(theta, self.min_value, self.max_value)
        setattr(n, self.attr, theta)


class VoltageHomeostasis(Behaviour):
    """The tutorial's ``Homeostasis``: subtract an exhaustion that tracks high voltage.

    Parameters: ``target_voltage`` (default 0.05), ``max_ta`` and ``min_ta``
    (default ``target_voltage``), ``eta_ip`` (default 0.001), ``voltage_attr``
    (default 'voltage'). Stores ``n.exhaustion``.
    """

    def set_variables(self, n: Any) -> None:
        target = self.get_init_attr("target_voltage", 0.05, n)
        self.max_ta = self.get_init_attr("max_ta", target, n)
        self.min_ta = self.get_init_attr("min_ta", target, n)
        self.eta = float(self.get_init_attr("eta_ip", 0.001, None))
        self.voltage_attr = self.get_init_attr("voltage_attr", "voltage", None)
        if np.any(to_numpy(self.min_ta) > to_numpy(self.max_ta)):
            raise MonntoValueError(f"{type(self).__name__}: min_ta ({self.min_ta!r}) must not exceed "
                             f"max_ta ({self.max_ta!r})")
        n.exhaustion = n.get_neuron_vec()

    def new_iteration(self, n: Any) -> None:
        v, n.exhaustion = voltage_homeostasis_step(getattr(n, self.voltage_attr), n.exhaustion,
                                                   self.min_ta, self.max_ta, self.eta, n.xp)
        setattr(n, self.voltage_attr, v)
