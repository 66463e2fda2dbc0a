"""numpy and torch runs of one seeded plastic network agree to float tolerance.

Every plasticity behaviour of the library (trace and one-step STDP, synaptic
normalization, Tsodyks-Markram STP, spike-frequency adaptation, refractoriness,
intrinsic plasticity with a rate estimate, voltage homeostasis) runs in one
network driven by Poisson input; the random draws come from the network's
numpy generator on both backends, so every state variable must agree step by
step (float64: to 1e-12 relative).
"""
from __future__ import annotations

import numpy as np
import pytest

from monnto.behaviours.inputs import PoissonGenerator
from monnto.behaviours.neurons import LIF
from monnto.behaviours.plasticity import (
    STDP,
    IntrinsicPlasticity,
    Normalization,
    Refractoriness,
    ShortTermPlasticity,
    SpikeFrequencyAdaptation,
    VoltageHomeostasis,
)
from monnto.behaviours.plasticity.stdp import DiscreteSTDP
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy


class RandomWeights(Behaviour):
    def set_variables(self, s):
        s.W = s.get_synapse_mat("uniform(0,1)", density=0.5)


class Propagate(Behaviour):
    """I_input += 50 nA * (W @ release) for every afferent group (STP release when present)."""

    def new_iteration(self, n):
        for s in n.afferent_synapses["All"]:
            pre = getattr(s, "stp_release", None)
            if pre is None:
                pre = n.xp.astype(s.src.spike, s.W.dtype)
            n.I_input += 5e-8 * (s.W @ pre)


class Drive(Behaviour):
    def set_variables(self, n):
        n.voltage = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.voltage = 0.9 * n.voltage + 0.05 + n.get_neuron_vec("uniform(0,0.02)")
        n.spike = n.voltage > 0.2


def run(backend: str, steps: int = 400) -> list:
    net = Network(seed=17, backend=backend)
    net.dt = 1e-4                                   # s
    src = NeuronGroup(net, 40, behaviour={1: PoissonGenerator(rate=200.0)}, tag="src")
    dst = NeuronGroup(net, 30, tag="dst", behaviour={
        0: Propagate(), 1: LIF(), 2: SpikeFrequencyAdaptation(b=5e-11),
        3: IntrinsicPlasticity(target_rate=20.0, eta=0.01, tau=0.05, attr="ip_theta"),
        5: STDP(syn_type="GLU", a_plus=0.01, a_minus=0.012),
        6: DiscreteSTDP(syn_type="GLU2", stdp_factor=0.01, w_max=1.0),
        7: Normalization(syn_type="GLU", norm_factor=8.0)})
    hom = NeuronGroup(net, 10, tag="hom", behaviour={
        1: Drive(), 2: VoltageHomeostasis(target_voltage=0.2, eta_ip=0.01), 3: Refractoriness()})
    s1 = SynapseGroup(net, src=src, dst=dst, tag="GLU",
                      behaviour={0: RandomWeights(), 1: ShortTermPlasticity(U=0.4, tau_d=0.2, tau_f=0.3)})
    s2 = SynapseGroup(net, src=src, dst=dst, tag="GLU2", behaviour={0: RandomWeights()})
    net.initialize()
    trace = []
    for _ in range(steps):
        net.simulate_iteration()
        values = (dst.spike, dst.v, dst.I_adapt, dst.ip_rate, dst.ip_theta, s1.W, s1.stdp_x_pre,
                  s1.stdp_y_post, s1.stp_u, s1.stp_x, s1.stp_release, s2.W, hom.voltage,
                  hom.exhaustion, hom.refractory_counter)
        trace.append([to_numpy(x).astype(float) for x in values])
    return trace


@pytest.mark.filterwarnings("ignore:.*tag 'GLU2? is used:UserWarning")
def test_plastic_network_agrees_on_numpy_and_torch():
    pytest.importorskip("torch")
    expected, got = run("numpy"), run("torch")
    for k, (step_np, step_torch) in enumerate(zip(expected, got, strict=True)):
        for i, (x, y) in enumerate(zip(step_np, step_torch, strict=True)):
            np.testing.assert_allclose(y, x, rtol=1e-12, atol=1e-15, err_msg=f"step {k}, value {i}")
    assert sum(s[0].sum() for s in expected) > 20                   # the network is active
    assert not np.allclose(expected[-1][11], expected[0][11])      # one-step STDP changed weights
