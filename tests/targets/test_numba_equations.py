"""The equation behaviours on target='numba': compiled, and the numpy target's numbers.

Identical where the loop does the numpy step's exact arithmetic (``+ - * /``,
``sqrt``, comparisons, sums in the same order); within a bound where libm's
``exp``/``log``/``cos`` may round differently from numpy's vectorized ones.
"""
import numpy as np
import pytest

pytest.importorskip("numba")

from monnto import EventRecorder, Network, NeuronGroup, SynapseGroup  # noqa: E402
from monnto.behaviours.equations import (  # noqa: E402
    Clock,
    Equation,
    OnPost,
    OnPre,
    Refractory,
    Reset,
    Threshold,
    Variable,
)
from monnto.targets import python_steps  # noqa: E402
from monnto.targets.numba_target import PythonStepWarning  # noqa: E402


def _lif(target, eq, method="euler", delay=None, sparse=False, threshold="v > -50*mV", seed=3, n=60):
    net = Network(seed=seed, target=target, behaviour={1: Clock(step="0.1*ms")})
    g = NeuronGroup(net=net, size=n, tag="g", behaviour={
        2: Variable(eq="El=-65*mV; v=normal(-60, 4)*mV; tau=uniform(8, 12)*ms; I=1.8*nA; R=10*Mohm"),
        3: Refractory("2*ms"),
        4: Equation(eq=eq, method=method),
        5: Threshold(threshold),
        7: Reset("v = El; I += 0.01*nA"),
        9: EventRecorder(["n.spike"]),
    })
    kwargs = {} if delay is None else {"delay": delay}
    SynapseGroup(net=net, src=g, dst=g, tag="s", behaviour={
        6: OnPre("v += w", w="normal(0.5, 0.1)*mV", p=0.2, sparse=sparse, **kwargs)})
    net.initialize()
    return net, g


def _run(target, steps=400, **kw):
    net, g = _lif(target, **kw)
    net.simulate_iterations(steps, progress=False)
    return net, g


_EULER = "dv/dt = (El - v + R*I)/tau : volt (unless refractory)"


@pytest.mark.parametrize("sparse", [False, True])
def test_lif_euler_gives_the_numpy_spikes_and_voltages_bit_for_bit(sparse):
    net_a, a = _run("numpy", eq=_EULER, sparse=sparse)
    net_b, b = _run("numba", eq=_EULER, sparse=sparse)
    assert python_steps(net_b) == []
    assert a["n.spike.i", 0, "np"].size > 50
    np.testing.assert_array_equal(a["n.spike.t", 0, "np"], b["n.spike.t", 0, "np"])
    np.testing.assert_array_equal(a["n.spike.i", 0, "np"], b["n.spike.i", 0, "np"])
    np.testing.assert_array_equal(a.v, b.v)
    np.testing.assert_array_equal(a.lastspike, b.lastspike)
    np.testing.assert_array_equal(a.I, b.I)


def test_white_noise_draws_are_the_numpy_targets_and_independent_of_the_loop_layout():
    eq = "dv/dt = (El - v + R*I)/tau + 3*mV*sqrt(2/tau)*xi : volt (unless refractory)"
    net_a, a = _run("numpy", eq=eq)
    net_b, b = _lif("numba", eq=eq)
    for _ in range(4):  # four compiled runs of 100 steps instead of one of 400
        net_b.simulate_iterations(100, progress=False)
    # the normals come from log and cos: libm and numpy may differ in the last bit
    np.testing.assert_allclose(b.v, a.v, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(a["n.spike.i", 0, "np"], b["n.spike.i", 0, "np"])


@pytest.mark.slow
def test_exact_integration_with_per_neuron_exp_stays_within_a_bound():
    # exp(-dt/tau) per neuron: math.exp in the loop, numpy.exp in the array step
    net_a, a = _run("numpy", eq=_EULER, method="exact")
    net_b, b = _run("numba", eq=_EULER, method="exact")
    assert python_steps(net_b) == []
    np.testing.assert_allclose(b.v, a.v, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(a["n.spike.i", 0, "np"], b["n.spike.i", 0, "np"])


def test_threshold_rand_is_the_same_poisson_process_on_both_targets():
    net = {}
    for target in ("numpy", "numba"):
        net[target], g = _lif(target, eq=_EULER, threshold="rand() < 200*Hz*dt")
        net[target].simulate_iterations(300, progress=False)
    a, b = net["numpy"]["g", 0], net["numba"]["g", 0]
    assert a["n.spike.i", 0, "np"].size > 100
    np.testing.assert_array_equal(a["n.spike.i", 0, "np"], b["n.spike.i", 0, "np"])
    np.testing.assert_array_equal(a.v, b.v)


def test_one_delay_for_all_synapses_runs_compiled_and_matches():
    net_a, a = _run("numpy", eq=_EULER, delay="1.5*ms")
    net_b, b = _run("numba", eq=_EULER, delay="1.5*ms")
    assert python_steps(net_b) == []
    np.testing.assert_array_equal(a["n.spike.i", 0, "np"], b["n.spike.i", 0, "np"])
    np.testing.assert_array_equal(a.v, b.v)


def _stdp(target, all_to_all=True):
    net = Network(seed=5, target=target, behaviour={1: Clock(step="0.1*ms")})
    ns = {"taupre": "20*ms", "taupost": "20*ms", "Apre": 0.01, "Apost": -0.0105, "wmax": 1.0}
    pre = NeuronGroup(net=net, size=40, tag="pre", behaviour={
        2: Variable(eq="apre=0"), 4: Equation(eq="dapre/dt = -apre/taupre", namespace=ns),
        5: Threshold("rand() < 40*Hz*dt"), 7: Reset("apre += Apre", namespace=ns)})
    post = NeuronGroup(net=net, size=30, tag="post", behaviour={
        2: Variable(eq="v=0; apost=0; tau=10*ms"),
        4: Equation(eq="dv/dt = -v/tau\ndapost/dt = -apost/taupost", namespace=ns),
        5: Threshold("v > 1"), 7: Reset("v = 0; apost += Apost", namespace=ns)})
    syn = SynapseGroup(net=net, src=pre, dst=post, tag="syn", behaviour={
        6: OnPre("v += 3*w; w = clip(w + apost, 0, wmax)", w="uniform(0.2, 0.8)", p=1.0 if all_to_all else 0.5,
                 namespace=ns),
        8: OnPost("w = clip(w + apre_pre, 0, wmax)", namespace=ns)})
    net.initialize()
    net.simulate_iterations(500, progress=False)
    return net, syn, post


@pytest.mark.parametrize("all_to_all", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_pair_stdp_with_onpre_and_onpost_matches(all_to_all):
    net_a, syn_a, post_a = _stdp("numpy", all_to_all)
    net_b, syn_b, post_b = _stdp("numba", all_to_all)
    assert python_steps(net_b) == []
    assert not np.array_equal(syn_a.W, syn_b.W * 0)  # learned something
    np.testing.assert_allclose(syn_b.W, syn_a.W, rtol=0, atol=1e-13)
    np.testing.assert_allclose(post_b.v, post_a.v, rtol=0, atol=1e-12)


def test_general_sums_over_synapses_match_within_a_bound():
    def run(target):
        net = Network(seed=2, target=target, behaviour={1: Clock(step="0.1*ms")})
        src = NeuronGroup(net=net, size=50, behaviour={2: Variable(eq="x=uniform(0, 1)"),
                                                       5: Threshold("rand() < 0.3")})
        dst = NeuronGroup(net=net, size=20, behaviour={2: Variable(eq="g=0; y=uniform(1, 2)")})
        SynapseGroup(net=net, src=src, dst=dst, behaviour={6: OnPre("g += w*x_pre*y_post + 0.1*w*w", w=0.5, p=0.7)})
        net.initialize()
        net.simulate_iterations(50, progress=False)
        return net, dst

    net_a, a = run("numpy")
    net_b, b = run("numba")
    assert python_steps(net_b) == []
    # numpy's sum over a row of terms adds pairwise, the loop sequentially
    np.testing.assert_allclose(b.g, a.g, rtol=1e-13)


def _gap_junctions(target):
    net = Network(seed=4, target=target, behaviour={1: Clock(step="0.1*ms")})
    g = NeuronGroup(net=net, size=30, tag="g", behaviour={
        1.2: Variable(eq="v=uniform(-1, 1); Igap=0"),
        4: Equation(eq="dv/dt = (Igap - v)/(10*ms) + 0.5*sqrt(2/(10*ms))*xi"),
        5: Threshold("v > 0.9"), 7: Reset("v = -0.5")})
    syn = SynapseGroup(net=net, src=g, dst=g, behaviour={
        1.5: Equation(eq="du/dt = -u/(5*ms)\nIgap_post = w*(v_pre - v_post) + u : 1 (summed)")})
    syn.W = np.where(np.random.default_rng(0).random((30, 30)) < 0.3, 0.2, 0.0)
    net.initialize()
    syn.u[...] = 0.01
    net.simulate_iterations(300, progress=False)
    return net, g, syn


def test_summed_variables_and_clock_driven_synaptic_equations_run_compiled():
    net_a, a, syn_a = _gap_junctions("numpy")
    net_b, b, syn_b = _gap_junctions("numba")
    assert python_steps(net_b) == []
    np.testing.assert_array_equal(syn_a.u, syn_b.u)
    # numpy sums each row of terms pairwise, the loop in index order
    np.testing.assert_allclose(b.Igap, a.Igap, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b.v, a.v, rtol=0, atol=1e-12)


def _per_synapse(target, statement):
    net = Network(seed=1, target=target, behaviour={1: Clock(step="0.1*ms")})
    g = NeuronGroup(net=net, size=40, behaviour={1.2: Variable(eq="v=uniform(0, 1); ge=0"),
                                                 5: Threshold("rand() < 0.05"), 7: Reset("v = 0")})
    syn = SynapseGroup(net=net, src=g, dst=g, behaviour={
        1.3: Variable(eq="d = uniform(0.1, 2)*ms"), 6: OnPre(statement, delay="d")})
    rng = np.random.default_rng(3)
    syn.W = np.where(rng.random((40, 40)) < 0.5, rng.random((40, 40)), 0.0)
    net.initialize()
    net.simulate_iterations(200, progress=False)
    return net, g, syn


@pytest.mark.parametrize("statement", ["ge += w", pytest.param("w = clip(w + 0.01*v_post, 0, 1)", marks=pytest.mark.slow),
                                       pytest.param("ge += w*v_pre", marks=pytest.mark.slow)])
def test_per_synapse_delays_run_compiled_and_match(statement):
    net_a, a, syn_a = _per_synapse("numpy", statement)
    net_b, b, syn_b = _per_synapse("numba", statement)
    assert python_steps(net_b) == []
    np.testing.assert_array_equal(syn_a.W, syn_b.W)
    # numpy sums masked rows pairwise, the loop in index order
    np.testing.assert_allclose(b.ge, a.ge, rtol=1e-13, atol=1e-15)


@pytest.mark.slow
def test_float32_state_runs_compiled_and_agrees_to_float32_precision():
    def run(target):
        net = Network(seed=2, target=target, dtype="float32", behaviour={1: Clock(step="0.1*ms")})
        g = NeuronGroup(net=net, size=200, behaviour={
            2: Variable(eq="v=uniform(0, 1); ge=0"), 3: Refractory("1*ms"),
            4: Equation(eq="dv/dt = (1.1 - v + ge)/(10*ms) : 1 (unless refractory)\ndge/dt = -ge/(5*ms) : 1"),
            5: Threshold("v > 1"), 7: Reset("v = 0"), 9: EventRecorder(["n.spike"])})
        SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre("ge += w", w=0.002, p=0.1)})
        net.initialize()
        net.simulate_iterations(300, progress=False)
        return net, g

    net_a, a = run("numpy")
    net_b, b = run("numba")
    assert python_steps(net_b) == []
    assert b.v.dtype == np.float32
    n_a, n_b = a["n.spike.i", 0, "np"].size, b["n.spike.i", 0, "np"].size
    assert n_a > 100 and abs(n_a - n_b) <= 0.02 * n_a
    # float32 rounding once per step (numba) or after every operation (numpy); neurons whose spike
    # times differ are reset at different steps, so compare the others
    same = (a.lastspike == b.lastspike)
    assert same.mean() > 0.9
    np.testing.assert_allclose(b.v[same], a.v[same], rtol=0, atol=1e-5)


@pytest.mark.slow  # two cold compiles of 3000-neuron kernels
def test_threads_split_the_loops_without_changing_the_numbers():
    def run(threads):
        net = Network(seed=7, target="numba", threads=threads, behaviour={1: Clock(step="0.1*ms")})
        g = NeuronGroup(net=net, size=3000, behaviour={
            2: Variable(eq="v=uniform(0, 1)"), 3: Refractory("1*ms"),
            4: Equation(eq="dv/dt = (1.2 - v)/(10*ms) + 0.3*sqrt(2/(10*ms))*xi : 1 (unless refractory)"),
            5: Threshold("v > 1"), 7: Reset("v = 0")})
        net.initialize()
        net.simulate_iterations(200, progress=False)
        return g

    one, two = run(1), run(2)
    assert one.lastspike.max() > 0
    np.testing.assert_array_equal(one.v, two.v)
    np.testing.assert_array_equal(one.lastspike, two.lastspike)


def test_a_step_without_a_kernel_stays_python_with_a_warning_and_the_same_results():
    def run(target):
        net = Network(seed=1, target=target, behaviour={1: Clock(step="0.1*ms")})
        g = NeuronGroup(net=net, size=10, behaviour={2: Variable(eq="v=uniform(0, 1)"),
                                                     4: Equation(eq="dv/dt = (2 - v)/(10*ms)"),
                                                     5: Threshold("(v > 1) & (count < 3)"), 7: Reset("v = 0")})
        g.count = np.zeros(10, dtype=np.int64)  # an int array: no kernel reads it
        net.initialize()
        net.simulate_iterations(50, progress=False)
        return net, g

    net_a, a = run("numpy")
    with pytest.warns(PythonStepWarning, match="Threshold"):
        net_b, b = run("numba")
    assert [type(x).__name__ for x in python_steps(net_b)] == ["Threshold"]
    np.testing.assert_array_equal(a.v, b.v)
