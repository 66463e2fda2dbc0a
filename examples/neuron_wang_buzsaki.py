"""Wang-Buzsaki (1996) fast-spiking interneuron: a voltage trace and the f-I curve.

Left: membrane potential for I = 1 uA/cm^2. Right: firing rate against
current (0 to 20 uA/cm^2) from one group of neurons, each with its own
bias current: class-I onset near 0.16 uA/cm^2, several hundred Hz at
20 uA/cm^2.

    python examples/neuron_wang_buzsaki.py --out figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.equations import Clock  # noqa: E402
from monnto.behaviours.neurons import WangBuzsaki  # noqa: E402

UA_PER_CM2 = 1e-2 * 1e-8      # A for the default 1e-8 m^2 membrane area


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="short run (for tests)")
    args = parser.parse_args(argv)
    duration = 0.03 if args.small else 0.5                 # s

    currents = np.concatenate([[0.0, 0.1, 0.15, 0.2, 0.3, 0.5], np.linspace(1, 20, 20)])
    net = Network(seed=1, behaviour={0: Clock("0.01*ms")})
    trace = NeuronGroup(net, 1, tag="trace", behaviour={
        1: WangBuzsaki(I_bias=1.0 * UA_PER_CM2),
        9: Recorder(["n.v"], gapwidth=5),
    })
    fi = NeuronGroup(net, len(currents), tag="fi",
                     behaviour={1: WangBuzsaki(I_bias=currents * UA_PER_CM2)})
    net.initialize()
    steps = net.time_to_iterations(f"{duration * 1e3}*ms")
    counts = np.zeros(len(currents))
    for k in range(steps):
        net.simulate_iteration()
        if k >= steps // 2:                                 # skip the onset transient
            counts += fi.spike
    rates = counts / (duration / 2)

    v = trace["n.v", 0][:, 0] * 1e3
    t = np.arange(len(v)) * 5 * net.dt * 1e3
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    shown = t <= 100
    axes[0].plot(t[shown], v[shown], "k", lw=0.8)
    axes[0].set(xlabel="t (ms)", ylabel="v (mV)", title="Wang-Buzsaki, I = 1 uA/cm$^2$")
    axes[1].plot(currents, rates, "o-")
    axes[1].set(xlabel="I (uA/cm$^2$)", ylabel="rate (Hz)", title="f-I curve")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "neuron_wang_buzsaki.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
