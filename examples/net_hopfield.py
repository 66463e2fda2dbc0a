"""Hopfield (1982) network recalling four stored patterns from 20 % corrupted cues.

Stored patterns (10 x 10 units), a corrupted cue for each, the recalled
state after 10 synchronous steps, and the overlap with the stored pattern
step by step.

    python examples/net_hopfield.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto.models.hopfield import corrupt, hopfield_network, overlap  # noqa: E402


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="accepted for the example tests (already small)")
    args = parser.parse_args(argv)

    net = hopfield_network(n_patterns=4, size=100, seed=0)
    grp = net["hopfield", 0]
    rng = np.random.default_rng(5)
    fig, axes = plt.subplots(4, 4, figsize=(10, 9))
    for mu, pattern in enumerate(net.patterns):
        cue = corrupt(pattern, 0.2, rng)
        grp.s = cue.copy()
        history = [overlap(cue, pattern)]
        for _ in range(10):
            net.simulate_iteration()
            history.append(overlap(grp.s, pattern))
        for col, (img, title) in enumerate(((pattern, "stored"), (cue, "cue (20% flipped)"),
                                            (grp.s, "recalled"))):
            axes[mu, col].imshow(np.reshape(img, (10, 10)), cmap="gray", vmin=-1, vmax=1)
            axes[mu, col].set(xticks=[], yticks=[], title=title if mu == 0 else None)
        axes[mu, 3].plot(history, "o-")
        axes[mu, 3].set(ylim=(0, 1.05), xlabel="step", ylabel="overlap")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "net_hopfield.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
