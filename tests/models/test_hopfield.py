"""Hopfield (1982) recall from corrupted cues."""
from __future__ import annotations

import numpy as np
import pytest

from monnto.models.hopfield import (
    corrupt,
    hebbian_weights,
    hopfield_energy,
    hopfield_network,
    overlap,
    random_patterns,
    recall,
)


@pytest.mark.parametrize("update", ["synchronous", "asynchronous"])
def test_recall_overlap_above_0_9_from_20_percent_corrupted_cues(update):
    """4 stored patterns, 20% of the units flipped: recall overlap > 0.9 (Hopfield 1982)."""
    net = hopfield_network(n_patterns=4, size=100, update=update, seed=0)
    rng = np.random.default_rng(1)
    for _ in range(5):
        for mu, pattern in enumerate(net.patterns):
            cue = corrupt(pattern, 0.2, rng)
            assert overlap(cue, pattern) == pytest.approx(0.6)
            state = recall(net, cue, steps=10)
            assert overlap(state, pattern) > 0.9, (mu, overlap(state, pattern))


def test_stored_patterns_are_fixed_points_and_energy_minima():
    rng = np.random.default_rng(2)
    P = random_patterns(4, 200, rng)
    W = hebbian_weights(P)
    assert np.all(np.diag(W) == 0)
    np.testing.assert_allclose(W, W.T)
    for p in P:
        assert np.array_equal(np.sign(W @ p), p)
        e0 = hopfield_energy(p, W)
        for _ in range(10):
            assert hopfield_energy(corrupt(p, 0.05, rng), W) > e0


def test_asynchronous_updates_never_raise_the_energy():
    net = hopfield_network(n_patterns=4, size=64, update="asynchronous", seed=3)
    grp = net["hopfield", 0]
    energies = []
    for _ in range(8):
        net.simulate_iteration()
        energies.append(grp.energy)
    assert all(b <= a + 1e-12 for a, b in zip(energies, energies[1:], strict=False))


def test_bad_patterns_raise():
    with pytest.raises(ValueError, match="-1/\\+1"):
        hopfield_network(patterns=np.zeros((2, 9)))
