"""Brian2-style STDP written with equation modules only (Song, Miller & Abbott 2000).

Poisson inputs drive one conductance-based integrate-and-fire neuron through
plastic synapses; additive pair STDP with depression slightly stronger than
potentiation (A- tau- > A+ tau+) splits the weights into a weak and a
strong group at the bounds (Song et al. 2000, Nat Neurosci 3:919, Fig. 1;
also Brian2's example ``synapses/STDP``). The model is written the way a
Brian2 user writes it::

    neuron:   dv/dt = (ge*(Ee - v) + El - v)/taum : volt
              dge/dt = -ge/taue : 1
              dapost/dt = -apost/taupost : 1
              threshold v > vt, reset v = vr; apost += dApost
    inputs:   threshold rand() < F*dt, with dapre/dt = -apre/taupre : 1
              and apre += dApre at each spike
    synapses: on_pre  ge += w; w = clip(w + apost, 0, gmax)
              on_post w = clip(w + apre_pre, 0, gmax)

The traces live on the neurons (for pair-based STDP Brian2's per-synapse
event-driven traces are equal across the synapses of a neuron). Scaled for
speed: 200 inputs at 40 Hz, g_max = 0.03 (leak units), dt = 0.5 ms, 40 s.

Run: ``python examples/equations_stdp.py --out figures`` (``--small``: 10 s).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import EventRecorder, Network, NeuronGroup, SynapseGroup  # noqa: E402
from monnto.behaviours.equations import (  # noqa: E402
    Clock,
    Equation,
    OnPost,
    OnPre,
    Reset,
    Threshold,
    Variable,
)
from monnto.core.backend import to_numpy  # noqa: E402

G_MAX = 0.03


def run(seconds: float = 40.0, n_inputs: int = 200, seed: int = 0) -> tuple[np.ndarray, int]:
    """Simulate; return the final weights in units of g_max (shape (n_inputs,)) and the output spike count."""
    net = Network(seed=seed, behaviour={0: Clock(step="0.5*ms")})
    inputs = NeuronGroup(net=net, size=n_inputs, tag="inputs", behaviour={
        1: Variable(eq=f"F = 40*Hz; apre = 0; taupre = 20*ms; dApre = {0.01 * G_MAX}"),
        4: Equation(eq="dapre/dt = -apre/taupre : 1"),
        5: Threshold("rand() < F*dt"),
        7: Reset("apre += dApre"),
    })
    neuron = NeuronGroup(net=net, size=1, tag="neuron", behaviour={
        1: Variable(eq="taum = 10*ms; taue = 5*ms; Ee = 0*mV; El = -74*mV; vt = -54*mV; vr = -60*mV"),
        2: Variable(eq=f"v = El; ge = 0; apost = 0; taupost = 20*ms; dApost = {-0.011 * G_MAX}; gmax = {G_MAX}"),
        4: Equation(eq="""
            dv/dt = (ge*(Ee - v) + El - v)/taum : volt
            dge/dt = -ge/taue : 1
            dapost/dt = -apost/taupost : 1
        """),
        5: Threshold("v > vt"),
        7: Reset("v = vr; apost += dApost"),
        9: EventRecorder(["n.spike"]),
    })
    synapses = SynapseGroup(net=net, src=inputs, dst=neuron, behaviour={
        6: OnPre("ge += w; w = clip(w + apost, 0, gmax)", w=f"rand()*{G_MAX}"),
        8: OnPost("w = clip(w + apre_pre, 0, gmax)"),
    })
    net.initialize()
    net.simulate_iterations(f"{seconds * 1000}*ms")
    weights = to_numpy(synapses.W)[0] / G_MAX
    return weights, len(to_numpy(neuron["n.spike", 0]))


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="10 s instead of 40 s (for tests)")
    args = parser.parse_args(argv)
    seconds = 10.0 if args.small else 40.0
    weights, spikes = run(seconds)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist(weights, bins=20, range=(0, 1), color="0.3")
    ax.set_xlabel("w / g_max")
    ax.set_ylabel("synapses")
    ax.set_title(f"after {seconds:g} s of STDP (output {spikes / seconds:.1f} Hz)")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "equations_stdp.png"
    fig.savefig(path, dpi=120)
    print(path)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    main()
