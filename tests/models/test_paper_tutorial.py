"""The paper's extended tutorial network (homeostasis + STDP + normalization)."""
from __future__ import annotations

import numpy as np
import pytest

from monnto.core.backend import to_numpy
from monnto.models.paper_tutorial import basic_network, extended_network


def test_extended_network_keeps_normalized_bounded_weights():
    net = extended_network(size=100, seed=1)
    syn = net["GLUTAMATE", 0]
    enabled = np.array(to_numpy(syn.enabled))
    net.simulate_iterations(300, progress=False)
    W = to_numpy(syn.W)
    np.testing.assert_allclose(W.sum(1), 10.0, rtol=1e-9)     # Normalization(norm_factor=10)
    assert W.min() >= 0.0 and W.max() <= 10.0
    assert np.all(W[~enabled] == 0)                           # STDP only on existing synapses


def test_extended_network_homeostasis_reaches_target_voltage():
    """VoltageHomeostasis: the time-averaged voltage before the exhaustion is
    subtracted converges to target_voltage = 0.05."""
    net = extended_network(size=100, seed=2, eta_ip=0.01, record=False)
    grp = net["my_neurons", 0]
    net.simulate_iterations(2000, progress=False)
    pre = []
    for _ in range(2000):
        net.simulate_iteration()
        pre.append(np.mean(to_numpy(grp.voltage + grp.exhaustion)))
    assert np.mean(pre) == pytest.approx(0.05, abs=0.01)


def test_stdp_changes_weights_compared_to_the_basic_network():
    net = extended_network(size=100, seed=3, record=False)
    syn = net["GLUTAMATE", 0]
    W0 = np.array(to_numpy(syn.W), copy=True)
    net.simulate_iterations(200, progress=False)
    assert not np.allclose(to_numpy(syn.W), W0 * 10.0 / W0.sum(1, keepdims=True))
    basic = basic_network(size=100, seed=3, record=False)
    W_basic = np.array(to_numpy(basic["GLUTAMATE", 0].W), copy=True)
    basic.simulate_iterations(200, progress=False)
    np.testing.assert_array_equal(to_numpy(basic["GLUTAMATE", 0].W), W_basic)   # static
