"""Speed of a compiled behaviour: the Glauber-Hopfield sweep, numba vs Python.

Times one sweep (N sequential single-neuron updates) of
``examples/compiled_behaviour.py`` three ways, on identical inputs:

* ``python``: the same loop run by the interpreter (``glauber_sweep.py_func``);
* ``numpy``: a Python loop over the visits whose inner field update is one
  vectorized numpy call (the best one can do without a compiler);
* ``numba``: the compiled loop (compile time reported separately).

It also times a whole monnto step (random draws, sweep, bookkeeping) with
the compiled and the pure-Python sweep, and checks that all versions give
identical states. Usage::

    python benchmarks/compiled.py [--sizes 100 400 1000] [--out RESULTS_FILE.md]
"""
from __future__ import annotations

import argparse
import importlib.util
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_example():
    spec = importlib.util.spec_from_file_location("compiled_behaviour", ROOT / "examples" /
                                                  "compiled_behaviour.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numpy_sweep(s, h, weights, order, thresholds):
    """The sweep with a vectorized inner update (still sequential over visits)."""
    flips = 0
    for k in range(order.shape[0]):
        i = order[k]
        new = 1.0 if h[i] > thresholds[k] else -1.0
        delta = new - s[i]
        if delta != 0.0:
            s[i] = new
            h += weights[i] * delta
            flips += 1
    return flips


def best_time(fn, make_args, min_total: float = 0.3, max_repeats: int = 50) -> float:
    """Best wall time of ``fn(*make_args())`` in seconds (argument set-up not timed)."""
    best, total, repeats = np.inf, 0.0, 0
    while (total < min_total or repeats < 3) and repeats < max_repeats:
        args = make_args()
        start = time.perf_counter()
        fn(*args)
        elapsed = time.perf_counter() - start
        best, total, repeats = min(best, elapsed), total + elapsed, repeats + 1
    return best


def bench_size(ex, size: int, beta: float = 1.5, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    patterns = rng.choice([-1.0, 1.0], size=(max(1, size // 20), size))
    weights = ex.hebbian_weights(patterns)
    s0 = rng.choice([-1.0, 1.0], size=size)
    order = rng.permutation(size)
    thresholds = ex.visit_thresholds(rng.random(size), beta)

    def make_args():
        s = s0.copy()
        return s, weights @ s, weights, order, thresholds

    start = time.perf_counter()
    ex.glauber_sweep(*make_args())                    # first call compiles
    compile_s = time.perf_counter() - start
    outputs = []
    for fn in (ex.glauber_sweep, ex.glauber_sweep.py_func, numpy_sweep):
        args = make_args()
        flips = fn(*args)
        outputs.append((args[0], flips))
    assert all(np.array_equal(outputs[0][0], o[0]) and outputs[0][1] == o[1] for o in outputs)
    times = {
        "numba": best_time(ex.glauber_sweep, make_args),
        "python": best_time(ex.glauber_sweep.py_func, make_args, min_total=1.0, max_repeats=5),
        "numpy": best_time(numpy_sweep, make_args, min_total=1.0, max_repeats=10),
    }
    step = {}
    for compiled in (True, False):
        steps = 300 if compiled else 3
        net = ex.run(size=size, steps=1, beta=beta, compiled=compiled, seed=seed,
                     patterns=max(1, size // 20), cue_noise=None)
        start = time.perf_counter()
        net.simulate_iterations(steps, progress=False)
        step[compiled] = (time.perf_counter() - start) / steps
    return {"size": size, "flips": outputs[0][1], "compile_s": compile_s, **times,
            "step_numba": step[True], "step_python": step[False]}


def table(rows: list[dict]) -> str:
    lines = [
        "| N | flips/sweep | python sweep (ms) | numpy-inner sweep (ms) | numba sweep (ms) "
        "| speedup vs python | vs numpy-inner | monnto step python / numba (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['flips']} | {r['python'] * 1e3:.1f} | {r['numpy'] * 1e3:.2f} "
            f"| {r['numba'] * 1e3:.4f} | {r['python'] / r['numba']:.0f}x | {r['numpy'] / r['numba']:.0f}x "
            f"| {r['step_python'] * 1e3:.1f} / {r['step_numba'] * 1e3:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400, 1000])
    parser.add_argument("--out", default=None, help="append the markdown table to this file")
    args = parser.parse_args(argv)
    ex = load_example()
    if not ex.glauber_sweep.compiled:
        raise SystemExit("numba is not installed: pip install monnto[numba]")
    import numba

    rows = [bench_size(ex, n) for n in args.sizes]
    header = (f"### Compiled behaviour: Glauber-Hopfield sweep (beta=1.5, random start)\n\n"
              f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
              f"numpy {np.__version__}, numba {numba.__version__}; first-call compile time "
              f"{rows[0]['compile_s']:.2f} s. Best of repeated runs; identical states in all versions.\n")
    text = header + "\n" + table(rows) + "\n"
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write("\n" + text)
    return text


if __name__ == "__main__":
    print(main())
