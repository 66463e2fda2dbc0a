"""monnto's numba target against Brian2 (numpy and C++ standalone), in one run.

For CUBA (4000 LIF), COBA (4000 conductance LIF, 50 ms Poisson kick) and
Brunel (AI regime, N_E = 2000, 1.5 ms delays, Poisson input) it prints
wall-clock seconds per simulated second of:

* monnto, numpy target and numba target (network built and compiled before
  timing; the numba compile time is printed separately; numba: the median
  of ``--runs`` runs, each of a newly built network),
* Brian2 2.9, numpy target (after a 1 ms warm-up run),
* Brian2 C++ standalone: the run time the binary measures itself
  (``device._last_run_time``; the median of ``--runs`` runs of the same
  binary); build plus compile time is reported apart.

and the ratios monnto-numba / Brian2 C++ (issue 15's goal: <= 1.0). COBA runs
on monnto twice: with ConductanceLIF's default exact integration (one ``exp``
per neuron and step) and with ``method='euler'``, the explicit Euler scheme
of the Brian2 model it is compared with (``coba-euler`` rows; the Brian2
figures are those of the ``coba`` rows). (The paper's
network with compiled user behaviours against Brian2 C++ is
``benchmarks/user_behaviours.py``, issue 19.) Then

* code block 8 (100 neurons, 10,000 steps of 0.1 ms, ``n.v`` and ``n.t``
  recorded every step) on the numba and numpy targets against the plain
  numpy loop of ``benchmarks/equations.py`` (goal: numba <= 0.5x the loop),
  best of ``--repeats``;
* the PymoNNtorch paper's "Simple" network written with library models
  (:func:`simple_network`: 10,000 LIF, all-to-all float32 weights, the paper's one-step STDP,
  300 steps of 1 ms; goal <= 0.5 s), run time and build + compile time;
* the numba compile time cold (fresh private cache folder, new process) and
  warm (same folder, new process), both as ``initialize()`` plus the first
  step of CUBA with imports excluded;
* the speed-up of ``threads=2`` on a CUBA network of N = 32,000 (same
  connection count per neuron), each configuration in a new process, with
  monnto's default (``OMP_WAIT_POLICY=passive`` unless set: waiting threads
  sleep) and with ``OMP_WAIT_POLICY=active`` (they spin, OpenMP's default).

Usage::

    python benchmarks/targets.py [--duration 1.0] [--models cuba,coba,brunel] [--skip-brian2]
                                 [--skip-standalone] [--skip-numpy] [--repeats 5] [--runs 3]
                                 [--simple-numpy]
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))  # equations.py: the plain numpy loop of code block 8

from monnto.models.brunel import BRUNEL_REGIMES, brunel_network  # noqa: E402
from monnto.models.cuba_coba import coba_network, cuba_network  # noqa: E402

DT = 1e-4
KICK = 0.05


def build_monnto(model: str, target: str, threads: int = 1, n_scale: float = 1.0):
    if model == "cuba":
        return cuba_network(n_exc=int(3200 * n_scale), n_inh=int(800 * n_scale), p=0.02 / n_scale,
                            scale_weights=False, seed=0, target=target, threads=threads)
    if model in ("coba", "coba-euler"):
        return coba_network(seed=0, target=target, threads=threads, kick=KICK,
                            method="euler" if model == "coba-euler" else "exact")
    return brunel_network("AI", n_exc=2000, seed=0, target=target, threads=threads)


def run_monnto(model: str, target: str, duration: float, repeats: int = 1) -> tuple[float, float, float]:
    """(seconds per simulated second, build+compile seconds of the first build, mean exc rate).

    A new network is built and run ``repeats`` times (the same spikes each
    time); the median wall time of the runs is returned.
    """
    walls, builds = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        net = build_monnto(model, target)
        builds.append(time.perf_counter() - start)
        steps = int(round(duration / DT))
        start = time.perf_counter()
        net.simulate_iterations(steps, progress=False)
        walls.append(time.perf_counter() - start)
    rate = len(net["exc_spikes", 0]["n.spike"]) / net.exc.size / duration
    return statistics.median(walls) / duration, builds[0], rate


def brian2_model(model: str):
    """Objects of the Brian2 version of a model (in the current scope/device)."""
    import brian2 as b2
    from brian2 import ms, mV, nS, pF

    kick = None
    if model in ("cuba", "coba"):
        n, n_e = 4000, 3200
        if model == "cuba":
            eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
                     dge/dt = -ge / taue : volt
                     dgi/dt = -gi / taui : volt"""
            ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "El": -49 * mV}
            P = b2.NeuronGroup(n, eqs, threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms,
                               method="exact", namespace=ns)
            we, wi = "ge += 1.62*mV", "gi += -9*mV"
        else:
            eqs = """dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v)) / C : volt (unless refractory)
                     dge/dt = -ge / taue : siemens
                     dgi/dt = -gi / taui : siemens"""
            ns = {"gl": 10 * nS, "El": -60 * mV, "Ee": 0 * mV, "Ei": -80 * mV, "C": 200 * pF,
                  "taue": 5 * ms, "taui": 10 * ms}
            P = b2.NeuronGroup(n, eqs, threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms,
                               method="euler", namespace=ns)
            we, wi = "ge += 6*nS", "gi += 67*nS"
            kick = b2.PoissonInput(P, "ge", 20, 20 * b2.Hz, weight=6 * nS)
        P.v = "-60*mV + rand() * 10*mV"
        Ce = b2.Synapses(P[:n_e], P, on_pre=we)
        Ce.connect(p=0.02)
        Ci = b2.Synapses(P[n_e:], P, on_pre=wi)
        Ci.connect(p=0.02)
        objects = [P, Ce, Ci] + ([kick] if kick is not None else [])
    else:
        g, eta = BRUNEL_REGIMES["AI"]
        n_e = 2000
        n = n_e + n_e // 4
        c_e = int(0.1 * n_e)
        J = 0.1 * 1000 / c_e * mV
        tau, theta = 20 * ms, 20 * mV
        nu_ext = eta * theta / (J * c_e * tau)
        P = b2.NeuronGroup(n, "dv/dt = -v/tau : volt (unless refractory)", threshold="v > theta",
                           reset="v = 10*mV", refractory=2 * ms, method="exact",
                           namespace={"tau": tau, "theta": theta})
        P.v = "rand() * theta"
        Ce = b2.Synapses(P[:n_e], P, on_pre="v += J", delay=1.5 * ms, namespace={"J": J})
        Ce.connect(p=0.1)
        Ci = b2.Synapses(P[n_e:], P, on_pre="v += -g*J", delay=1.5 * ms, namespace={"J": J, "g": g})
        Ci.connect(p=0.1)
        objects = [P, Ce, Ci, b2.PoissonInput(P, "v", c_e, nu_ext, weight=J)]
    M = b2.SpikeMonitor(P[:n_e])
    return b2.Network(*objects, M), kick, M, n_e


def run_brian2_numpy(model: str, duration: float) -> tuple[float, float]:
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.seed(0)
    b2.defaultclock.dt = DT * b2.second
    net, kick, M, n_e = brian2_model(model)
    if kick is not None:
        net.run(KICK * b2.second)
        kick.active = False
    else:
        net.run(1 * b2.ms)
    before = M.num_spikes
    start = time.perf_counter()
    net.run(duration * b2.second)
    wall = time.perf_counter() - start
    return wall / duration, (M.num_spikes - before) / n_e / duration


def run_brian2_standalone(model: str, duration: float, workdir: str, repeats: int = 1) -> tuple[float, float, float]:
    """(run seconds per simulated second, build+compile+run wall seconds, rate).

    The compiled binary runs ``repeats`` times; the median run time is returned.
    """
    import brian2 as b2

    directory = os.path.join(workdir, model)
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    try:
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.seed(0)
        b2.defaultclock.dt = DT * b2.second
        net, kick, M, n_e = brian2_model(model)
        simulated = duration
        if kick is not None:
            net.run(KICK * b2.second)
            kick.active = False
            simulated += KICK
        net.run(duration * b2.second)
        start = time.perf_counter()
        b2.device.build(directory=directory, compile=True, run=True)
        total = time.perf_counter() - start
        runs = [float(b2.device._last_run_time)]
        rate = M.num_spikes / n_e / simulated
        for _ in range(repeats - 1):  # the same binary again: the same spikes, another timing
            b2.device.run(directory=directory, with_output=False)
            runs.append(float(b2.device._last_run_time))
        return statistics.median(runs) / simulated, total, rate
    finally:
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")


_START_CODE = """
import time, sys
sys.path.insert(0, {src!r})
import numba
from monnto.models.cuba_coba import cuba_network
start = time.perf_counter()
net = cuba_network(seed=0, target='numba')
net.simulate_iterations(1)
print(time.perf_counter() - start)
"""


def compile_times() -> tuple[float, float]:
    """initialize() + first step of CUBA in a new process: cold and warm cache (imports excluded)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        code = _START_CODE.format(src=str(ROOT / "src"))
        out = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout.split()[-1]) for _ in range(2)]
    return out[0], out[1]


_THREADS_CODE = """
import sys, time, warnings
sys.path.insert(0, {bench!r})
warnings.simplefilter('ignore')
from targets import build_monnto
net = build_monnto('cuba', 'numba', threads={threads}, n_scale=8.0)
net.simulate_iterations(10)
start = time.perf_counter()
net.simulate_iterations({steps}, progress=False)
print((time.perf_counter() - start) / {duration})
"""


def thread_speedup(duration: float, policy: str | None) -> tuple[float, float]:
    """s per simulated s of CUBA at N = 32,000 with 1 and 2 threads, each in a new process.

    ``policy``: ``OMP_WAIT_POLICY`` of the processes (None: monnto's default, passive).
    """
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy is not None:
        env["OMP_WAIT_POLICY"] = policy
    times = []
    for threads in (1, 2):
        code = _THREADS_CODE.format(bench=str(ROOT / "benchmarks"), threads=threads,
                                    steps=int(round(duration / DT)), duration=duration)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        times.append(float(out.stdout.split()[-1]))
    return times[0], times[1]


def block8(target: str) -> float:
    """Run seconds of code block 8 (100 neurons, 10,000 steps, v and t recorded) on ``target``."""
    from monnto import Network, NeuronGroup, Recorder
    from monnto.behaviours.equations import Clock, Equation, Variable
    from monnto.targets import python_steps

    net = Network(target=target)
    NeuronGroup(net=net, size=100, behaviour={
        1: Clock(step='0.1*ms'), 2: Variable(eq='v=1*mV'), 3: Variable(eq='tau=100*ms'),
        4: Equation(eq='dv/dt=(0*mV-v)/tau'), 9: Recorder(['n.v', 'n.t'], tag='my_rec')})
    net.initialize()
    if target != "numpy" and python_steps(net):
        raise RuntimeError(f"code block 8 has Python steps on {target}: {python_steps(net)}")
    start = time.perf_counter()
    net.simulate_iterations('1000*ms', progress=False)
    run = time.perf_counter() - start
    assert len(net['n.v', 0]) == 10_000
    return run


def simple_network(target: str, n: int = 10_000, seed: int = 0):
    """The PymoNNtorch paper's "Simple" network, with monnto's library models.

    ``n`` LIF neurons (exact integration; per-step membrane decay 0.9,
    threshold 6.1, reset 0, no refractory period), a Poisson drive of mean
    0.5 and variance 1/12 per step (the paper's ``rand()``), all-to-all
    recurrent weights ``U(0, 1) / n`` (float32, stored column-major so that a
    spike's column is contiguous) delivered with one step of delay, and the
    paper's STDP: ``W_ij += 0.001`` for every pair (source j spiked in the
    previous step, target i spikes now), those weights then clipped to
    [0, 1], nothing else changed (``DiscreteSTDP`` with
    ``simultaneous=False, depression=False``, event-driven); float32
    everywhere, dt = 1 ms.
    """
    import numpy as np

    from monnto import Network, NeuronGroup, SynapseGroup
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.plasticity.stdp import DiscreteSTDP
    from monnto.behaviours.recorder import EventRecorder
    from monnto.models._propagation import DelayedSynapticInput

    dt, decay = 1e-3, 0.9
    gain = 1.0 / (1.0 - decay)  # input that moves v by x in one step
    net = Network(seed=seed, behaviour={0: Clock(step=dt)}, target=target, dtype="float32")
    g = NeuronGroup(net=net, size=n, tag="simple", behaviour={
        1: PoissonInput(rate=3000.0, n_sources=1, weight=gain / 6.0, target="I_input"),
        3: LIF(tau_m=dt / math.log(1.0 / decay), v_rest=0.0, v_reset=0.0, v_th=6.1, r_m=1.0, t_ref=0.0,
               v_init="uniform(0.0, 6.1)"),
        5: DiscreteSTDP(stdp_factor=0.001, w_min=0.0, w_max=1.0, simultaneous=False, depression=False,
                        syn_type="GLUTAMATE"),
        9: EventRecorder(variables=["n.spike"], tag="simple_spikes")})
    s = SynapseGroup(net=net, src=g, dst=g, tag="GLUTAMATE", behaviour={
        2: DelayedSynapticInput(target="I_input", scale=gain)})
    s.W = np.asfortranarray(np.random.default_rng(seed).random((n, n), dtype=np.float32) / np.float32(n))
    net.initialize()
    return net


def run_simple(target: str) -> tuple[float, float, float]:
    """(run seconds of 300 steps, build + compile seconds, spikes per step)."""
    start = time.perf_counter()
    net = simple_network(target)
    build = time.perf_counter() - start
    start = time.perf_counter()
    net.simulate_iterations(300, progress=False)
    run = time.perf_counter() - start
    return run, build, len(net["simple_spikes", 0]["n.spike"]) / 300


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds per model")
    ap.add_argument("--models", default="cuba,coba,brunel")
    ap.add_argument("--skip-brian2", action="store_true")
    ap.add_argument("--skip-standalone", action="store_true")
    ap.add_argument("--skip-numpy", action="store_true", help="skip monnto's numpy target")
    ap.add_argument("--repeats", type=int, default=5, help="rounds of code block 8 (best is printed)")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs of each compiled model, monnto numba and Brian2 C++ (medians are printed)")
    ap.add_argument("--simple-numpy", action="store_true", help="also run the Simple network on numpy (slow)")
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    print(f"{'model':7s} {'simulator':16s} {'s / s_bio':>10s} {'exc Hz':>7s} {'build/compile s':>16s}")
    workdir = tempfile.mkdtemp(prefix="monnto-b2-")
    for model in args.models.split(","):
        row = {}
        variants = [model] + (["coba-euler"] if model == "coba" else [])
        for variant in variants:
            for target in (["numpy"] if not args.skip_numpy else []) + ["numba"]:
                per_s, build, rate = run_monnto(variant, target, args.duration,
                                                repeats=args.runs if target == "numba" else 1)
                row[f"monnto-{target}" + ("" if variant == model else "-euler")] = per_s
                print(f"{variant:7s} {'monnto ' + target:16s} {per_s:10.3f} {rate:7.2f} {build:16.2f}",
                      flush=True)
        if not args.skip_brian2:
            per_s, rate = run_brian2_numpy(model, args.duration)
            row["brian2-numpy"] = per_s
            print(f"{model:7s} {'brian2 numpy':16s} {per_s:10.3f} {rate:7.2f}", flush=True)
            if not args.skip_standalone:
                per_s, total, rate = run_brian2_standalone(model, args.duration, workdir, repeats=args.runs)
                row["brian2-cpp"] = per_s
                print(f"{model:7s} {'brian2 cpp (run)':16s} {per_s:10.3f} {rate:7.2f} {total:16.2f}",
                      flush=True)
        for variant in variants:
            mine = "monnto-numba" + ("" if variant == model else "-euler")
            ratios = "  ".join(f"numba/{k} = {row[mine] / v:.2f}" for k, v in row.items()
                               if k.startswith("brian2") or k == mine.replace("numba", "numpy"))
            print(f"{variant:7s} ratios: {ratios}", flush=True)
    from equations import numpy_loop

    numba_b8, numpy_b8, loop = [], [], []
    block8("numba")  # compile (or load) once
    for _ in range(max(1, args.repeats)):
        numba_b8.append(block8("numba"))
        numpy_b8.append(block8("numpy"))
        loop.append(numpy_loop(record=True))
    print(f"code block 8 (best of {args.repeats}): numba {min(numba_b8) * 1e3:.1f} ms, numpy target "
          f"{min(numpy_b8) * 1e3:.1f} ms, plain numpy loop {min(loop) * 1e3:.1f} ms; numba / loop = "
          f"{min(numba_b8) / min(loop):.2f}", flush=True)
    for target in ["numba"] + (["numpy"] if args.simple_numpy else []):
        run, build, rate = run_simple(target)
        print(f"Simple (10,000 LIF all-to-all float32, STDP, 300 steps), {target}: run {run:.2f} s, build + "
              f"compile {build:.2f} s, {rate:.1f} spikes per step", flush=True)
    cold, warm = compile_times()
    print(f"CUBA initialize() + first step in a new process: cold cache {cold:.2f} s, warm cache {warm:.2f} s",
          flush=True)
    for policy in (None, "active"):
        one, two = thread_speedup(min(args.duration, 0.2), policy)
        policy = f"OMP_WAIT_POLICY={policy}" if policy else "monnto's default (waiting threads sleep)"
        print(f"CUBA N = 32,000, numba, {policy}: 1 thread {one:.3f} s/s_bio, 2 threads {two:.3f} s/s_bio, "
              f"speed-up {one / two:.2f}x", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
