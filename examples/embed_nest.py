"""Embed a NEST network in monnto (paper, code block 10).

NEST conductance-based neurons (``iaf_cond_exp``) driven by Poisson spike
trains run inside a monnto NeuronGroup: every monnto step calls
``nest.Run(1.0)`` and copies ``V_m`` (as ``n.v``, in V) and the spikes into
the group. A monnto behaviour closes the loop: an adaptation current that
each spike of the embedded neuron increases and that decays with 100 ms is
written into NEST's ``I_e`` before every step.

Run: ``python examples/embed_nest.py --out figures`` (needs
``pip install monnto[nest]``).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Behaviour, Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.embedding import NestEmbedding  # noqa: E402
from monnto.behaviours.equations import Clock  # noqa: E402


def nest_network(size):
    """The external model: built after NestEmbedding resets the kernel; returns the nodes to mirror."""
    import nest

    neurons = nest.Create("iaf_cond_exp", size, params={"I_e": 0.0})
    noise = nest.Create("poisson_generator", params={"rate": 12000.0})
    nest.Connect(noise, neurons, syn_spec={"weight": 2.0, "delay": 1.0})
    return neurons


class AdaptationCurrent(Behaviour):
    """Spike-triggered adaptation: tau dI_a/dt = -I_a, I_a += jump per spike; input -I_a."""

    def set_variables(self, n):
        self.tau = self.get_init_attr("tau", 0.1)        # s
        self.jump = self.get_init_attr("jump", 40e-12)   # A
        n.I_adapt = n.get_neuron_vec()
        n.I_input = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.I_adapt *= np.exp(-n.dt / self.tau)
        n.I_adapt += self.jump * n.spike
        n.I_input -= n.I_adapt


def run(steps: int = 1000, size: int = 20, jump: float = 40e-12, seed: int = 1) -> Network:
    os.environ.setdefault("PYNEST_QUIET", "1")
    net = Network(seed=seed)
    NeuronGroup(net=net, size=size, tag="embedded", behaviour={
        0: Clock(step="1*ms"),          # n.dt for both the adaptation and NEST
        1: AdaptationCurrent(jump=jump),
        2: NestEmbedding(nest_network, variables={"v": "V_m", "g_ex": "g_ex"},
                         inputs={"I_input": "I_e"}),
        9: Recorder(["n.v", "n.I_adapt", "n.spike"]),
    })
    net.initialize()
    net.simulate_iterations(steps)
    net["NestEmbedding", 0].close()
    return net


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--steps", type=int, default=1000, help="1 ms steps to run")
    args = parser.parse_args(argv)
    adapted = run(args.steps)
    plain = run(args.steps, jump=0.0)
    t = np.arange(1, args.steps + 1)          # ms
    fig, axes = plt.subplots(3, 1, figsize=(7, 7), sharex=True)
    axes[0].plot(t, adapted["n.v", 0][:, 0] * 1e3, label="with adaptation")
    axes[0].plot(t, plain["n.v", 0][:, 0] * 1e3, alpha=0.6, label="without")
    axes[0].set_ylabel("V_m (mV), NEST")
    axes[0].legend(loc="lower right")
    steps, neurons = np.nonzero(adapted["n.spike", 0])
    axes[1].plot(t[steps], neurons, ".k", markersize=2)
    axes[1].set_ylabel("neuron")
    axes[2].plot(t, adapted["n.I_adapt", 0][:, :5] * 1e12, lw=0.8)
    axes[2].set_ylabel("I_adapt (pA), monnto")
    axes[2].set_xlabel("t (ms)")
    rates = [net["n.spike", 0].mean() * 1e3 for net in (adapted, plain)]
    fig.suptitle(f"NEST neurons with a monnto adaptation current: {rates[0]:.1f} Hz "
                 f"(without: {rates[1]:.1f} Hz)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "embed_nest.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
