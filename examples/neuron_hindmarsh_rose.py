"""Hindmarsh-Rose (1984): quiescent, bursting and tonic regimes for I = 0.4, 2 and 4.

Three independent neurons with the standard parameters (a=1, b=3, c=1,
d=5, r=0.001, s=4, x_rest=-1.6); model time unit = 1 ms, dt = 0.1 units.

    python examples/neuron_hindmarsh_rose.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.neurons import HindmarshRose  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    steps = 2000 if args.small else 30000                   # 0.1 model units each

    currents = [0.4, 2.0, 4.0]
    net = Network(seed=1)
    hr = NeuronGroup(net, 3, tag="hr", behaviour={
        1: HindmarshRose(I_bias=currents, time_unit=1e-3, dt=1e-4),
        9: Recorder(["n.x"], gapwidth=5),
    })
    net.initialize()
    net.simulate_iterations(steps, progress=False)

    x = hr["n.x", 0]
    t = np.arange(len(x)) * 5 * 0.1                          # model time units
    fig, axes = plt.subplots(3, 1, figsize=(9, 6), sharex=True)
    for i, (current, regime) in enumerate(zip(currents, ["quiescent", "bursting", "tonic"])):
        axes[i].plot(t, x[:, i], "k", lw=0.6)
        axes[i].set_ylabel("x")
        axes[i].set_title(f"I = {current}: {regime}", fontsize=10)
    axes[-1].set_xlabel("t (model units)")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "neuron_hindmarsh_rose.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
