"""Plasticity rules on the numba target: kernels made from the rules' own element-wise functions."""
import numpy as np
import pytest

from monnto import Network, NeuronGroup, SynapseGroup
from monnto.targets import python_steps

numba = pytest.importorskip("numba")


def _net(target, weights, mu=0.0, nearest=False, mask=False, norm=None):
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.plasticity.normalization import Normalization
    from monnto.behaviours.plasticity.stdp import STDP
    from monnto.behaviours.recorder import EventRecorder
    from monnto.core.sparse_matrix import SparseSynapseMatrix
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=7, behaviour={0: Clock(step=1e-4)}, target=target)
    lif = dict(r_m=1.0, v_rest=-0.065, v_init="uniform(-0.065, -0.05)")
    src = NeuronGroup(net=net, size=80, tag="src", behaviour={
        1: PoissonInput(rate=30.0, n_sources=100, weight=0.12, target="I_input"), 3: LIF(**lif),
        9: EventRecorder(variables=["n.spike"], tag="src_spikes")})
    dst = NeuronGroup(net=net, size=50, tag="dst", behaviour={
        1: PoissonInput(rate=20.0, n_sources=100, weight=0.12, target="I_input"), 3: LIF(**lif),
        9: EventRecorder(variables=["n.spike"], tag="dst_spikes")})
    s = SynapseGroup(net=net, src=src, dst=dst, tag="GLUTAMATE", behaviour={
        2: DelayedSynapticInput(target="I_input", scale=1.0),
        5: STDP(a_plus=0.02, a_minus=0.021, tau_plus=5e-3, tau_minus=5e-3, w_min=0.0, w_max=0.01, mu=mu,
                nearest=nearest),
        **({6: Normalization(norm_factor=0.06, direction=norm, every=5, clip_max=0.009)} if norm else {})})
    rng = np.random.default_rng(3)
    W = rng.uniform(0, 0.01, (50, 80)) * (rng.random((50, 80)) < 0.3)
    if mask:
        s.enabled = rng.random((50, 80)) < 0.7
    if weights == "fortran":  # column-major dense weights: the kernels walk them column by column
        W = np.asfortranarray(W)
    s.W = SparseSynapseMatrix(sp_csr(W)) if weights == "csr" else W
    net.initialize()
    return net


def sp_csr(W):
    import scipy.sparse as sp

    return sp.csr_array(W)


def _weights(net):
    W = net["GLUTAMATE", 0].W
    return W.toarray() if hasattr(W, "toarray") else np.asarray(W)


@pytest.mark.parametrize("weights,mu,nearest,mask", [("dense", 0.0, False, False), ("dense", 1.0, True, True),
                                                      ("fortran", 0.0, False, False), ("fortran", 1.0, False, True),
                                                      ("csr", 0.0, False, False), ("csr", 1.0, False, False)])
def test_stdp_weights_and_spikes_equal_numpy(weights, mu, nearest, mask):
    a, b = _net("numpy", weights, mu, nearest, mask), _net("numba", weights, mu, nearest, mask)
    assert python_steps(b) == []
    W0 = _weights(a).copy()
    a.simulate_iterations(1500)
    b.simulate_iterations(1500)
    for tag in ("src", "dst"):
        sa, sb = a[f"{tag}_spikes", 0]["n.spike"], b[f"{tag}_spikes", 0]["n.spike"]
        assert len(sa) > 30
        np.testing.assert_array_equal(sa, sb)
    Wa, Wb = _weights(a), _weights(b)
    assert np.abs(Wa - W0).max() > 1e-4  # the rule changed weights
    np.testing.assert_array_equal(Wa, Wb)
    sa, sb = a["GLUTAMATE", 0], b["GLUTAMATE", 0]
    np.testing.assert_array_equal(sa.stdp_x_pre, sb.stdp_x_pre)
    np.testing.assert_array_equal(sa.stdp_y_post, sb.stdp_y_post)


def test_stdp_runs_alternate_with_numpy_steps():
    a, b = _net("numpy", "csr"), _net("numba", "csr")
    a.simulate_iterations(900)
    b.simulate_iterations(300)
    b.target = "numpy"
    b.simulate_iterations(300)
    b.target = "numba"
    b.simulate_iterations(300)
    np.testing.assert_array_equal(_weights(a), _weights(b))


def _homeostatic(target, tau):
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.plasticity.intrinsic import IntrinsicPlasticity, VoltageHomeostasis
    from monnto.behaviours.recorder import EventRecorder

    net = Network(seed=11, behaviour={0: Clock(step=1e-4)}, target=target)
    NeuronGroup(net=net, size=70, tag="g", behaviour={
        1: PoissonInput(rate=30.0, n_sources=100, weight=0.12, target="I_input"),
        3: LIF(r_m=1.0, v_rest=-0.065, v_init="uniform(-0.065, -0.05)"),
        5: IntrinsicPlasticity(target_rate=20.0, eta=0.01, tau=tau, min_value=-0.5, max_value=0.5),
        6: VoltageHomeostasis(target_voltage=-0.055, eta_ip=1e-4, voltage_attr="v"),
        9: EventRecorder(variables=["n.spike"], tag="g_spikes")})
    net.initialize()
    return net


@pytest.mark.parametrize("tau", [None, 0.05])
def test_intrinsic_and_voltage_homeostasis_equal_numpy(tau):
    a, b = _homeostatic("numpy", tau), _homeostatic("numba", tau)
    assert python_steps(b) == []
    a.simulate_iterations(1500)
    b.simulate_iterations(1500)
    ga, gb = a["g", 0], b["g", 0]
    assert len(a["g_spikes", 0]["n.spike"]) > 30 and np.abs(ga.exhaustion).max() > 0
    assert np.ptp(ga.threshold) > 0
    np.testing.assert_array_equal(a["g_spikes", 0]["n.spike"], b["g_spikes", 0]["n.spike"])
    np.testing.assert_array_equal(ga.threshold, gb.threshold)
    # exhaustion follows v, whose exp at a refractory end may differ in the last bit (libm vs numpy's SIMD exp)
    np.testing.assert_allclose(ga.exhaustion, gb.exhaustion, rtol=0, atol=1e-15)
    if tau is not None:
        np.testing.assert_array_equal(ga.ip_rate, gb.ip_rate)



@pytest.mark.parametrize("weights,direction", [("csr", "afferent"), ("csr", "efferent"), ("dense", "efferent"),
                                               ("dense", "afferent")])
def test_normalization_equals_numpy(weights, direction):
    a, b = _net("numpy", weights, norm=direction), _net("numba", weights, norm=direction)
    assert python_steps(b) == []
    a.simulate_iterations(1003)
    b.simulate_iterations(1003)
    Wa, Wb = _weights(a), _weights(b)
    sums = Wa.sum(axis=1 if direction == "afferent" else 0)
    assert np.any(np.abs(sums - 0.06) < 1e-3)  # normalized (then STDP moved them a little)
    if weights == "dense" and direction == "afferent":
        # numpy sums a C-ordered row pairwise, the kernel sequentially: factors within a few ulp
        np.testing.assert_allclose(Wa, Wb, rtol=1e-12, atol=0)
    else:  # the same sums in the same order: identical
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(a["dst_spikes", 0]["n.spike"], b["dst_spikes", 0]["n.spike"])

