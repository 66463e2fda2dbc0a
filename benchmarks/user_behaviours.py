"""Compiled user behaviours (issue 19): the paper's network vs Python vs Brian2 C++ standalone, in one run.

The network of the paper's code blocks 2-3 (``Basic_Behaviour``,
``Input_Behaviour``, ``'GLUTAMATE'`` recurrent synapses U(0,10) at 10 %
density, dense ``EventMatrix`` weights as ``get_synapse_mat`` makes them, an
``EventRecorder`` of ``n.spike``) at N = 100, 1000 and 10,000 for 1000
steps, timed as:

* ``monnto python``: the behaviours as written, ``Network(target='numpy')``;
* ``monnto compiled``: the same classes with only ``compile = True`` added,
  ``Network(target='numba')``: one compiled loop for the whole run (the
  first-run compile, or load from the private cache, is reported apart);
* ``monnto compiled csr``: the same with ``SynapseGroup(..., sparse=True)``
  (monnto's event-driven CSR weights, as Brian2 stores synapses);
* ``brian2 cpp``: Brian2 2.9 C++ standalone of the same model (the run time
  the binary measures itself, ``device._last_run_time``; build and compile
  reported apart). Discrete steps of 1 ms: threshold ``v > 0.5``, reset
  ``v = 0``, then ``v = 0.9 v + [u_mask < 0.01] u_value`` (two ``rand()``
  per neuron and step, as monnto draws) after the resets,
  then the synapses add ``w / N`` (``S.pre.when = 'end'``), the order of the
  monnto step. Brian2's random numbers differ from numpy's, so spike counts
  agree in distribution, not spike for spike.

Each timing is the best of ``--repeat`` runs of a freshly built network
(the build is not timed). Ratios ``compiled / brian2 cpp`` are printed; the
issue's goal is at most 1.0 at N = 1000.

Usage::

    python benchmarks/user_behaviours.py [--sizes 100,1000,10000] [--steps 1000] [--repeat 3]
                                         [--skip-brian2]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from monnto import EventRecorder, Network, NeuronGroup, SynapseGroup, get_squared_dim  # noqa: E402
from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour  # noqa: E402


class CompiledBasic(Basic_Behaviour):
    """Code block 2 with the opt-in only."""

    compile = True


class CompiledInput(Input_Behaviour):
    """Code block 3 with the opt-in only."""

    compile = True


def build(size: int, compiled: bool, seed: int = 1, sparse: bool = False) -> Network:
    """The paper network (blocks 2-3) with an EventRecorder, initialized (``sparse``: CSR weights)."""
    net = Network(seed=seed, target="numba" if compiled else "numpy")
    basic, inp = (CompiledBasic, CompiledInput) if compiled else (Basic_Behaviour, Input_Behaviour)
    neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(size), behaviour={
        1: basic(), 2: inp(), 10: EventRecorder(tag="my_event_recorder", variables=["n.spike"])})
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE", sparse=sparse)
    net.initialize()
    return net


def run_monnto(size: int, compiled: bool, steps: int, repeat: int, sparse: bool = False) -> tuple[float, float, float]:
    """(best wall seconds for ``steps``, seconds of build + first compiled step, spikes per neuron per step)."""
    best, first = float("inf"), 0.0
    for k in range(repeat):
        start = time.perf_counter()
        net = build(size, compiled, sparse=sparse)
        net.simulate_iterations(1, progress=False)
        if k == 0:
            first = time.perf_counter() - start
        start = time.perf_counter()
        net.simulate_iterations(steps, progress=False)
        best = min(best, time.perf_counter() - start)
        spikes = len(net["my_event_recorder", 0]["n.spike"])
        del net
    return best, first, spikes / size / (steps + 1)


def run_brian2_standalone(size: int, steps: int, workdir: str) -> tuple[float, float, float]:
    """(run seconds the binary measures, build + compile + run wall seconds, spikes per neuron per step)."""
    import brian2 as b2

    directory = os.path.join(workdir, f"paper_{size}")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    try:
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.seed(1)
        b2.defaultclock.dt = 1 * b2.ms
        G = b2.NeuronGroup(size, "v : 1\nu_value : 1\nu_mask : 1", threshold="v > 0.5", reset="v = 0")
        G.run_regularly("u_value = rand()\nu_mask = rand()\nv = 0.9 * v + int(u_mask < 0.01) * u_value",
                        when="after_resets")
        S = b2.Synapses(G, G, "w : 1", on_pre="v_post += w")
        S.connect(p=0.1)
        S.w = f"10 * rand() / {size}"
        S.pre.when = "end"
        M = b2.SpikeMonitor(G)
        b2.run(steps * b2.ms)
        start = time.perf_counter()
        b2.device.build(directory=directory, compile=True, run=True)
        total = time.perf_counter() - start
        return float(b2.device._last_run_time), total, M.num_spikes / size / steps
    finally:
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-brian2", action="store_true")
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.steps} steps, "
          f"best of {args.repeat}", flush=True)
    print(f"{'N':>6s} {'simulator':16s} {'run s':>9s} {'spikes/n/step':>14s} {'build/compile s':>16s}")
    workdir = tempfile.mkdtemp(prefix="monnto-b2-paper-")
    for size in (int(s) for s in args.sizes.split(",")):
        row = {}
        for compiled, sparse in ((False, False), (True, False), (True, True)):
            name = ("monnto compiled" if compiled else "monnto python") + (" csr" if sparse else "")
            wall, first, rate = run_monnto(size, compiled, args.steps, args.repeat, sparse)
            row[name] = wall
            print(f"{size:6d} {name:16s} {wall:9.4f} {rate:14.5f} {first:16.2f}", flush=True)
        if not args.skip_brian2:
            run, total, rate = run_brian2_standalone(size, args.steps, workdir)
            row["brian2 cpp"] = run
            print(f"{size:6d} {'brian2 cpp (run)':16s} {run:9.4f} {rate:14.5f} {total:16.2f}", flush=True)
        compiled_s = row["monnto compiled"]
        ratios = "  ".join(f"compiled/{k} = {compiled_s / v:.2f}" for k, v in row.items() if k != "monnto compiled")
        if "brian2 cpp" in row:
            ratios += f"  compiled csr/brian2 cpp = {row['monnto compiled csr'] / row['brian2 cpp']:.2f}"
        print(f"{size:6d} ratios: {ratios}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
