"""Compiled behaviours (paper section 4.5): numba jit helper and the Glauber-Hopfield example."""
from __future__ import annotations

import importlib.util
import itertools
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from monnto.behaviours.compiled import jit, numba_available

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compiled_behaviour.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("compiled_behaviour", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_instance(rng, size=60, patterns=4, sweeps=5, beta=2.0):
    xi = rng.choice([-1.0, 1.0], size=(patterns, size))
    return (rng.choice([-1.0, 1.0], size=size), xi, rng.permutation(np.tile(np.arange(size), sweeps)),
            rng.random(size * sweeps), beta)


@pytest.mark.skipif(not numba_available(), reason="numba is not installed")
def test_compiled_sweep_is_compiled_and_identical_to_pure_python(example):
    rng = np.random.default_rng(11)
    s0, xi, order, u, beta = random_instance(rng)
    weights = example.hebbian_weights(xi)
    thresholds = example.visit_thresholds(u, beta)
    results = []
    for fn in (example.glauber_sweep, example.glauber_sweep.py_func):
        s, h = s0.copy(), weights @ s0
        flips = fn(s, h, weights, order, thresholds)
        results.append((s, h, flips))
    assert example.glauber_sweep.compiled
    (s_c, h_c, f_c), (s_p, h_p, f_p) = results
    assert f_c == f_p > 0
    np.testing.assert_array_equal(s_c, s_p)
    np.testing.assert_array_equal(h_c, h_p)          # bit for bit, same order of operations
    np.testing.assert_allclose(h_c, weights @ s_c, atol=1e-12)   # the fields stay consistent


def test_compiled_and_pure_python_networks_give_identical_runs(example):
    fast = example.run(size=80, steps=15, beta=3.0, compiled=True, seed=4, patterns=5)
    slow = example.run(size=80, steps=15, beta=3.0, compiled=False, seed=4, patterns=5)
    np.testing.assert_array_equal(fast["n.active", 0], slow["n.active", 0])
    np.testing.assert_array_equal(fast["n.flips", 0], slow["n.flips", 0])
    np.testing.assert_array_equal(fast["n.energy", 0], slow["n.energy", 0])


def test_zero_temperature_energy_never_increases_and_pattern_is_retrieved(example):
    """Hopfield (1982): asynchronous updates at T = 0 descend E; a cue with 20% errors is recalled."""
    net = example.run(size=300, steps=10, beta=float("inf"), patterns=5, cue_noise=0.2, seed=2)
    group = net["hopfield", 0]
    e = net["n.energy", 0]
    assert np.all(np.diff(e) <= 1e-12)
    assert e[-1] == pytest.approx(example.energy(group.s, example.hebbian_weights(group.patterns)),
                                  abs=1e-9)
    assert net["n.overlap", 0][-1, 0] == 1.0        # P/N = 0.017, far below capacity 0.138
    assert net["n.flips", 0][-1] == 0                # a fixed point


def test_finite_temperature_visits_states_with_boltzmann_probabilities(example):
    """Glauber (1963): the stationary distribution of heat-bath sweeps is exp(-beta E) / Z."""
    xi = np.array([[1.0, 1.0, -1.0], [1.0, -1.0, 1.0]])
    beta, bias, steps = 0.8, 0.3, 40_000
    net = example.run(size=3, steps=steps, beta=beta, patterns=xi, bias=bias, cue_noise=None, seed=7)
    weights = example.hebbian_weights(xi)
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=3)))
    boltzmann = np.exp([-beta * example.energy(s, weights, bias) for s in states])
    boltzmann /= boltzmann.sum()
    visited = net["n.active", 0][1000:].astype(int) @ np.array([4, 2, 1])
    observed = np.bincount(visited, minlength=8) / len(visited)
    # states are ordered alike: product([-1, 1]) and binary codes of s > 0
    np.testing.assert_allclose(observed, boltzmann, atol=0.01)


def test_jit_without_numba_runs_pure_python_and_warns_once(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)      # import numba -> ImportError

    def cumulative(a):
        out = a.copy()
        for i in range(1, a.shape[0]):
            out[i] += out[i - 1]
        return out

    fallback = jit(cumulative)
    assert fallback.compiled is False and fallback.py_func is cumulative
    with pytest.warns(RuntimeWarning, match=r"pure Python .*pip install monnto\[numba\]"):
        first = fallback(np.arange(5.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = fallback(np.arange(5.0))
    np.testing.assert_array_equal(first, [0, 1, 3, 6, 10])
    np.testing.assert_array_equal(second, first)


def test_jit_disabled_and_decorator_forms():
    @jit(enabled=False)
    def double(x):
        return 2 * x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert double(3) == 6
    assert double.compiled is False
    with pytest.raises(TypeError, match="expected a function to compile"):
        jit(42)


@pytest.mark.skipif(not numba_available(), reason="numba is not installed")
def test_jit_with_options_compiles():
    @jit(cache=False, boundscheck=True)
    def total(a):
        s = 0.0
        for x in a:
            s += x
        return s

    assert total(np.arange(4.0)) == 6.0 and total.compiled


@pytest.mark.skipif(not numba_available(), reason="numba is not installed")
def test_benchmark_runs_with_identical_states():
    """The benchmark script works; its speed figures live in benchmarks/RESULTS.md, not in a test."""
    spec = importlib.util.spec_from_file_location(
        "bench_compiled", Path(__file__).resolve().parents[2] / "benchmarks" / "compiled.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = bench.bench_size(bench.load_example(), 200)   # asserts identical states itself
    assert row["flips"] > 0 and row["python"] > 0 and row["numba"] > 0


def test_compiled_example_writes_figure(example, tmp_path):
    path = example.main(["--out", str(tmp_path), "--size", "64", "--steps", "5"])
    assert path == tmp_path / "compiled_behaviour.png" and path.stat().st_size > 10_000
