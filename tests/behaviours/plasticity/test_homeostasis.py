"""Tests of normalization, intrinsic plasticity, short-term plasticity and adaptation."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from monnto.behaviours.neurons.lif import LIF
from monnto.behaviours.plasticity import (
    IntrinsicPlasticity,
    Normalization,
    ShortTermPlasticity,
    SpikeFrequencyAdaptation,
    VoltageHomeostasis,
    normalize_synapses,
)
from monnto.behaviours.plasticity.intrinsic import intrinsic_plasticity_step
from monnto.behaviours.plasticity.short_term import STPParams, stp_steady_state, stp_step
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy


def test_normalize_afferent_across_groups_dense_and_csr():
    rng = np.random.default_rng(0)
    A = rng.random((10, 7)) * (rng.random((10, 7)) < 0.5)
    B = rng.random((10, 12)) * (rng.random((10, 12)) < 0.5)
    A[3] = 0.0
    B[3] = 0.0                               # neuron 3 has no input: left alone
    Bs = sp.csr_matrix(B)
    nnz = Bs.nnz
    A, Bs = normalize_synapses([A, Bs], 2.5)
    total = A.sum(1) + np.asarray(Bs.sum(1)).ravel()
    expected = np.full(10, 2.5)
    expected[3] = 0.0
    np.testing.assert_allclose(total, expected, rtol=1e-12)
    assert Bs.nnz == nnz                     # structure unchanged


def test_normalize_efferent_columns():
    rng = np.random.default_rng(1)
    A, B = rng.random((5, 8)), rng.random((6, 8))
    A, B = normalize_synapses([A, sp.csr_matrix(B)], 1.0, direction="efferent")
    np.testing.assert_allclose(A.sum(0) + np.asarray(B.sum(0)).ravel(), 1.0, rtol=1e-12)


class RandomWeights(Behaviour):
    def set_variables(self, s):
        s.W = s.get_synapse_mat("uniform(0,1)", density=0.5)


@pytest.mark.filterwarnings("ignore:.*tag 'GLU' is used:UserWarning")
@pytest.mark.filterwarnings("ignore:.*tag 'a_to_b' is used:UserWarning")
def test_normalization_behaviour_on_group_sums_all_groups_of_a_tag():
    net = Network(seed=2)
    a = NeuronGroup(net=net, size=20, tag="a")
    b = NeuronGroup(net=net, size=30, tag="b", behaviour={5: Normalization(syn_type="GLU", norm_factor=3.0)})
    s1 = SynapseGroup(net=net, src=a, dst=b, tag="GLU", behaviour={0: RandomWeights()})
    s2 = SynapseGroup(net=net, src=b, dst=b, tag="GLU", behaviour={0: RandomWeights()})
    s3 = SynapseGroup(net=net, src=a, dst=b, tag="GABA", behaviour={0: RandomWeights()})
    net.initialize()
    gaba = to_numpy(s3.W).copy()
    net.simulate_iterations(1)
    np.testing.assert_allclose(to_numpy(s1.W.sum(1) + s2.W.sum(1)), 3.0, rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(s3.W), gaba)


def test_intrinsic_plasticity_fixed_point_is_the_target():
    """SORN eq. 6: T += eta (x - h) drives the mean activity of threshold units to h."""
    rng = np.random.default_rng(3)
    n, h, eta = 200, 0.1, 0.01
    theta = np.zeros(n)
    drive = rng.normal(0, 1, n)
    acts = []
    for k in range(6000):
        x = (drive + rng.normal(0, 0.5, n) > theta).astype(float)
        theta = intrinsic_plasticity_step(theta, x, h, eta)
        if k >= 3000:
            acts.append(x)
    rates = np.mean(acts, axis=0)
    assert abs(rates.mean() - h) < 0.005
    assert np.all(np.abs(rates - h) < 0.05)     # every neuron, not just the mean


class ThresholdUnits(Behaviour):
    def set_variables(self, n):
        n.drive = n.get_neuron_vec("normal(0,1)")
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.spike = n.drive + n.get_neuron_vec("normal(0,0.5)") > n.threshold


def test_intrinsic_plasticity_behaviour_with_rate_estimate():
    net = Network(seed=4)
    g = NeuronGroup(net=net, size=100, behaviour={
        1: ThresholdUnits(),
        2: IntrinsicPlasticity(target_rate=20.0, dt=1e-3, eta=0.1, tau=0.05, init_threshold=1.0)})
    net.initialize()
    net.simulate_iterations(3000)
    count = np.zeros(100)
    for _ in range(3000):
        net.simulate_iteration()
        count += to_numpy(g.spike)
    assert np.mean(count / 3000) == pytest.approx(0.02, abs=0.002)   # 20 Hz at dt = 1 ms


def test_intrinsic_plasticity_rejects_two_targets():
    net = Network(seed=4)
    NeuronGroup(net=net, size=3, behaviour={1: ThresholdUnits(),
                                            2: IntrinsicPlasticity(target=0.1, target_rate=3.0, dt=1e-3)})
    with pytest.raises(ValueError, match="exactly one"):
        net.initialize()


def test_voltage_homeostasis_pulls_mean_voltage_to_target():
    class Drive(Behaviour):
        def set_variables(self, n):
            n.voltage = n.get_neuron_vec()

        def new_iteration(self, n):
            n.voltage = 0.9 * n.voltage + 0.05 + n.get_neuron_vec("uniform(0,0.02)")

    net = Network(seed=5)
    g = NeuronGroup(net=net, size=50, behaviour={1: Drive(), 2: VoltageHomeostasis(target_voltage=0.2,
                                                                                  eta_ip=0.01)})
    net.initialize()
    net.simulate_iterations(3000)
    pre_sub, v = 0.0, 0.0
    for _ in range(1000):
        net.simulate_iteration()
        pre_sub += np.mean(to_numpy(g.voltage + g.exhaustion)) / 1000
        v += np.mean(to_numpy(g.voltage)) / 1000
    # fixed point: the voltage before the subtraction, v + e, sits at the target,
    # so 0.2 = 0.9 (0.2 - e) + 0.06 gives e = 0.0444 and v = 0.1556
    assert pre_sub == pytest.approx(0.2, abs=0.002)
    assert v == pytest.approx(0.2 - 0.04 / 0.9, abs=0.002)


@pytest.mark.parametrize("params", [STPParams(U=0.5, tau_d=0.8, tau_f=0.0),
                                    STPParams(U=0.1, tau_d=0.1, tau_f=0.6)])
@pytest.mark.parametrize("rate", [5.0, 20.0, 50.0])
def test_tsodyks_markram_steady_state_matches_closed_form(params, rate):
    """Regular train: simulated release after many spikes equals the analytic steady state."""
    dt = 1e-3
    period_steps = int(round(1 / rate / dt))
    u, x = np.zeros(1), np.ones(1)
    releases = []
    for k in range(period_steps * 250):
        spk = np.array([k % period_steps == 0])
        u, x, r = stp_step(u, x, spk, params, dt)
        if spk[0]:
            releases.append(r[0])
    _, _, r_ss = stp_steady_state(period_steps * dt, params)
    assert releases[-1] == pytest.approx(r_ss, rel=1e-9)  # exact integration between spikes
    assert releases[0] == pytest.approx(params.U)
    if params.tau_f == 0:
        assert releases[-1] < releases[0]        # depression
    else:
        assert max(releases[:5]) > releases[0]   # facilitation at the start


def test_stp_behaviour_writes_release():
    class Periodic(Behaviour):
        def set_variables(self, n):
            n.spike = n.get_neuron_vec(bool)

        def new_iteration(self, n):
            n.spike = n.get_neuron_vec(bool) + (n.iteration % 100 == 1)

    net = Network(seed=0)
    src = NeuronGroup(net=net, size=2, behaviour={1: Periodic()})
    dst = NeuronGroup(net=net, size=1)
    s = SynapseGroup(net=net, src=src, dst=dst, tag="E", behaviour={2: ShortTermPlasticity(U=0.4, tau_d=0.5, dt=1e-3)})
    net.initialize()
    seen = []
    for _ in range(300):
        net.simulate_iteration()
        if s.stp_release[0] > 0:
            seen.append(s.stp_release[0])
    assert seen[0] == pytest.approx(0.4)
    assert seen[1] < seen[0]


def test_spike_frequency_adaptation_lengthens_isis():
    """An adaptation current makes ISIs grow under a constant current (Benda & Herz 2003)."""
    net = Network(seed=0)
    g = NeuronGroup(net=net, size=1, behaviour={
        1: SpikeFrequencyAdaptation(tau_a=0.2, b=100e-12, dt=1e-4),
        2: LIF(I_bias=2.5e-9, dt=1e-4, t_ref=0.0)})
    net.initialize()
    times = []
    for k in range(5000):
        net.simulate_iteration()
        if g.spike[0]:
            times.append(k)
    isi = np.diff(times)
    assert len(isi) > 5
    assert isi[-1] > 1.5 * isi[0]
