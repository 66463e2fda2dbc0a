"""Brunel (2000) sparse E/I network of LIF neurons, and Brunel & Hakim (1999).

Brunel 2000 (J Comput Neurosci 8:183, "model A"): N_E excitatory and
N_I = gamma N_E inhibitory identical LIF neurons with delta synapses,

    tau dV/dt = -V + R I(t),   R I = tau sum_j J_j sum_k delta(t - t_j^k - D)
    V > theta -> spike, V = V_r, clamped for tau_rp

Each neuron receives exactly C_E = epsilon N_E excitatory synapses of
strength J, C_I = gamma C_E inhibitory synapses of strength -g J, and C_E
external Poisson inputs of rate nu_ext = eta nu_thr with
nu_thr = theta / (J C_E tau). Paper values: N_E = 10000, gamma = 0.25,
epsilon = 0.1, J = 0.1 mV, D = 1.5 ms, tau = 20 ms, theta = 20 mV,
V_r = 10 mV, tau_rp = 2 ms, dt = 0.1 ms. The four regimes of Fig. 8
(g, eta): **SR** synchronous regular (3, 2), **SI_fast** synchronous
irregular, fast oscillation (6, 4), **AI** asynchronous irregular (5, 2),
**SI_slow** synchronous irregular, slow oscillation (4.5, 0.9).

Scaling down: with fewer neurons C_E shrinks; by default J is scaled so
that C_E J stays at the paper's 100 mV (the mean input and nu_thr are
unchanged; the fluctuations grow as 1/sqrt(C_E)).

Brunel & Hakim 1999 (Neural Comput 11:1621): N purely inhibitory LIF
neurons, C random inhibitory inputs of strength -J, delay D, and a
Gaussian external input of mean mu_ext and std sigma_ext,

    tau dV/dt = -V + mu_ext + sigma_ext sqrt(tau) xi(t) - J tau sum delta(t - t^k - D)

which for strong coupling shows a fast collective oscillation at roughly
1/(4 D) (~ 180 Hz for D = 2 ms in the paper's figures) with irregular,
low-rate single neurons.

Implementation: the LIF model of :mod:`monnto.behaviours.neurons.lif`
with ``r_m = 1`` (input "current" in volts), exact integration; a jump J
is delivered as the constant input J / (1 - exp(-dt/tau)) during one step,
which moves V by exactly J by the end of the step (and is ignored while
the neuron is refractory, as in the paper). Delays use a ring buffer
(:class:`~monnto.models._propagation.DelayedSynapticInput`).

Backends: the builders use the network's default backend unless
``backend`` / ``device`` are given. Connectivity and random input are drawn
with the network's numpy generator on every backend; on numpy the
fixed-in-degree matrices are CSR (event-driven), on torch the same matrices
are stored dense on the device (CSR is numpy-only).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from monnto.behaviours.equations import Clock
from monnto.behaviours.inputs.poisson import PoissonInput
from monnto.behaviours.neurons.lif import LIF
from monnto.behaviours.recorder import EventRecorder
from monnto.behaviours.synapses.sparse import fixed_indegree
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy
from monnto.models._backend import host_to_backend, synapse_weights
from monnto.models._propagation import DelayedSynapticInput
from monnto.models.spike_stats import cv_isi, fano_factor, firing_rates, population_counts, spectrum_peak

from ..core.errors import MonntoValueError
from ._checks import checked_builder

__all__ = ["BRUNEL_REGIMES", "GaussianNoiseInput", "brunel_hakim_network", "brunel_network",
           "network_statistics"]

#: (g, nu_ext / nu_thr) of Brunel (2000), Fig. 8 A-D.
BRUNEL_REGIMES: dict[str, tuple[float, float]] = {
    "SR": (3.0, 2.0),
    "SI_fast": (6.0, 4.0),
    "AI": (5.0, 2.0),
    "SI_slow": (4.5, 0.9),
}


def _jump_scale(dt: float, tau: float) -> float:
    """Input (V, with r_m = 1) held for one step that moves V by exactly 1 V."""
    return 1.0 / (1.0 - math.exp(-dt / tau))


@checked_builder(positive=("n_exc", "gamma", "delay", "dt", "tau_m", "theta", "threads"),
                 probability=("epsilon",), nonnegative=("g", "eta", "t_ref"))
def brunel_network(regime: str | None = "AI", g: float | None = None, eta: float | None = None,
                   n_exc: int = 2000, gamma: float = 0.25, epsilon: float = 0.1,
                   J: float | None = None, delay: float = 1.5e-3, dt: float = 1e-4,
                   tau_m: float = 20e-3, theta: float = 20e-3, v_reset: float = 10e-3,
                   t_ref: float = 2e-3, seed: int | None = 0, record: bool = True,
                   backend: str | None = None, device: str = "cpu", target: str | None = None,
                   threads: int = 1) -> Network:
    """Build and initialize the Brunel (2000) network.

    Parameters
    ----------
    regime : {'SR', 'AI', 'SI_fast', 'SI_slow'} or None
        Sets g and eta from Fig. 8; explicit ``g`` / ``eta`` override it.
    g : float, optional
        Relative inhibitory strength.
    eta : float, optional
        nu_ext / nu_thr.
    n_exc : int
        Number of excitatory neurons (paper: 10000); N_I = gamma N_E.
    gamma, epsilon : float
        Inhibitory fraction and connection probability (C_E = epsilon N_E).
    J : float, optional
        Excitatory jump (V); default 0.1 mV * 1000 / C_E (C_E J = 100 mV).
    delay, dt, tau_m, theta, v_reset, t_ref : float
        Seconds and volts as in the paper.
    seed : int, optional
        Network seed.
    record : bool
        Add EventRecorders for the spikes of both groups.
    backend, device : str, optional
        Array backend and device of the network (default: the network
        default, numpy on the CPU). On torch the connectivity is dense.
    target : {'numpy', 'numba'}, optional
        Where the step loop runs (default: the network default, numpy; see
        :class:`~monnto.core.network.Network`).
    threads : int
        Threads of the compiled loops (numba target).

    Returns
    -------
    Network
        Initialized; groups tagged 'exc' and 'inh', synapse groups tagged
        'GLUTAMATE' and 'GABA'. ``net.brunel`` holds the parameters used.
    """
    if regime is not None and regime not in BRUNEL_REGIMES:
        raise MonntoValueError(f"brunel_network: regime={regime!r}; expected one of {sorted(BRUNEL_REGIMES)} or None")
    g0, eta0 = BRUNEL_REGIMES[regime] if regime is not None else (None, None)
    g = g0 if g is None else g
    eta = eta0 if eta is None else eta
    if g is None or eta is None:
        raise MonntoValueError("brunel_network: give a regime or both g and eta")
    n_exc = int(n_exc)
    n_inh = int(round(gamma * n_exc))
    c_e = int(round(epsilon * n_exc))
    c_i = int(round(epsilon * n_inh))
    if c_e < 1 or c_i < 1:
        raise MonntoValueError(f"brunel_network: n_exc={n_exc} and epsilon={epsilon} give C_E={c_e}, C_I={c_i}; "
                         f"both must be >= 1")
    J = 0.1e-3 * 1000.0 / c_e if J is None else float(J)
    nu_thr = theta / (J * c_e * tau_m)
    nu_ext = eta * nu_thr
    k = _jump_scale(dt, tau_m)

    net = Network(seed=seed, tag="brunel", behaviour={0: Clock(step=dt)}, backend=backend,
                  device=device, target=target, threads=threads)
    net.brunel = dict(g=g, eta=eta, n_exc=n_exc, n_inh=n_inh, c_e=c_e, c_i=c_i, J=J, nu_thr=nu_thr,
                      nu_ext=nu_ext, delay=delay, dt=dt, tau_m=tau_m, theta=theta, regime=regime)
    lif = dict(tau_m=tau_m, v_rest=0.0, v_reset=v_reset, v_th=theta, r_m=1.0, t_ref=t_ref,
               v_init=f"uniform(0, {theta})")
    groups = {}
    for tag, size in (("exc", n_exc), ("inh", n_inh)):
        behaviour: dict[Any, Behaviour] = {
            2: PoissonInput(rate=nu_ext, n_sources=c_e, weight=J * k, target="I_input"),
            3: LIF(**lif),
        }
        if record:
            behaviour[9] = EventRecorder(variables=["n.spike"], tag=f"{tag}_spikes")
        groups[tag] = NeuronGroup(net=net, size=size, tag=tag, behaviour=behaviour)
    for src_tag, syn_tag, weight, indegree in (("exc", "GLUTAMATE", J, c_e), ("inh", "GABA", -g * J, c_i)):
        for dst_tag in ("exc", "inh"):
            s = SynapseGroup(net=net, src=groups[src_tag], dst=groups[dst_tag], tag=syn_tag,
                             behaviour={1: DelayedSynapticInput(delay=delay, scale=k, target="I_input")})
            s.W = synapse_weights(s, fixed_indegree(s, indegree, weights=weight, autapses=src_tag != dst_tag))
    net.initialize()
    return net


class GaussianNoiseInput(Behaviour):
    """Add ``mu + sigma sqrt(tau/dt) xi`` (xi ~ N(0,1) per step) to ``n.I_input``.

    With ``r_m = 1`` this is the white-noise drive ``mu + sigma sqrt(tau) xi(t)`` of
    Brunel & Hakim (1999) for an Euler-Maruyama-like step. Keyword arguments:
    ``mu`` (V), ``sigma`` (V), ``tau`` (s), ``dt`` (s; default the clock).
    """

    def set_variables(self, n: Any) -> None:
        self.mu = float(self.get_init_attr("mu", 0.0))
        self.sigma = float(self.get_init_attr("sigma", 0.0))
        tau = float(self.get_init_attr("tau", 20e-3))
        dt = self.get_init_attr("dt", None)
        dt = float(getattr(n, "dt", 1e-4) if dt is None else dt)
        self.noise_scale = self.sigma * math.sqrt(tau / dt)
        if n.__dict__.get("I_input") is None:
            n.I_input = n.get_neuron_vec()

    def new_iteration(self, n: Any) -> None:
        xi = n.network.draws.neuron_vector(n, "normal(0, 1)", None, None)  # split-independent, host
        n.I_input += host_to_backend(n, self.mu + self.noise_scale * xi)


@checked_builder(positive=("n", "c", "delay", "dt", "tau_m", "theta"), nonnegative=("t_ref", "sigma_ext"))
def brunel_hakim_network(n: int = 1000, c: int = 1000, J: float = 0.1e-3, mu_ext: float = 25e-3,
                         sigma_ext: float = 1e-3, delay: float = 2e-3, dt: float = 1e-4,
                         tau_m: float = 20e-3, theta: float = 20e-3, v_reset: float = 10e-3,
                         t_ref: float = 2e-3, seed: int | None = 0, record: bool = True,
                         backend: str | None = None, device: str = "cpu",
                         target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize the Brunel & Hakim (1999) inhibitory network.

    Parameters (paper's Fig. values, scaled like Brian2's example): ``n``
    neurons, ``c`` inhibitory inputs each (``c = n`` is all-to-all), jump
    ``-J`` (V), external mean ``mu_ext`` and noise ``sigma_ext`` (V), delay
    (s). The group is tagged 'inh'; spikes are recorded when ``record``.
    ``backend`` / ``device`` as in :func:`brunel_network`.
    ``target`` / ``threads``: the compiled target and its threads, as in
    :func:`monnto.models.cuba_network`.
    """
    c = min(int(c), int(n) - 1)
    k = _jump_scale(dt, tau_m)
    net = Network(seed=seed, tag="brunel_hakim", behaviour={0: Clock(step=dt)}, backend=backend,
                  device=device, target=target, threads=threads)
    behaviour: dict[Any, Behaviour] = {
        2: GaussianNoiseInput(mu=mu_ext, sigma=sigma_ext, tau=tau_m),
        3: LIF(tau_m=tau_m, v_rest=0.0, v_reset=v_reset, v_th=theta, r_m=1.0, t_ref=t_ref,
               v_init=f"uniform(0, {theta})"),
    }
    if record:
        behaviour[9] = EventRecorder(variables=["n.spike"], tag="inh_spikes")
    grp = NeuronGroup(net=net, size=int(n), tag="inh", behaviour=behaviour)
    s = SynapseGroup(net=net, src=grp, dst=grp, tag="GABA",
                     behaviour={1: DelayedSynapticInput(delay=delay, scale=k, target="I_input")})
    if c >= int(n) - 1:                      # all-to-all without autapses: dense
        W = s.get_synapse_mat(-J)
        diagonal = net.xp.arange(int(n), device=net.array_backend.device)
        if net._distributed is not None:  # this rank's rows: local row r is neuron grp.id[r]
            W[np.arange(grp.size), grp.id] = 0.0
        else:
            W[diagonal, diagonal] = 0.0
        s.W = W
    else:
        s.W = synapse_weights(s, fixed_indegree(s, c, weights=-J, autapses=False))
    net.initialize()
    return net


def network_statistics(net: Network, warmup: float = 0.1, bin_size: float = 1e-3,
                       groups: tuple[str, ...] = ("exc", "inh")) -> dict:
    """Rates, CV of ISI, synchrony and oscillation frequency of a recorded run.

    Parameters
    ----------
    net : Network
        A network built with ``record=True`` and simulated.
    warmup : float
        Seconds discarded at the start.
    bin_size : float
        Bin (s) of the population counts.
    groups : tuple of str
        Tags of the recorded groups to pool.

    Returns
    -------
    dict
        ``rate`` (mean Hz), ``cv`` (mean CV of ISI of neurons with >= 3 spikes),
        ``fano`` (Fano factor of population counts: ~1 asynchronous, >> 1
        synchronous), ``peak_hz`` (population spectrum peak above 5 Hz),
        ``n_spikes``.
    """
    dt = float(net.dt)
    n_steps = int(net.iteration)
    start = int(round(warmup / dt))
    duration = (n_steps - start) * dt
    ts, is_, offset = [], [], 0
    for tag in groups:
        grp = net[tag, 0]
        if grp is None:
            continue
        t = np.asarray(to_numpy(grp["n.spike.t", 0]), dtype=np.int64)
        i = np.asarray(to_numpy(grp["n.spike.i", 0]), dtype=np.int64)
        keep = t > start
        ts.append(t[keep])
        is_.append(i[keep] + offset)
        offset += grp.size
    if not ts:
        raise MonntoValueError(f"network_statistics: none of the groups {groups} is in {net!r}")
    t = np.concatenate(ts)
    i = np.concatenate(is_)
    bin_steps = max(1, int(round(bin_size / dt)))
    counts = population_counts(t, n_steps - start, bin_steps, start=start + 1)
    cvs = cv_isi(t, i, offset)
    peak = spectrum_peak(counts, bin_steps * dt, f_min=5.0)[0] if counts.size > 8 else float("nan")
    return {
        "rate": float(firing_rates(t, i, offset, duration).mean()),
        "cv": float(cvs.mean()) if cvs.size else float("nan"),
        "fano": fano_factor(counts),
        "peak_hz": peak,
        "n_spikes": int(t.size),
    }
