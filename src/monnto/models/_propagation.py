"""Spike propagation with a fixed axonal delay into a variable of the target group.

Each step the source's spikes enter the ring buffer of a
:class:`~monnto.behaviours.synapses.delays.DelayLine` and the spikes of
``n_delay`` steps ago are delivered::

    dst.<target> += scale * (W @ spikes(t - n_delay))

For a CSR ``SparseSynapseMatrix`` the weights are added one synapse at a
time (:meth:`SparseSynapseMatrix.add_event_product`), the same sums on the
numpy and numba targets.
``W @ spikes`` with a boolean vector is event-driven for the core's
``EventMatrix`` and ``SparseSynapseMatrix`` (only the sources that spiked
are touched). The behaviour must run *before* the neuron models in a step
(smaller key): it reads ``src.spike`` of the previous step, so the minimum
delay is one step and ``delay`` (s) is rounded to a whole number of steps
(at least one). With ``release_attr`` (float efficacies of short-term
plasticity instead of spikes) a float ring buffer of its own is used.
The buffers live on the network's backend and device; a CSR
``SparseSynapseMatrix`` (numpy-only) on another backend is refused at
initialization.

Exponentially decaying synaptic currents or conductances (CUBA/COBA) are
provided by :class:`ExponentialSynapses`: ``x <- x exp(-dt/tau)`` each step,
the neuron model reads ``x``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from monnto.behaviours.synapses.delays import DelayLine, product
from monnto.core import Behaviour
from monnto.core.sparse_matrix import SparseSynapseMatrix
from monnto.models._backend import host_to_backend

from ..core.errors import MonntoValueError

__all__ = ["DelayedSynapticInput", "ExponentialSynapses", "delay_steps"]


def delay_steps(delay: float, dt: float) -> int:
    """Number of whole steps (at least 1) of a delay in seconds."""
    if delay < 0:
        raise MonntoValueError(f"delay must be >= 0 s, got {delay!r}")
    return max(1, int(round(delay / dt)))


class DelayedSynapticInput(Behaviour):
    """Deliver delayed, weighted spikes of ``src`` into a variable of ``dst``.

    Keyword arguments: ``delay`` (s, default one step), ``dt`` (s; default
    the destination's clock ``dt``), ``target`` (attribute of dst, default
    'I_input'), ``scale`` (factor, default 1), ``weight_attr`` ('W'),
    ``release_attr`` (optional attribute of the SynapseGroup used instead of
    the source's spikes, e.g. 'stp_release' of short-term plasticity).
    """

    def set_variables(self, s: Any) -> None:
        owner = f"{type(self).__name__} on {s!r}"
        dt = self.get_init_attr("dt", None)
        if dt is None:
            dt = getattr(s.dst, "dt", None)
        if dt is None:
            raise MonntoValueError(f"{owner}: no time step; pass dt= or add a Clock")
        self.n_delay = delay_steps(float(self.get_init_attr("delay", 0.0)), float(dt))
        self.target = self.get_init_attr("target", "I_input")
        self.scale = float(self.get_init_attr("scale", 1.0))
        self.weight_attr = self.get_init_attr("weight_attr", "W")
        self.release_attr = self.get_init_attr("release_attr", None)
        if not hasattr(s, self.weight_attr):
            raise MonntoValueError(f"{owner}: the SynapseGroup has no weights {self.weight_attr!r}; "
                             f"set them before (lower key) or at construction")
        net = s.network
        if net.backend != "numpy" and isinstance(getattr(s, self.weight_attr), SparseSynapseMatrix):
            raise MonntoValueError(f"{owner}: the weights {self.weight_attr!r} are a CSR SparseSynapseMatrix, "
                             f"which needs the numpy backend, but the network uses "
                             f"backend={net.backend!r}; store a dense matrix (s.get_synapse_mat(...) "
                             f"or monnto.models._backend.synapse_weights(s, W))")
        self.line = None
        if self.release_attr is None:
            # src.spike read now was made in the previous step: one step of delay already
            self.line = DelayLine(s.src.size, self.n_delay - 1, owner=owner, xp=net.xp,
                                  device=net.array_backend.device)
        else:
            self.buffer = host_to_backend(net, np.zeros((self.n_delay, s.src.size), dtype=net.dtype))
            self.pointer = 0
        if s.dst.__dict__.get(self.target) is None:
            setattr(s.dst, self.target, s.dst.get_neuron_vec())

    def remote_spike_line(self) -> DelayLine | None:
        """The ring buffer through which alone this behaviour reads ``src.spike``, or None.

        A network split over MPI ranks whose spike readers all declare such a
        line exchanges spikes once per minimum delay and writes other ranks'
        spikes into the line (:mod:`monnto.distributed.exchange`). None with
        ``release_attr`` or in a subclass with its own ``new_iteration``.
        """
        if self.line is None or type(self).new_iteration is not DelayedSynapticInput.new_iteration:
            return None
        return self.line

    def weights(self, s: Any) -> Any:
        """``s.<weight_attr>``; plain scipy CSR weights (a loaded network's) become monnto's CSR.

        That one is rebound on ``s``, so both targets deliver it event-driven, one
        synapse at a time, with the same sums.
        """
        W = getattr(s, self.weight_attr)
        if isinstance(W, sp.csr_array | sp.csr_matrix) and not isinstance(W, SparseSynapseMatrix):
            W = SparseSynapseMatrix(W)
            setattr(s, self.weight_attr, W)
        return W

    def new_iteration(self, s: Any) -> None:
        W = self.weights(s)
        if self.line is not None:
            arriving = self.line.delayed(s.src.spike, s.network.iteration)
            if not arriving.any():
                return
            if isinstance(W, SparseSynapseMatrix) and W.add_event_product(getattr(s.dst, self.target), arriving,
                                                                          self.scale):
                return  # one synapse at a time, as the compiled kernel adds
            out = product(W, arriving)
        else:
            self.buffer[self.pointer] = getattr(s, self.release_attr)
            self.pointer += 1
            if self.pointer == self.n_delay:
                self.pointer = 0
            out = product(W, self.buffer[self.pointer])
        target = getattr(s.dst, self.target)
        if self.scale == 1.0:
            target += out
        else:
            target += self.scale * out


class ExponentialSynapses(Behaviour):
    """Exponential decay of synaptic variables on a NeuronGroup.

    Keyword arguments: ``variables`` (dict ``{attribute: tau in s}``, e.g.
    ``{'ge': 5e-3, 'gi': 10e-3}``), ``dt`` (s; default the group's clock).
    Each step, after the neuron model has used them: ``x <- x exp(-dt/tau)``.
    The attributes are created as zeros when absent.
    """

    def set_variables(self, n: Any) -> None:
        variables = self.get_init_attr("variables", {})
        dt = self.get_init_attr("dt", None)
        if dt is None:
            dt = getattr(n, "dt", None)
        if dt is None:
            raise MonntoValueError(f"{type(self).__name__} on {n!r}: no time step; pass dt= or add a Clock")
        self.decays = {}
        for name, tau in dict(variables).items():
            if not float(tau) > 0:
                raise MonntoValueError(f"{type(self).__name__} on {n!r}: tau of {name!r} must be > 0 s, "
                                 f"got {tau!r}")
            self.decays[name] = math.exp(-float(dt) / float(tau))
            if n.__dict__.get(name) is None:
                setattr(n, name, n.get_neuron_vec())

    def new_iteration(self, n: Any) -> None:
        for name, decay in self.decays.items():
            x = getattr(n, name)
            x *= decay
