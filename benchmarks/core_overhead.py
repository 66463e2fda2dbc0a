"""Framework overhead: the paper network (code blocks 2-3) vs a hand-written numpy loop.

Runs, in one process, the paper's basic network (1000 steps) in monnto and the
same model as a plain numpy loop, for N in {100, 1000, 5000}, without and with
the paper's Recorders ('n.voltage', 'np.mean(n.voltage)'), and prints median
times and two ratios:

* ``vs paper``: against the loop written as the paper writes it
  (``W.dot(spike)`` on a plain array: numpy's dense product);
* ``overhead``: against the same loop using the event-driven product that
  monnto's synapse matrices use (sum of the spiking sources' columns), so the
  ratio is the framework's own cost.

    python benchmarks/core_overhead.py [--repeats 7] [--steps 1000]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from monnto import EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup, get_squared_dim
from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour


def monnto_run(n: int, steps: int, seed: int, record: bool) -> float:
    net = Network(seed=seed)
    behaviour = {1: Basic_Behaviour(), 2: Input_Behaviour()}
    if record:
        behaviour[9] = Recorder(tag="my_recorder", variables=["n.voltage", "np.mean(n.voltage)"])
        behaviour[10] = EventRecorder(tag="my_event_recorder", variables=["n.spike"])
    neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(n), behaviour=behaviour)
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
    net.initialize()
    start = time.perf_counter()
    net.simulate_iterations(steps, progress=False)
    return time.perf_counter() - start


def numpy_run(n: int, steps: int, seed: int, record: bool, event: bool = False) -> float:
    rng = np.random.default_rng(seed)
    W = rng.uniform(0, 10, size=(n, n))
    W *= rng.random((n, n)) < 0.1
    if event:
        W = np.asfortranarray(W)
        WT = W.T  # rows of WT are the (contiguous) columns of W
    v = np.zeros(n)
    if record:
        trace = np.empty((steps, n))
        mean = np.empty(steps)
        spike_t, spike_i = [], []
    start = time.perf_counter()
    for k in range(steps):
        spike = v > 0.5
        v[spike] = 0.0
        v *= 0.9
        noise = rng.uniform(size=n)
        noise *= rng.random(n) < 0.01
        v += noise
        if event:
            idx = np.flatnonzero(spike)
            if len(idx) * 8 <= n and n * n > 20000:
                v += WT[idx].sum(axis=0) / n
            else:
                v += W.dot(spike.astype(W.dtype)) / n
        else:
            v += W.dot(spike) / n
        if record:
            trace[k] = v
            mean[k] = np.mean(v)
            idx = np.flatnonzero(spike)
            spike_t.append(np.full(len(idx), k + 1))
            spike_i.append(idx)
    if record:
        np.concatenate(spike_t), np.concatenate(spike_i)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    args = parser.parse_args()
    print(f"paper network, {args.steps} steps, median of {args.repeats} runs (seconds)")
    print(f"{'N':>6} {'recorders':>9} {'numpy':>9} {'numpy-ev':>9} {'monnto':>9} {'vs paper':>9} "
          f"{'overhead':>9}")
    for record in (False, True):
        for n in args.sizes:
            if record and n == 5000:
                continue
            times = {"numpy": [], "event": [], "monnto": []}
            for r in range(args.repeats):  # interleave to share machine noise
                times["numpy"].append(numpy_run(n, args.steps, r, record))
                times["event"].append(numpy_run(n, args.steps, r, record, event=True))
                times["monnto"].append(monnto_run(n, args.steps, r, record))
            base, event, ours = (statistics.median(times[k]) for k in ("numpy", "event", "monnto"))
            print(f"{n:>6} {'on' if record else 'off':>9} {base:9.4f} {event:9.4f} {ours:9.4f} "
                  f"{ours / base:9.2f} {ours / event:9.2f}")


if __name__ == "__main__":
    main()
