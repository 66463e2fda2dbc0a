"""OnPre / OnPost statements: plasticity on w, sums over synapses, updates of the spiking side."""
import numpy as np
import pytest
import scipy.sparse as sp

from monnto import Network, NeuronGroup, SynapseGroup
from monnto.behaviours.equations import (
    Clock,
    Equation,
    EquationError,
    OnPost,
    OnPre,
    Reset,
    Threshold,
    Variable,
)
from monnto.core.backend import to_numpy

TAU, A_PRE, A_POST = 20e-3, 0.01, -0.0105
PAIR_DT_MS = np.array([-40.0, -20.0, -10.0, -5.0, -2.0, -0.1, 0.1, 2.0, 5.0, 10.0, 20.0, 40.0])


def timed_group(net, tag, size, trace, amplitude):
    """Neurons that spike once, at their own ``tspike``, with a decaying trace bumped at each spike."""
    return NeuronGroup(net=net, size=size, tag=tag, behaviour={
        1: Variable(eq=f"tspike = 0*ms; {trace} = 0; amp = {amplitude}; tau_trace = 20*ms"),
        4: Equation(eq=f"d{trace}/dt = -{trace}/tau_trace : 1", method="exact"),
        5: Threshold("abs(t - tspike) < 0.5*dt"),
        7: Reset(f"{trace} += amp"),
    })


def stdp_pairs():
    """One synapse per pair; pre spikes at 50 ms, post at 50 ms + PAIR_DT_MS."""
    n = len(PAIR_DT_MS)
    net = Network(seed=1, behaviour={0: Clock(step="0.1*ms")})
    pre = timed_group(net, "pre", n, "apre", A_PRE)
    post = timed_group(net, "post", n, "apost", A_POST)
    syn = SynapseGroup(net=net, src=pre, dst=post, behaviour={
        6: OnPre("w = clip(w + apost_post, 0, 1)"),
        8: OnPost("w = clip(w + apre_pre, 0, 1)"),
    })
    syn.W = net.xp.asarray(0.5 * np.eye(n))
    net.initialize()
    pre.tspike[...] = 0.05
    post.tspike[...] = net.xp.asarray(0.05 + PAIR_DT_MS * 1e-3)
    return net, syn


def test_pair_stdp_window_follows_the_exponentials():
    net, syn = stdp_pairs()
    net.simulate_iterations("120*ms")
    dw = np.diag(to_numpy(syn.W)) - 0.5
    lag = PAIR_DT_MS * 1e-3
    expected = np.where(lag > 0, A_PRE * np.exp(-lag / TAU), A_POST * np.exp(lag / TAU))
    np.testing.assert_allclose(dw, expected, rtol=1e-11)
    off_diagonal = to_numpy(syn.W)[~np.eye(len(lag), dtype=bool)]
    assert np.all(off_diagonal == 0)  # no synapse was created


def poisson_stdp_network(seed=3):
    net = Network(seed=seed, behaviour={0: Clock(step="0.1*ms")})
    groups = []
    for tag, trace, amp in (("pre", "apre", A_PRE), ("post", "apost", A_POST)):
        groups.append(NeuronGroup(net=net, size=100, tag=tag, behaviour={
            1: Variable(eq=f"{trace} = 0; amp = {amp}; tau_trace = 20*ms; count = 0"),
            4: Equation(eq=f"d{trace}/dt = -{trace}/tau_trace : 1", method="exact"),
            5: Threshold("rand() < 40*Hz*dt"),
            7: Reset(f"{trace} += amp"),
        }))
    syn = SynapseGroup(net=net, src=groups[0], dst=groups[1], behaviour={
        6: OnPre("w = clip(w + apost_post, 0, 1); count_pre += 1", w=0.5, p=0.1),
        8: OnPost("w = clip(w + apre_pre, 0, 1)"),
    })
    net.initialize()
    return net, syn, groups


def test_plasticity_only_touches_existing_synapses_and_counts_spikes_on_the_spiking_side():
    net, syn, (pre, post) = poisson_stdp_network()
    connected = to_numpy(syn.connected)
    assert 0.08 < connected.mean() < 0.12
    spikes = np.zeros(100)
    for _ in range(2000):
        net.simulate_iteration()
        spikes += to_numpy(pre.spike)
    W = to_numpy(syn.W)
    assert np.all(W[~connected] == 0.0)
    assert np.all((W >= 0) & (W <= 1)) and np.std(W[connected]) > 1e-3  # they did change
    np.testing.assert_array_equal(to_numpy(pre.count), spikes)  # 'count_pre += 1' per spike


def test_sums_over_existing_synapses_of_the_spiking_neurons():
    net = Network(seed=0, behaviour={0: Clock(step="1*ms")})
    src = NeuronGroup(net=net, size=4, tag="src", behaviour={
        1: Variable(eq="v = 0; x = 0; gain = 2"), 5: Threshold("v > 0.5")})
    dst = NeuronGroup(net=net, size=3, tag="dst", behaviour={
        1: Variable(eq="v = 0; n_in = 0; g_u = 0; g_gain = 0"), 5: Threshold("v > 0.5")})
    W = np.array([[1.0, 0.0, 2.0, 3.0], [0.0, 4.0, 5.0, 0.0], [6.0, 7.0, 0.0, 8.0]])
    U = np.arange(12, dtype=float).reshape(3, 4)
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={
        2: Variable(eq="u = 0"),
        6: OnPre("n_in += 1; g_u += w*u; g_gain += gain_pre*w"),
        8: OnPost("x_pre += w"),
    })
    syn.W = net.xp.asarray(W)
    net.initialize()
    syn.u[...] = net.xp.asarray(U)
    src.v[...] = net.xp.asarray([1.0, 0.0, 1.0, 0.0])   # sources 0 and 2 spike
    dst.v[...] = net.xp.asarray([0.0, 1.0, 1.0])        # targets 1 and 2 spike
    net.simulate_iteration()
    on = W != 0
    np.testing.assert_array_equal(to_numpy(dst.n_in), on[:, [0, 2]].sum(axis=1))  # existing synapses only
    np.testing.assert_allclose(to_numpy(dst.g_u), (W * U)[:, [0, 2]].sum(axis=1), rtol=1e-15)
    np.testing.assert_allclose(to_numpy(dst.g_gain), 2 * W[:, [0, 2]].sum(axis=1), rtol=1e-15)
    np.testing.assert_allclose(to_numpy(src.x), W[[1, 2], :].sum(axis=0), rtol=1e-15)


@pytest.mark.numpy_only  # scipy.sparse weights
def test_sparse_weights_take_sums_but_not_plasticity():
    for statement, ok in (("ge += 2*w", True), ("w += 1", False), ("ge += w*w", False)):
        net = Network(behaviour={0: Clock(step="1*ms")})
        g = NeuronGroup(net=net, size=3, behaviour={1: Variable(eq="ge = 0; v = 1"), 5: Threshold("v > 0.5")})
        syn = SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre(statement)})
        syn.W = sp.csr_matrix(np.arange(9.0).reshape(3, 3))
        if ok:
            net.initialize()
            net.simulate_iteration()
            np.testing.assert_allclose(g.ge, 2 * np.arange(9.0).reshape(3, 3).sum(axis=1))
        else:
            with pytest.raises(EquationError, match="needs dense weights"):
                net.initialize()


@pytest.mark.parametrize("cls, statement, message", [
    (OnPre, "x_pre += w", "may only use variables of"),          # the spiking side cannot sum synapses
    (OnPre, "ge = w", "use \\+= or -="),                          # the other side receives sums
    (OnPre, "nothing += 1", "'nothing' is neither w"),
    (OnPre, "w = v_pre + 1", "no variable 'v'"),
    (OnPost, "w += 1*mV", "inconsistent dimensions"),
])
def test_bad_synaptic_statements_name_the_statement(cls, statement, message):
    net = Network(behaviour={0: Clock(step="1*ms")})
    src = NeuronGroup(net=net, size=2, behaviour={1: Variable(eq="x = 0; y = 0"), 5: Threshold("y > 1")})
    dst = NeuronGroup(net=net, size=2, behaviour={1: Variable(eq="ge = 0; y = 0"), 5: Threshold("y > 1")})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={6: cls(statement)})
    syn.W = net.xp.asarray(np.ones((2, 2)))
    with pytest.raises(EquationError, match=message) as err:
        net.initialize()
    assert f"{cls.__name__}(statement={statement!r})" in str(err.value)


def test_equations_on_a_synapse_group_integrate_every_synapse():
    """Clock-driven synaptic variables (Brian2's Synapses model equations) with per-synapse taus."""
    net = Network(seed=2, behaviour={0: Clock(step="0.1*ms")})
    src = NeuronGroup(net=net, size=4, tag="src", behaviour={1: Variable(eq="v = 0"), 5: Threshold("v > 0.5")})
    dst = NeuronGroup(net=net, size=3, tag="dst", behaviour={1: Variable(eq="ge = 0")})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={
        1: Variable(eq="u = 0; tau_u = uniform(5, 20)*ms"),
        4: Equation(eq="du/dt = -u/tau_u : 1", method="exact"),
        6: OnPre("u += 1; ge += w*u"),
    })
    syn.W = net.xp.asarray(np.full((3, 4), 2.0))
    net.initialize()
    tau = to_numpy(syn.tau_u).copy()
    assert tau.shape == (3, 4) and 5e-3 <= tau.min() and tau.max() <= 20e-3 and np.ptp(tau) > 1e-3
    src.v[...] = net.xp.asarray([0.0, 1.0, 0.0, 0.0])  # source 1 spikes in the first step only
    net.simulate_iteration()
    src.v[...] = 0.0
    np.testing.assert_array_equal(to_numpy(syn.u)[:, [0, 2, 3]], 0.0)
    np.testing.assert_array_equal(to_numpy(syn.u)[:, 1], 1.0)
    np.testing.assert_array_equal(to_numpy(dst.ge), 2.0)  # w * u after the increment
    net.simulate_iterations(100)  # 10 ms of exact decay
    np.testing.assert_allclose(to_numpy(syn.u)[:, 1], np.exp(-10e-3 / tau[:, 1]), rtol=1e-12)


def test_unless_refractory_on_a_synapse_group_is_refused():
    net = Network(behaviour={0: Clock(step="1*ms")})
    g = NeuronGroup(net=net, size=2, behaviour={1: Variable(eq="v = 0")})
    SynapseGroup(net=net, src=g, dst=g, behaviour={
        4: Equation(eq="du/dt = -u/(5*ms) : 1 (unless refractory)")})
    with pytest.raises(EquationError, match="needs a NeuronGroup"):
        net.initialize()


def test_brian2_stdp_with_per_synapse_event_driven_traces_gives_the_same_window():
    """Brian2's STDP formulation: traces as synaptic variables, '(event-driven)'."""
    n = len(PAIR_DT_MS)
    net = Network(seed=1, behaviour={0: Clock(step="0.1*ms")})
    groups = [NeuronGroup(net=net, size=n, tag=tag, behaviour={
        1: Variable(eq="tspike = 0*ms"), 5: Threshold("abs(t - tspike) < 0.5*dt")}) for tag in ("pre", "post")]
    ns = {"taupre": "20*ms", "taupost": "20*ms", "Apre": A_PRE, "Apost": A_POST, "wmax": 1}
    syn = SynapseGroup(net=net, src=groups[0], dst=groups[1], behaviour={
        1: Variable(eq="apre = 0; apost = 0"),
        4: Equation(eq="dapre/dt = -apre/taupre : 1 (event-driven)\n"
                       "dapost/dt = -apost/taupost : 1 (event-driven)", method="exact", namespace=ns),
        6: OnPre("apre += Apre; w = clip(w + apost, 0, wmax)", namespace=ns),
        8: OnPost("apost += Apost; w = clip(w + apre, 0, wmax)", namespace=ns),
    })
    syn.W = net.xp.asarray(0.5 * np.eye(n))
    net.initialize()
    groups[0].tspike[...] = 0.05
    groups[1].tspike[...] = net.xp.asarray(0.05 + PAIR_DT_MS * 1e-3)
    net.simulate_iterations("120*ms")
    lag = PAIR_DT_MS * 1e-3
    expected = np.where(lag > 0, A_PRE * np.exp(-lag / TAU), A_POST * np.exp(lag / TAU))
    np.testing.assert_allclose(np.diag(to_numpy(syn.W)) - 0.5, expected, rtol=1e-11)


def test_event_driven_flag_is_for_synapse_groups():
    net = Network(behaviour={0: Clock(step="1*ms")})
    NeuronGroup(net=net, size=2, behaviour={4: Equation(eq="dx/dt = -x/(5*ms) : 1 (event-driven)")})
    with pytest.raises(EquationError, match="for synaptic variables"):
        net.initialize()


def gap_junctions(summed):
    """3 sources -> 2 targets, connections where W != 0, a conductance g per synapse."""
    net = Network(behaviour={0: Clock(step="0.1*ms")})
    src = NeuronGroup(net=net, size=3, tag="src", behaviour={1: Variable(eq="v = 0*mV; I_back = 0*nA")})
    dst = NeuronGroup(net=net, size=2, tag="dst", behaviour={1: Variable(eq="v = 0*mV; I_gap = 0*nA")})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={
        1: Variable(eq="g = 0*nS"),
        3: Equation(eq=summed),
    })
    syn.W = net.xp.asarray(np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]))
    net.initialize()
    src.v[...] = net.xp.asarray(np.array([-60e-3, -50e-3, -70e-3]))  # float64 on every backend
    dst.v[...] = net.xp.asarray(np.array([-65e-3, -55e-3]))
    syn.g[...] = net.xp.asarray(np.arange(1.0, 7.0).reshape(2, 3) * 1e-9)
    net.simulate_iteration()
    return src, dst


def test_summed_variables_sum_over_existing_synapses():
    """Brian2's '(summed)': gap-junction currents into both sides."""
    src, dst = gap_junctions("I_gap_post = g*(v_pre - v_post) : amp (summed)\n"
                             "I_back_pre = g*(v_post - v_pre) : amp (summed)")
    on = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    g = np.arange(1.0, 7.0).reshape(2, 3) * 1e-9
    v_pre, v_post = np.array([-60e-3, -50e-3, -70e-3]), np.array([-65e-3, -55e-3])
    current = on * g * (v_pre[None, :] - v_post[:, None])  # per synapse, into the target
    np.testing.assert_allclose(to_numpy(dst.I_gap), current.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(src.I_back), -current.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("eq, message", [
    ("I_gap = g*(v_pre - v_post) : amp (summed)", "names the group it sums into"),
    ("I_gap_post = g*v_pre : volt (summed)", r"I_gap of .* is amp, not volt"),
    ("I_none_post = g*(v_pre - v_post) : amp (summed)", "has no variable 'I_none'"),
])
def test_bad_summed_variables_are_refused(eq, message):
    with pytest.raises(EquationError, match=message):
        gap_junctions(eq)
