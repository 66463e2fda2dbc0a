"""Vogels-Abbott / Brette et al. (2007) CUBA and COBA benchmark networks.

Raster of 400 neurons, the population rate, and the distributions of firing
rates and CV of ISI for both benchmarks (4000 neurons, 2% connectivity).

    python examples/net_cuba_coba.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.models.cuba_coba import coba_network, cuba_network  # noqa: E402
from monnto.models.spike_stats import cv_isi, firing_rates, population_counts  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="small, short run (for tests)")
    args = parser.parse_args(argv)
    (n_exc, n_inh), steps = ((800, 200), 1000) if args.small else ((3200, 800), 10000)

    fig, axes = plt.subplots(2, 4, figsize=(16, 6))
    for row, (name, build) in enumerate((("CUBA", cuba_network), ("COBA", coba_network))):
        net = build(n_exc=n_exc, n_inh=n_inh, seed=0)
        net.simulate_iterations(steps, progress=False)
        exc = net["exc", 0]
        t = np.asarray(exc["n.spike.t", 0])
        i = np.asarray(exc["n.spike.i", 0])
        dt_ms = net.dt * 1e3
        show = i < 400
        axes[row, 0].plot(t[show] * dt_ms, i[show], ",k")
        axes[row, 0].set(title=f"{name}: excitatory raster", xlabel="t (ms)", ylabel="neuron")
        counts = population_counts(t, steps, 10, start=1)
        axes[row, 1].plot(np.arange(counts.size) + 0.5, counts / exc.size / 1e-3, lw=0.8)
        axes[row, 1].set(title="population rate", xlabel="t (ms)", ylabel="Hz")
        warm = t > steps // 5
        duration = steps * 0.8 * net.dt
        rates = firing_rates(t[warm], i[warm], exc.size, duration)
        axes[row, 2].hist(rates, bins=30, color="C1")
        axes[row, 2].set(title=f"rates (mean {rates.mean():.1f} Hz)", xlabel="Hz")
        cvs = cv_isi(t[warm], i[warm], exc.size)
        axes[row, 3].hist(cvs, bins=30, color="C2")
        axes[row, 3].set(title=f"CV of ISI (mean {np.nanmean(cvs) if cvs.size else np.nan:.2f})", xlabel="CV")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_cuba_coba.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
