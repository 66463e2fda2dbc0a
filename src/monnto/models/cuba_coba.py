"""Vogels & Abbott (2005) / Brette et al. (2007) CUBA and COBA benchmark networks.

4000 LIF neurons (3200 excitatory, 800 inhibitory), every pair connected with
probability 0.02, refractory period 5 ms, tau_m = 20 ms, V_t = -50 mV,
V_r = -60 mV (Brette et al. 2007, J Comput Neurosci 23:349, benchmarks 1-2;
network of Vogels & Abbott 2005, J Neurosci 25:10786).

**CUBA** (benchmark 2), exponential synaptic currents in voltage units::

    tau_m dv/dt = (E_l - v) + g_e + g_i,   E_l = -49 mV (above threshold)
    tau_e dg_e/dt = -g_e (5 ms),  tau_i dg_i/dt = -g_i (10 ms)
    spike of an excitatory source: g_e += 1.62 mV; inhibitory: g_i += -9 mV

The network fires without external input (E_l > V_t); initial
v ~ U(V_r, V_t).

**COBA** (benchmark 1), exponential conductances::

    C dv/dt = g_l (E_l - v) + g_e (E_e - v) + g_i (E_i - v)
    E_l = -60 mV, E_e = 0 mV, E_i = -80 mV, C = 200 pF, g_l = 10 nS
    excitatory jump 6 nS (tau_e 5 ms), inhibitory jump 67 nS (tau_i 10 ms)

Activity is self-sustained after a kick: external Poisson input during the
first ``kick`` seconds (as in Vogels & Abbott 2005, who stimulated the
network for the first 50 ms).

Implementation: CUBA uses :class:`~monnto.behaviours.neurons.lif.LIF` with
``r_m = 1`` (input in volts); the currents decay exactly and enter each step
with their exact step average. COBA uses
:class:`~monnto.behaviours.neurons.lif.ConductanceLIF`. Synapses are sparse
(CSR, event-driven) with a one-step transmission delay.

Backends: the builders use the network's default backend unless
``backend`` / ``device`` are given. Connectivity and the kick are drawn with
the network's numpy generator on every backend; on torch the same
connectivity is stored dense on the device (CSR is numpy-only).
"""
from __future__ import annotations

import math
from typing import Any

from monnto.behaviours.equations import Clock
from monnto.behaviours.neurons.lif import LIF, ConductanceLIF
from monnto.behaviours.recorder import EventRecorder
from monnto.behaviours.synapses.sparse import fixed_probability
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.models._backend import host_to_backend, synapse_weights
from monnto.models._propagation import DelayedSynapticInput, ExponentialSynapses
from monnto.targets.random_streams import behaviour_stream_key, check_poisson_mean, exp_neg, poisson_counts

from ._checks import checked_builder

__all__ = ["PoissonKick", "SynapticCurrents", "coba_network", "cuba_network"]


class SynapticCurrents(Behaviour):
    """Add the step average of exponentially decaying currents to ``n.I_input``.

    Keyword arguments: ``variables`` (dict ``{attribute: tau in s}``), ``dt``
    (s; default the clock). For x(t) = x0 exp(-t/tau) the average over a step
    is ``x0 tau (1 - exp(-dt/tau)) / dt``; the decay itself is done by
    :class:`~monnto.models._propagation.ExponentialSynapses` after the neuron model.
    """

    def set_variables(self, n: Any) -> None:
        variables = dict(self.get_init_attr("variables", {}))
        dt = self.get_init_attr("dt", None)
        dt = float(n.dt if dt is None else dt)
        self.factors = {name: float(tau) * (1.0 - math.exp(-dt / float(tau))) / dt
                        for name, tau in variables.items()}
        for name in self.factors:
            if n.__dict__.get(name) is None:
                setattr(n, name, n.get_neuron_vec())
        if n.__dict__.get("I_input") is None:
            n.I_input = n.get_neuron_vec()

    def new_iteration(self, n: Any) -> None:
        for name, f in self.factors.items():
            n.I_input += f * getattr(n, name)


class PoissonKick(Behaviour):
    """External Poisson events during the first ``duration`` seconds only.

    Keyword arguments: ``rate`` (Hz per source), ``n_sources``, ``weight``
    (added to ``target`` per event), ``target`` (attribute), ``duration`` (s),
    ``dt`` (s; default the clock).
    """

    def set_variables(self, n: Any) -> None:
        dt = self.get_init_attr("dt", None)
        self.dt = float(n.dt if dt is None else dt)
        rate = float(self.get_init_attr("rate", 10.0))
        n_sources = float(self.get_init_attr("n_sources", 1))
        self.lam = rate * n_sources * self.dt
        self.weight = float(self.get_init_attr("weight", 0.0))
        self.target = self.get_init_attr("target", "g_e")
        self.steps = int(round(float(self.get_init_attr("duration", 0.05)) / self.dt))
        check_poisson_mean(self.lam, self)
        self.exp_neg_lam = exp_neg(self.lam)
        self.stream = behaviour_stream_key(self, n)
        self.count = 0

    def new_iteration(self, n: Any) -> None:
        if self.count >= self.steps:
            return
        self.count += 1
        target = getattr(n, self.target)
        # counter-based draws (neuron, iteration): identical on every target
        counts = poisson_counts(self.stream, n.network.iteration, 0, n.size, self.lam, self.exp_neg_lam)
        target += host_to_backend(n, self.weight * counts)


def _populations(net: Network, n_exc: int, n_inh: int, neuron_factory, record: bool,
                 extra: dict) -> dict:
    groups = {}
    for tag, size in (("exc", n_exc), ("inh", n_inh)):
        behaviour: dict[Any, Behaviour] = {k: f() for k, f in extra.items()}
        behaviour[3] = neuron_factory()
        if record:
            behaviour[9] = EventRecorder(variables=["n.spike"], tag=f"{tag}_spikes")
        groups[tag] = NeuronGroup(net=net, size=size, tag=tag, behaviour=behaviour)
    return groups


def _connect(net: Network, groups: dict, p: float, w_exc: float, w_inh: float,
             target_exc: str, target_inh: str, dt: float) -> None:
    for src_tag, syn_tag, weight, target in (("exc", "GLUTAMATE", w_exc, target_exc),
                                             ("inh", "GABA", w_inh, target_inh)):
        for dst_tag in ("exc", "inh"):
            s = SynapseGroup(net=net, src=groups[src_tag], dst=groups[dst_tag], tag=syn_tag,
                             behaviour={1: DelayedSynapticInput(target=target, dt=dt)})
            s.W = synapse_weights(s, fixed_probability(s, p, weights=weight, autapses=src_tag != dst_tag))


@checked_builder(positive=("n_exc", "n_inh", "dt", "threads"), probability=("p",))
def cuba_network(n_exc: int = 3200, n_inh: int = 800, p: float = 0.02, dt: float = 1e-4,
                 w_exc: float = 1.62e-3, w_inh: float = -9e-3, scale_weights: bool = True,
                 seed: int | None = 0, record: bool = True, backend: str | None = None,
                 device: str = "cpu", target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize the CUBA benchmark network (Brette et al. 2007, benchmark 2).

    Parameters
    ----------
    n_exc, n_inh : int
        Population sizes (paper 3200 / 800).
    p : float
        Connection probability.
    dt : float
        Step (s).
    w_exc, w_inh : float
        Current jumps (V) at 4000 neurons.
    scale_weights : bool
        For smaller networks multiply the weights by 4000 / N so the summed
        input per neuron stays that of the benchmark.
    seed : int, optional
    record : bool
        Record spikes of both groups.
    backend, device : str, optional
        Array backend and device of the network (default: the network
        default, numpy on the CPU). On torch the connectivity is dense.
    target : {'numpy', 'numba'}, optional
        Where the step loop runs (default: the network default, numpy; see
        :class:`~monnto.core.network.Network`).
    threads : int
        Threads of the compiled loops (numba target).
    """
    scale = 4000.0 / (n_exc + n_inh) if scale_weights else 1.0
    net = Network(seed=seed, tag="cuba", behaviour={0: Clock(step=dt)}, backend=backend,
                  device=device, target=target, threads=threads)
    taus = {"g_e": 5e-3, "g_i": 10e-3}
    lif = dict(tau_m=20e-3, v_rest=-49e-3, v_reset=-60e-3, v_th=-50e-3, r_m=1.0, t_ref=5e-3,
               v_init="uniform(-0.06, -0.05)")
    groups = _populations(net, n_exc, n_inh, lambda: LIF(**lif), record,
                          {2: lambda: SynapticCurrents(variables=taus),
                           4: lambda: ExponentialSynapses(variables=taus)})
    _connect(net, groups, p, w_exc * scale, w_inh * scale, "g_e", "g_i", dt)
    net.initialize()
    return net


@checked_builder(positive=("n_exc", "n_inh", "dt", "threads"), probability=("p",),
                 nonnegative=("kick", "kick_rate", "kick_sources"))
def coba_network(n_exc: int = 3200, n_inh: int = 800, p: float = 0.02, dt: float = 1e-4,
                 w_exc: float = 6e-9, w_inh: float = 67e-9, scale_weights: bool = True,
                 kick: float = 0.05, kick_rate: float = 20.0, kick_sources: int = 20,
                 seed: int | None = 0, record: bool = True, backend: str | None = None,
                 device: str = "cpu", target: str | None = None, threads: int = 1,
                 method: str = "exact") -> Network:
    """Build and initialize the COBA benchmark network (Brette et al. 2007, benchmark 1).

    Parameters
    ----------
    n_exc, n_inh, p, dt, scale_weights, seed, record, backend, device, target, threads
        As in :func:`cuba_network`.
    w_exc, w_inh : float
        Conductance jumps (S); both positive (the inhibitory reversal
        potential gives the sign).
    kick, kick_rate, kick_sources : float
        External Poisson input (``kick_sources`` sources of ``kick_rate`` Hz,
        excitatory jumps ``w_exc``) during the first ``kick`` seconds.
    method : {'exact', 'euler'}
        The membrane's integration (:class:`ConductanceLIF`): exact with the
        step-averaged conductances (default), or explicit Euler, the scheme
        of the benchmark's reference implementations (Brian2's COBA example).
    """
    scale = 4000.0 / (n_exc + n_inh) if scale_weights else 1.0
    net = Network(seed=seed, tag="coba", behaviour={0: Clock(step=dt)}, backend=backend,
                  device=device, target=target, threads=threads)
    extra = {2: lambda: PoissonKick(rate=kick_rate, n_sources=kick_sources, weight=w_exc * scale,
                                    target="g_e", duration=kick)}
    groups = _populations(net, n_exc, n_inh,
                          lambda: ConductanceLIF(v_init="uniform(-0.06, -0.05)", method=method), record, extra)
    _connect(net, groups, p, w_exc * scale, w_inh * scale, "g_e", "g_i", dt)
    net.initialize()
    return net
