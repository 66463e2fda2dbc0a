"""Runtime per simulated second of the model library against Brian2.

Runs, in this one process, the CUBA benchmark (Brette et al. 2007, 4000
neurons), the COBA benchmark and the Brunel (2000) network (AI regime,
scaled-down: N_E = 2000 by default) in monnto, and the same models in Brian2
when it is installed, and prints wall-clock seconds per simulated second,
the ratio monnto / Brian2, and the network statistics of both (mean rate,
CV of ISI, population Fano factor) as a cross-check.

Usage::

    python benchmarks/models.py [--duration 1.0] [--brian2-target numpy|cython]
                                [--brunel-nexc 2000] [--skip-brian2] [--models cuba,coba,brunel]

Brian2's time excludes network construction and, for the cython target,
code compilation (a short warm-up run is done first).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from monnto.models.brunel import BRUNEL_REGIMES, brunel_network, network_statistics  # noqa: E402
from monnto.models.cuba_coba import coba_network, cuba_network  # noqa: E402
from monnto.models.spike_stats import cv_isi, fano_factor, firing_rates, population_counts  # noqa: E402

DT = 1e-4


def _stats_from_events(t_steps: np.ndarray, i: np.ndarray, n: int, n_steps: int, warmup_steps: int) -> dict:
    keep = t_steps >= warmup_steps
    t_steps, i = t_steps[keep], i[keep]
    counts = population_counts(t_steps, n_steps - warmup_steps, 10, start=warmup_steps)
    cvs = cv_isi(t_steps, i, n)
    return {"rate": float(firing_rates(t_steps, i, n, (n_steps - warmup_steps) * DT).mean()),
            "cv": float(cvs.mean()) if cvs.size else float("nan"), "fano": fano_factor(counts)}


def run_monnto(model: str, duration: float, brunel_nexc: int) -> tuple[float, dict]:
    if model == "cuba":
        net = cuba_network(seed=0)
    elif model == "coba":
        net = coba_network(seed=0)
    else:
        net = brunel_network("AI", n_exc=brunel_nexc, seed=0)
    steps = int(round(duration / DT))
    start = time.perf_counter()
    net.simulate_iterations(steps, progress=False)
    wall = time.perf_counter() - start
    return wall / duration, network_statistics(net, warmup=0.2 if duration > 0.3 else 0.05)


def run_brian2(model: str, duration: float, brunel_nexc: int, target: str) -> tuple[float, dict]:
    import brian2 as b2
    from brian2 import ms, mV, nS, pF

    b2.start_scope()
    b2.prefs.codegen.target = target
    b2.seed(0)
    b2.defaultclock.dt = DT * b2.second
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
        objects = [P, Ce, Ci]
        if model == "coba":
            objects.append(kick)
    else:
        g, eta = BRUNEL_REGIMES["AI"]
        n_e = brunel_nexc
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
        ext = b2.PoissonInput(P, "v", c_e, nu_ext, weight=J)
        objects = [P, Ce, Ci, ext]
    M = b2.SpikeMonitor(P)
    net = b2.Network(*objects, M)
    if model == "coba":                  # the 50 ms kick, then self-sustained activity
        net.run(50 * ms)
        kick.active = False
    else:
        net.run(1 * ms)                  # warm-up: code generation and compilation
    offset = int(round(float(net.t / b2.second) / DT))
    start = time.perf_counter()
    net.run(duration * b2.second)
    wall = time.perf_counter() - start
    t_steps = np.round(np.asarray(M.t / b2.second) / DT).astype(np.int64) - offset
    n_steps = int(round(duration / DT))
    warm = int(round((0.2 if duration > 0.3 else 0.05) / DT))
    return wall / duration, _stats_from_events(t_steps, np.asarray(M.i), n, n_steps, warm)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds per model")
    ap.add_argument("--brian2-target", default="numpy", choices=["numpy", "cython"])
    ap.add_argument("--brunel-nexc", type=int, default=2000)
    ap.add_argument("--skip-brian2", action="store_true")
    ap.add_argument("--models", default="cuba,coba,brunel")
    args = ap.parse_args(argv)
    have_brian2 = False
    if not args.skip_brian2:
        try:
            import brian2  # noqa: F401
            have_brian2 = True
        except ImportError:
            print("brian2 not installed: monnto only")
    print(f"{'model':8s} {'simulator':10s} {'s / s_bio':>10s} {'rate Hz':>8s} {'CV ISI':>7s} {'Fano':>7s}")
    for model in args.models.split(","):
        per_s, st = run_monnto(model, args.duration, args.brunel_nexc)
        print(f"{model:8s} {'monnto':10s} {per_s:10.2f} {st['rate']:8.2f} {st['cv']:7.2f} {st['fano']:7.2f}",
              flush=True)
        if have_brian2:
            b_per_s, b_st = run_brian2(model, args.duration, args.brunel_nexc, args.brian2_target)
            name = f"brian2-{args.brian2_target[:2]}"
            print(f"{model:8s} {name:10s} {b_per_s:10.2f} {b_st['rate']:8.2f} {b_st['cv']:7.2f} "
                  f"{b_st['fano']:7.2f}   ratio monnto/brian2 = {per_s / b_per_s:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
