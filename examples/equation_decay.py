"""Code block 8 of the paper: exponential decay written as an equation string.

    dv/dt = (0 mV - v) / tau,   v(0) = 1 mV,   tau = 100 ms,   dt = 0.1 ms

Closed form: v(t) = 1 mV * exp(-t / tau). The example runs the paper's block
unchanged (method chosen automatically: 'exact' for this linear equation) and
once with 'euler', and plots v(t) against the closed form, with the relative
error of each method. Stored values are SI (volt, second).

Reference: Vieth et al. (2021), PymoNNto, Front. Neuroinform. 15:715131,
section 4.2; Brian2 reference script in the paper's code block 7.

Run: ``python examples/equation_decay.py --out figures``.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.equations import Clock, Equation, Variable  # noqa: E402


def run(method: str = "auto", size: int = 100, duration: str = "1000*ms") -> tuple[np.ndarray, np.ndarray]:
    """Code block 8; returns recorded ``t`` (s, shape (T,)) and ``v`` (V, shape (T, size))."""
    net = Network()
    NeuronGroup(net=net, size=size, behaviour={
        1: Clock(step='0.1*ms'),
        2: Variable(eq='v=1*mV'),
        3: Variable(eq='tau=100*ms'),
        4: Equation(eq='dv/dt=(0*mV-v)/tau', method=method),
        9: Recorder(['n.v', 'n.t'], tag='my_rec'),
    })
    net.initialize()
    net.simulate_iterations(duration)
    return np.asarray(net['n.t', 0]), np.asarray(net['n.v', 0])


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    duration = "100*ms" if args.small else "1000*ms"

    t, v_exact = run("auto", size=10, duration=duration)
    _, v_euler = run("euler", size=10, duration=duration)
    closed = 1e-3 * np.exp(-t / 0.1)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(t * 1e3, closed * 1e3, "k-", lw=3, alpha=0.4, label="1 mV exp(-t/100 ms)")
    axes[0].plot(t * 1e3, v_exact[:, 0] * 1e3, "C0--", label="monnto, exact")
    axes[0].plot(t * 1e3, v_euler[:, 0] * 1e3, "C1:", label="monnto, euler")
    axes[0].set(xlabel="t (ms)", ylabel="v (mV)", title="code block 8")
    axes[0].legend()
    axes[1].semilogy(t * 1e3, np.abs(v_exact[:, 0] / closed - 1) + 1e-17, "C0", label="exact")
    axes[1].semilogy(t * 1e3, np.abs(v_euler[:, 0] / closed - 1), "C1", label="euler")
    axes[1].set(xlabel="t (ms)", ylabel="relative error", title="error against the closed form")
    axes[1].legend()
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "equation_decay.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
