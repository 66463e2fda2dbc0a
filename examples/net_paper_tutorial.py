"""The paper's tutorial network with homeostasis, STDP and normalization.

Voltage traces (group mean in black, threshold dashed), the raster, and the
recurrent weights before and after 1000 steps of the extended network
(Basic + Input + VoltageHomeostasis + DiscreteSTDP + Normalization).

    python examples/net_paper_tutorial.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.models.paper_tutorial import extended_network  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    steps = 200 if args.small else 1000

    net = extended_network(size=100, seed=1)
    syn = net["GLUTAMATE", 0]
    W0 = np.array(syn.W, copy=True)
    net.simulate_iterations(steps, progress=False)
    fig, axes = plt.subplots(1, 4, figsize=(18, 4))
    axes[0].plot(net["n.voltage", 0][:, :10], lw=0.6)
    axes[0].plot(net["np.mean(n.voltage)", 0], color="black")
    axes[0].axhline(net["my_neurons", 0]["Basic_Behaviour", 0].threshold, ls="--", color="k")
    axes[0].set(xlabel="iteration", ylabel="voltage", title="voltages (mean in black)")
    axes[1].plot(net["n.spike.t", 0], net["n.spike.i", 0], ".k", ms=2)
    axes[1].set(xlabel="iteration", ylabel="neuron", title="spikes")
    axes[2].imshow(W0, cmap="viridis")
    axes[2].set(title="W before", xlabel="source", ylabel="destination")
    axes[3].imshow(np.asarray(syn.W), cmap="viridis")
    axes[3].set(title=f"W after {steps} steps (rows sum to 10)", xlabel="source")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_paper_tutorial.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
