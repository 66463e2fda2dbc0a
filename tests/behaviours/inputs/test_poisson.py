"""Poisson inputs: rate and Fano factor within statistical bounds.

For a Poisson process of rate r observed in windows of length T the count
has mean and variance r T (Fano factor 1); with K windows the sample Fano
factor F satisfies (K - 1) F ~ chi^2(K - 1) (Dayan & Abbott 2001, ch. 1.4).
"""
import numpy as np
import pytest
from scipy import stats

from monnto.behaviours.inputs import PoissonGenerator, PoissonInput, poisson_counts, poisson_spikes
from monnto.behaviours.neurons import LIF
from monnto.core import Network, NeuronGroup
from monnto.core.backend import to_numpy


def fano_bounds(k, alpha=1e-3):
    return (stats.chi2.ppf(alpha / 2, k - 1) / (k - 1), stats.chi2.ppf(1 - alpha / 2, k - 1) / (k - 1))


def test_poisson_spikes_rate_and_fano(rng):
    rate, dt, steps, size = 20.0, 1e-4, 5000, 2000    # 0.5 s windows, 2000 trains
    counts = np.zeros(size)
    for _ in range(steps):
        counts += poisson_spikes(rate, dt, rng, size)
    mean_expected = rate * dt * steps                  # 10 spikes
    se = np.sqrt(mean_expected / size)
    assert abs(counts.mean() - mean_expected) < 4 * se
    fano = counts.var(ddof=1) / counts.mean()
    low, high = fano_bounds(size)
    # Bernoulli steps: variance factor (1 - rate dt) = 0.998, inside the bounds
    assert low < fano < high


def test_poisson_counts_rate_and_fano(rng):
    lam_rate, dt, n_sources, size = 50.0, 1e-3, 20, 5000
    counts = sum(poisson_counts(lam_rate, dt, rng, size, n_sources) for _ in range(100))
    expected = lam_rate * n_sources * dt * 100          # 100 events per window
    assert abs(counts.mean() - expected) < 4 * np.sqrt(expected / size)
    low, high = fano_bounds(size)
    assert low < counts.var(ddof=1) / counts.mean() < high


def test_poisson_generator_in_network_is_reproducible():
    def run(seed):
        net = Network(seed=seed)
        g = NeuronGroup(net, 500, behaviour={1: PoissonGenerator(rate="uniform(10, 30)")})
        net.initialize()
        counts = np.zeros(500)
        for _ in range(2000):                           # 0.2 s at dt = 0.1 ms
            net.simulate_iteration()
            counts += to_numpy(g.spike)
        return counts, to_numpy(g.rate).copy()

    c1, r1 = run(7)
    c2, _ = run(7)
    np.testing.assert_array_equal(c1, c2)
    expected = r1 * 0.2
    z = (c1.sum() - expected.sum()) / np.sqrt(expected.sum())
    assert abs(z) < 4
    assert 10 <= r1.min() and r1.max() <= 30


def test_poisson_generator_rejects_too_high_rate():
    net = Network(seed=1)
    NeuronGroup(net, 3, behaviour={1: PoissonGenerator(rate=20000.0)})
    with pytest.raises(ValueError, match="rate"):
        net.initialize()


def test_poisson_input_drives_lif_with_expected_mean_current():
    """Mean of the added current equals weight * n_sources * rate * dt per step."""
    net = Network(seed=11)
    weight = 1e-10
    g = NeuronGroup(net, 1000, behaviour={0: PoissonInput(rate=100.0, n_sources=50, weight=weight),
                                           1: LIF()})
    net.initialize()
    totals = np.zeros(1000)
    for _ in range(200):
        net.simulate_iteration()
        totals += to_numpy(g.I_total)
        assert np.all(to_numpy(g.I_input) == 0)
    lam = 100.0 * 50 * 1e-4 * 200                        # 100 events in 200 steps
    events = totals / weight
    assert abs(events.mean() - lam) < 4 * np.sqrt(lam / 1000)
    low, high = fano_bounds(1000)
    assert low < events.var(ddof=1) / events.mean() < high


def test_poisson_input_custom_target():
    net = Network(seed=2)
    g = NeuronGroup(net, 10, behaviour={0: PoissonInput(rate=1000.0, weight=2.0, target="drive")})
    net.initialize()
    net.simulate_iteration()
    assert g.drive.shape == (10,)
    np.testing.assert_array_equal(g.drive, 2.0 * g.PoissonInput.counts)


def test_inputs_give_the_same_drive_on_numpy_and_torch():
    """One seed, the same draws: spikes and voltages agree across backends to float tolerance."""
    pytest.importorskip("torch")
    from monnto.behaviours.inputs import ImageSequenceInput, PatternSequenceInput

    def run(backend):
        net = Network(seed=21, backend=backend)
        a = NeuronGroup(net, 50, behaviour={1: PoissonGenerator(rate="uniform(10, 300)")})
        b = NeuronGroup(net, 50, behaviour={0: PoissonInput(rate=100.0, n_sources=50, weight=1e-8),
                                            1: LIF()})
        c = NeuronGroup(net, 8, behaviour={0: ImageSequenceInput(images=np.arange(16.0).reshape(2, 8),
                                                                 mode="poisson", max_rate=2000.0,
                                                                 amplitude=3e-10, steps_per_item=7),
                                           1: LIF()})
        d = NeuronGroup(net, 3, behaviour={0: PatternSequenceInput(patterns=np.eye(3), amplitude=2e-9,
                                                                   order="random"),
                                           1: LIF()})
        net.initialize()
        trace = []
        for _ in range(300):
            net.simulate_iteration()
            trace.append([to_numpy(x).astype(float).copy()
                          for x in (a.spike, b.spike, b.v, c.v, c.I_total, d.v, d.I_total)])
        return trace

    expected, got = run("numpy"), run("torch")
    for step_np, step_torch in zip(expected, got):
        for x, y in zip(step_np, step_torch):
            np.testing.assert_allclose(y, x, rtol=1e-12, atol=1e-18)
    assert sum(s[0].sum() for s in expected) > 100 and sum(s[1].sum() for s in expected) > 0
