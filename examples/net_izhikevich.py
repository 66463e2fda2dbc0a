"""Izhikevich (2003) network of 800 excitatory and 200 inhibitory neurons.

The raster of the paper's Fig. 3 and the power spectrum of the population
activity with its alpha (~10 Hz) and gamma (~40 Hz) peaks.

    python examples/net_izhikevich.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.models.izhikevich_network import izhikevich_network  # noqa: E402
from monnto.models.spike_stats import population_counts, welch_spectrum  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    steps = 1200 if args.small else 8000                     # dt = 0.5 ms

    net = izhikevich_network(seed=1)
    net.simulate_iterations(steps, progress=False)
    exc, inh = net["exc", 0], net["inh", 0]
    t_e, i_e = np.asarray(exc["n.spike.t", 0]), np.asarray(exc["n.spike.i", 0])
    t_i, i_i = np.asarray(inh["n.spike.t", 0]), np.asarray(inh["n.spike.i", 0])
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
    first = 2000                                             # the first second
    sel_e, sel_i = t_e <= first, t_i <= first
    axes[0].plot(t_e[sel_e] * 0.5, i_e[sel_e], ",k")
    axes[0].plot(t_i[sel_i] * 0.5, i_i[sel_i] + exc.size, ",r")
    axes[0].set(xlabel="t (ms)", ylabel="neuron", title="raster (excitatory black, inhibitory red)")
    counts = population_counts(np.concatenate([t_e, t_i]), steps - 400, 2, start=401)
    f, p = welch_spectrum(counts, 1e-3, segment=min(500, counts.size))
    band = (f >= 2) & (f <= 100)
    axes[1].semilogy(f[band], p[band])
    for lo, hi in ((8, 13), (30, 50)):
        axes[1].axvspan(lo, hi, color="0.9")
    axes[1].set(xlabel="frequency (Hz)", ylabel="power", title="population activity spectrum")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_izhikevich.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
