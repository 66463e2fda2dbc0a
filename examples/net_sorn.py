"""SORN (Lazar, Pipa & Triesch 2009) learning the counting task.

Mean excitatory activity converging to the intrinsic-plasticity target, the
E->E weight distribution after self-organization, and the next-symbol
prediction accuracy of a linear readout against chance and an input-only
readout.

    python examples/net_sorn.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.models.sorn import readout_accuracy, sorn_network  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    learn, test = (1000, 600) if args.small else (20000, 5000)

    net = sorn_network(n_exc=200, counting_n=4, seed=0)
    net.simulate_iterations(learn, progress=False)
    activity = np.asarray(net["n.spike", 0], dtype=float).mean(axis=1)
    net.deactivate_behaviours("plasticity")
    net.clear_recorder()
    net.simulate_iterations(test, progress=False)
    states = np.asarray(net["n.spike", 0], dtype=float)
    symbols = np.asarray(net["n.input_index", 0], dtype=int)
    n_sym = len(net["SymbolSequenceInput", 0].alphabet)
    acc = readout_accuracy(states, symbols, n_sym)
    acc_input = readout_accuracy(np.eye(n_sym)[symbols], symbols, n_sym)
    chance = np.bincount(symbols, minlength=n_sym).max() / symbols.size

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    window = 100
    smooth = np.convolve(activity, np.ones(window) / window, mode="valid")
    axes[0].plot(smooth)
    axes[0].axhline(0.1, ls="--", color="k", label="IP target h_ip")
    axes[0].set(xlabel="step", ylabel="mean activity", title="intrinsic plasticity")
    axes[0].legend()
    W = np.asarray(net["EE", 0].W)
    axes[1].hist(W[W > 0], bins=40)
    axes[1].set(xlabel="weight", ylabel="count", title="E->E weights after learning", yscale="log")
    axes[2].bar(["chance", "input only", "SORN"], [chance, acc_input, acc], color=["0.6", "C1", "C0"])
    axes[2].set(ylim=(0, 1), ylabel="next-symbol accuracy", title="linear readout, counting task n=4")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_sorn.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
