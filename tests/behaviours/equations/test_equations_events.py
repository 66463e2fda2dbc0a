"""Threshold, Reset, Refractory and OnPre."""
import numpy as np
import pytest
import scipy.sparse as sp

from monnto import EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup
from monnto.behaviours.equations import (
    Clock,
    Equation,
    EquationError,
    OnPre,
    Refractory,
    Reset,
    Threshold,
    Variable,
)
from monnto.core.backend import to_numpy

LIF = "dv/dt = (El - v + R*I)/tau : volt (unless refractory)"


def lif_net(n_steps, refractory='5*ms', size=1):
    net = Network(behaviour={1: Clock(step='0.1*ms')})
    g = NeuronGroup(net=net, size=size, behaviour={
        2: Variable(eq='El=-70*mV; v=-70*mV; tau=10*ms; R=100*Mohm; I=0.3*nA'),
        3: Refractory(refractory),
        4: Equation(eq=LIF, method='exact'),
        5: Threshold('v > -50*mV'),
        7: Reset('v = -65*mV'),
        9: Recorder(['n.v']),
        10: EventRecorder(['n.spike']),
    })
    net.initialize()
    net.simulate_iterations(n_steps)
    return net, g


def hand_lif(n_steps, ref=5e-3, dt=1e-4):
    """The documented semantics, written out for one neuron."""
    a = np.exp(-dt / 10e-3)
    v_inf = -70e-3 + 100e6 * 0.3e-9  # -40 mV
    v, ls, nr = -70e-3, -np.inf, True
    vs, spikes = [], []
    for k in range(1, n_steps + 1):
        t = k * dt
        if nr:
            v = v_inf + (v - v_inf) * a
        if v > -50e-3 and nr:
            spikes.append(k)
            ls = t
            v = -65e-3
        nr = (t + dt - ls) > ref - dt / 2
        vs.append(v)
    return np.array(vs), np.array(spikes)


def test_lif_with_refractory_follows_documented_semantics():
    net, g = lif_net(2000)
    v = net['n.v', 0, 'np'][:, 0]
    spikes = to_numpy(g['n.spike.t', 0])
    v_hand, spikes_hand = hand_lif(2000)
    assert len(spikes_hand) >= 5
    np.testing.assert_array_equal(spikes, spikes_hand)
    np.testing.assert_allclose(v, v_hand, rtol=1e-12)
    # after the spike in iteration k, v stays at the reset in k ... k+49, integrates in k+50
    k = spikes[0]
    assert np.all(v[k - 1:k + 49] == -65e-3)
    assert v[k + 49] > -65e-3


@pytest.mark.numpy_only  # a Brian2 cross-check
def test_refractory_matches_brian2_spike_times():
    b2 = pytest.importorskip("brian2")
    from brian2 import Mohm, ms, mV, nA

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    G = b2.NeuronGroup(1, "dv/dt = (El - v + R*I)/tau : volt (unless refractory)",
                       threshold="v > -50*mV", reset="v = -65*mV", refractory=5 * ms,
                       method="exact", dt=0.1 * ms,
                       namespace={"El": -70 * mV, "R": 100 * Mohm, "I": 0.3 * nA, "tau": 10 * ms})
    G.v = -70 * mV
    M = b2.SpikeMonitor(G)
    b2.Network(G, M).run(200 * ms)
    t_b2 = np.asarray(M.t_)
    _, g = lif_net(2000)
    t_ours = to_numpy(g['n.spike.t', 0]) * 1e-4
    assert len(t_b2) >= 5
    # Brian2 labels a step by its start time, monnto by its end time
    np.testing.assert_allclose(t_ours, t_b2 + 1e-4, rtol=1e-9)


def test_without_refractory_neurons_spike_again_at_once():
    _, g = lif_net(300, refractory='0*ms')
    _, spikes_hand = hand_lif(300, ref=0.0)
    np.testing.assert_array_equal(to_numpy(g['n.spike.t', 0]), spikes_hand)


def test_refractory_period_per_neuron_from_a_distribution():
    net = Network(seed=2, behaviour={1: Clock(step='0.1*ms')})
    g = NeuronGroup(net=net, size=500, behaviour={3: Refractory('uniform(2, 5)*ms')})
    net.initialize()
    refractory = to_numpy(g.refractory)
    assert refractory.shape == (500,)
    assert 2e-3 <= refractory.min() < 2.1e-3 and 4.9e-3 < refractory.max() <= 5e-3
    with pytest.raises(EquationError, match="expected a duration"):
        net2 = Network(behaviour={1: Clock(step='0.1*ms')})
        NeuronGroup(net=net2, size=2, behaviour={3: Refractory('5*mV')})
        net2.initialize()


def test_threshold_with_rand_is_a_poisson_process():
    net = Network(seed=8, behaviour={1: Clock(step='0.1*ms')})
    g = NeuronGroup(net=net, size=1000, behaviour={
        2: Variable(eq='rate=100*Hz'),
        5: Threshold('rand() < rate*dt'),
        10: EventRecorder(['n.spike']),
    })
    net.initialize()
    net.simulate_iterations('100*ms')
    count = len(g['n.spike.t', 0])
    expected = 1000 * 1000 * 100 * 1e-4  # neurons * steps * p
    assert abs(count - expected) < 4 * np.sqrt(expected)


def test_reset_statements_run_in_order_on_spiking_neurons_only():
    net = Network(behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=4, behaviour={
        2: Variable(eq='v=0*mV; w=0*nA; Vr=-60*mV'),
        5: Threshold('v > 10*mV'),
        7: Reset('v = Vr; w += 1*nA; v += w*(1*Mohm)'),
    })
    net.initialize()
    g.v[:] = g.xp.asarray([20e-3, 0.0, 30e-3, 5e-3], dtype=g.v.dtype)
    g.Vr[:] = g.xp.asarray([-60e-3, -61e-3, -62e-3, -63e-3], dtype=g.Vr.dtype)
    net.simulate_iterations(1)
    np.testing.assert_array_equal(to_numpy(g.spike), [True, False, True, False])
    np.testing.assert_allclose(to_numpy(g.w), [1e-9, 0, 1e-9, 0])
    np.testing.assert_allclose(to_numpy(g.v), [-59e-3, 0.0, -61e-3, 5e-3])


def test_threshold_and_reset_errors_name_the_string():
    net = Network(behaviour={1: Clock(step='1*ms')})
    NeuronGroup(net=net, size=2, behaviour={2: Variable(eq='v=0*mV'), 5: Threshold('v + 1*mV')})
    with pytest.raises(EquationError, match=r"Threshold\(condition='v \+ 1\*mV'\).*not a condition"):
        net.initialize()
    net = Network(behaviour={1: Clock(step='1*ms')})
    NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq='v=0*mV'), 5: Threshold('v > 1*mV'), 7: Reset('v = -60*ms')})
    with pytest.raises(EquationError, match=r"Reset\(statements='v = -60\*ms'\).*inconsistent dimensions"):
        net.initialize()
    net = Network(behaviour={1: Clock(step='1*ms')})
    NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq='v=0*mV'), 5: Threshold('v > 1*mV'), 7: Reset('x = 0')})
    with pytest.raises(EquationError, match="not a variable of the group"):
        net.initialize()


def _synapse_net(W, sparse=False, statement='ge += w'):
    net = Network(behaviour={1: Clock(step='1*ms')})
    src = NeuronGroup(net=net, size=4, tag='src', behaviour={
        2: Variable(eq='v=0*mV'), 5: Threshold('v > 1*mV')})
    dst = NeuronGroup(net=net, size=3, tag='dst', behaviour={2: Variable(eq='ge=0*mV; gain=2')})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={6: OnPre(statement)})
    syn.W = sp.csr_matrix(W) if sparse else net.xp.asarray(W)
    net.initialize()
    src.v[:] = src.xp.asarray([2e-3, 0.0, 3e-3, 0.0], dtype=src.v.dtype)  # sources 0 and 2 spike
    net.simulate_iterations(1)
    return dst


@pytest.mark.parametrize("sparse", [False, pytest.param(True, marks=pytest.mark.numpy_only)])  # scipy CSR
def test_on_pre_adds_weight_columns_of_spiking_sources(sparse):
    W = np.arange(12, dtype=float).reshape(3, 4) * 1e-3
    dst = _synapse_net(W, sparse)
    np.testing.assert_allclose(to_numpy(dst.ge), W[:, 0] + W[:, 2], rtol=1e-15)
    dst = _synapse_net(W, sparse, statement='ge -= 0.5*gain*w')
    np.testing.assert_allclose(to_numpy(dst.ge), -(W[:, 0] + W[:, 2]), rtol=1e-15)


def test_on_pre_creates_weights_with_units_and_probability():
    net = Network(seed=5, behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=400, behaviour={2: Variable(eq='ge=0*mV; v=0*mV'), 5: Threshold('v > 1*mV')})
    syn = SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre(on_pre='ge += w', w='1.62*mV', p=0.1)})
    net.initialize()
    W = to_numpy(syn.W)
    np.testing.assert_allclose(W[W != 0], 1.62e-3, rtol=1e-15)
    assert (W > 0).mean() == pytest.approx(0.1, abs=0.005)


def test_on_pre_dimension_mismatch_is_reported():
    net = Network(behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=3, behaviour={2: Variable(eq='ge=0*nA; v=0*mV'), 5: Threshold('v > 1*mV')})
    SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('ge += w', w='1*mV')})
    with pytest.raises(EquationError, match=r"OnPre\(statement='ge \+= w'\).*inconsistent dimensions"):
        net.initialize()
    net = Network(behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=3, behaviour={2: Variable(eq='ge=0*nA; v=0*mV'), 5: Threshold('v > 1*mV')})
    SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('ge += 1*mV', w='1*mV')})
    with pytest.raises(EquationError, match=r"OnPre\(statement='ge \+= 1\*mV'\).*inconsistent dimensions"):
        net.initialize()


def test_on_pre_rejects_weights_the_backend_cannot_use(array_backend):
    if array_backend == "numpy":
        pytest.skip("numpy takes dense and scipy.sparse weights (tested above)")
    net = Network(behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=3, behaviour={2: Variable(eq='ge=0*mV; v=0*mV'), 5: Threshold('v > 1*mV')})
    SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('ge += w', w='1*mV', sparse=True)})
    with pytest.raises(EquationError, match=r"OnPre\(statement='ge \+= w'\).*sparse=True.*needs the numpy backend"):
        net.initialize()
    for W, match in ((sp.csr_matrix(np.ones((3, 3))), "scipy.sparse"), (np.ones((3, 3)), "numpy array")):
        net = Network(behaviour={1: Clock(step='1*ms')})
        g = NeuronGroup(net=net, size=3, behaviour={2: Variable(eq='ge=0*mV; v=0*mV'), 5: Threshold('v > 1*mV')})
        syn = SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('ge += w')})
        syn.W = W
        with pytest.raises(EquationError, match=f"W is a {match}.*backend '{array_backend}'"):
            net.initialize()


def _small_network(backend):
    net = Network(backend=backend, seed=1)
    g = NeuronGroup(net=net, size=10, behaviour={
        1: Clock(step='0.1*ms'),
        2: Variable(eq='v=normal(1,0.1)*mV; ge=0*mV; tau=100*ms'),
        3: Refractory('2*ms'),
        4: Equation(eq='dv/dt=(2*mV-v + ge)/tau : volt (unless refractory)\ndge/dt=-ge/(5*ms) : volt'),
        5: Threshold('v > 1.2*mV'),
        7: Reset('v=0*mV'),
        9: Recorder(['n.v']),
        10: EventRecorder(['n.spike']),
    })
    SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('ge += w', w='0.1*mV', p=0.5)})
    net.initialize()
    net.simulate_iterations('100*ms')
    return np.asarray(net['n.v', 0, 'np']), np.asarray(g['n.spike.i', 0, 'np'])


@pytest.mark.numpy_target  # it builds a torch network itself
def test_torch_backend_gives_the_numpy_results():
    pytest.importorskip("torch")
    v_np, i_np = _small_network("numpy")
    v_torch, i_torch = _small_network("torch")
    assert len(i_np) >= 5
    np.testing.assert_allclose(v_torch, v_np, rtol=1e-12)
    np.testing.assert_array_equal(i_torch, i_np)


def test_save_and_load_continue_bit_identically(tmp_path):
    from monnto.storage.network_io import load_network, save_network

    net = Network(seed=4, behaviour={1: Clock(step='0.1*ms')})
    g = NeuronGroup(net=net, size=20, tag='g', behaviour={
        2: Variable(eq='v=normal(1,0.1)*mV; ge=0*mV; tau=100*ms'),
        3: Refractory('2*ms'),
        4: Equation(eq='dv/dt=(2*mV-v + ge)/tau : volt (unless refractory)\ndge/dt=-ge/(5*ms) : volt'),
        5: Threshold('v > 1.2*mV'),
        7: Reset('v=0*mV'),
    })
    SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('ge += w', w='0.1*mV', p=0.5)})
    net.initialize()
    net.simulate_iterations(300)
    save_network(net, tmp_path / "net")
    net.simulate_iterations(300)
    loaded = load_network(tmp_path / "net")
    loaded.simulate_iterations(300)
    g2 = loaded.NeuronGroups[0]
    assert g2.t == g.t
    np.testing.assert_array_equal(to_numpy(g2.v), to_numpy(g.v))
    np.testing.assert_array_equal(to_numpy(g2.ge), to_numpy(g.ge))
    assert g2.behaviour[4].code == g.behaviour[4].code
