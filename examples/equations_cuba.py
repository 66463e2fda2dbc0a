"""Brian2's CUBA example (Vogels & Abbott 2005) written with equation modules only.

4000 neurons (3200 excitatory, 800 inhibitory), connection probability 0.02::

    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    threshold v > Vt, reset v = Vr, refractory 5 ms
    on_pre: ge += we (excitatory sources), gi += wi (inhibitory sources)

taum 20 ms, taue 5 ms, taui 10 ms, Vt -50 mV, Vr -60 mV, El -49 mV (passed as
``namespace=``, as Brian2's example does), we = 60*0.27/10 mV,
wi = -20*4.5/10 mV, dt 0.1 ms, exact integration, initial v uniform in
[Vr, Vt]. The network fires asynchronously and irregularly at
about 5.7 Hz without external input (El > Vt).

Run: ``python examples/equations_cuba.py --out figures`` (``--small``: 0.2 s).
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
    OnPre,
    Refractory,
    Reset,
    Threshold,
    Variable,
)
from monnto.core.backend import to_numpy  # noqa: E402

CUBA = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
DT = 1e-4  # s


#: The model's constants, as Brian2's example takes them from its namespace:
#: inlined as numbers in the generated code.
CONSTANTS = {"taum": "20*ms", "taue": "5*ms", "taui": "10*ms", "El": "-49*mV", "Vt": "-50*mV", "Vr": "-60*mV"}


def build(seed: int = 1, sparse: bool = False) -> Network:
    """The initialized network; groups 'exc' (3200) and 'inh' (800) record their spikes."""
    net = Network(seed=seed, behaviour={1: Clock(step="0.1*ms")})
    ns = CONSTANTS
    groups = [
        NeuronGroup(net=net, size=size, tag=tag, behaviour={
            2: Variable(eq="v = Vr + rand()*(Vt - Vr); ge = 0*mV; gi = 0*mV", namespace=ns),
            3: Refractory("5*ms"),
            4: Equation(eq=CUBA, method="exact", namespace=ns),
            5: Threshold("v > Vt", namespace=ns),
            7: Reset("v = Vr", namespace=ns),
            10: EventRecorder(["n.spike"]),
        })
        for tag, size in (("exc", 3200), ("inh", 800))
    ]
    for src, statement, w in ((groups[0], "ge += w", f"{60 * 0.27 / 10}*mV"),
                              (groups[1], "gi += w", f"{-20 * 4.5 / 10}*mV")):
        for dst in groups:
            SynapseGroup(net=net, src=src, dst=dst, behaviour={6: OnPre(statement, w=w, p=0.02, sparse=sparse)})
    net.initialize()
    return net


def spikes(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Spike times (s) and neuron indices (excitatory 0-3199, inhibitory 3200-3999)."""
    times, indices = [], []
    for tag, offset in (("exc", 0), ("inh", 3200)):
        group = net[tag, 0]
        times.append(to_numpy(group["n.spike.t", 0]) * DT)  # iterations -> s
        indices.append(to_numpy(group["n.spike.i", 0]) + offset)
    return np.concatenate(times), np.concatenate(indices)


def run(seed: int = 1, sparse: bool = False, duration: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Build, simulate ``duration`` seconds, return :func:`spikes`."""
    net = build(seed, sparse)
    net.simulate_iterations(f"{duration * 1000}*ms")
    return spikes(net)


def run_brian2(seed: int = 1, duration: float = 1.0, target: str = "numpy",
               timing: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The same network in Brian2 (``pip install brian2``), for side-by-side checks.

    Returns spike times (s) and indices; ``timing['run']`` receives the
    seconds of Brian2's ``run`` call when a dict is passed.
    """
    import time

    import brian2 as b2
    from brian2 import ms, mV, second

    b2.start_scope()
    b2.prefs.codegen.target = target
    b2.seed(seed)
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Vt": -50 * mV, "Vr": -60 * mV,
          "El": -49 * mV, "we": (60 * 0.27 / 10) * mV, "wi": (-20 * 4.5 / 10) * mV}
    group = b2.NeuronGroup(4000, CUBA, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                           method="exact", dt=0.1 * ms, namespace=ns)
    group.v = "Vr + rand() * (Vt - Vr)"
    excitatory = b2.Synapses(group, group, on_pre="ge += we", namespace=ns, dt=0.1 * ms)
    inhibitory = b2.Synapses(group, group, on_pre="gi += wi", namespace=ns, dt=0.1 * ms)
    excitatory.connect("i<3200", p=0.02)
    inhibitory.connect("i>=3200", p=0.02)
    monitor = b2.SpikeMonitor(group)
    network = b2.Network(group, excitatory, inhibitory, monitor)
    network.run(0 * ms)  # code generation and setup
    start = time.perf_counter()
    network.run(duration * second)
    if timing is not None:
        timing["run"] = time.perf_counter() - start
    return np.asarray(monitor.t / second), np.asarray(monitor.i)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--small", action="store_true", help="0.2 s instead of 1 s (for tests)")
    args = parser.parse_args(argv)
    duration = 0.2 if args.small else 1.0
    times, indices = run(duration=duration)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(times * 1e3, indices, ",k")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    ax.set_title(f"CUBA, {len(times) / 4000 / duration:.1f} Hz")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "equations_cuba.png"
    fig.savefig(path, dpi=120)
    print(path)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    main()
