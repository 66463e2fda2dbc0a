"""Synfire chain (Diesmann, Gewaltig & Aertsen 1999)."""
from __future__ import annotations

import numpy as np

from monnto.core.backend import to_numpy
from monnto.models.synfire import packet_trajectory, synfire_network


def run(a, sigma, seed=0):
    net = synfire_network(a=a, sigma=sigma, seed=seed)
    net.simulate_iterations(1000, progress=False)          # 100 ms
    return net, packet_trajectory(net)


def test_strong_tight_packet_reaches_the_last_group():
    """Diesmann et al. (1999) Fig. 2: (a, sigma) = (100, 1 ms) converges to the
    synchronous attractor: nearly all 100 neurons of the last (10th) group fire
    within a window of ~1 ms spread."""
    net, (a_k, s_k) = run(100, 1e-3)
    assert a_k[-1] >= 90, a_k
    assert s_k[-1] < 1.5e-3, s_k
    assert np.all(a_k >= 80), a_k
    # the volley travels: its mean time increases from layer to layer
    chain = net["chain", 0]
    t = to_numpy(chain["n.spike.t", 0])
    layer = to_numpy(chain.layer)[to_numpy(chain["n.spike.i", 0])]
    medians = [np.median(t[(layer == k) & (t > 100)]) for k in range(10)]
    assert np.all(np.diff(medians) > 0), medians


def test_weak_loose_packet_dies_out():
    """(a, sigma) = (45, 3 ms) lies below the separatrix: the volley shrinks and
    the last group shows only background activity (a handful of spikes)."""
    _, (a_k, _) = run(45, 3e-3)
    assert a_k[-1] <= 15, a_k
    assert a_k[-1] < a_k[0] / 2, a_k


def test_background_rate_is_low():
    """The noisy background alone gives a few spikes per second per neuron."""
    net = synfire_network(a=1, sigma=1e-3, seed=2)
    net.simulate_iterations(2000, progress=False)
    n_spikes = to_numpy(net["chain", 0]["n.spike.t", 0]).size
    rate = n_spikes / 1000 / 0.2
    assert 0.5 < rate < 10, rate
