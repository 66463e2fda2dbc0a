"""Diesmann, Gewaltig & Aertsen (1999) synfire chain: pulse packets live or die.

Rasters of the 10-layer chain for a strong, tight input packet (a = 100
spikes, sigma = 1 ms) and a weak, loose one (a = 45, sigma = 3 ms), and the
(a, sigma) trajectories of several packets through the layers: the
separatrix of the paper's Fig. 2.

    python examples/net_synfire.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.models.synfire import packet_trajectory, synfire_network  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="fewer packets (for tests)")
    args = parser.parse_args(argv)
    starts = [(100, 1e-3), (45, 3e-3)] if args.small else \
        [(100, 1e-3), (45, 3e-3), (80, 2e-3), (60, 0.5e-3), (50, 1e-3), (30, 3e-3), (70, 3e-3)]

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for k, (a, sigma) in enumerate(starts):
        net = synfire_network(a=a, sigma=sigma, seed=0)
        net.simulate_iterations(1000, progress=False)
        a_k, s_k = packet_trajectory(net)
        if k < 2:
            chain = net["chain", 0]
            t = np.asarray(chain["n.spike.t", 0]) * net.dt * 1e3
            i = np.asarray(chain["n.spike.i", 0])
            axes[k].plot(t, i, "|", ms=2, color="k")
            axes[k].set(title=f"a = {a}, sigma = {sigma * 1e3:.1f} ms", xlabel="t (ms)",
                        ylabel="neuron (layer = index // 100)")
        axes[2].plot(s_k * 1e3, a_k, "o-", ms=3, label=f"({a}, {sigma * 1e3:.1f} ms)")
        axes[2].plot(s_k[-1:] * 1e3, a_k[-1:], "s", color="k", ms=4)
    axes[2].set(xlabel="sigma (ms)", ylabel="a (spikes in the volley)", title="packet trajectories (end: square)")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_synfire.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
