"""DiscreteSTDP's paired-set semantics, its ``depression`` option, and the event-driven numpy step.

Only paired synapses change and are clipped: entries (i, j) where some term
of the rule's bracket is nonzero (``post_i & pre_old_j``, ``depression &
post_old_i & pre_j``, ``simultaneous & post_i & pre_j``); all other weights
stay exactly as they are, even outside ``[w_min, w_max]``.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from monnto.behaviours.plasticity.stdp import DiscreteSTDP, discrete_stdp_step
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy
from monnto.core.errors import MonntoTypeError, MonntoValueError

T, F = True, False
#: a 3 x 3 case: post (rows) and pre (columns) now and in the previous step
POST, POST_OLD = np.array([T, F, F]), np.array([T, T, F])
PRE, PRE_OLD = np.array([T, F, F]), np.array([T, T, F])
#: weights, several outside [0, 1]
W0 = np.array([[5.0, 0.5, 5.0],
               [-2.0, -3.0, 7.0],
               [-1.0, 9.0, 0.3]])


def _reference(W, pre, post, pre_old, post_old, factor, w_min, w_max, same, depression, mask=None):
    """Entry by entry: the paired (and enabled) synapses get ``clip(w + dw)``, the others stay."""
    W = W.copy()
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            terms = (post[i] and pre_old[j], depression and post_old[i] and pre[j], same and post[i] and pre[j])
            if any(terms) and (mask is None or mask[i, j]):
                dw = factor * (float(terms[0]) - float(terms[1]) + float(terms[2]))
                W[i, j] = min(max(W[i, j] + dw, w_min), w_max)
    return W


@pytest.mark.numpy_only
@pytest.mark.parametrize("storage", ["dense", "fortran", "csr"])
def test_only_paired_synapses_change_and_are_clipped(storage):
    # simultaneous=False, depression=True (SORN): (0,0) is paired twice and the terms cancel,
    # (0,1) potentiates, (1,0) depresses below w_min; every other entry is unpaired
    expected = W0.copy()
    expected[0, 0] = 1.0   # 5.0 + 0.1 - 0.1, still clipped to w_max
    expected[0, 1] = 0.6   # 0.5 + 0.1
    expected[1, 0] = 0.0   # -2.0 - 0.1, clipped to w_min
    if storage == "csr":
        W = sp.csr_array(W0)
    else:
        W = np.asfortranarray(W0) if storage == "fortran" else W0.copy()
    W = discrete_stdp_step(W, PRE, POST, PRE_OLD, POST_OLD, 0.1, 0.0, 1.0, np, simultaneous=False)
    got = W.toarray() if storage == "csr" else W
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    assert got[0, 2] == 5.0 and got[1, 1] == -3.0 and got[2, 1] == 9.0  # unpaired: untouched, not clipped
    np.testing.assert_allclose(got, _reference(W0, PRE, POST, PRE_OLD, POST_OLD, 0.1, 0.0, 1.0, False, True),
                               rtol=0, atol=1e-15)


@pytest.mark.numpy_only
def test_disabled_synapses_are_left_as_they_are():
    mask = np.ones((3, 3), bool)
    mask[0, 0] = mask[1, 0] = False
    W = discrete_stdp_step(W0.copy(), PRE, POST, PRE_OLD, POST_OLD, 0.1, 0.0, 1.0, np, mask=mask,
                           simultaneous=False)
    assert W[0, 0] == 5.0 and W[1, 0] == -2.0
    assert W[0, 1] == pytest.approx(0.6)


@pytest.mark.numpy_only
@pytest.mark.parametrize("storage", ["dense", "csr"])
def test_without_depression_only_causal_pairs_potentiate(storage):
    """``simultaneous=False, depression=False``: ``W += factor`` where post(t) & pre(t-1), then clipped."""
    expected = W0.copy()
    expected[0, 0] = 1.0   # 5.0 + 0.1, clipped
    expected[0, 1] = 0.6   # 0.5 + 0.1
    W = sp.csr_array(W0) if storage == "csr" else W0.copy()
    W = discrete_stdp_step(W, PRE, POST, PRE_OLD, POST_OLD, 0.1, 0.0, 1.0, np, simultaneous=False,
                           depression=False)
    got = W.toarray() if storage == "csr" else W
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    assert got[1, 0] == -2.0  # post_old & pre: no depression, untouched


@pytest.mark.numpy_only
@pytest.mark.parametrize("simultaneous,depression", [(F, F), (T, F), (F, T), (T, T)])
def test_random_steps_equal_the_entrywise_reference(simultaneous, depression):
    rng = np.random.default_rng(11)
    mask = rng.random((30, 40)) < 0.8
    W = rng.uniform(-0.5, 1.5, (30, 40)).astype(np.float32)  # many weights start outside [0, 1]
    Wd, Ws, Wr = W.copy(), sp.csr_array(np.where(mask, W, 0.0).astype(np.float32)), W.copy()
    Wsr, stored = Ws.toarray(), Ws.toarray() != 0  # entries clipped to 0 later stay stored
    pre_old, post_old = np.zeros(40, bool), np.zeros(30, bool)
    for _ in range(60):
        pre, post = rng.random(40) < 0.15, rng.random(30) < 0.15
        Wd = discrete_stdp_step(Wd, pre, post, pre_old, post_old, 0.05, 0.0, 1.0, np, mask=mask,
                                simultaneous=simultaneous, depression=depression)
        Ws = discrete_stdp_step(Ws, pre, post, pre_old, post_old, 0.05, 0.0, 1.0, np,
                                simultaneous=simultaneous, depression=depression)
        Wr = _reference(Wr.astype(np.float64), pre, post, pre_old, post_old, 0.05, 0.0, 1.0, simultaneous,
                        depression, mask).astype(np.float32)
        Wsr = _reference(Wsr.astype(np.float64), pre, post, pre_old, post_old, 0.05, 0.0, 1.0, simultaneous,
                         depression, stored).astype(np.float32)
        pre_old, post_old = pre, post
    assert Wd.dtype == np.float32 and Ws.dtype == np.float32
    np.testing.assert_array_equal(Wd, Wr)
    np.testing.assert_array_equal(Ws.toarray(), Wsr)
    assert (Wd > 1.0).any() and (Wd < 0.0).any()  # unpaired weights kept their out-of-bound values


@pytest.mark.numpy_only
def test_dense_step_on_torch_gives_the_numpy_numbers():
    torch = pytest.importorskip("torch")
    xt = pytest.importorskip("array_api_compat.torch")
    rng = np.random.default_rng(5)
    mask = rng.random((20, 30)) < 0.7
    W = rng.uniform(-0.2, 1.2, (20, 30)).astype(np.float32)
    Wt, mt = torch.tensor(W), torch.tensor(mask)
    pre_old, post_old = np.zeros(30, bool), np.zeros(20, bool)
    for k in range(80):
        pre, post = rng.random(30) < 0.2, rng.random(20) < 0.2
        simultaneous, depression = k % 2 == 0, k % 3 != 0
        W = discrete_stdp_step(W, pre, post, pre_old, post_old, 0.01, 0.0, 1.0, np, mask=mask,
                               simultaneous=simultaneous, depression=depression)
        Wt = discrete_stdp_step(Wt, torch.tensor(pre), torch.tensor(post), torch.tensor(pre_old),
                                torch.tensor(post_old), 0.01, 0.0, 1.0, xt, mask=mt,
                                simultaneous=simultaneous, depression=depression)
        pre_old, post_old = pre, post
    assert Wt.dtype == torch.float32
    np.testing.assert_array_equal(Wt.numpy(), W)


class SpikeSchedule(Behaviour):
    """``n.spike`` is True for the neurons listed at each iteration."""

    def set_variables(self, n):
        self.schedule = self.get_init_attr("schedule", {}, None)
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.spike = n.get_neuron_vec(bool)
        for i in self.schedule.get(n.iteration, ()):
            n.spike[i] = True


class TwoWeights(Behaviour):
    def set_variables(self, s):
        W = s.get_synapse_mat(0.5)
        W[0, 1] = 1.5  # above w_max
        s.W = W


def test_behaviour_without_depression_potentiates_causal_pairs_only():
    """pre at t, post at t+1: +factor; anti-causal and simultaneous pairs: nothing, not even a clip."""
    net = Network(seed=1)
    pre = NeuronGroup(net=net, size=2, behaviour={
        1: SpikeSchedule(schedule={10: [0], 20: [1], 31: [0, 1], 40: [0, 1]})})
    post = NeuronGroup(net=net, size=1, behaviour={
        1: SpikeSchedule(schedule={11: [0], 30: [0], 40: [0]}),
        6: DiscreteSTDP(syn_type="B", stdp_factor=0.01, w_min=0.0, w_max=1.0, simultaneous=False,
                        depression=False)})
    s = SynapseGroup(net=net, src=pre, dst=post, tag="B", behaviour={0: TwoWeights()})
    net.initialize()
    net.simulate_iterations(50)
    W = to_numpy(s.W)
    assert W[0, 0] == pytest.approx(0.51, rel=1e-12)  # the pair 10 -> 11 only
    assert W[0, 1] == 1.5  # never paired (20 -> none, 30 -> 31 anti-causal, 40 simultaneous): not clipped


@pytest.mark.parametrize("bad,error,message", [
    (0, MonntoTypeError, r"DiscreteSTDP.*depression must be True or False.*got 0 of type int"),
    (1.0, MonntoTypeError, r"DiscreteSTDP.*depression must be True or False.*got 1.0 of type float"),
    (None, MonntoTypeError, r"DiscreteSTDP.*depression must be True or False.*got None"),
    ("maybe", MonntoValueError, r"depression='maybe': expected a boolean")])
def test_bad_depression_value_is_named(bad, error, message):
    net = Network(seed=1)
    g = NeuronGroup(net=net, size=2, behaviour={6: DiscreteSTDP(depression=bad)})
    SynapseGroup(net=net, src=g, dst=g, tag="GLUTAMATE")
    with pytest.raises(error, match=message):
        net.initialize()


def test_depression_as_a_boolean_string_is_read():
    """The framework's strings 'False' / 'True' (e.g. from a saved network) are booleans."""
    net = Network(seed=1)
    g = NeuronGroup(net=net, size=2, behaviour={6: DiscreteSTDP(depression="False")})
    SynapseGroup(net=net, src=g, dst=g, tag="GLUTAMATE")
    net.initialize()
    assert g.behaviour[6].depression is False
