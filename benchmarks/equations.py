"""Equation modules: code block 8 vs a hand-written numpy loop, Brian2 and NEST.

Model (paper code blocks 7-8): 100 neurons, dv/dt = (0 mV - v)/tau, v(0) = 1 mV,
tau = 100 ms, dt = 0.1 ms, 10,000 steps (1000 ms), v and t recorded every
step. Timed in one process, best of ``--repeats`` runs:

* ``monnto block 8``: the paper's block unchanged (method 'auto' = 'exact'),
  and the same block with ``method='euler'``; time of ``simulate_iterations``
  (and, separately, build + initialize, which includes the sympy compilation
  and the generation of the fused step loop);
* ``numpy loop``: the same model written by hand (forward Euler, preallocated
  recording arrays);
* ``Brian2`` (runtime numpy target, block 7) if installed: ``run()`` time and
  total time with setup;
* ``NEST iaf_psc_delta`` if installed: 100 neurons decaying from 1 mV with
  tau_m = 100 ms, no threshold reached, V_m recorded every 0.1 ms.

Second part (skip with ``--skip-cuba``): Brian2's CUBA example (4000 neurons,
``examples/equations_cuba.py``) written with equation modules, against the
same model in Brian2 (runtime numpy target), ``--cuba-seconds`` simulated
seconds each: run time per simulated second and the mean rates.

    python benchmarks/equations.py [--repeats 7] [--neurons 100] [--skip-cuba] [--cuba-seconds 1]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import time

import numpy as np

from monnto import Network, NeuronGroup, Recorder
from monnto.behaviours.equations import Clock, Equation, Variable

N, STEPS, DT, TAU = 100, 10_000, 1e-4, 0.1


def monnto_block8(method: str = "auto", record: bool = True) -> tuple[float, float]:
    """Returns (build + initialize seconds, simulate seconds)."""
    start = time.perf_counter()
    net = Network()
    behaviour = {
        1: Clock(step='0.1*ms'),
        2: Variable(eq='v=1*mV'),
        3: Variable(eq='tau=100*ms'),
        4: Equation(eq='dv/dt=(0*mV-v)/tau', method=method),
    }
    if record:
        behaviour[9] = Recorder(['n.v', 'n.t'], tag='my_rec')
    NeuronGroup(net=net, size=N, behaviour=behaviour)
    net.initialize()
    setup = time.perf_counter() - start
    start = time.perf_counter()
    net.simulate_iterations('1000*ms', progress=False)
    run = time.perf_counter() - start
    if record:
        assert np.asarray(net['n.v', 0]).shape == (STEPS, N)
    return setup, run


def numpy_loop(record: bool = True) -> float:
    v = np.full(N, 1e-3)
    tau = np.full(N, TAU)
    v_rec = np.empty((STEPS, N))
    t_rec = np.empty(STEPS)
    start = time.perf_counter()
    if record:
        for k in range(STEPS):
            t = (k + 1) * DT
            v += -DT * v / tau
            v_rec[k] = v
            t_rec[k] = t
    else:
        for k in range(STEPS):
            t = (k + 1) * DT  # noqa: F841 - the clock's work
            v += -DT * v / tau
    return time.perf_counter() - start


def brian2_block7() -> tuple[float, float] | None:
    try:
        import brian2 as b2
    except ImportError:
        return None
    from brian2 import ms, mV

    start = time.perf_counter()
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    G = b2.NeuronGroup(N, "dv/dt = (0*mV - v)/tau : volt\ntau : second", method="euler", dt=0.1 * ms)
    G.v = 1 * mV
    G.tau = 100 * ms
    M = b2.StateMonitor(G, "v", record=True, dt=0.1 * ms)
    net = b2.Network(G, M)
    net.run(0 * ms, namespace={})  # code generation and setup
    mid = time.perf_counter()
    net.run(1000 * ms, namespace={})
    end = time.perf_counter()
    return end - start, end - mid


def nest_iaf_psc_delta() -> float | None:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import nest
    except ImportError:
        return None
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    with contextlib.redirect_stdout(io.StringIO()):
        nest.ResetKernel()
    nest.resolution = 0.1
    nest.local_num_threads = 1
    neurons = nest.Create("iaf_psc_delta", N, params={
        "E_L": 0.0, "V_m": 1.0, "tau_m": 100.0, "V_th": 1e9, "V_reset": 0.0, "I_e": 0.0})
    meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(meter, neurons)
    start = time.perf_counter()
    nest.Simulate(1000.0)
    elapsed = time.perf_counter() - start
    v = meter.get("events")["V_m"]
    assert len(v) >= (STEPS - 10) * N  # NEST samples t = 0.1 ... 999.9 ms
    return elapsed


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--neurons", type=int, default=100, help="group size (the paper's block: 100)")
    parser.add_argument("--skip-cuba", action="store_true", help="skip the CUBA comparison")
    parser.add_argument("--cuba-seconds", type=float, default=1.0, help="simulated seconds of CUBA")
    args = parser.parse_args(argv)
    global N
    N = args.neurons
    med = min  # best of --repeats: the least disturbed run on a shared machine
    results = {}
    auto, euler, hand, euler_norec, hand_norec = [], [], [], [], []
    for _ in range(args.repeats):  # interleaved, so that load changes hit every variant alike
        auto.append(monnto_block8("auto"))
        euler.append(monnto_block8("euler"))
        hand.append(numpy_loop())
        euler_norec.append(monnto_block8("euler", record=False)[1])
        hand_norec.append(numpy_loop(record=False))
    results["monnto block 8 (auto=exact), run"] = med(r for _, r in auto)
    results["monnto block 8 (euler), run"] = med(r for _, r in euler)
    results["monnto block 8, build+initialize"] = med(s for s, _ in auto)
    results["numpy loop (euler), run"] = med(hand)
    results["monnto euler, no Recorder, run"] = med(euler_norec)
    results["numpy loop (euler), no recording, run"] = med(hand_norec)
    b2 = [brian2_block7() for _ in range(min(args.repeats, 3))]
    if b2[0] is not None:
        results["Brian2 numpy (euler), run"] = med(r for _, r in b2)
        results["Brian2 numpy (euler), total with setup"] = med(t for t, _ in b2)
    nest_times = [nest_iaf_psc_delta() for _ in range(min(args.repeats, 3))]
    if nest_times[0] is not None:
        results["NEST iaf_psc_delta, run"] = med(nest_times)

    print(f"code block 8: {N} neurons, {STEPS} steps of 0.1 ms, v and t recorded every step "
          f"(best of {args.repeats})")
    for name, seconds in results.items():
        print(f"  {name:42s} {seconds * 1e3:9.1f} ms")
    hand_t = results["numpy loop (euler), run"]
    print(f"  ratio monnto euler / numpy loop: {results['monnto block 8 (euler), run'] / hand_t:.2f} (goal <= 1.3)")
    paired = sorted(m[1] / h for m, h in zip(euler, hand))  # robust to slow phases of a shared machine
    print(f"    median of the {len(paired)} per-round ratios: {paired[len(paired) // 2]:.2f}")
    print(f"  ratio monnto exact / numpy loop: {results['monnto block 8 (auto=exact), run'] / hand_t:.2f}")
    norec = results["monnto euler, no Recorder, run"] / results["numpy loop (euler), no recording, run"]
    print(f"  ratio without recording:         {norec:.2f} (Clock + Equation vs t and v update)")
    if "Brian2 numpy (euler), run" in results:
        speedup = results["Brian2 numpy (euler), run"] / results["monnto block 8 (euler), run"]
        print(f"  Brian2 run / monnto euler run:   {speedup:.1f}x (goal >= 5)")
        total = results["Brian2 numpy (euler), total with setup"] / (
            results["monnto block 8 (euler), run"] + results["monnto block 8, build+initialize"])
        print(f"  Brian2 total / monnto total:     {total:.1f}x")
    if "NEST iaf_psc_delta, run" in results:
        print(f"  NEST run / monnto euler run:     {results['NEST iaf_psc_delta, run'] / results['monnto block 8 (euler), run']:.2f}x")
    if not args.skip_cuba:
        results.update(cuba(args.cuba_seconds))
    return results


def cuba(seconds: float) -> dict:
    """Brian2's CUBA example in equation modules and in Brian2: seconds per simulated second."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "equations_cuba.py"
    spec = importlib.util.spec_from_file_location("equations_cuba_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    net = example.build(seed=1)
    start = time.perf_counter()
    net.simulate_iterations(f"{seconds * 1000}*ms", progress=False)
    results = {"CUBA monnto equations, s per simulated s": (time.perf_counter() - start) / seconds}
    rate = len(example.spikes(net)[0]) / 4000 / seconds
    print(f"CUBA (4000 neurons, {seconds:g} s simulated; equation modules vs Brian2 numpy, run only)")
    print(f"  monnto equations   {results['CUBA monnto equations, s per simulated s']:6.2f} s/s   {rate:5.2f} Hz")
    try:
        import brian2  # noqa: F401
    except ImportError:
        return results
    timing: dict = {}
    times, _ = example.run_brian2(seed=1, duration=seconds, timing=timing)
    results["CUBA Brian2 numpy, s per simulated s"] = timing["run"] / seconds
    print(f"  Brian2 numpy       {results['CUBA Brian2 numpy, s per simulated s']:6.2f} s/s   "
          f"{len(times) / 4000 / seconds:5.2f} Hz")
    ratio = results["CUBA Brian2 numpy, s per simulated s"] / results["CUBA monnto equations, s per simulated s"]
    print(f"  Brian2 / monnto:   {ratio:.2f}x")
    return results


if __name__ == "__main__":
    main()
