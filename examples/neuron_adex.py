"""AdEx firing patterns (Naud, Marcille, Clopath & Gerstner 2008, Table 1).

One group per pattern (tonic, adapting, initial burst, regular bursting,
delayed accelerating, transient), each with its parameters and step
current, starting at t = 20 ms.

    python examples/neuron_adex.py --out figures
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
from monnto.behaviours.neurons import ADEX_PATTERNS, AdEx  # noqa: E402


class StepOnset(Behaviour):
    """Holds the AdEx pattern's step current off (subtracts it) before ``onset`` (s)."""

    def set_variables(self, n):
        self.onset = self.get_init_attr("onset", 0.02, None)
        self.current = self.get_init_attr("current", 0.0, None)

    def new_iteration(self, n):
        if n.t < self.onset:
            n.I_input -= self.current


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    duration = "40*ms" if args.small else "400*ms"

    net = Network(seed=1, behaviour={0: Clock("0.05*ms")})
    groups = {}
    for name, pattern in ADEX_PATTERNS.items():
        groups[name] = NeuronGroup(net, 1, tag=name, behaviour={
            0: StepOnset(onset=0.02, current=pattern["I"]),
            1: AdEx(pattern=name),
            9: Recorder(["n.v", "n.spike"]),
        })
    net.initialize()
    net.simulate_iterations(duration, progress=False)

    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 10), sharex=True)
    for ax, (name, g) in zip(axes, groups.items()):
        v = g["n.v", 0][:, 0] * 1e3
        v[g["n.spike", 0][:, 0]] = 0.0                       # mark the spikes
        t = np.arange(1, len(v) + 1) * net.dt * 1e3
        ax.plot(t, v, "k", lw=0.7)
        ax.set_ylabel("v (mV)")
        ax.set_title(f"{name.replace('_', ' ')} (I = {ADEX_PATTERNS[name]['I'] * 1e12:.0f} pA)",
                     fontsize=9)
    axes[-1].set_xlabel("t (ms)")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "neuron_adex.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
