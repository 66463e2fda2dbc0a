"""Hodgkin-Huxley (1952): a point neuron under current steps, and a spike travelling along a cable.

Left: a squid-axon membrane patch receives 3, then 10 uA/cm^2 (one
spike, then repetitive firing). Right: a 20-compartment cable (2 cm of
squid giant axon, 18.5 degC) is stimulated at compartment 0; the traces,
offset by compartment, show the spike arriving later at farther
compartments (about 18.8 m/s, Hodgkin & Huxley 1952).

    python examples/neuron_hodgkin_huxley.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Behaviour, Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.equations import Clock  # noqa: E402
from monnto.behaviours.neurons import HHCable, HodgkinHuxley  # noqa: E402

UA_PER_CM2 = 1e-2 * 1e-8      # A for the default 1e-8 m^2 patch


class Stimulus(Behaviour):
    """Adds ``amplitude`` (A) to ``n.I_input[index]`` while start <= t < stop (s)."""

    def set_variables(self, n):
        self.windows = self.get_init_attr("windows", [], None)   # [(start, stop, amplitude), ...]
        self.index = self.get_init_attr("index", 0, None)

    def new_iteration(self, n):
        for start, stop, amplitude in self.windows:
            if start <= n.t < stop:
                n.I_input[self.index] += amplitude


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    duration = 20e-3 if args.small else 120e-3

    net = Network(seed=1, behaviour={0: Clock("0.01*ms")})
    patch = NeuronGroup(net, 1, tag="patch", behaviour={
        0: Stimulus(windows=[(10e-3, 40e-3, 3 * UA_PER_CM2), (60e-3, 110e-3, 10 * UA_PER_CM2)]),
        1: HodgkinHuxley(),
        9: Recorder(["n.v"]),
    })
    cable = NeuronGroup(net, 20, tag="cable", behaviour={
        0: Stimulus(windows=[(1e-3, 1.3e-3, 2e-5)], index=0),
        1: HHCable(n_compartments=20, length=1e-3, temperature=18.5),
        9: Recorder(["n.v"]),
    })
    net.initialize()
    net.simulate_iterations(f"{duration * 1e3}*ms", progress=False)

    t = np.arange(1, len(patch["n.v", 0]) + 1) * net.dt * 1e3
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    axes[0].plot(t, patch["n.v", 0][:, 0] * 1e3, "k", lw=0.8)
    axes[0].set(xlabel="t (ms)", ylabel="v (mV)", title="HH membrane: 3 then 10 uA/cm$^2$")
    v = cable["n.v", 0]
    window = t <= 8.0
    for k in range(0, 20, 2):
        axes[1].plot(t[window], v[window, k] * 1e3 - 15 * k, lw=0.8)
    axes[1].set(xlabel="t (ms)", ylabel="v (mV), offset 15 mV per compartment",
                title="HH cable, 18.5 degC: spike travels down")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "neuron_hodgkin_huxley.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
