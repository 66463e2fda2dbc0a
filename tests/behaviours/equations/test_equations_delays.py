"""``OnPre(..., delay=...)`` and ``OnPost(..., delay=...)``: Brian2's synaptic delays.

A spike of step ``k`` is delivered in step ``k + round(delay/dt)`` (nearest
step, halves up, as Brian2 rounds), checked against that closed form and
against Brian2 run side by side, for one delay and for one delay per synapse.
"""
import math
import re

import numpy as np
import pytest

from monnto import Behaviour, Network, NeuronGroup, Recorder, SynapseGroup
from monnto.behaviours.equations import (
    Clock,
    Equation,
    EquationError,
    OnPost,
    OnPre,
    Threshold,
    Variable,
)
from monnto.core.backend import to_numpy
from monnto.core.errors import MonntoValueError
from monnto.core.fusion import fusable

SPIKE_STEP = 3  # the source spikes in iteration 3 (t = 3*dt)


def first_arrival(delay, side="pre", dt="0.5*ms", n_steps=40):
    """The iteration in which the spike of iteration SPIKE_STEP first changes the target."""
    net = Network(seed=0, behaviour={0: Clock(step=dt)})
    spiking = {1: Variable(eq="x = 0"), 5: Threshold(f"abs(t - {SPIKE_STEP}*dt) < 0.5*dt")}
    quiet = {1: Variable(eq="x = 0"), 5: Threshold("x > 1")}
    src = NeuronGroup(net=net, size=2, tag="src", behaviour=spiking if side == "pre" else quiet)
    dst = NeuronGroup(net=net, size=3, tag="dst", behaviour=quiet if side == "pre" else spiking)
    if side == "pre":
        behaviour = OnPre("x += w", w=1, delay=delay)
    else:
        behaviour = OnPost("w += 1", delay=delay)
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={6: behaviour})
    if side == "post":
        syn.W = net.xp.asarray(np.ones((3, 2)))
    net.initialize()
    for k in range(1, n_steps + 1):
        net.simulate_iteration()
        changed = to_numpy(dst.x) if side == "pre" else to_numpy(syn.W) - 1
        if np.any(changed != 0):
            assert np.all(changed == (2 if side == "pre" else 1))  # every synapse, once
            return k
    return None


@pytest.mark.parametrize(("delay", "steps"), [
    (None, 0), (0, 0), ("0*ms", 0),
    ("0.5*ms", 1), ("1.5*ms", 3), ("10*ms", 20),
    (0.75e-3, 2),          # 1.5 steps: halves round up, as in Brian2
    ("1.25*ms", 3),        # 2.5 steps
    ("0.3*ms", 1),         # 0.6 steps
    ("0.2*ms", 0),         # 0.4 steps
    ("250*us", 1),         # 0.5 steps
])
@pytest.mark.parametrize("side", ["pre", "post"])
def test_a_spike_arrives_after_the_delay_rounded_to_whole_steps(delay, steps, side):
    assert first_arrival(delay, side) == SPIKE_STEP + steps


class Raster(Behaviour):
    """Spikes from a boolean raster: ``raster[k]`` in iteration ``k``."""

    def set_variables(self, group):
        self.raster = group.network.xp.asarray(self.get_init_attr("raster", None))
        group.spike = group.get_neuron_vec() != 0

    def new_iteration(self, group):
        group.spike[...] = self.raster[group.network.iteration]


def raster_and_weights(n_src=6, n_dst=4, n_steps=80, seed=7):
    rng = np.random.default_rng(seed)
    raster = rng.random((n_steps + 1, n_src)) < 0.15
    raster[0] = False
    return raster, rng.uniform(0.1, 1.0, (n_dst, n_src)), rng


def monnto_trace(raster, W, delay, dt=0.5e-3, fuse=True):
    n_steps, n_src = raster.shape[0] - 1, raster.shape[1]
    net = Network(seed=0, behaviour={0: Clock(step=f"{dt!r}*second")})
    net.fuse_steps = fuse
    src = NeuronGroup(net=net, size=n_src, behaviour={5: Raster(raster=raster)})
    dst = NeuronGroup(net=net, size=W.shape[0], behaviour={
        2: Variable(eq="v = 0"),
        4: Equation(eq="dv/dt = -v/tau : 1", method="exact", namespace={"tau": "5*ms"}),
        9: Recorder(["n.v"], tag="rec"),
    })
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={6: OnPre("v += w", delay=delay)})
    syn.W = net.xp.asarray(W.copy())
    net.initialize()
    net.simulate_iterations(n_steps)
    return np.asarray(net["n.v", 0, "np"]), syn


def brian2_trace(raster, W, delay_seconds, dt=0.5e-3):
    """The same network in Brian2 (numpy target); Brian2's step k-1 is monnto's iteration k."""
    b2 = pytest.importorskip("brian2")
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = dt * b2.second
    steps, sources = np.nonzero(raster)
    G = b2.SpikeGeneratorGroup(raster.shape[1], sources, (steps - 1) * dt * b2.second)
    H = b2.NeuronGroup(W.shape[0], "dv/dt = -v/tau : 1", method="exact", namespace={"tau": 5 * b2.ms})
    S = b2.Synapses(G, H, "w : 1", on_pre="v_post += w")
    S.connect()
    S.w = W[S.j[:], S.i[:]]
    delays = np.broadcast_to(np.asarray(delay_seconds, dtype=float), W.shape)
    S.delay = delays[S.j[:], S.i[:]] * b2.second
    M = b2.StateMonitor(H, "v", record=True, when="end")
    b2.run((raster.shape[0] - 1) * dt * b2.second)
    return np.asarray(M.v).T


@pytest.mark.numpy_only  # a Brian2 cross-check
@pytest.mark.parametrize("delay", ["1.5*ms", "1.25*ms", 0.75e-3, "0.1*ms"])
def test_one_delay_matches_brian2_step_for_step(delay):
    raster, W, _ = raster_and_weights()
    v, _ = monnto_trace(raster, W, delay)
    seconds = {"1.5*ms": 1.5e-3, "1.25*ms": 1.25e-3, "0.1*ms": 1e-4}.get(delay, delay)
    v_b2 = brian2_trace(raster, W, seconds)
    assert np.count_nonzero(v) > 100  # spikes arrived
    np.testing.assert_allclose(v, v_b2, rtol=1e-12, atol=1e-15)


@pytest.mark.numpy_only  # a Brian2 cross-check
def test_per_synapse_delays_match_brian2_step_for_step():
    raster, W, rng = raster_and_weights()
    dt = 0.5e-3
    # whole and half steps (ties round up) and arbitrary values, up to 6 ms
    delays = np.where(rng.random(W.shape) < 0.5, rng.integers(0, 13, W.shape) * dt / 2, rng.uniform(0, 6e-3, W.shape))
    v, syn = monnto_trace(raster, W, delays)
    np.testing.assert_array_equal(syn.behaviour[6].delay_steps, np.floor(delays / dt + 0.5))
    v_b2 = brian2_trace(raster, W, delays)
    assert np.count_nonzero(v) > 100
    np.testing.assert_allclose(v, v_b2, rtol=1e-12, atol=1e-15)


def test_fused_and_separate_steps_give_the_same_delayed_input():
    raster, W, rng = raster_and_weights(seed=3)
    for delay in ("1*ms", rng.uniform(0, 4e-3, W.shape)):
        fused, syn = monnto_trace(raster, W, delay, fuse=True)
        separate, _ = monnto_trace(raster, W, delay, fuse=False)
        assert fusable(syn.behaviour[6]._step)  # the delayed step is still inlined in the run loop
        np.testing.assert_array_equal(fused, separate)


def test_per_synapse_delays_deliver_each_spike_once_to_each_synapse():
    """``w += 1`` counts the arrivals: a synapse of a source that spiked in step s with d steps of
    delay has counted one spike by step n when s + d <= n."""
    n, n_steps, dt = 5, 30, 1e-3
    spike_steps = np.array([2, 5, 9, 14, 20])
    raster = np.zeros((n_steps + 1, n), dtype=bool)
    raster[spike_steps, np.arange(n)] = True
    net = Network(seed=4, behaviour={0: Clock(step="1*ms")})
    src = NeuronGroup(net=net, size=n, behaviour={5: Raster(raster=raster)})
    dst = NeuronGroup(net=net, size=4, behaviour={2: Variable(eq="x = 0")})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={
        1: Variable(eq="d = uniform(0, 15)*ms"),
        6: OnPre("w += 1", delay="d"),
    })
    syn.W = net.xp.asarray(np.ones((4, n)))
    net.initialize()
    steps = np.floor(to_numpy(syn.d) / dt + 0.5)
    for k in range(1, n_steps + 1):
        net.simulate_iteration()
        arrived = spike_steps[None, :] + steps <= k
        np.testing.assert_array_equal(to_numpy(syn.W), 1 + arrived)


def test_delayed_plasticity_changes_only_existing_synapses():
    net = Network(seed=2, behaviour={0: Clock(step="1*ms")})
    src = NeuronGroup(net=net, size=3, behaviour={5: Threshold("t > 0*ms")})  # spikes every step
    dst = NeuronGroup(net=net, size=2, behaviour={2: Variable(eq="x = 0")})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={
        6: OnPre("x += w; w += 1", delay=np.array([[1e-3, 2e-3, 0.0], [3e-3, 0.0, 1e-3]]))})
    syn.W = net.xp.asarray(np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]))
    net.initialize()
    net.simulate_iterations(5)
    # a synapse with d steps of delay has received 5 - d spikes; absent synapses stay 0
    np.testing.assert_array_equal(to_numpy(syn.W), [[1 + 4, 0, 1 + 5], [1 + 2, 1 + 5, 0]])


# -- what is not supported, and bad delays ---------------------------------------


def delayed_net(statement="x += w", cls=OnPre, clock=True, **kwargs):
    net = Network(seed=0, behaviour={0: Clock(step="0.1*ms")} if clock else None)
    src = NeuronGroup(net=net, size=3, tag="src", behaviour={2: Variable(eq="x = 0"), 5: Threshold("x > 1")})
    dst = NeuronGroup(net=net, size=2, tag="dst", behaviour={2: Variable(eq="x = 0"), 5: Threshold("x > 1")})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={1: Variable(eq="dvolt = 1*mV; dsec = 1*ms"),
                                                          6: cls(statement, **kwargs)})
    syn.W = net.xp.asarray(np.ones((2, 3)))
    return net


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"delay": "-1*ms"}, "delay='-1*ms': a duration must be finite and >= 0, got '-1*ms'"),
    ({"delay": -0.001}, "delay must be a finite number >= 0.0, got -0.001"),
    ({"delay": "inf*ms"}, "a duration must be finite and >= 0, got 'inf*ms'"),
    ({"delay": "1*mV"}, "'1*mV' is volt, expected a duration"),
    ({"delay": "1 ms"}, "did you mean '1*ms'"),
    ({"delay": "dvolt"}, "names the synaptic variable dvolt, which is volt, not a duration"),
    ({"delay": "nothing"}, "or name a synaptic variable"),
    ({"delay": np.ones((3, 2)) * 1e-3}, "per-synapse delays have shape (3, 2), expected (2, 3)"),
    ({"delay": np.array([[1e-3, np.inf, 0], [0, 0, 0]])}, "delay must be a finite duration >= 0 s, got inf s"),
    ({"delay": True}, "delay must be a duration"),
    ({"delay": [1, 2]}, "delay must be a duration"),
    ({"delay": "10000*second"}, "100000000 steps of dt=0.0001 s; its buffer would hold 300000003 spikes"),
])
def test_bad_delays_name_the_behaviour_argument_and_value(kwargs, message):
    net = delayed_net(**kwargs)
    with pytest.raises(EquationError, match=re.escape(message)) as err:
        net.initialize()
    assert str(err.value).startswith("OnPre(statement='x += w')")
    assert "delay" in str(err.value)


@pytest.mark.parametrize("delay", [float("nan"), np.array([[1e-3, np.nan, 0], [0, 0, 0]])])
def test_nan_delays_are_refused(delay):
    net = delayed_net(delay=delay)
    with pytest.raises(MonntoValueError, match="NaN") as err:  # by Behaviour's reading of arguments, or here
        net.initialize()
    assert str(err.value).startswith("OnPre") and "delay" in str(err.value)


def test_a_delay_needs_a_clock():
    net = delayed_net(clock=False, delay="1*ms")
    with pytest.raises(EquationError, match=r"OnPre\(statement='x \+= w'\): delay='1\*ms' needs the time step dt"):
        net.initialize()


def test_per_synapse_delays_refuse_updates_of_the_spiking_side_and_sparse_weights():
    net = delayed_net("x_pre += 1", delay=np.array([[1e-3, 2e-3, 0.0], [0.0, 0.0, 1e-3]]))
    with pytest.raises(EquationError, match="may not change the presynaptic variable x .*one delay for all"):
        net.initialize()
    net = delayed_net("x_pre += 1", delay="1*ms")  # one delay: the spiking side is updated late, as in Brian2
    net.initialize()
    net = Network(seed=0, behaviour={0: Clock(step="0.1*ms")})
    g = NeuronGroup(net=net, size=3, behaviour={2: Variable(eq="x = 0"), 5: Threshold("x > 1")})
    SynapseGroup(net=net, src=g, dst=g, behaviour={
        6: OnPre("x += w", w=1.0, sparse=True, delay=np.full((3, 3), 1e-3) + np.eye(3) * 1e-3)})
    if net.backend == "numpy":
        with pytest.raises(EquationError, match="per-synapse delays need dense weights"):
            net.initialize()


def test_uniform_delay_in_seconds_rounds_like_brian2_at_ties():
    # 2.5 steps: Brian2 delivers after 3 steps (numpy's rint would give 2)
    assert first_arrival(2.5 * 0.5e-3) == SPIKE_STEP + 3
    assert first_arrival(3.5 * 0.5e-3) == SPIKE_STEP + 4
    assert math.floor(2.5 + 0.5) == 3 and round(2.5) == 2  # the difference the two tests pin
