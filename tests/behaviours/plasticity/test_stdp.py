"""Tests of pair-based and triplet STDP (kernels and Behaviour wrappers)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from monnto.behaviours.plasticity.stdp import (
    STDP,
    DiscreteSTDP,
    STDPParams,
    TripletSTDP,
    TripletSTDPParams,
    discrete_stdp_step,
    pair_stdp_kernel,
    pair_stdp_step,
    triplet_stdp_step,
)
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy

DT = 0.1e-3  # s


def run_pair(spikes_pre, spikes_post, p, w0=0.5, n_steps=None, csr=False):
    """Run one synapse through pair STDP with spikes at the given steps."""
    n_steps = n_steps or (max(list(spikes_pre) + list(spikes_post)) + 2)
    W = np.array([[w0]])
    if csr:
        W = sp.csr_matrix(W)
    x, y = np.zeros(1), np.zeros(1)
    for k in range(n_steps):
        pre = np.array([k in spikes_pre])
        post = np.array([k in spikes_post])
        W, x, y = pair_stdp_step(W, pre, post, x, y, p, DT, np)
    return (W.toarray() if csr else W)[0, 0]


@pytest.mark.parametrize("csr", [False, True])
@pytest.mark.parametrize("lag_steps", [-400, -100, -10, -1, 1, 10, 100, 400])
def test_pair_weight_change_matches_exponential_window(lag_steps, csr):
    """dw = A+ exp(-dt/tau+) (dt>0), -A- exp(dt/tau-) (dt<0): Song, Miller & Abbott (2000)."""
    p = STDPParams(a_plus=0.01, a_minus=0.012, tau_plus=16.8e-3, tau_minus=33.7e-3)
    t_pre = 500
    t_post = t_pre + lag_steps
    dw = run_pair({t_pre}, {t_post}, p, csr=csr) - 0.5
    lag = lag_steps * DT
    expected = p.a_plus * math.exp(-lag / p.tau_plus) if lag > 0 else -p.a_minus * math.exp(lag / p.tau_minus)
    assert dw == pytest.approx(expected, rel=1e-12)
    assert float(pair_stdp_kernel(lag, p)) == pytest.approx(expected, rel=1e-12)


def test_simultaneous_spikes_give_no_change():
    p = STDPParams()
    assert run_pair({100}, {100}, p) == 0.5


def test_multiplicative_rule_scales_with_distance_to_bounds():
    """mu=1 (van Rossum et al. 2000): LTP ~ (w_max-w), LTD ~ (w-w_min)."""
    p = STDPParams(a_plus=0.01, a_minus=0.01, tau_plus=20e-3, tau_minus=20e-3, mu=1.0,
                   w_min=0.0, w_max=2.0)
    lag = 50
    for w0 in (0.2, 1.0, 1.8):
        ltp = run_pair({10}, {10 + lag}, p, w0=w0) - w0
        ltd = run_pair({10 + lag}, {10}, p, w0=w0) - w0
        k = math.exp(-lag * DT / 20e-3)
        assert ltp == pytest.approx(0.01 * k * (2.0 - w0) / 2.0, rel=1e-12)
        assert ltd == pytest.approx(-0.01 * k * w0 / 2.0, rel=1e-12)


def test_additive_rule_clips_at_bounds():
    p = STDPParams(a_plus=0.3, a_minus=0.3, w_max=1.0)
    assert run_pair({1}, {2}, p, w0=0.9) == 1.0
    assert run_pair({2}, {1}, p, w0=0.1) == 0.0


def test_all_to_all_pairs_sum_linearly():
    """Additive all-to-all STDP sums the window over every pre/post pair."""
    p = STDPParams(a_plus=0.001, a_minus=0.001)
    pre, post = [10, 60, 150], [30, 100, 120]
    expected = sum(float(pair_stdp_kernel((tp - tq) * DT, p)) for tp in post for tq in pre)
    assert run_pair(set(pre), set(post), p) - 0.5 == pytest.approx(expected, rel=1e-12)


def test_triplet_post_pre_post_closed_form():
    """Pfister & Gerstner (2006) eqs. 3-4 for pre at 0, posts at t1, t2 (all-to-all)."""
    p = TripletSTDPParams(a2_plus=4e-3, a3_plus=6e-3, a2_minus=5e-3, a3_minus=2e-3)
    t1, t2 = 100, 250  # steps
    W = np.array([[0.5]])
    r1, r2, o1, o2 = (np.zeros(1) for _ in range(4))
    for k in range(300):
        pre, post = np.array([k == 0]), np.array([k in (t1, t2)])
        W, r1, r2, o1, o2 = triplet_stdp_step(W, pre, post, r1, r2, o1, o2, p, DT)
    d1, d2 = t1 * DT, t2 * DT
    expected = p.a2_plus * math.exp(-d1 / p.tau_plus) + math.exp(-d2 / p.tau_plus) * (
        p.a2_plus + p.a3_plus * math.exp(-(d2 - d1) / p.tau_y))
    assert W[0, 0] - 0.5 == pytest.approx(expected, rel=1e-12)


def test_triplet_pre_post_pre_closed_form():
    p = TripletSTDPParams(a2_plus=4e-3, a3_plus=6e-3, a2_minus=5e-3, a3_minus=2e-3)
    W = np.array([[0.5]])
    r1, r2, o1, o2 = (np.zeros(1) for _ in range(4))
    for k in range(300):
        pre, post = np.array([k in (0, 200)]), np.array([k == 80])
        W, r1, r2, o1, o2 = triplet_stdp_step(W, pre, post, r1, r2, o1, o2, p, DT)
    ltp = p.a2_plus * math.exp(-80 * DT / p.tau_plus)
    ltd = math.exp(-120 * DT / p.tau_minus) * (p.a2_minus + p.a3_minus * math.exp(-200 * DT / p.tau_x))
    assert W[0, 0] - 0.5 == pytest.approx(ltp - ltd, rel=1e-12)


def test_triplet_potentiation_grows_with_pairing_frequency():
    """Pfister & Gerstner (2006) Fig. 4 (data of Sjoestroem et al. 2001): with the
    visual-cortex triplet fit, pre-post pairs at +10 ms potentiate more the higher
    the pairing frequency (the pair term A2+ is almost zero)."""
    p = TripletSTDPParams()
    dt = 1e-3
    changes = []
    for freq in (1.0, 20.0, 50.0):
        period = int(round(1 / freq / dt))
        W = np.array([[0.5]])
        r1, r2, o1, o2 = (np.zeros(1) for _ in range(4))
        for k in range(60 * period):
            pre = np.array([k % period == 0])
            post = np.array([k % period == 10])
            W, r1, r2, o1, o2 = triplet_stdp_step(W, pre, post, r1, r2, o1, o2, p, dt)
        changes.append(W[0, 0] - 0.5)
    assert changes[0] < changes[1] < changes[2]
    assert changes[2] > 0


@pytest.mark.parametrize("mu", [0.0, 1.0])
def test_csr_update_matches_dense_on_stored_synapses(mu):
    rng = np.random.default_rng(3)
    D, S = 30, 40
    mask = rng.random((D, S)) < 0.2
    W = np.where(mask, rng.random((D, S)), 0.0)
    Ws = sp.csr_matrix(W)
    p = STDPParams(a_plus=0.02, a_minus=0.021, mu=mu)
    x, y, xs, ys = np.zeros(S), np.zeros(D), np.zeros(S), np.zeros(D)
    for _ in range(300):
        pre, post = rng.random(S) < 0.05, rng.random(D) < 0.05
        W, x, y = pair_stdp_step(W, pre, post, x, y, p, 1e-3, np, mask=mask)
        Ws, xs, ys = pair_stdp_step(Ws, pre, post, xs, ys, p, 1e-3, np)
    assert Ws.nnz == mask.sum()
    np.testing.assert_allclose(Ws.toarray(), W, rtol=0, atol=1e-13)
    assert np.all(W[~mask] == 0)


def test_discrete_stdp_dense_and_csr_agree():
    rng = np.random.default_rng(4)
    mask = rng.random((20, 25)) < 0.3
    W = np.where(mask, 5.0, 0.0)
    Ws = sp.csr_matrix(W)
    pre_old, post_old = np.zeros(25, bool), np.zeros(20, bool)
    for _ in range(50):
        pre, post = rng.random(25) < 0.2, rng.random(20) < 0.2
        f = np.outer
        expected = W + 0.1 * (f(post, pre_old) * 1.0 - f(post_old, pre) + f(post, pre)) * mask
        W = discrete_stdp_step(W, pre, post, pre_old, post_old, 0.1, 0.0, 10.0, np, mask=mask)
        Ws = discrete_stdp_step(Ws, pre, post, pre_old, post_old, 0.1, 0.0, 10.0, np)
        np.testing.assert_allclose(W, np.clip(expected, 0, 10))
        pre_old, post_old = pre, post
    np.testing.assert_allclose(Ws.toarray(), W)


def test_song_miller_abbott_bimodal_weights():
    """Song, Miller & Abbott (2000, Nat Neurosci 3:919) Fig. 1: additive STDP with
    A- tau- > A+ tau+ drives the Poisson-input weights of a conductance-based
    integrate-and-fire neuron to a bimodal distribution at the bounds.

    Scaled for speed: 200 inputs at 40 Hz with g_max = 0.03 (leak units), A-/A+ =
    1.1, 40 s at dt = 0.5 ms (input reaches the neuron one step after the spike).
    """
    rng = np.random.default_rng(0)
    n_in, rate, dt = 200, 40.0, 0.5e-3      # inputs, Hz, s
    tau_m, tau_e = 10e-3, 5e-3               # s
    e_l, e_e, v_th, v_r = -74e-3, 0.0, -54e-3, -60e-3   # V
    g_max = 0.03                            # in units of the leak conductance
    p = STDPParams(a_plus=0.01 * g_max, a_minus=0.011 * g_max, w_min=0.0, w_max=g_max)
    W = g_max * rng.random((1, n_in))
    x, y = np.zeros(n_in), np.zeros(1)
    v, g = e_l, 0.0
    spikes = 0
    decay_e = math.exp(-dt / tau_e)
    for _ in range(80_000):
        pre = rng.random(n_in) < rate * dt
        v += dt / tau_m * (e_l - v + g * (e_e - v))
        g = g * decay_e + W[0] @ pre
        post = np.array([v > v_th])
        if post[0]:
            v = v_r
            spikes += 1
        W, x, y = pair_stdp_step(W, pre, post, x, y, p, dt, np)
    w = W[0] / g_max
    low, high, mid = np.mean(w < 0.1), np.mean(w > 0.9), np.mean((w > 0.25) & (w < 0.75))
    hist = np.histogram(w, 10, (0, 1))[0]
    assert low > 0.3 and high > 0.08, (low, high)
    assert mid < 0.2, mid
    assert min(hist[0], hist[-1]) > 2 * hist[3:7].max(), hist   # peaks at both bounds
    assert spikes / 40.0 > 5                                     # the neuron still fires


class SpikeSchedule(Behaviour):
    """Test helper: ``n.spike`` is True for the neurons listed at each iteration."""

    def set_variables(self, n):
        self.schedule = self.get_init_attr("schedule", {}, None)
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.spike = n.get_neuron_vec(bool)
        for i in self.schedule.get(n.iteration, ()):
            n.spike[i] = True


class FixedWeights(Behaviour):
    def set_variables(self, s):
        self.sparse = self.get_init_attr("sparse", False, None)
        s.W = sp.csr_matrix(np.full(s.matrix_dim(), 0.5)) if self.sparse else s.get_synapse_mat(0.5)


@pytest.mark.parametrize("sparse", [False, pytest.param(True, marks=pytest.mark.numpy_only)])  # CSR: numpy only
@pytest.mark.parametrize("on_synapse", [False, True])
def test_stdp_behaviour_in_network(sparse, on_synapse):
    """The wrapper on a SynapseGroup or on the post NeuronGroup gives the pair window."""
    net = Network(seed=1)
    pre = NeuronGroup(net=net, size=2, tag="pre", behaviour={1: SpikeSchedule(schedule={10: [0], 60: [1]})})
    rule = dict(a_plus=0.01, a_minus=0.012, tau_plus=20e-3, tau_minus=20e-3, dt=1e-3)
    post_b = {1: SpikeSchedule(schedule={30: [0, 1]})}
    if not on_synapse:
        post_b[5] = STDP(syn_type="GLUTAMATE", **rule)
    post = NeuronGroup(net=net, size=2, tag="post", behaviour=post_b)
    syn_b = {0: FixedWeights(sparse=sparse)}
    if on_synapse:
        syn_b[5] = STDP(**rule)
    syn = SynapseGroup(net=net, src=pre, dst=post, tag="GLUTAMATE", behaviour=syn_b)
    net.initialize()
    net.simulate_iterations(100)
    W = syn.W.toarray() if sparse else to_numpy(syn.W)
    ltp = 0.01 * math.exp(-20e-3 / 20e-3)
    ltd = -0.012 * math.exp(-30e-3 / 20e-3)
    np.testing.assert_allclose(W[:, 0], 0.5 + ltp, rtol=1e-12)
    np.testing.assert_allclose(W[:, 1], 0.5 + ltd, rtol=1e-12)


def test_triplet_and_discrete_behaviours_run_and_change_weights():
    net = Network(seed=1)
    sched = {k: [0] for k in range(5, 200, 10)}
    sched_post = {k + 2: [0] for k in range(5, 200, 10)}
    pre = NeuronGroup(net=net, size=1, behaviour={1: SpikeSchedule(schedule=sched)})
    post = NeuronGroup(net=net, size=1, behaviour={1: SpikeSchedule(schedule=sched_post),
                                                   6: DiscreteSTDP(syn_type="B", stdp_factor=0.01)})
    s1 = SynapseGroup(net=net, src=pre, dst=post, tag="A",
                      behaviour={0: FixedWeights(), 5: TripletSTDP(dt=1e-3, a2_plus=1e-3)})
    s2 = SynapseGroup(net=net, src=pre, dst=post, tag="B", behaviour={0: FixedWeights()})
    net.initialize()
    net.simulate_iterations(200)
    assert float(s1.W[0, 0]) > 0.5       # causal pairs potentiate
    assert float(s2.W[0, 0]) == pytest.approx(0.5 + 0.01 * 0)  # no spikes one step apart or simultaneous


class InPlaceSchedule(SpikeSchedule):
    """Like SpikeSchedule, but writes the spikes into the same vector every step."""

    def new_iteration(self, n):
        n.spike[...] = False
        for i in self.schedule.get(n.iteration, ()):
            n.spike[i] = True


def test_discrete_stdp_remembers_spikes_updated_in_place():
    """pre at t, post at t+1: +factor per pair, even when models reuse their spike vectors."""
    net = Network(seed=1)
    pre = NeuronGroup(net=net, size=1, behaviour={1: InPlaceSchedule(schedule={10: [0], 30: [0]})})
    post = NeuronGroup(net=net, size=1, behaviour={1: InPlaceSchedule(schedule={11: [0], 31: [0]}),
                                                   6: DiscreteSTDP(syn_type="B", stdp_factor=0.01)})
    s = SynapseGroup(net=net, src=pre, dst=post, tag="B", behaviour={0: FixedWeights()})
    net.initialize()
    net.simulate_iterations(40)
    assert float(s.W[0, 0]) == pytest.approx(0.5 + 2 * 0.01, rel=1e-12)


def test_stdp_errors_name_the_problem():
    net = Network(seed=1)
    pre = NeuronGroup(net=net, size=1, behaviour={1: SpikeSchedule()})
    post = NeuronGroup(net=net, size=1, behaviour={1: SpikeSchedule()})
    SynapseGroup(net=net, src=pre, dst=post, tag="GLUTAMATE",
                 behaviour={0: FixedWeights(), 5: STDP(dt=1e-3, w_min=1.0, w_max=0.5)})
    with pytest.raises(ValueError, match="w_max"):
        net.initialize()


def test_pair_stdp_kernel_runs_on_torch_with_the_same_result():
    """One code path: the dense kernel gives the numpy result on torch tensors."""
    torch = pytest.importorskip("torch")
    xt = pytest.importorskip("array_api_compat.torch")
    rng = np.random.default_rng(5)
    mask = rng.random((20, 30)) < 0.3
    W = np.where(mask, rng.random((20, 30)), 0.0)
    Wt, mt = torch.tensor(W), torch.tensor(mask)
    p = STDPParams(a_plus=0.02, a_minus=0.021, mu=1.0)
    x, y = np.zeros(30), np.zeros(20)
    xt_, yt_ = torch.zeros(30, dtype=torch.float64), torch.zeros(20, dtype=torch.float64)
    for _ in range(100):
        pre, post = rng.random(30) < 0.1, rng.random(20) < 0.1
        W, x, y = pair_stdp_step(W, pre, post, x, y, p, 1e-3, np, mask=mask)
        Wt, xt_, yt_ = pair_stdp_step(Wt, torch.tensor(pre), torch.tensor(post), xt_, yt_, p, 1e-3, xt,
                                      mask=mt)
    np.testing.assert_allclose(Wt.numpy(), W, rtol=0, atol=1e-14)
