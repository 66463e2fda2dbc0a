"""Delays: arrival exactly d steps later, per-synapse delays, propagate, errors.

Every test runs on numpy and torch (tests/behaviours/synapses/conftest.py);
the sparse (CSR) cases are numpy_only.
"""
import numpy as np
import pytest

from monnto.behaviours.synapses import (
    Delay,
    DelayLine,
    EventMatrix,
    HeterogeneousDelays,
    SparseSynapseMatrix,
    propagate,
)
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy

SPARSE = [False, pytest.param(True, marks=pytest.mark.numpy_only)]  # CSR weights are numpy-only


class _Pulse(Behaviour):
    """Source: spike pattern given per iteration."""

    def set_variables(self, n):
        self.pattern = self.get_init_attr("pattern", {})
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.spike = n.get_neuron_vec(bool)
        for i in self.pattern.get(n.iteration, ()):
            n.spike[i] = True


class _Receive(Behaviour):
    def set_variables(self, n):
        self.sparse = self.get_init_attr("sparse", False)
        self.log = []
        for s in n.afferent_synapses["All"]:
            s.W = s.get_synapse_mat("ones", sparse=self.sparse) if self.sparse else s.get_synapse_mat(
                "ones")

    def new_iteration(self, n):
        total = sum(propagate(s) for s in n.afferent_synapses["All"])
        self.log.append(np.array(to_numpy(total)))


class _Clock(Behaviour):
    def set_variables(self, net):
        net.dt = 1e-4
        net.t = 0.0


def _net(delay_behaviour, pattern, n_src=3, n_dst=2, sparse=False, clock=False):
    net = Network(seed=0, behaviour={0: _Clock()} if clock else None)
    src = NeuronGroup(net, n_src, behaviour={1: _Pulse(pattern=pattern)})
    dst = NeuronGroup(net, n_dst, behaviour={2: _Receive(sparse=sparse)})
    beh = {3: delay_behaviour} if delay_behaviour is not None else None
    sg = SynapseGroup(net, src, dst, behaviour=beh, sparse=sparse)
    net.initialize()
    return net, dst._Receive, sg


@pytest.mark.parametrize("d", [0, 1, 4, 9])
@pytest.mark.parametrize("sparse", SPARSE)
def test_uniform_delay_of_d_steps(d, sparse):
    net, rec, _ = _net(Delay(steps=d), {5: [0, 2]}, sparse=sparse)
    net.simulate_iterations(20)
    arrivals = [t for t, v in enumerate(rec.log, start=1) if v.any()]
    assert arrivals == [5 + d]
    np.testing.assert_array_equal(rec.log[5 + d - 1], [2.0, 2.0])


def test_delay_in_time_uses_clock_dt():
    net, rec, sg = _net(Delay(time="0.3*ms"), {2: [1]}, clock=True)
    assert sg.delay_line.delay == 3
    net.simulate_iterations(10)
    assert [t for t, v in enumerate(rec.log, start=1) if v.any()] == [5]


def test_delay_in_time_without_clock_is_an_error():
    with pytest.raises(ValueError, match="needs a Clock"):
        _net(Delay(time="1*ms"), {})


@pytest.mark.parametrize("sparse", SPARSE)
def test_heterogeneous_delays_deliver_each_spike_at_its_own_delay(sparse):
    delays = np.array([[1, 3, 5], [2, 0, 7]])
    net, rec, sg = _net(Delay(steps=delays), {4: [0, 1, 2], 6: [1]}, sparse=sparse)
    sg.W[1, 2] = 0.0 if not sparse else sg.W[1, 2]
    net.simulate_iterations(20)
    got = np.array(rec.log)
    expected = np.zeros((20, 2))
    for t0, sources in ((4, [0, 1, 2]), (6, [1])):
        for j in sources:
            for i in range(2):
                w = 0.0 if (not sparse and (i, j) == (1, 2)) else 1.0
                expected[t0 + delays[i, j] - 1, i] += w
    np.testing.assert_array_equal(got, expected)


def test_heterogeneous_from_init_string_and_max_delay_error():
    net, rec, sg = _net(Delay(steps="integers(2, 4)"), {1: [0]})
    assert isinstance(sg.delay_line, HeterogeneousDelays)
    assert set(np.unique(to_numpy(sg.delay_line.delays))) <= {2, 3}
    with pytest.raises(ValueError, match="longer than the buffer allows"):
        _net(Delay(steps=np.full((2, 3), 6), max_delay=5), {})
    with pytest.raises(ValueError, match="longer than the buffer allows"):
        _net(Delay(steps=8, max_delay=3), {})
    with pytest.raises(ValueError, match="exactly one"):
        _net(Delay(), {})


def test_delay_line_direct_and_skipped_steps(array_backend):
    net = Network(seed=0)  # the buffer and W on the test's backend
    host = np.arange(8.0).reshape(2, 4)
    if array_backend == "numpy":
        line, W = DelayLine(4, 2), EventMatrix(host)
    else:
        line = DelayLine(4, 2, xp=net.xp, device=net.array_backend.device)
        W = net.array_backend.synapse_matrix(net.array_backend.from_numpy(host))
    s = np.array([True, False, False, True])
    z = np.zeros(4, bool)
    assert not line.propagate(W, s, 1).any()
    assert not line.propagate(W, z, 2).any()
    np.testing.assert_array_equal(to_numpy(line.propagate(W, z, 3)), host @ s)
    line.propagate(W, s, 4)
    # steps 5 and 6 skipped: the spike of step 4 arrived at 6 and is gone by 8
    assert not line.propagate(W, z, 8).any()
    with pytest.raises(ValueError, match="steps >= 0"):
        DelayLine(4, -1)


@pytest.mark.numpy_only  # a CSR W
def test_heterogeneous_shape_error():
    W = SparseSynapseMatrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="expected"):
        HeterogeneousDelays(W, np.ones(5, dtype=int))


def test_propagate_without_delay_is_event_product(rng):
    net = Network(seed=1)
    a, b = NeuronGroup(net, 30), NeuronGroup(net, 20)
    sg = SynapseGroup(net, a, b)
    sg.W = sg.get_synapse_mat("uniform(0,1)")
    a.spike = rng.random(30) < 0.2
    host = to_numpy(sg.W)
    np.testing.assert_allclose(to_numpy(propagate(sg)), host @ a.spike, rtol=1e-14)
    plain = np.asarray(sg.W) if net.backend == "numpy" else sg.W + 0.0  # torch: a plain tensor
    np.testing.assert_allclose(to_numpy(propagate(sg, weights=plain)), host @ a.spike, rtol=1e-14)


def test_propagate_rejects_weights_of_the_wrong_shape():
    net = Network(seed=1)
    a, b = NeuronGroup(net, 30), NeuronGroup(net, 20)
    sg = SynapseGroup(net, a, b)
    sg.W = np.ones((30, 20))
    a.spike = np.zeros(30, bool)
    with pytest.raises(ValueError, match=r"shape \(30, 20\), expected \(20, 30\)"):
        propagate(sg)
