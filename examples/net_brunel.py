"""Brunel (2000) sparse E/I network in its four regimes, and Brunel & Hakim (1999).

For each regime of Brunel's Fig. 8 (SR, SI fast, AI, SI slow) a raster of 50
neurons and the population rate; the last row shows the fast collective
oscillation of the purely inhibitory Brunel-Hakim network. The network is
scaled down (N_E = 2000, C_E J kept at the paper's 100 mV).

    python examples/net_brunel.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.models.brunel import brunel_hakim_network, brunel_network, network_statistics  # noqa: E402
from monnto.models.spike_stats import population_counts  # noqa: E402


def _panel(ax_raster, ax_rate, net, tag, title, n_show=50):
    grp = net[tag, 0]
    t = np.asarray(grp["n.spike.t", 0])
    i = np.asarray(grp["n.spike.i", 0])
    dt_ms = net.dt * 1e3
    show = i < n_show
    ax_raster.plot(t[show] * dt_ms, i[show], "|", ms=3, color="k")
    ax_raster.set(title=title, yticks=[])
    counts = population_counts(t, net.iteration, 5, start=1)      # 0.5 ms bins
    rate = counts / grp.size / 0.5e-3
    ax_rate.plot((np.arange(counts.size) + 0.5) * 0.5, rate, color="C0", lw=0.8)
    ax_rate.set(xlabel="t (ms)", ylabel="rate (Hz)")


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="small, short run (for tests)")
    args = parser.parse_args(argv)
    n_exc, steps = (400, 500) if args.small else (2000, 3000)

    regimes = ["SR", "SI_fast", "AI", "SI_slow"]
    fig, axes = plt.subplots(2, len(regimes) + 1, figsize=(17, 6), sharex="col",
                             gridspec_kw={"height_ratios": [3, 1]})
    for col, regime in enumerate(regimes):
        net = brunel_network(regime, n_exc=n_exc, seed=0)
        net.simulate_iterations(steps, progress=False)
        st = network_statistics(net, warmup=min(0.1, steps * net.dt / 2))
        _panel(axes[0, col], axes[1, col], net, "exc",
               f"{regime}: g={net.brunel['g']}, eta={net.brunel['eta']}\n"
               f"{st['rate']:.0f} Hz, CV {st['cv']:.2f}, Fano {st['fano']:.0f}")
    bh = brunel_hakim_network(n=300 if args.small else 1000, c=300 if args.small else 1000, seed=0)
    bh.simulate_iterations(steps, progress=False)
    st = network_statistics(bh, warmup=min(0.05, steps * bh.dt / 2), groups=("inh",))
    _panel(axes[0, -1], axes[1, -1], bh, "inh",
           f"Brunel-Hakim 1999\n{st['rate']:.1f} Hz, peak {st['peak_hz']:.0f} Hz")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_brunel.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
