"""numpy vs torch (CPU, and CUDA when present): the paper network and CUBA.

For each N it times, in one process, monnto networks on the numpy and the
torch backend:

* ``paper-dense``: code blocks 2-3 with a plain dense product ``W @ spikes``;
* ``paper-event``: the same with event-driven propagation (numpy: the
  EventMatrix that ``get_synapse_mat`` returns; torch: ``index_select`` of the
  spiking sources' rows of the transposed matrix);
* ``cuba``: the Vogels-Abbott CUBA network (exact integration, 5 ms
  refractory period, p = 0.02, weights scaled by 4000/N), event-driven.

It prints milliseconds per step and the crossover size (the smallest N at
which torch is faster) per model and device; ``--write`` puts that table into
``benchmarks/RESULTS.md`` between the ``backends`` markers.

    python benchmarks/backends.py [--sizes 1000 2000 5000 10000 20000] [--steps 200] [--write]
"""
from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np

from monnto import Behaviour, Network, NeuronGroup, SynapseGroup

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


class Threshold(Behaviour):
    """Blocks 2's unit, written with the group's array namespace."""

    def set_variables(self, n):
        n.voltage = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        xp = n.xp
        n.spike = n.voltage > 0.5
        n.voltage = xp.where(n.spike, xp.zeros_like(n.voltage), n.voltage) * 0.9
        n.voltage = n.voltage + n.get_neuron_vec("uniform", density=0.01)


class Propagate(Behaviour):
    """``n.<target> += W @ spikes * factor``: dense or event-driven, numpy or torch."""

    def set_variables(self, s):
        self.event = self.get_init_attr("event", True)
        self.target = self.get_init_attr("target", "voltage")
        self.factor = self.get_init_attr("factor", 1.0)
        s.W = s.get_synapse_mat(self.get_init_attr("init", "uniform(0,10)"),
                                density=self.get_init_attr("density", 0.1))
        self.torch = s.network.backend == "torch"
        if self.torch:
            self.WT = s.W.T.contiguous()
        elif not self.event:
            s.W = np.asarray(s.W)  # a plain ndarray: ordinary dense product

    def new_iteration(self, s):
        spikes = s.src.spike
        if not self.torch:  # EventMatrix gathers; a plain array gets a BLAS product
            add = s.W.dot(spikes) if self.event else s.W.dot(spikes.astype(s.W.dtype))
        elif self.event:
            add = self.WT.index_select(0, torch.nonzero(spikes).squeeze(1)).sum(0)
        else:
            add = torch.mv(s.W, spikes.to(s.W.dtype))
        setattr(s.dst, self.target, getattr(s.dst, self.target) + add * self.factor)


class CubaNeuron(Behaviour):
    """CUBA LIF (Vogels & Abbott 2005; Brette et al. 2007), exact integration, dt = 0.1 ms.

    dv/dt = (ge + gi - (v - El)) / taum, dge/dt = -ge / taue, dgi/dt = -gi / taui (mV, ms).
    """

    def set_variables(self, n):
        self.dt, self.taum, self.taue, self.taui = 0.1, 20.0, 5.0, 10.0
        self.El, self.Vt, self.Vr, self.ref = -49.0, -50.0, -60.0, 5.0
        n.v = n.get_neuron_vec("uniform(-60, -50)")
        n.ge = n.get_neuron_vec()
        n.gi = n.get_neuron_vec()
        n.refr = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        xp, dt = n.xp, self.dt
        ae, ai, am = np.exp(-dt / self.taue), np.exp(-dt / self.taui), np.exp(-dt / self.taum)
        # exact solution of the linear system over one step
        ce = self.taue / (self.taum - self.taue) * (am - ae)
        ci = self.taui / (self.taum - self.taui) * (am - ai)
        active = n.refr <= 0
        v_new = self.El + (n.v - self.El) * am + n.ge * ce + n.gi * ci
        n.v = xp.where(active, v_new, n.v)
        n.ge = n.ge * ae
        n.gi = n.gi * ai
        n.spike = n.v > self.Vt
        n.v = xp.where(n.spike, xp.full_like(n.v, self.Vr), n.v)
        n.refr = xp.where(n.spike, xp.full_like(n.refr, self.ref), n.refr - dt)


def paper_network(backend: str, device: str, n: int, event: bool) -> Network:
    net = Network(seed=1, backend=backend, device=device, dtype="float32")
    ng = NeuronGroup(net=net, size=n, behaviour={1: Threshold()})
    SynapseGroup(net=net, src=ng, dst=ng, tag="GLU", behaviour={2: Propagate(event=event, factor=1.0 / n)})
    net.initialize()
    return net


def cuba_network(backend: str, device: str, n: int) -> Network:
    net = Network(seed=1, backend=backend, device=device, dtype="float32")
    n_exc = int(0.8 * n)
    scale = 4000.0 / n
    exc = NeuronGroup(net=net, size=n_exc, tag="exc", behaviour={1: CubaNeuron()})
    inh = NeuronGroup(net=net, size=n - n_exc, tag="inh", behaviour={1: CubaNeuron()})
    for src, weight, target in ((exc, 1.62, "ge"), (inh, -9.0, "gi")):
        for dst in (exc, inh):
            SynapseGroup(net=net, src=src, dst=dst, behaviour={
                2: Propagate(init="ones", density=0.02, target=target, factor=weight * scale)})
    net.initialize()
    return net


def time_per_step(net: Network, steps: int) -> float:
    net.simulate_iterations(10, progress=False)  # warm-up
    if net.backend == "torch" and str(net.device).startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    net.simulate_iterations(steps, progress=False)
    if net.backend == "torch" and str(net.device).startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000, 10000, 20000])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    if torch is None:
        raise SystemExit("benchmarks/backends.py needs torch: pip install monnto[torch]")
    targets = [("numpy", "cpu"), ("torch", "cpu")]
    if torch.cuda.is_available():
        targets.append(("torch", "cuda"))
    models = {"paper-dense": lambda b, d, n: paper_network(b, d, n, event=False),
              "paper-event": lambda b, d, n: paper_network(b, d, n, event=True),
              "cuba": cuba_network}
    lines = [f"ms per step (float32, {args.steps} steps after 10 warm-up; torch {torch.__version__}"
             f"{', GPU ' + torch.cuda.get_device_name() if torch.cuda.is_available() else ''})", "",
             "| model | N | " + " | ".join(f"{b} {d}" for b, d in targets) + " |",
             "|---|---|" + "---|" * len(targets)]
    times: dict = {}
    for model, build in models.items():
        for n in args.sizes:
            row = []
            for backend, device in targets:
                net = build(backend, device, n)
                ms = time_per_step(net, args.steps)
                times[(model, n, backend, device)] = ms
                row.append(f"{ms:.3f}")
                del net
            lines.append(f"| {model} | {n} | " + " | ".join(row) + " |")
            print(lines[-1], flush=True)
    lines += ["", "Crossover (smallest N where torch beats numpy):", ""]
    for model in models:
        for backend, device in targets[1:]:
            faster = [n for n in args.sizes if times[(model, n, backend, device)] < times[(model, n, "numpy", "cpu")]]
            lines.append(f"- {model}, {backend} {device}: {faster[0] if faster else 'none up to ' + str(max(args.sizes))}")
    text = "\n".join(lines)
    print("\n" + text)
    if args.write:
        results = Path(__file__).with_name("RESULTS.md")
        block = f"<!-- backends:start -->\n{text}\n<!-- backends:end -->"
        old = results.read_text() if results.exists() else ""
        if "<!-- backends:start -->" in old:
            new = re.sub(r"<!-- backends:start -->.*<!-- backends:end -->", lambda _: block, old, flags=re.S)
        else:
            new = old + "\n" + block + "\n"
        results.write_text(new)


if __name__ == "__main__":
    main()
