"""The plasticity rules of numba_plasticity_kernels: the numba target computes the numpy target's numbers.

Each test runs one small seeded network on target='numpy' and on
target='numba' and compares spike trains, weights and rule state; every
kernel's arithmetic is the rule's own element-wise function and its sums
are formed in numpy's order, so the comparisons are exact, except the
delivery of released amounts through a dense matrix (numpy's product is
BLAS's; a stated bound).
"""
import numpy as np
import pytest
import scipy.sparse as sp

from monnto import Network, NeuronGroup, SynapseGroup
from monnto.targets import invalidate_runner, python_steps

numba = pytest.importorskip("numba")

LIF_KW = dict(r_m=1.0, v_rest=-0.065, v_init="uniform(-0.065, -0.05)")


def _group(net, size, tag, rate, extra=None):
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.recorder import EventRecorder

    return NeuronGroup(net=net, size=size, tag=tag, behaviour={
        1: PoissonInput(rate=rate, n_sources=100, weight=0.12, target="I_input"), 3: LIF(**LIF_KW),
        9: EventRecorder(variables=["n.spike"], tag=f"{tag}_spikes"), **(extra or {})})


def _store(W, weights):
    from monnto.core.sparse_matrix import SparseSynapseMatrix

    if weights == "csr":
        return SparseSynapseMatrix(sp.csr_array(W))
    return np.asfortranarray(W) if weights == "fortran" else W


def _weights(s):
    W = s.W
    return W.toarray() if hasattr(W, "toarray") else np.asarray(W)


def _plastic_net(target, rule, weights, mask=False):
    """80 Poisson-driven LIF neurons onto 50, with delivery and ``rule`` (or a dict of rules by key) on the synapses."""
    from monnto.behaviours.equations import Clock
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=7, behaviour={0: Clock(step=1e-4)}, target=target)
    src, dst = _group(net, 80, "src", 30.0), _group(net, 50, "dst", 20.0)
    s = SynapseGroup(net=net, src=src, dst=dst, tag="GLUTAMATE", behaviour={
        2: DelayedSynapticInput(target="I_input", scale=1.0), **(rule if isinstance(rule, dict) else {5: rule})})
    rng = np.random.default_rng(3)
    W = rng.uniform(0, 0.01, (50, 80)) * (rng.random((50, 80)) < 0.3)
    if mask:
        s.enabled = rng.random((50, 80)) < 0.7
    s.W = _store(W, weights)
    net.initialize()
    return net


def _same_spikes(a, b, tags=("src", "dst"), least=30):
    for tag in tags:
        sa, sb = a[f"{tag}_spikes", 0]["n.spike"], b[f"{tag}_spikes", 0]["n.spike"]
        assert len(sa) > least
        np.testing.assert_array_equal(sa, sb)


def _triplet(mu, nearest):
    from monnto.behaviours.plasticity.stdp import TripletSTDP

    return TripletSTDP(a2_plus=0.004, a3_plus=0.01, a2_minus=0.005, a3_minus=0.002, tau_plus=5e-3,
                       tau_minus=8e-3, tau_x=20e-3, tau_y=30e-3, w_min=0.0, w_max=0.01, mu=mu, nearest=nearest)


@pytest.mark.slow  # each case compiles its network: test_every_kernel_in_one_network_equals_numpy is the fast check
@pytest.mark.parametrize("weights,mu,nearest,mask", [("dense", 1.0, True, True), ("csr", 1.0, True, False),
                                                      ("dense", 0.0, False, False), ("csr", 0.0, False, False),
                                                      ("fortran", 1.0, False, True)])
def test_triplet_stdp_equals_numpy(weights, mu, nearest, mask):
    a = _plastic_net("numpy", _triplet(mu, nearest), weights, mask)
    b = _plastic_net("numba", _triplet(mu, nearest), weights, mask)
    assert python_steps(b) == []
    W0 = _weights(a["GLUTAMATE", 0]).copy()
    a.simulate_iterations(1200)
    b.simulate_iterations(1200)
    _same_spikes(a, b)
    sa, sb = a["GLUTAMATE", 0], b["GLUTAMATE", 0]
    assert np.abs(_weights(sa) - W0).max() > 1e-4  # the rule changed weights
    np.testing.assert_array_equal(_weights(sa), _weights(sb))
    for trace in ("stdp_r1", "stdp_r2", "stdp_o1", "stdp_o2"):
        np.testing.assert_array_equal(getattr(sa, trace), getattr(sb, trace))


@pytest.mark.slow  # each case compiles its network: test_every_kernel_in_one_network_equals_numpy is the fast check
@pytest.mark.parametrize("weights,simultaneous,mask", [("dense", False, True), ("csr", True, False),
                                                       ("dense", True, False), ("fortran", False, False)])
def test_discrete_stdp_equals_numpy(weights, simultaneous, mask):
    from monnto.behaviours.plasticity.stdp import DiscreteSTDP

    def rule():
        return DiscreteSTDP(stdp_factor=0.0004, w_min=0.0, w_max=0.012, simultaneous=simultaneous)

    a, b = _plastic_net("numpy", rule(), weights, mask), _plastic_net("numba", rule(), weights, mask)
    assert python_steps(b) == []
    W0 = _weights(a["GLUTAMATE", 0]).copy()
    for _ in range(3):  # runs of several steps; the previous step's spikes carry over between them
        a.simulate_iterations(400)
        b.simulate_iterations(400)
    _same_spikes(a, b)
    sa, sb = a["GLUTAMATE", 0], b["GLUTAMATE", 0]
    assert np.abs(_weights(sa) - W0).max() > 1e-4
    np.testing.assert_array_equal(_weights(sa), _weights(sb))
    np.testing.assert_array_equal(sa.stdp_pre_old, sb.stdp_pre_old)
    np.testing.assert_array_equal(sa.stdp_post_old, sb.stdp_post_old)


def _discrete_net(target, rule, weights, mask, dtype):
    """:func:`_plastic_net` in ``dtype``, with weights starting partly above the rule's w_max (0.012)."""
    from monnto.behaviours.equations import Clock
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=7, behaviour={0: Clock(step=1e-4)}, target=target, dtype=dtype)
    src, dst = _group(net, 80, "src", 30.0), _group(net, 50, "dst", 20.0, extra={5: rule})
    s = SynapseGroup(net=net, src=src, dst=dst, tag="GLUTAMATE", behaviour={
        2: DelayedSynapticInput(target="I_input", scale=1.0)})
    rng = np.random.default_rng(3)
    W = (rng.uniform(0, 0.02, (50, 80)) * (rng.random((50, 80)) < 0.3)).astype(dtype)
    if mask:
        s.enabled = rng.random((50, 80)) < 0.7
    s.W = _store(W, weights)
    net.initialize()
    return net


@pytest.mark.parametrize("weights,dtype,simultaneous,depression,mask", [
    ("fortran", "float32", False, False, True),  # the Simple benchmark's form (here with a mask)
    pytest.param("dense", "float32", True, False, True, marks=pytest.mark.slow),
    pytest.param("csr", "float32", False, False, False, marks=pytest.mark.slow),
    pytest.param("dense", "float64", False, False, False, marks=pytest.mark.slow),
    pytest.param("fortran", "float64", True, True, True, marks=pytest.mark.slow),
    pytest.param("csr", "float64", False, True, False, marks=pytest.mark.slow)])
def test_discrete_stdp_events_equal_numpy(weights, dtype, simultaneous, depression, mask):
    """The event-driven kernels: the numpy step's numbers, on C/F-ordered dense and CSR, float32 and float64.

    Only paired synapses change (and are clipped): weights that start above
    w_max and are never paired keep their values on both targets.
    """
    from monnto.behaviours.plasticity.stdp import DiscreteSTDP

    def rule():
        return DiscreteSTDP(stdp_factor=0.0004, w_min=0.0, w_max=0.012, simultaneous=simultaneous,
                            depression=depression)

    a = _discrete_net("numpy", rule(), weights, mask, dtype)
    b = _discrete_net("numba", rule(), weights, mask, dtype)
    assert python_steps(b) == []
    W0 = _weights(a["GLUTAMATE", 0]).copy()
    for _ in range(3):  # runs of several steps; the previous step's spikes carry over between them
        a.simulate_iterations(300)
        b.simulate_iterations(300)
    _same_spikes(a, b)
    sa, sb = a["GLUTAMATE", 0], b["GLUTAMATE", 0]
    Wa, Wb = _weights(sa), _weights(sb)
    assert Wb.dtype == np.dtype(dtype)
    assert np.abs(Wa - W0).max() > 1e-4  # the rule changed weights
    np.testing.assert_array_equal(Wa, Wb)
    kept = W0 > 0.012
    assert kept.any() and (Wb[kept] == W0[kept]).mean() > 0.5  # unpaired: untouched, not clipped
    np.testing.assert_array_equal(sa.stdp_pre_old, sb.stdp_pre_old)
    np.testing.assert_array_equal(sa.stdp_post_old, sb.stdp_post_old)


def _stp_net(target, consume, weights="dense"):
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.plasticity.short_term import ShortTermPlasticity
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=5, behaviour={0: Clock(step=1e-4)}, target=target)
    src, dst = _group(net, 60, "src", 40.0), _group(net, 40, "dst", 20.0)
    behaviour = {4: ShortTermPlasticity(U=0.2, tau_d=0.05, tau_f=0.1)}
    if consume:
        behaviour[5] = DelayedSynapticInput(target="I_input", release_attr="stp_release", scale=1.0)
    s = SynapseGroup(net=net, src=src, dst=dst, tag="GLUTAMATE", behaviour=behaviour)
    rng = np.random.default_rng(2)
    s.W = _store(rng.uniform(0, 0.05, (40, 60)) * (rng.random((40, 60)) < 0.5), weights)
    net.initialize()
    return net


@pytest.mark.slow  # each case compiles its network: test_every_kernel_in_one_network_equals_numpy is the fast check
@pytest.mark.parametrize("consume,weights", [(False, "dense"), (True, "csr"), (True, "dense")])
def test_short_term_plasticity_equals_numpy(consume, weights):
    a, b = _stp_net("numpy", consume, weights), _stp_net("numba", consume, weights)
    assert python_steps(b) == []  # with consume: the delivery of released amounts is compiled too
    sa, sb = a["GLUTAMATE", 0], b["GLUTAMATE", 0]
    released = 0.0
    for _ in range(4):
        a.simulate_iterations(300)
        b.simulate_iterations(300)
        for name in ("stp_u", "stp_x", "stp_release"):
            np.testing.assert_array_equal(getattr(sa, name), getattr(sb, name))
        released += float(sa.stp_release.sum())
    assert released > 0 and sa.stp_x.min() < 0.9 and sa.stp_u.max() > 0.2  # depressed and facilitated
    _same_spikes(a, b)
    if weights == "csr":  # each row's product summed in scipy's order: identical
        np.testing.assert_array_equal(a["dst", 0].v, b["dst", 0].v)
    else:  # numpy's dense product is BLAS's, the kernel sums rows in order: a few ulp of the input
        np.testing.assert_allclose(a["dst", 0].v, b["dst", 0].v, rtol=0, atol=1e-12)
    if consume:
        assert sb.behaviour[5].pointer == sa.behaviour[5].pointer


def _groups_net(target, kinds, direction, clip):
    """Normalization of two synapse groups (kinds[0], kinds[1]) onto one group (or out of one)."""
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.plasticity.normalization import Normalization
    from monnto.behaviours.plasticity.stdp import STDP
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=9, behaviour={0: Clock(step=1e-4)}, target=target)
    norm = {6: Normalization(norm_factor=0.08, direction=direction, every=3, clip_max=clip)}
    hub = _group(net, 50, "hub", 20.0, extra=norm)
    others = [_group(net, 70, "a", 30.0), _group(net, 40, "b", 30.0)]
    rng = np.random.default_rng(4)
    for other, kind in zip(others, kinds):
        src, dst = (other, hub) if direction == "afferent" else (hub, other)
        s = SynapseGroup(net=net, src=src, dst=dst, tag="GLUTAMATE", behaviour={
            2: DelayedSynapticInput(target="I_input", scale=1.0),
            5: STDP(a_plus=0.02, a_minus=0.021, tau_plus=5e-3, tau_minus=5e-3, w_min=0.0, w_max=0.01)})
        W = rng.uniform(0, 0.01, (dst.size, src.size)) * (rng.random((dst.size, src.size)) < 0.3)
        s.W = _store(W, kind)
    net.initialize()
    return net


@pytest.mark.slow  # each case compiles its network: test_every_kernel_in_one_network_equals_numpy is the fast check
@pytest.mark.parametrize("kinds,direction,clip", [(("csr", "dense"), "efferent", 0.009),
                                                  (("csr", "csr"), "afferent", None),
                                                  (("fortran", "csr"), "afferent", 0.009),
                                                  (("dense", "dense"), "afferent", None),
                                                  (("fortran", "fortran"), "efferent", None)])
def test_normalization_of_several_groups_equals_numpy(kinds, direction, clip):
    a, b = _groups_net("numpy", kinds, direction, clip), _groups_net("numba", kinds, direction, clip)
    assert python_steps(b) == []
    a.simulate_iterations(900)
    b.simulate_iterations(900)
    syn_a, syn_b = a["GLUTAMATE"], b["GLUTAMATE"]
    axis = 1 if direction == "afferent" else 0
    total = sum(_weights(s).sum(axis=axis) for s in syn_a)
    assert np.any(np.abs(total - 0.08) < 2e-3)  # normalized (then STDP moved them a little)
    for sa, sb in zip(syn_a, syn_b):  # every sum formed in numpy's order (pairwise where numpy's is): identical
        np.testing.assert_array_equal(_weights(sa), _weights(sb))
    _same_spikes(a, b, ("hub", "a", "b"))
    assert a["hub", 0].behaviour[6]._count == b["hub", 0].behaviour[6]._count == 900


@pytest.mark.slow  # each case compiles its network: test_every_kernel_in_one_network_equals_numpy is the fast check
@pytest.mark.parametrize("weights,direction", [("dense", "afferent"), ("fortran", "efferent")])
def test_one_group_summed_along_contiguous_axis_equals_numpy(weights, direction):
    """One dense matrix whose sums numpy forms pairwise: the groups kernel, identical to numpy."""
    from monnto.behaviours.plasticity.normalization import Normalization
    from monnto.behaviours.plasticity.stdp import STDP

    def rules():
        return {5: STDP(a_plus=0.02, a_minus=0.021, tau_plus=5e-3, tau_minus=5e-3, w_min=0.0, w_max=0.01),
                6: Normalization(norm_factor=0.06, direction=direction, every=5, clip_max=0.009)}

    a, b = _plastic_net("numpy", rules(), weights), _plastic_net("numba", rules(), weights)
    assert python_steps(b) == []
    a.simulate_iterations(1003)
    b.simulate_iterations(1003)
    _same_spikes(a, b)
    np.testing.assert_array_equal(_weights(a["GLUTAMATE", 0]), _weights(b["GLUTAMATE", 0]))


def test_pairwise_sum_is_numpys():
    """The normalization kernel's pairwise sum of a contiguous run adds as np.sum does (bit for bit)."""
    from monnto.targets.numba_plasticity_kernels import kernel_import

    space: dict = {}
    exec(kernel_import("_pairwise_abs_sum"), space)
    pairwise = space["_pairwise_abs_sum"]
    rng = np.random.default_rng(0)
    for n in (*range(0, 40), 127, 128, 129, 255, 256, 1000, 4099, 20000):
        W = rng.standard_normal((3, n)) * 10.0 ** rng.uniform(-5, 5, (3, n))
        want = np.sum(np.abs(W), axis=1)
        got = [pairwise(W.ravel(), i * n, n) for i in range(3)]
        np.testing.assert_array_equal(got, want)


def _adapting_net(target, per_neuron_b):
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.plasticity.adaptation import Refractoriness, SpikeFrequencyAdaptation

    net = Network(seed=13, behaviour={0: Clock(step=1e-4)}, target=target)
    b = "uniform(0.005, 0.02)" if per_neuron_b else 0.01
    _group(net, 60, "g", 40.0, extra={2: SpikeFrequencyAdaptation(tau_a=0.05, b=b),
                                     5: Refractoriness(decayfactor=0.9, strengthfactor=1e-3, activity_attr="v")})
    net.initialize()
    return net


@pytest.mark.slow  # each case compiles its network: test_every_kernel_in_one_network_equals_numpy is the fast check
@pytest.mark.parametrize("per_neuron_b", [True, False])
def test_adaptation_and_refractoriness_equal_numpy(per_neuron_b):
    a, b = _adapting_net("numpy", per_neuron_b), _adapting_net("numba", per_neuron_b)
    assert python_steps(b) == []
    ga, gb = a["g", 0], b["g", 0]
    a.simulate_iterations(1500)
    b.simulate_iterations(1500)
    _same_spikes(a, b, ("g",))
    assert ga.I_adapt.max() > 0.01 and ga.refractory_counter.max() > 0.1
    np.testing.assert_array_equal(ga.I_adapt, gb.I_adapt)
    np.testing.assert_array_equal(ga.refractory_counter, gb.refractory_counter)
    # v after a refractory end comes from an exp that may differ in the last bit (libm vs numpy's SIMD exp)
    np.testing.assert_allclose(ga.v, gb.v, rtol=0, atol=1e-15)


def test_configurations_without_kernel_stay_python():
    """float32 state keeps the Python step (the kernels compute in float64), with a PythonStepWarning."""
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.plasticity.short_term import ShortTermPlasticity
    from monnto.targets.numba_target import PythonStepWarning

    net = Network(seed=5, behaviour={0: Clock(step=1e-4)}, target="numba")
    src, dst = _group(net, 10, "src", 40.0), _group(net, 10, "dst", 20.0)
    s = SynapseGroup(net=net, src=src, dst=dst, tag="GLUTAMATE", behaviour={4: ShortTermPlasticity(U=0.2)})
    net.initialize()
    assert python_steps(net) == []
    s.stp_u = s.stp_u.astype(np.float32)
    invalidate_runner(net)
    with pytest.warns(PythonStepWarning, match="ShortTermPlasticity"):
        left = python_steps(net)
    assert [type(x) for x in left] == [ShortTermPlasticity]


def _model_net(target, model):
    """Two groups of ``model`` neurons, Poisson-driven, the first onto the second (CSR weights)."""
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.hindmarsh_rose import HindmarshRose
    from monnto.behaviours.neurons.izhikevich import Izhikevich
    from monnto.behaviours.recorder import EventRecorder
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=17, behaviour={0: Clock(step=1e-4)}, target=target)
    groups = []
    for tag, size in (("src", 60), ("dst", 40)):
        if model == "izhikevich":
            neuron = Izhikevich(cell_type="RS", a="uniform(0.02, 0.1)", I_bias="uniform(4, 8)",
                                v_init="uniform(-70, -60)")
            drive = 5.0
        else:
            neuron = HindmarshRose(I_bias="uniform(2.5, 3.5)", x_init="uniform(-1.6, -1.0)")
            drive = 0.3
        groups.append(NeuronGroup(net=net, size=size, tag=tag, behaviour={
            1: PoissonInput(rate=50.0, n_sources=50, weight=drive, target="I_input"), 3: neuron,
            9: EventRecorder(variables=["n.spike"], tag=f"{tag}_spikes")}))
    s = SynapseGroup(net=net, src=groups[0], dst=groups[1], tag="GLUTAMATE",
                     behaviour={2: DelayedSynapticInput(target="I_input", scale=1.0)})
    rng = np.random.default_rng(8)
    s.W = _store(rng.uniform(0, 2 * drive, (40, 60)) * (rng.random((40, 60)) < 0.2), "csr")
    net.initialize()
    return net


@pytest.mark.slow  # each case compiles its network: test_every_kernel_in_one_network_equals_numpy is the fast check
@pytest.mark.parametrize("model", ["izhikevich", "hindmarsh_rose"])
def test_neuron_models_equal_numpy(model):
    a, b = _model_net("numpy", model), _model_net("numba", model)
    assert python_steps(b) == []
    a.simulate_iterations(2000)
    b.simulate_iterations(2000)
    _same_spikes(a, b, least=20)
    names = ("v", "u", "I_total") if model == "izhikevich" else ("x", "y", "z", "v", "I_total")
    for tag in ("src", "dst"):
        ga, gb = a[tag, 0], b[tag, 0]
        for name in names:  # plain arithmetic: the same numbers
            np.testing.assert_array_equal(getattr(ga, name), getattr(gb, name))
        if model == "hindmarsh_rose":
            assert gb.v is gb.x


def _all_rules_net(target):
    """One network running every kernel of numba_plasticity_kernels (one compile for the fast test run)."""
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.hindmarsh_rose import HindmarshRose
    from monnto.behaviours.neurons.izhikevich import Izhikevich
    from monnto.behaviours.plasticity.adaptation import Refractoriness, SpikeFrequencyAdaptation
    from monnto.behaviours.plasticity.normalization import Normalization
    from monnto.behaviours.plasticity.short_term import ShortTermPlasticity
    from monnto.behaviours.plasticity.stdp import DiscreteSTDP
    from monnto.behaviours.recorder import EventRecorder
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=21, behaviour={0: Clock(step=1e-4)}, target=target)
    src = _group(net, 60, "src", 40.0, extra={
        2: SpikeFrequencyAdaptation(tau_a=0.05, b="uniform(0.005, 0.02)"),
        5: Refractoriness(decayfactor=0.9, strengthfactor=1e-3, activity_attr="v")})
    izh = NeuronGroup(net=net, size=30, tag="izh", behaviour={
        1: PoissonInput(rate=50.0, n_sources=50, weight=5.0, target="I_input"),
        3: Izhikevich(cell_type="RS", a="uniform(0.02, 0.1)", I_bias="uniform(4, 8)", v_init="uniform(-70, -60)"),
        9: EventRecorder(variables=["n.spike"], tag="izh_spikes")})
    NeuronGroup(net=net, size=20, tag="hr", behaviour={
        3: HindmarshRose(I_bias="uniform(2.5, 3.5)"), 9: EventRecorder(variables=["n.spike"], tag="hr_spikes")})
    dst = _group(net, 50, "dst", 20.0, extra={
        6: Normalization(norm_factor=0.08, direction="afferent", every=3, clip_max=0.009)})
    rng = np.random.default_rng(6)
    s1 = SynapseGroup(net=net, src=src, dst=dst, tag="GLUTAMATE", behaviour={
        2: DelayedSynapticInput(target="I_input", scale=1.0, release_attr="stp_release", delay=3e-4),
        4: ShortTermPlasticity(U=0.2, tau_d=0.05, tau_f=0.1),
        5: _triplet(1.0, False)})
    s1.W = _store(rng.uniform(0, 0.01, (50, 60)) * (rng.random((50, 60)) < 0.3), "csr")
    s2 = SynapseGroup(net=net, src=izh, dst=dst, tag="GLUTAMATE", behaviour={
        2: DelayedSynapticInput(target="I_input", scale=1.0),
        5: DiscreteSTDP(stdp_factor=0.0004, w_min=0.0, w_max=0.012)})
    s2.W = _store(rng.uniform(0, 0.01, (50, 30)) * (rng.random((50, 30)) < 0.3), "fortran")
    net.initialize()
    return net


def test_every_kernel_in_one_network_equals_numpy():
    a, b = _all_rules_net("numpy"), _all_rules_net("numba")
    assert python_steps(b) == []
    for _ in range(2):
        a.simulate_iterations(500)
        b.simulate_iterations(500)
    _same_spikes(a, b, ("src", "izh", "hr", "dst"), least=10)
    for (sa, sb) in zip(a["GLUTAMATE"], b["GLUTAMATE"]):
        np.testing.assert_array_equal(_weights(sa), _weights(sb))
    sa, sb = a["GLUTAMATE", 0], b["GLUTAMATE", 0]
    for name in ("stp_u", "stp_x", "stp_release", "stdp_r1", "stdp_r2", "stdp_o1", "stdp_o2"):
        np.testing.assert_array_equal(getattr(sa, name), getattr(sb, name))
    ga, gb = a["src", 0], b["src", 0]
    np.testing.assert_array_equal(ga.I_adapt, gb.I_adapt)
    np.testing.assert_array_equal(ga.refractory_counter, gb.refractory_counter)
    for tag, names in (("izh", ("v", "u")), ("hr", ("x", "y", "z"))):
        for name in names:
            np.testing.assert_array_equal(getattr(a[tag, 0], name), getattr(b[tag, 0], name))
