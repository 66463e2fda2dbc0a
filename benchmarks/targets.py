"""monnto's numba target against Brian2 (numpy and C++ standalone), in one run.

For CUBA (4000 LIF), COBA (4000 conductance LIF, 50 ms Poisson kick) and
Brunel (AI regime, N_E = 2000, 1.5 ms delays, Poisson input) it prints
wall-clock seconds per simulated second of:

* monnto, numpy target and numba target (network built and compiled before
  timing; the numba compile time is printed separately),
* Brian2 2.9, numpy target (after a 1 ms warm-up run),
* Brian2 C++ standalone: the run time the binary measures itself
  (``device._last_run_time``); build plus compile time is reported apart.

and the ratios monnto-numba / Brian2 C++ (issue 15's goal: <= 1.0). (The paper's
network with compiled user behaviours against Brian2 C++ is
``benchmarks/user_behaviours.py``, issue 19.) Then
the numba compile time cold (fresh private cache folder, new process) and
warm (same folder, new process), both as ``initialize()`` plus the first step
of CUBA with imports excluded, and the speed-up of ``threads=2`` on a CUBA
network of N = 32,000 (same connection count per neuron).

Usage::

    python benchmarks/targets.py [--duration 1.0] [--models cuba,coba,brunel] [--skip-brian2]
                                 [--skip-standalone] [--skip-numpy]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from monnto.models.brunel import BRUNEL_REGIMES, brunel_network  # noqa: E402
from monnto.models.cuba_coba import coba_network, cuba_network  # noqa: E402

DT = 1e-4
KICK = 0.05


def build_monnto(model: str, target: str, threads: int = 1, n_scale: float = 1.0):
    if model == "cuba":
        return cuba_network(n_exc=int(3200 * n_scale), n_inh=int(800 * n_scale), p=0.02 / n_scale,
                            scale_weights=False, seed=0, target=target, threads=threads)
    if model == "coba":
        return coba_network(seed=0, target=target, threads=threads, kick=KICK)
    return brunel_network("AI", n_exc=2000, seed=0, target=target, threads=threads)


def run_monnto(model: str, target: str, duration: float) -> tuple[float, float, float]:
    """(seconds per simulated second, build+compile seconds, mean exc rate)."""
    start = time.perf_counter()
    net = build_monnto(model, target)
    build = time.perf_counter() - start
    steps = int(round(duration / DT))
    start = time.perf_counter()
    net.simulate_iterations(steps, progress=False)
    wall = time.perf_counter() - start
    rate = len(net["exc_spikes", 0]["n.spike"]) / net.exc.size / duration
    return wall / duration, build, rate


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


def run_brian2_standalone(model: str, duration: float, workdir: str) -> tuple[float, float, float]:
    """(run seconds per simulated second, build+compile+run wall seconds, rate)."""
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
        run = float(b2.device._last_run_time)
        rate = M.num_spikes / n_e / simulated
        return run / simulated, total, rate
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


def thread_speedup(duration: float) -> tuple[float, float]:
    times = []
    for threads in (1, 2):
        net = build_monnto("cuba", "numba", threads=threads, n_scale=8.0)
        net.simulate_iterations(10)
        start = time.perf_counter()
        net.simulate_iterations(int(round(duration / DT)), progress=False)
        times.append((time.perf_counter() - start) / duration)
    return times[0], times[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds per model")
    ap.add_argument("--models", default="cuba,coba,brunel")
    ap.add_argument("--skip-brian2", action="store_true")
    ap.add_argument("--skip-standalone", action="store_true")
    ap.add_argument("--skip-numpy", action="store_true", help="skip monnto's numpy target")
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    print(f"{'model':7s} {'simulator':16s} {'s / s_bio':>10s} {'exc Hz':>7s} {'build/compile s':>16s}")
    workdir = tempfile.mkdtemp(prefix="monnto-b2-")
    for model in args.models.split(","):
        row = {}
        for target in (["numpy"] if not args.skip_numpy else []) + ["numba"]:
            per_s, build, rate = run_monnto(model, target, args.duration)
            row[f"monnto-{target}"] = per_s
            print(f"{model:7s} {'monnto ' + target:16s} {per_s:10.3f} {rate:7.2f} {build:16.2f}", flush=True)
        if not args.skip_brian2:
            per_s, rate = run_brian2_numpy(model, args.duration)
            row["brian2-numpy"] = per_s
            print(f"{model:7s} {'brian2 numpy':16s} {per_s:10.3f} {rate:7.2f}", flush=True)
            if not args.skip_standalone:
                per_s, total, rate = run_brian2_standalone(model, args.duration, workdir)
                row["brian2-cpp"] = per_s
                print(f"{model:7s} {'brian2 cpp (run)':16s} {per_s:10.3f} {rate:7.2f} {total:16.2f}",
                      flush=True)
        ratios = "  ".join(f"numba/{k} = {row['monnto-numba'] / v:.2f}" for k, v in row.items()
                           if k != "monnto-numba")
        print(f"{model:7s} ratios: {ratios}", flush=True)
    cold, warm = compile_times()
    print(f"CUBA initialize() + first step in a new process: cold cache {cold:.2f} s, warm cache {warm:.2f} s",
          flush=True)
    one, two = thread_speedup(min(args.duration, 0.2))
    print(f"CUBA N = 32,000, numba: 1 thread {one:.3f} s/s_bio, 2 threads {two:.3f} s/s_bio, "
          f"speed-up {one / two:.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
