"""Framework overhead: the paper network (code blocks 2-3) vs a hand-written numpy loop.

Runs, in one process, the paper's basic network (1000 steps) in monnto and the
same model as a plain numpy loop, for N in {100, 1000, 5000}, without and with
the paper's Recorders ('n.voltage', 'np.mean(n.voltage)'), and prints median
times and the ratio monnto / numpy.

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


def numpy_run(n: int, steps: int, seed: int, record: bool) -> float:
    rng = np.random.default_rng(seed)
    W = rng.uniform(0, 10, size=(n, n))
    W *= rng.random((n, n)) < 0.1
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
    print(f"{'N':>6} {'recorders':>9} {'numpy':>9} {'monnto':>9} {'ratio':>7}")
    for record in (False, True):
        for n in args.sizes:
            if record and n == 5000:
                continue
            times = {"numpy": [], "monnto": []}
            for r in range(args.repeats):  # interleave to share machine noise
                times["numpy"].append(numpy_run(n, args.steps, r, record))
                times["monnto"].append(monnto_run(n, args.steps, r, record))
            base, ours = statistics.median(times["numpy"]), statistics.median(times["monnto"])
            print(f"{n:>6} {'on' if record else 'off':>9} {base:9.4f} {ours:9.4f} {ours / base:7.2f}")


if __name__ == "__main__":
    main()
