"""Leaky integrate-and-fire neurons: traces, the f-I curve against its closed form, and COBA input.

Three panels: membrane traces of current-based LIF neurons for four input
currents (with a Clock on the network), the simulated firing rate against
the closed form ``1 / (t_ref + tau_m ln((v_inf - v_reset) / (v_inf - v_th)))``,
and a conductance-based LIF neuron driven by Poisson excitatory and
inhibitory conductance input (Vogels-Abbott COBA synapses).

    python examples/neuron_lif.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.equations import Clock  # noqa: E402
from monnto.behaviours.inputs import PoissonInput  # noqa: E402
from monnto.behaviours.neurons import LIF, ConductanceLIF, LIFParams, lif_rate  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    duration = 0.05 if args.small else 0.5                      # s

    net = Network(seed=1, behaviour={0: Clock("0.1*ms")})
    traces = NeuronGroup(net, 4, tag="traces", behaviour={
        1: LIF(I_bias=[1.0e-9, 1.6e-9, 2.5e-9, 4e-9]),
        9: Recorder(["n.v"]),
    })
    currents = np.linspace(0, 10e-9, 8 if args.small else 41)
    fi = NeuronGroup(net, len(currents), tag="fi", behaviour={1: LIF(I_bias=currents)})
    coba_rates = {"e": 6000.0, "i": 2500.0}                      # Hz, summed input
    coba = NeuronGroup(net, 1, tag="coba", behaviour={
        0: PoissonInput(rate=coba_rates["e"], weight=0.5e-9, target="g_e"),
        0.5: PoissonInput(rate=coba_rates["i"], weight=1.0e-9, target="g_i"),
        1: ConductanceLIF(),
        9: Recorder(["n.v", "n.g_e", "n.g_i"]),
    })
    net.initialize()
    steps = net.time_to_iterations(f"{duration * 1000}*ms")
    counts = np.zeros(fi.size)
    for _ in range(steps):
        net.simulate_iteration()
        counts += fi.spike

    t = np.arange(1, steps + 1) * net.dt * 1e3                  # ms
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    v = traces["n.v", 0]
    first = t <= 100
    for i, current in enumerate([1.0, 1.6, 2.5, 4.0]):
        axes[0].plot(t[first], v[first, i] * 1e3, lw=1, label=f"{current} nA")
    axes[0].set(xlabel="t (ms)", ylabel="v (mV)", title="current-based LIF")
    axes[0].legend(fontsize=8)
    fine = np.linspace(0, 10e-9, 400)
    axes[1].plot(fine * 1e9, lif_rate(fine, LIFParams()), "k-", label="closed form")
    axes[1].plot(currents * 1e9, counts / duration, "o", label="simulated")
    axes[1].set(xlabel="I (nA)", ylabel="rate (Hz)", title="f-I curve")
    axes[1].legend(fontsize=8)
    axes[2].plot(t, coba["n.v", 0][:, 0] * 1e3, "k")
    axes[2].set(xlabel="t (ms)", ylabel="v (mV)", title="conductance-based LIF, Poisson input")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "neuron_lif.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
