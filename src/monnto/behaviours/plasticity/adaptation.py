"""Spike-frequency adaptation and relative refractoriness as add-on behaviours.

Spike-triggered adaptation current (e.g. Benda & Herz 2003; the w of AdEx,
Brette & Gerstner 2005, without its subthreshold coupling):

    tau_a da/dt = -a,   a += b at each spike,   I_input -= a

The neuron models of :mod:`monnto.behaviours.neurons` have an absolute
refractory period (``t_ref``) already; AdEx has its own adaptation. This
behaviour adds adaptation to any model that reads ``n.I_input``: give it a
key before the neuron model; it uses the spikes of the previous step.

PymoNNto-style relative refractoriness (``refractory``): a counter
``c = c * decay + spike`` is subtracted, scaled, from an activity variable:
``act -= strength * c``.
"""
from __future__ import annotations

import math
from typing import Any

from monnto.behaviours.plasticity._common import as_numbers, step_dt
from monnto.core import Behaviour

from ...core.errors import MonntoValueError

__all__ = ["Refractoriness", "SpikeFrequencyAdaptation", "adaptation_step", "refractory_step"]


def adaptation_step(a: Any, spikes: Any, decay: float, b: Any) -> Any:
    """``a * decay + b * spikes`` (exact decay over one step)."""
    return a * decay + b * spikes


def refractory_step(counter: Any, spikes: Any, decay: float) -> Any:
    """``counter * decay + spikes``."""
    return counter * decay + spikes


class SpikeFrequencyAdaptation(Behaviour):
    """Spike-triggered adaptation current subtracted from ``n.I_input``.

    Parameters: ``tau_a`` (s, default 100 ms), ``b`` (increment per spike,
    in the model's current unit: A for the SI models; default 10 pA),
    ``dt`` (s; default the group's clock), ``input_attr`` (default
    'I_input'). State ``n.I_adapt``.
    """

    def set_variables(self, n: Any) -> None:
        owner = type(self).__name__
        tau = float(self.get_init_attr("tau_a", 0.1))
        if not tau > 0:
            raise MonntoValueError(f"{owner}: tau_a must be > 0 s, got {tau!r}")
        self.b = self.get_init_attr("b", 10e-12, n)
        self.dt = step_dt(n, self.get_init_attr("dt", None), owner)
        self.decay = math.exp(-self.dt / tau)
        self.input_attr = self.get_init_attr("input_attr", "I_input")
        n.I_adapt = n.get_neuron_vec()
        if not hasattr(n, "spike"):
            n.spike = n.get_neuron_vec(bool)
        if n.__dict__.get(self.input_attr) is None:
            setattr(n, self.input_attr, n.get_neuron_vec())

    def new_iteration(self, n: Any) -> None:
        spikes = as_numbers(n.spike, n.I_adapt, n.xp)
        n.I_adapt = adaptation_step(n.I_adapt, spikes, self.decay, self.b)
        inp = getattr(n, self.input_attr)
        inp -= n.I_adapt


class Refractoriness(Behaviour):
    """PymoNNto's ``refractory``: ``c = c*decayfactor + spike``; ``act -= strength*c``.

    Parameters: ``decayfactor`` (default 0.5), ``strengthfactor`` (1.0),
    ``activity_attr`` (default 'voltage'), ``spike_attr`` ('spike').
    """

    def set_variables(self, n: Any) -> None:
        self.decay = float(self.get_init_attr("decayfactor", 0.5))
        self.strength = float(self.get_init_attr("strengthfactor", 1.0))
        self.activity_attr = self.get_init_attr("activity_attr", "voltage")
        self.spike_attr = self.get_init_attr("spike_attr", "spike")
        if not 0 <= self.decay < 1:
            raise MonntoValueError(f"{type(self).__name__}: decayfactor must be in [0, 1), got {self.decay!r}")
        n.refractory_counter = n.get_neuron_vec()

    def new_iteration(self, n: Any) -> None:
        n.refractory_counter = refractory_step(n.refractory_counter, getattr(n, self.spike_attr),
                                               self.decay)
        setattr(n, self.activity_attr,
                getattr(n, self.activity_attr) - self.strength * n.refractory_counter)

