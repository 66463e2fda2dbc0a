"""Brian2Embedding: the embedded neuron matches Brian2 run natively (paper code block 9)."""
from __future__ import annotations

import numpy as np
import pytest

b2 = pytest.importorskip("brian2")

from monnto import Behaviour, Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.embedding import Brian2Embedding  # noqa: E402
from monnto.behaviours.equations import Clock  # noqa: E402

b2.prefs.codegen.target = "numpy"
b2.BrianLogger.suppress_name("unused_brian_object")   # the error tests build groups they never run
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")

STEPS = 120
I_BIAS = np.array([1.6, 2.0, 2.5])  # nA; rheobase 1.5 nA for these values
EQS = """dv/dt = (E_L - v + R*I)/tau : volt
I : amp"""
CONSTANTS = {"E_L": -65 * b2.mV, "R": 10 * b2.Mohm, "tau": 20 * b2.ms}


def lif(size, dt, adaptation=None):
    """A LIF group; with ``adaptation`` (A) each spike lowers I by that much (native plasticity)."""
    reset = "v = -65*mV" + ("; I -= a_jump" if adaptation is not None else "")
    group = b2.NeuronGroup(size, EQS, threshold="v > -50*mV", reset=reset, method="exact", dt=dt,
                           namespace=dict(CONSTANTS, a_jump=adaptation or 0 * b2.amp))
    group.v = -65 * b2.mV
    group.I = I_BIAS[:size] * b2.nA
    return group


def native(model, steps, dt):
    """Run ``model`` (a group, or a group and other objects) natively in Brian2.

    Returns v after every step of length ``dt`` (monnto's sample points) and
    a SpikeMonitor.
    """
    objects = list(model) if isinstance(model, tuple) else [model]
    group = objects[0]
    every = int(round(float(dt / group.clock.dt)))
    monitor = b2.StateMonitor(group, "v", record=True, when="end")
    spikes = b2.SpikeMonitor(group)
    b2.Network(*objects, monitor, spikes).run(steps * dt)
    return monitor.v_.T[every - 1::every], spikes


def embedded(behaviours, steps=STEPS, size=3):
    net = Network(seed=3)
    NeuronGroup(net=net, size=size, tag="emb",
                behaviour={**behaviours, 9: Recorder(["n.v", "n.spike", "n.spike_count"])})
    net.initialize()
    net.simulate_iterations(steps)
    return net


def test_brian2_embedding_matches_native_brian2():
    net = embedded({2: Brian2Embedding(lif)})
    v_native, spikes = native(lif(3, 1 * b2.ms), STEPS, 1 * b2.ms)
    np.testing.assert_allclose(net["n.v", 0], v_native, rtol=1e-12, atol=0)
    # spikes land in the step that contains Brian2's spike time
    steps_with_spike = np.flatnonzero(net["n.spike", 0][:, 2])
    native_steps = np.round(spikes.spike_trains()[2] / b2.ms).astype(int)
    np.testing.assert_array_equal(steps_with_spike, native_steps)
    np.testing.assert_array_equal(net["n.spike", 0].sum(0), spikes.count[:])
    assert spikes.count[0] > 0      # the weakest neuron fires too


def test_brian2_embedding_with_finer_brian2_clock():
    """dt = 1 ms in monnto, 0.1 ms inside Brian2: ten Brian2 steps per monnto step."""
    def fine(size, dt):
        return lif(size, 0.1 * b2.ms)

    behaviour = Brian2Embedding(fine, dt="1*ms")
    net = embedded({2: behaviour}, steps=40)
    assert behaviour.substeps == 10
    v_native, spikes = native(lif(3, 0.1 * b2.ms), 40, 1 * b2.ms)
    np.testing.assert_allclose(net["n.v", 0], v_native, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(net["n.spike_count", 0].sum(0), spikes.count[:])


class SpikeTriggeredAdaptation(Behaviour):
    """A tiny monnto plasticity rule: every spike lowers the neuron's drive by ``jump`` (A)."""

    def set_variables(self, n):
        self.jump = self.get_init_attr("jump", 0.1e-9, n)
        n.I_drive = n.get_neuron_vec() + I_BIAS[: n.size] * 1e-9
        n.I_input = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.I_drive -= self.jump * n.spike
        n.I_input += n.I_drive


def test_monnto_plasticity_acts_on_embedded_brian2_neuron():
    jump = 0.1e-9
    net = embedded({1: SpikeTriggeredAdaptation(jump=jump),
                    2: Brian2Embedding(lif, inputs={"I_input": "I"})})
    group = net["emb", 0]
    # the same rule written natively in Brian2 (I -= jump at reset) gives the same trace
    v_native, spikes = native(lif(3, 1 * b2.ms, adaptation=jump * b2.amp), STEPS, 1 * b2.ms)
    np.testing.assert_allclose(net["n.v", 0], v_native, rtol=1e-12, atol=0)
    counts = net["n.spike", 0].sum(0)
    np.testing.assert_array_equal(counts, spikes.count[:])
    # the rule consumed exactly one jump per spike of the embedded neuron...
    np.testing.assert_allclose(group.I_drive + jump * group.spike, I_BIAS * 1e-9 - jump * counts
                               + jump * group.spike, rtol=1e-12)
    # ...and the adaptation slowed it down compared with the fixed drive
    _, fixed = native(lif(3, 1 * b2.ms), STEPS, 1 * b2.ms)    # = embedded, first test
    assert np.all(counts < fixed.count[:])
    assert np.all(group.I_input == 0)     # consumed by the embedding (input convention)


def test_brian2_embedding_takes_dt_from_the_group_clock():
    net = Network(seed=0)
    seen = {}

    def model(size, dt):
        seen["dt"] = float(dt)
        return lif(size, dt)

    NeuronGroup(net=net, size=3, behaviour={0: Clock(step="0.5*ms"), 1: Brian2Embedding(model)})
    net.initialize()
    assert seen["dt"] == 0.5e-3
    net.simulate_iterations(2)
    assert net["Brian2Embedding", 0].brian_network.t_ == pytest.approx(1e-3, rel=1e-12)


def test_brian2_embedding_rejects_dt_that_disagrees_with_the_clock():
    net = Network(seed=0)
    NeuronGroup(net=net, size=3, behaviour={0: Clock(step="0.5*ms"), 1: Brian2Embedding(lif, dt=1e-3)})
    with pytest.raises(ValueError, match="disagrees with the group's clock"):
        net.initialize()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"variables": {"v": "u"}}, "no variable 'u'"),
    ({"dt": 0.15e-3}, "whole multiple"),
])
def test_brian2_embedding_rejects_bad_arguments(kwargs, message):
    def model(size, dt):
        return lif(size, 0.1 * b2.ms)

    net = Network(seed=0)
    NeuronGroup(net=net, size=3, behaviour={1: Brian2Embedding(model, **kwargs)})
    with pytest.raises(ValueError, match=message):
        net.initialize()


def test_brian2_embedding_rejects_size_mismatch():
    net = Network(seed=0)
    NeuronGroup(net=net, size=4, behaviour={1: Brian2Embedding(lambda size, dt: lif(3, dt))})
    with pytest.raises(ValueError, match="has 3 neurons; the monnto group"):
        net.initialize()


def test_brian2_embedding_runs_a_network_with_poisson_input_and_synapses():
    """The model may return (group, *other objects); Brian2's seeded randomness repeats exactly."""
    def model(size, dt):
        group = b2.NeuronGroup(size, "dv/dt = (-65*mV - v)/(10*ms) : volt", threshold="v > -55*mV",
                               reset="v = -65*mV", method="exact", dt=dt)
        group.v = -65 * b2.mV
        poisson = b2.PoissonGroup(50, rates=200 * b2.Hz, dt=dt)
        synapses = b2.Synapses(poisson, group, on_pre="v += 0.8*mV", dt=dt)
        synapses.connect(p=0.5)
        return group, poisson, synapses

    b2.seed(42)
    net = embedded({2: Brian2Embedding(model)}, steps=60, size=4)
    b2.seed(42)
    v_native, spikes = native(model(4, 1 * b2.ms), 60, 1 * b2.ms)
    np.testing.assert_array_equal(net["n.v", 0], v_native)
    np.testing.assert_array_equal(net["n.spike_count", 0].sum(0), spikes.count[:])
    assert spikes.count[:].sum() > 0


def test_fast_gc_leaves_no_frozen_objects_and_changes_nothing():
    import gc

    runs = [embedded({2: Brian2Embedding(lif, fast_gc=fast)}, steps=3) for fast in (True, False)]
    assert gc.get_freeze_count() == 0
    np.testing.assert_array_equal(runs[0]["n.v", 0], runs[1]["n.v", 0])
