"""Delayed propagation used by the network models."""
from __future__ import annotations

import numpy as np
import pytest

from monnto.behaviours.equations import Clock
from monnto.behaviours.plasticity import ShortTermPlasticity
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy
from monnto.models._propagation import DelayedSynapticInput, ExponentialSynapses, delay_steps


class SpikeAt(Behaviour):
    def set_variables(self, n):
        self.at = self.get_init_attr("at", ())
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.spike = n.get_neuron_vec(bool) + (n.iteration in self.at)


class Log(Behaviour):
    def set_variables(self, n):
        n.x = n.get_neuron_vec()
        self.log = []

    def new_iteration(self, n):
        self.log.append(float(n.x[0]))
        n.x[...] = 0.0


@pytest.mark.parametrize("delay, expected_step", [(0.0, 6), (1e-3, 6), (1.5e-3, 7), (5e-3, 10)])
def test_spike_arrives_after_the_delay(delay, expected_step):
    """A spike made in step 5 is delivered in step 5 + max(1, round(delay/dt))."""
    net = Network(seed=0, behaviour={0: Clock(step=1e-3)})
    src = NeuronGroup(net=net, size=1, behaviour={3: SpikeAt(at=(5,))})
    dst = NeuronGroup(net=net, size=1, behaviour={2: Log()})
    s = SynapseGroup(net=net, src=src, dst=dst, behaviour={1: DelayedSynapticInput(delay=delay, target="x",
                                                                                     scale=2.0)})
    s.W = s.get_synapse_mat(0.5)
    net.initialize()
    net.simulate_iterations(15, progress=False)
    log = dst["Log", 0].log
    assert log[expected_step - 1] == 1.0
    assert sum(log) == 1.0
    assert delay_steps(delay, 1e-3) == expected_step - 5


class Bias(Behaviour):
    def new_iteration(self, n):
        n.x[...] += 0.7


@pytest.mark.numpy_only
def test_plain_scipy_csr_weights_are_delivered_one_synapse_at_a_time():
    """A loaded network's plain CSR becomes monnto's CSR: the per-synapse sums of both targets."""
    import scipy.sparse as sp

    from monnto.core.sparse_matrix import SparseSynapseMatrix

    net = Network(seed=0, behaviour={0: Clock(step=1e-3)})
    src = NeuronGroup(net=net, size=3, behaviour={3: SpikeAt(at=(2,))})
    dst = NeuronGroup(net=net, size=1, behaviour={0.5: Bias(), 2: Log()})
    s = SynapseGroup(net=net, src=src, dst=dst, behaviour={1: DelayedSynapticInput(target="x")})
    s.W = sp.csr_array(np.array([[0.1, 0.2, 0.11]]))
    net.initialize()
    net.simulate_iterations(5, progress=False)
    assert type(s.W) is SparseSynapseMatrix
    one_at_a_time, row_total = ((0.7 + 0.1) + 0.2) + 0.11, 0.7 + ((0.1 + 0.2) + 0.11)
    assert one_at_a_time != row_total  # (1.11 and 1.1099999999999999)
    assert dst["Log", 0].log[2] == one_at_a_time


def test_stp_release_is_propagated_and_exponential_decay():
    net = Network(seed=0, behaviour={0: Clock(step=1e-3)})
    src = NeuronGroup(net=net, size=1, behaviour={3: SpikeAt(at=(2, 4))})
    dst = NeuronGroup(net=net, size=1, behaviour={2: Log()})
    s = SynapseGroup(net=net, src=src, dst=dst, behaviour={
        0.5: ShortTermPlasticity(U=0.5, tau_d=1.0),
        1: DelayedSynapticInput(target="x", release_attr="stp_release")})
    s.W = s.get_synapse_mat(1.0)
    net.initialize()
    net.simulate_iterations(8, progress=False)
    log = dst["Log", 0].log
    # release u+ x-: 0.5 for the first spike, 0.5 * (1 - (1 - 0.5) e^{-2 ms / 1 s}) for the second
    assert log[2] == pytest.approx(0.5)
    assert log[4] == pytest.approx(0.5 * (1 - 0.5 * np.exp(-2e-3)))
    g = NeuronGroup(net=Network(seed=0), size=2, behaviour={1: ExponentialSynapses(variables={"ge": 5e-3},
                                                                                   dt=1e-3)})
    g.network.initialize()
    g.ge[...] = 1.0
    g.network.simulate_iterations(3, progress=False)
    np.testing.assert_allclose(to_numpy(g.ge), np.exp(-3e-3 / 5e-3))


def test_csr_weights_on_torch_are_refused_with_a_clear_error(array_backend):
    """CSR matrices are numpy-only: DelayedSynapticInput names the problem at initialize."""
    from monnto.core.sparse_matrix import SparseSynapseMatrix

    net = Network(seed=0, behaviour={0: Clock(step=1e-3)})
    src = NeuronGroup(net=net, size=2, behaviour={3: SpikeAt(at=(1,))})
    dst = NeuronGroup(net=net, size=2, behaviour={2: Log()})
    s = SynapseGroup(net=net, src=src, dst=dst, behaviour={1: DelayedSynapticInput(target="x")})
    s.W = SparseSynapseMatrix(np.eye(2))
    if array_backend == "numpy":
        net.initialize()
        net.simulate_iterations(4, progress=False)
        assert dst["Log", 0].log == [0.0, 1.0, 0.0, 0.0]      # spike of step 1 arrives in step 2
    else:
        with pytest.raises(ValueError, match="CSR SparseSynapseMatrix.*numpy backend"):
            net.initialize()
