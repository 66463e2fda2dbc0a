"""Embed a Brian2 network in monnto (paper, code block 9).

A Brian2 group of leaky integrate-and-fire neurons runs inside a monnto
NeuronGroup: every monnto step advances Brian2 by 1 ms and copies ``v`` and
the spikes into the group. A monnto behaviour (homeostatic drive: raise the
input current of neurons that fire below a target rate, lower it for those
above) closes the loop through the embedded neurons.

Run: ``python examples/embed_brian2.py --out figures`` (needs
``pip install monnto[brian2]``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import brian2 as b2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Behaviour, Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.embedding import Brian2Embedding  # noqa: E402


def brian2_lif(size, dt):
    """The external model: Brian2 LIF neurons with an input current ``I`` (amp)."""
    group = b2.NeuronGroup(size, """dv/dt = (-65*mV - v + 10*Mohm*I)/(20*ms) : volt
                                    I : amp""",
                           threshold="v > -50*mV", reset="v = -65*mV", method="exact", dt=dt)
    group.v = "-65*mV + 10*mV*rand()"
    return group


class HomeostaticDrive(Behaviour):
    """Adapt each neuron's drive towards a target rate: dI = eta * (target*dt - spike)."""

    def set_variables(self, n):
        self.target = self.get_init_attr("target", 20.0)        # Hz
        self.eta = self.get_init_attr("eta", 2e-10)             # A per missing spike
        n.I_drive = n.get_neuron_vec("uniform(1.0e-9, 3.0e-9)")  # A
        n.I_input = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.I_drive += self.eta * (self.target * 1e-3 - n.spike)
        n.I_input += n.I_drive


def run(steps: int = 600, size: int = 20, seed: int = 1) -> Network:
    b2.seed(seed)
    net = Network(seed=seed)
    NeuronGroup(net=net, size=size, tag="embedded", behaviour={
        1: HomeostaticDrive(target=20.0),
        2: Brian2Embedding(brian2_lif, variables={"v": "v"}, inputs={"I_input": "I"}),
        9: Recorder(["n.v", "n.I_drive", "n.spike"]),
    })
    net.initialize()
    net.simulate_iterations(steps)
    return net


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--steps", type=int, default=600, help="1 ms steps to run")
    args = parser.parse_args(argv)
    net = run(args.steps)
    t = np.arange(1, args.steps + 1)          # ms
    spikes = net["n.spike", 0]
    fig, axes = plt.subplots(3, 1, figsize=(7, 7), sharex=True)
    axes[0].plot(t, net["n.v", 0][:, :3] * 1e3)
    axes[0].set_ylabel("v (mV), Brian2")
    steps, neurons = np.nonzero(spikes)
    axes[1].plot(t[steps], neurons, ".k", markersize=2)
    axes[1].set_ylabel("neuron")
    axes[2].plot(t, net["n.I_drive", 0] * 1e9, lw=0.6)
    axes[2].set_ylabel("drive (nA), monnto")
    axes[2].set_xlabel("t (ms)")
    rate = spikes[len(t) // 2:].mean() * 1e3
    fig.suptitle(f"Brian2 neurons under a monnto homeostatic rule (late rate {rate:.1f} Hz, target 20 Hz)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "embed_brian2.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
