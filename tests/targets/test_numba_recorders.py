"""Recorders on the numba target: values written into preallocated buffers inside the compiled loop."""
import numpy as np
import pytest

from monnto import Network, NeuronGroup
from monnto.targets import python_steps

numba = pytest.importorskip("numba")


def _net(target, gapwidth=0, dtype=None):
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.recorder import EventRecorder, Recorder

    kwargs = {"dtype": dtype} if dtype is not None else {}
    net = Network(seed=4, behaviour={0: Clock(step=1e-4)}, target=target, **kwargs)
    NeuronGroup(net=net, size=60, tag="g", behaviour={
        1: PoissonInput(rate=30.0, n_sources=100, weight=0.06, target="I_input"),
        3: LIF(r_m=1.0, v_rest=-0.065, v_init="uniform(-0.065, -0.05)"),
        8: Recorder(variables=["n.v", "n.spike", "I_total", "n.t"], gapwidth=gapwidth, tag="values"),
        9: EventRecorder(variables=["n.spike"], tag="spikes")})
    net.initialize()
    return net


@pytest.mark.parametrize("gapwidth", [0, 3])
def test_value_recorder_runs_compiled_and_records_what_numpy_records(gapwidth):
    a, b = _net("numpy", gapwidth), _net("numba", gapwidth)
    assert python_steps(b) == []
    for steps in (1, 250, 1249):  # uneven runs: the gap counter carries over between runs
        a.simulate_iterations(steps)
        b.simulate_iterations(steps)
    rec_a, rec_b = a["values", 0], b["values", 0]
    assert len(a["spikes", 0]["n.spike"]) > 20
    np.testing.assert_array_equal(a["spikes", 0]["n.spike"], b["spikes", 0]["n.spike"])
    ta, tb = np.asarray(rec_a["n.t"]), np.asarray(rec_b["n.t"])  # the Clock's time, step by step
    assert ta.shape == tb.shape == (1500 // max(gapwidth, 1),) and ta[-1] == pytest.approx(0.15)
    np.testing.assert_array_equal(ta, tb)
    for name in ("n.v", "n.spike", "I_total"):
        va, vb = np.asarray(rec_a[name]), np.asarray(rec_b[name])
        assert va.shape == vb.shape == ((1500 // max(gapwidth, 1)), 60)
        if name == "n.v":  # the exp of a step that ends a refractory period: libm vs numpy's SIMD exp
            np.testing.assert_allclose(va, vb, rtol=0, atol=1e-15)
        else:
            np.testing.assert_array_equal(va, vb)


def test_recorder_buffer_grows_when_a_step_is_run_without_reserving():
    a, b = _net("numpy"), _net("numba")
    for _ in range(40):  # simulate_iteration reserves one row at a time
        a.simulate_iteration()
        b.simulate_iteration()
    b.simulate_iterations(3000)
    a.simulate_iterations(3000)
    va, vb = np.asarray(a["values", 0]["n.v"]), np.asarray(b["values", 0]["n.v"])
    assert va.shape == vb.shape == (3040, 60)
    np.testing.assert_allclose(va, vb, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(a["values", 0]["n.spike"], b["values", 0]["n.spike"])


def test_float32_network_records_within_float32_rounding():
    a, b = _net("numpy", dtype=np.float32), _net("numba", dtype=np.float32)
    assert python_steps(b) == [] and b["g", 0].v.dtype == np.float32
    a.simulate_iterations(800)
    b.simulate_iterations(800)
    va, vb = np.asarray(a["values", 0]["n.v"]), np.asarray(b["values", 0]["n.v"])
    assert va.dtype == vb.dtype == np.float32 and va.shape == (800, 60)
    np.testing.assert_allclose(va, vb, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(a["values", 0]["n.spike"], b["values", 0]["n.spike"])
