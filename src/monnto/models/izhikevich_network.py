"""Izhikevich (2003) network: 800 excitatory and 200 inhibitory spiking neurons.

From "Simple model of spiking neurons" (IEEE Trans Neural Netw 14:1569,
Fig. 3 and its MATLAB code). With r_e, r_i ~ U(0,1) per neuron:

    excitatory: a = 0.02, b = 0.2, c = -65 + 15 r_e^2, d = 8 - 6 r_e^2
    inhibitory: a = 0.02 + 0.08 r_i, b = 0.25 - 0.05 r_i, c = -65, d = 2
    weights: from excitatory 0.5 U(0,1), from inhibitory -U(0,1), all-to-all
    thalamic input each ms: 5 N(0,1) (excitatory), 2 N(0,1) (inhibitory)

Units are the paper's (mV, ms). In the MATLAB code a spike's synaptic input
and the thalamic noise last the whole 1 ms step; here ``dt`` (default
0.5 ms, the paper's half step) is used throughout, the noise is held for
1 ms and synaptic input is scaled by 1 ms / dt, which gives the same drive.
The paper reports alpha- and gamma-band rhythms (~10 Hz and ~40 Hz) in the
population activity.

Backends: :func:`izhikevich_network` uses the network's default backend
unless ``backend`` / ``device`` are given; the parameters, weights and noise
are drawn with the network's numpy generator on every backend.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from monnto.behaviours.equations import Clock
from monnto.behaviours.neurons.izhikevich import Izhikevich
from monnto.behaviours.recorder import EventRecorder
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.models._backend import host_to_backend
from monnto.models._propagation import DelayedSynapticInput

from ._checks import checked_builder

__all__ = ["ThalamicNoise", "izhikevich_network"]


class ThalamicNoise(Behaviour):
    """Add ``amplitude * N(0,1)`` to ``n.I_input``, redrawn every ``hold`` seconds.

    Keyword arguments: ``amplitude`` (paper current unit), ``hold`` (s,
    default 1 ms), ``dt`` (s; default the clock).
    """

    def set_variables(self, n: Any) -> None:
        self.amplitude = float(self.get_init_attr("amplitude", 5.0))
        dt = self.get_init_attr("dt", None)
        dt = float(n.dt if dt is None else dt)
        self.hold = max(1, int(round(float(self.get_init_attr("hold", 1e-3)) / dt)))
        self.count = 0
        self.current = n.get_neuron_vec()
        if n.__dict__.get("I_input") is None:
            n.I_input = n.get_neuron_vec()

    def new_iteration(self, n: Any) -> None:
        if self.count % self.hold == 0:
            xi = n.network.draws.neuron_vector(n, "normal(0, 1)", None, None)  # split-independent, host
            self.current = host_to_backend(n, self.amplitude * xi)
        self.count += 1
        n.I_input += self.current


@checked_builder(positive=("n_exc", "n_inh", "dt"))
def izhikevich_network(n_exc: int = 800, n_inh: int = 200, dt: float = 0.5e-3,
                       seed: int | None = 0, record: bool = True, backend: str | None = None,
                       device: str = "cpu",
                       target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize the Izhikevich (2003) network.

    Parameters
    ----------
    n_exc, n_inh : int
        Population sizes (paper: 800, 200). Weights are not rescaled.
    dt : float
        Step (s); 0.5 ms as in the paper's MATLAB code.
    seed : int, optional
    record : bool
        Record the spikes of both groups.
    backend, device : str, optional
        Array backend and device of the network (default: the network
        default, numpy on the CPU).

    target : {'numpy', 'numba'}, optional
        Where the step loop runs (default: the network default, numpy; see
        :class:`~monnto.core.network.Network`).
    threads : int
        Threads of the compiled loops (numba target).

    Returns
    -------
    Network
        Groups 'exc' and 'inh' with :class:`~monnto.behaviours.neurons.izhikevich.Izhikevich`
        neurons (per-neuron a, b, c, d), dense all-to-all synapse groups
        'GLUTAMATE' and 'GABA'.
    """
    net = Network(seed=seed, tag="izhikevich", behaviour={0: Clock(step=dt)}, backend=backend,
                  device=device, target=target, threads=threads)
    rng = net.rng
    re, ri = rng.random(n_exc), rng.random(n_inh)
    params = {
        "exc": dict(a=np.full(n_exc, 0.02), b=np.full(n_exc, 0.2), c=-65.0 + 15.0 * re ** 2,
                    d=8.0 - 6.0 * re ** 2),
        "inh": dict(a=0.02 + 0.08 * ri, b=0.25 - 0.05 * ri, c=np.full(n_inh, -65.0),
                    d=np.full(n_inh, 2.0)),
    }
    groups = {}
    for tag, size, noise in (("exc", n_exc, 5.0), ("inh", n_inh, 2.0)):
        behaviour: dict[Any, Behaviour] = {
            2: ThalamicNoise(amplitude=noise, hold=1e-3),
            3: Izhikevich(v_init=-65.0, **params[tag]),
        }
        if record:
            behaviour[9] = EventRecorder(variables=["n.spike"], tag=f"{tag}_spikes")
        groups[tag] = NeuronGroup(net=net, size=size, tag=tag, behaviour=behaviour)
    scale = 1e-3 / dt
    for src_tag, syn_tag, mode in (("exc", "GLUTAMATE", "uniform(0, 0.5)"), ("inh", "GABA", "uniform(-1, 0)")):
        for dst_tag in ("exc", "inh"):
            s = SynapseGroup(net=net, src=groups[src_tag], dst=groups[dst_tag], tag=syn_tag,
                             behaviour={1: DelayedSynapticInput(target="I_input", scale=scale)})
            s.W = s.get_synapse_mat(mode)
    net.initialize()
    return net
