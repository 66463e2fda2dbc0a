"""``monnto demo``: the paper's basic network and its Figure 5."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .models.basic_network import basic_network


def run_demo(out: Path, size: int = 100, steps: int = 1000, seed: int = 1) -> dict[str, Any]:
    """Run the basic network and write ``figure5.png`` and ``summary.txt`` into ``out``.

    Returns
    -------
    dict
        ``rate`` (spikes per neuron and step), ``mean_voltage``, ``spikes``,
        ``figure`` and ``summary`` paths, and the summary ``text``.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    net = basic_network(size=size, seed=seed)
    timing = net.simulate_iterations(steps, progress=False)

    voltage = net["n.voltage", 0, "np"]
    mean_voltage = net["np.mean(n.voltage)", 0, "np"]
    spike_t = net["n.spike.t", 0, "np"]
    spike_i = net["n.spike.i", 0, "np"]
    threshold = net.my_neurons["Basic_Behaviour", 0].threshold
    iterations = np.arange(1, len(mean_voltage) + 1)

    fig, (ax_v, ax_s) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    ax_v.plot(iterations, voltage[:, :10], linewidth=0.8)
    ax_v.plot(iterations, mean_voltage, color="black", linewidth=1.5, label="mean voltage")
    ax_v.axhline(threshold, linestyle="dashed", color="gray", label="threshold")
    ax_v.set_ylabel("voltage")
    ax_v.set_title(f"Basic network: {size} neurons, {steps} steps (paper Fig. 5)")
    ax_v.legend(loc="upper right")
    ax_s.plot(spike_t, spike_i, ".k", markersize=2)
    ax_s.set_xlabel("iteration")
    ax_s.set_ylabel("neuron")
    ax_s.set_xlim(0, steps + 1)
    ax_s.set_ylim(-1, size)
    fig.tight_layout()
    figure = out / "figure5.png"
    fig.savefig(figure, dpi=100)
    plt.close(fig)

    rate = len(spike_t) / (size * steps)
    text = (f"monnto demo: {size} neurons, {steps} steps, seed {seed}\n"
            f"spikes: {len(spike_t)}\n"
            f"rate: {rate:.4%} per neuron and step\n"
            f"mean voltage: {float(np.mean(voltage)):.4f} (threshold {threshold})\n"
            f"simulation time: {timing['seconds']:.3f} s\n"
            f"figure: {figure}\n")
    summary = out / "summary.txt"
    summary.write_text(text)
    return {"rate": rate, "mean_voltage": float(np.mean(voltage)), "spikes": len(spike_t),
            "figure": figure, "summary": summary, "text": text}
