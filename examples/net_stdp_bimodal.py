"""STDP (Song, Miller & Abbott 2000): the pair window and a bimodal weight distribution.

Left: weight change of one spike pair against the lag t_post - t_pre
(simulated with the trace rule, and the closed form A+ exp(-dt/tau+) /
-A- exp(dt/tau-)). Right: weights of 200 Poisson inputs onto one
conductance-based integrate-and-fire neuron after additive STDP, which
split into a weak and a strong group.

    python examples/net_stdp_bimodal.py --out figures
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.behaviours.plasticity.stdp import STDPParams, pair_stdp_kernel, pair_stdp_step  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    seconds = 4.0 if args.small else 40.0

    p = STDPParams(a_plus=0.01, a_minus=0.0105)
    dt = 1e-4
    lags = np.arange(-60, 61, 4) * 1e-3
    simulated = []
    for lag in lags:
        W, x, y = np.array([[0.5]]), np.zeros(1), np.zeros(1)
        t_pre, t_post = 1000, 1000 + int(round(lag / dt))
        for k in range(max(t_pre, t_post) + 2):
            W, x, y = pair_stdp_step(W, np.array([k == t_pre]), np.array([k == t_post]), x, y, p, dt)
        simulated.append(W[0, 0] - 0.5)

    rng = np.random.default_rng(0)
    n_in, rate, step = 200, 40.0, 0.5e-3
    g_max = 0.03
    rule = STDPParams(a_plus=0.01 * g_max, a_minus=0.011 * g_max, w_max=g_max)
    W = g_max * rng.random((1, n_in))
    x, y = np.zeros(n_in), np.zeros(1)
    v, g = -74e-3, 0.0
    decay = math.exp(-step / 5e-3)
    for _ in range(int(seconds / step)):
        pre = rng.random(n_in) < rate * step
        v += step / 10e-3 * (-74e-3 - v + g * (0.0 - v))
        g = g * decay + W[0] @ pre
        post = np.array([v > -54e-3])
        if post[0]:
            v = -60e-3
        W, x, y = pair_stdp_step(W, pre, post, x, y, rule, step)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    fine = np.linspace(-60e-3, 60e-3, 400)
    axes[0].plot(fine * 1e3, pair_stdp_kernel(fine, p), "k-", label="A+ exp(-dt/tau+), -A- exp(dt/tau-)")
    axes[0].plot(lags * 1e3, simulated, "o", label="trace rule, one pair")
    axes[0].set(xlabel="t_post - t_pre (ms)", ylabel="dw", title="STDP window")
    axes[0].legend(fontsize=8)
    axes[1].hist(W[0] / g_max, bins=20, range=(0, 1))
    axes[1].set(xlabel="w / w_max", ylabel="inputs", title=f"weights after {seconds:.0f} s of STDP")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_stdp_bimodal.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
