"""Synfire chain of Diesmann, Gewaltig & Aertsen (1999, Nature 402:529).

``n_layers`` groups of ``layer_size`` integrate-and-fire neurons; every neuron
of layer k projects to every neuron of layer k+1. Neurons have alpha-shaped
synaptic currents and a noisy background drive (values of Brian2's
reproduction of the paper's model, with u = V - V_r)::

    tau_m du/dt = -u + x                      tau_m = 10 ms
    tau_s dx/dt = -x + y                      tau_s = 0.325 ms
    dy/dt = -y / tau_s + mu + sigma xi(t)     mu = 25.27 mV/ms, sigma = 39.24 mV/sqrt(ms)
    u > 15 mV (V_t = -55 mV, V_r = -70 mV) -> spike, u = 0, refractory 1 ms
    presynaptic spike: y += w (w = 4.86 mV, a PSP of ~0.14 mV)

The background gives membrane fluctuations of a few mV and rare
spontaneous spikes. A *pulse packet* of ``a`` input spikes with Gaussian
spread ``sigma`` (ms) drives layer 0; the paper's result (Fig. 1-2) is a
separatrix in the (a, sigma) plane: strong, tight packets converge to a
stable synchronous volley (a ~ layer size, sub-ms spread) that travels to
the last layer, weak or loose ones die out.

Integration: the linear (u, x, y) system is advanced exactly for a constant
drive over each step (matrix exponential computed once); the white noise
enters y as ``sigma sqrt(dt) N(0, 1)`` per step.

Backends: :func:`synfire_network` uses the network's default backend unless
``backend`` / ``device`` are given. The noise and the packet are drawn with
the network's numpy generator on every backend; the chain's block matrix is
CSR on numpy and dense on the device on torch (CSR is numpy-only).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from monnto.behaviours.equations import Clock
from monnto.behaviours.recorder import EventRecorder
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy
from monnto.core.sparse_matrix import SparseSynapseMatrix
from monnto.models._backend import host_to_backend, synapse_weights
from monnto.models._propagation import DelayedSynapticInput

from ..core.errors import MonntoValueError
from ._checks import checked_builder

__all__ = ["PulsePacket", "SynfireNeuron", "SynfireParams", "packet_trajectory", "synfire_network",
           "synfire_propagator", "synfire_step"]


@dataclass(frozen=True)
class SynfireParams:
    """Parameters in mV and ms (as in the paper)."""

    tau_m: float = 10.0      # ms
    tau_s: float = 0.325     # ms
    mu: float = 25.27        # mV/ms, background drive into y
    sigma: float = 39.24     # mV/sqrt(ms), background noise into y
    theta: float = 15.0      # mV above reset (V_t - V_r = -55 - (-70))
    t_ref: float = 1.0       # ms


def synfire_propagator(p: SynfireParams, dt_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact one-step propagator ``(P, q)``: ``s' = P s + q mu`` for s = (u, x, y)."""
    A = np.array([[-1.0 / p.tau_m, 1.0 / p.tau_m, 0.0, 0.0],
                  [0.0, -1.0 / p.tau_s, 1.0 / p.tau_s, 0.0],
                  [0.0, 0.0, -1.0 / p.tau_s, 1.0],
                  [0.0, 0.0, 0.0, 0.0]])
    E = scipy.linalg.expm(A * dt_ms)
    return E[:3, :3], E[:3, 3]


def synfire_step(u: Any, x: Any, y: Any, refractory_left: Any, noise: Any, P: np.ndarray,
                 q: np.ndarray, p: SynfireParams, dt_ms: float, xp: Any = np) -> tuple:
    """Advance all neurons one step; returns ``(u, x, y, spikes, refractory_left)``.

    ``y`` already holds this step's synaptic jumps; ``noise`` is the white-noise
    increment of y (mV). Refractory neurons keep u = 0.
    """
    P = [[float(v) for v in row] for row in P]    # Python floats work with every array library
    q = [float(v) for v in q]
    y = y + noise
    u_new = P[0][0] * u + P[0][1] * x + P[0][2] * y + q[0] * p.mu
    x_new = P[1][1] * x + P[1][2] * y + q[1] * p.mu
    y_new = P[2][2] * y + q[2] * p.mu
    active = refractory_left <= 0
    u_new = xp.where(active, u_new, 0.0 * u_new)
    spikes = u_new > p.theta
    u_new = xp.where(spikes, 0.0 * u_new, u_new)
    refractory_left = xp.where(spikes, p.t_ref + 0.0 * u_new, refractory_left - dt_ms)
    return u_new, x_new, y_new, spikes, refractory_left


class SynfireNeuron(Behaviour):
    """Wrapper of :func:`synfire_step`; synapses add their jumps (mV) to ``n.y``.

    Keyword arguments: the fields of :class:`SynfireParams`, ``dt`` (s;
    default the clock). Group variables ``u``, ``x``, ``y`` (mV),
    ``v`` = u - 70 (mV), ``spike``, ``refractory_left`` (ms).
    """

    def set_variables(self, n: Any) -> None:
        vals = {f: float(self.get_init_attr(f, getattr(SynfireParams, f))) for f in
                SynfireParams.__dataclass_fields__}
        self.p = SynfireParams(**vals)
        dt = self.get_init_attr("dt", None)
        self.dt_ms = 1e3 * float(n.dt if dt is None else dt)
        self.P, self.q = synfire_propagator(self.p, self.dt_ms)
        self.noise_scale = self.p.sigma * np.sqrt(self.dt_ms)
        steady = self.p.mu * self.p.tau_s
        n.u = n.get_neuron_vec(f"uniform(0, {self.p.theta})")
        n.x = n.get_neuron_vec() + steady
        if n.__dict__.get("y") is None:
            n.y = n.get_neuron_vec()
        n.y += steady
        n.spike = n.get_neuron_vec(bool)
        n.refractory_left = n.get_neuron_vec()
        n.v = n.u - 70.0

    def new_iteration(self, n: Any) -> None:
        xi = n.network.draws.neuron_vector(n, "normal(0, 1)", None, None)  # split-independent, host
        noise = host_to_backend(n, self.noise_scale * xi)
        n.u, n.x, y, n.spike, n.refractory_left = synfire_step(
            n.u, n.x, n.y, n.refractory_left, noise, self.P, self.q, self.p, self.dt_ms, n.xp)
        n.y[...] = y
        n.v = n.u - 70.0


class PulsePacket(Behaviour):
    """A group whose neuron i spikes once, at ``t0 + N(0, sigma)`` (s).

    Keyword arguments: ``t0`` (s, default 10 ms), ``sigma`` (s, default 1 ms),
    ``dt`` (s; default the clock). Spike times are drawn at initialize
    (``self.times``, s) and rounded to steps.
    """

    def set_variables(self, n: Any) -> None:
        t0 = float(self.get_init_attr("t0", 10e-3))
        sigma = float(self.get_init_attr("sigma", 1e-3))
        dt = self.get_init_attr("dt", None)
        dt = float(n.dt if dt is None else dt)
        self.times = t0 + sigma * n.network.draws.neuron_vector(n, "normal(0, 1)", None, None)
        self.steps = host_to_backend(n, np.maximum(1, np.round(self.times / dt).astype(np.int64)))
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n: Any) -> None:
        n.spike = self.steps == n.iteration


@checked_builder(positive=("a", "n_layers", "layer_size", "dt"), nonnegative=("sigma", "t0"))
def synfire_network(a: int = 100, sigma: float = 1e-3, n_layers: int = 10, layer_size: int = 100,
                    weight: float = 4.86, t0: float = 10e-3, dt: float = 1e-4, seed: int | None = 0,
                    record: bool = True, backend: str | None = None, device: str = "cpu",
                    target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize a synfire chain driven by one pulse packet.

    Parameters
    ----------
    a : int
        Spikes in the input packet (one per input neuron).
    sigma : float
        Temporal spread of the packet (s).
    n_layers, layer_size : int
        Chain shape (paper: 10 x 100).
    weight : float
        Jump of y per presynaptic spike (mV).
    t0 : float
        Packet centre (s).
    dt : float
        Step (s).
    seed : int, optional
    record : bool
        Record the chain's spikes (EventRecorder on group 'chain').
    backend, device : str, optional
        Array backend and device of the network (default: the network
        default, numpy on the CPU). On torch the synapse matrices are dense.

    target : {'numpy', 'numba'}, optional
        Where the step loop runs (default: the network default, numpy; see
        :class:`~monnto.core.network.Network`).
    threads : int
        Threads of the compiled loops (numba target).

    Returns
    -------
    Network
        Groups 'packet' (input) and 'chain' (``n_layers * layer_size`` neurons,
        ``chain.layer`` gives each neuron's layer).
    """
    if a < 1:
        raise MonntoValueError(f"synfire_network: a must be >= 1 input spike, got {a!r}")
    net = Network(seed=seed, tag="synfire", behaviour={0: Clock(step=dt)}, backend=backend, device=device,
                  target=target, threads=threads)
    packet = NeuronGroup(net=net, size=int(a), tag="packet",
                         behaviour={1: PulsePacket(t0=t0, sigma=sigma)})
    behaviour: dict[Any, Behaviour] = {3: SynfireNeuron()}
    if record:
        behaviour[9] = EventRecorder(variables=["n.spike"], tag="chain_spikes")
    n = n_layers * layer_size
    chain = NeuronGroup(net=net, size=n, tag="chain", behaviour=behaviour)
    chain.layer = host_to_backend(net, np.repeat(np.arange(n_layers), layer_size))
    feed = SynapseGroup(net=net, src=chain, dst=chain, tag="GLUTAMATE,feedforward",
                        behaviour={2: DelayedSynapticInput(target="y")})
    block = sp.kron(sp.eye(n_layers, k=-1, format="csr"), np.ones((layer_size, layer_size)), format="csr")
    feed.W = synapse_weights(feed, SparseSynapseMatrix(block * weight))
    inp = SynapseGroup(net=net, src=packet, dst=chain, tag="GLUTAMATE,input",
                       behaviour={2: DelayedSynapticInput(target="y")})
    W_in = np.zeros((n, int(a)))
    W_in[:layer_size] = weight
    inp.W = synapse_weights(inp, SparseSynapseMatrix(W_in))
    net.synfire = dict(a=a, sigma=sigma, n_layers=n_layers, layer_size=layer_size, dt=dt, t0=t0)
    net.initialize()
    return net


def packet_trajectory(net: Network, window: float = 10e-3) -> tuple[np.ndarray, np.ndarray]:
    """(a_k, sigma_k) of the volley in each layer.

    For each layer, the spikes inside the ``window`` (s) that holds most of
    them: their number a_k and the standard deviation sigma_k (s) of their
    times (NaN when fewer than 2).
    """
    info = net.synfire
    dt = info["dt"]
    chain = net["chain", 0]
    t = np.asarray(to_numpy(chain["n.spike.t", 0]), dtype=np.int64)
    i = np.asarray(to_numpy(chain["n.spike.i", 0]), dtype=np.int64)
    layer = to_numpy(chain.layer)[i]
    w = max(1, int(round(window / dt)))
    a_k, s_k = [], []
    for k in range(info["n_layers"]):
        tk = np.sort(t[layer == k])
        if tk.size == 0:
            a_k.append(0)
            s_k.append(np.nan)
            continue
        ends = np.searchsorted(tk, tk + w, side="left")
        best = int(np.argmax(ends - np.arange(tk.size)))
        sel = tk[best:ends[best]]
        a_k.append(sel.size)
        s_k.append(float(np.std(sel * dt)) if sel.size > 1 else np.nan)
    return np.asarray(a_k), np.asarray(s_k)
