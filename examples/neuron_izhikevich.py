"""Izhikevich (2003) cell types: RS, IB, CH, FS and LTS responses to a current step.

One group of five neurons, each with the (a, b, c, d) of one cell type
(Izhikevich 2003, Fig. 2), all driven by I = 10 from t = 20 ms.

    python examples/neuron_izhikevich.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Behaviour, Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.neurons import IZHIKEVICH_CELL_TYPES, Izhikevich  # noqa: E402


class CurrentStep(Behaviour):
    """Adds ``amplitude`` to ``n.I_input`` from ``onset`` (s) on."""

    def set_variables(self, n):
        self.amplitude = self.get_init_attr("amplitude", 10.0, n)
        self.onset_step = int(round(self.get_init_attr("onset", 0.02, None) / n.dt))

    def new_iteration(self, n):
        if n.iteration > self.onset_step:
            n.I_input += self.amplitude


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    steps = 600 if args.small else 3000                  # dt = 0.1 ms

    names = list(IZHIKEVICH_CELL_TYPES)
    params = {k: [IZHIKEVICH_CELL_TYPES[n][k] for n in names] for k in "abcd"}
    net = Network(seed=1)
    net.dt = 0.1e-3                                      # s, read by every group
    cells = NeuronGroup(net, len(names), tag="cells", behaviour={
        0: CurrentStep(amplitude=10.0, onset=0.02),
        1: Izhikevich(**params),
        9: Recorder(["n.v", "n.spike"]),
    })
    net.initialize()
    net.simulate_iterations(steps, progress=False)

    v = cells["n.v", 0].copy()
    v[cells["n.spike", 0]] = 30.0                        # draw the spike peaks
    t = np.arange(1, steps + 1) * net.dt * 1e3
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 9), sharex=True)
    for i, name in enumerate(names):
        axes[i].plot(t, v[:, i], "k", lw=0.8)
        axes[i].set_ylabel(f"{name}\nv (mV)")
        axes[i].set_ylim(-90, 40)
    axes[-1].set_xlabel("t (ms)")
    axes[0].set_title("Izhikevich (2003) cell types, I = 10")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "neuron_izhikevich.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
