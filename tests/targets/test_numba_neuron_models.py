"""The neuron models and random inputs of numba_neuron_kernels: the numba target computes the numpy target's numbers.

Each test runs a small seeded network on target='numpy' and on
target='numba'. The kernels are the models' own element-wise functions in
scalar form and draw the numpy steps' counter-based numbers, so spike trains
are identical. The one difference is ``exp``/``log1p``/``cos`` themselves:
numpy's AVX-512 versions and the C library's differ in the last bit for a
few percent of arguments (see docs/targets.md), so membrane state and
accumulated noise are compared within a stated relative bound of 1e-9 here,
and bit for bit in a subprocess whose numpy runs without its AVX-512 paths
(``test_identical_when_numpy_uses_libm``).
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from monnto import Network, NeuronGroup
from monnto.targets import python_steps

numba = pytest.importorskip("numba")

LIBM_ONLY = {"NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"}
#: relative bound of membrane state and accumulated noise where an exp/log1p/cos may differ in the last bit
RTOL = 1e-9
#: the state each model's kernel writes
STATE = {"adex": ("v", "w", "refractory_left", "I_total"), "wb": ("v", "h", "n_gate", "I_total"),
         "hh": ("v", "m", "h", "n_gate", "I_total")}


def _models_net(target, dtype="float64"):
    """AdEx, Wang-Buzsaki and HH groups (per-neuron parameters), a noise-driven LIF, a noise-only group, a generator."""
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonGenerator, PoissonInput
    from monnto.behaviours.neurons.adex import AdEx
    from monnto.behaviours.neurons.hodgkin_huxley import HodgkinHuxley
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.neurons.wang_buzsaki import WangBuzsaki
    from monnto.behaviours.recorder import EventRecorder
    from monnto.models.brunel import GaussianNoiseInput

    net = Network(seed=11, behaviour={0: Clock(step=2e-5)}, target=target, dtype=dtype)
    models = {"adex": (AdEx(pattern="adapting", I_bias="uniform(400e-12, 600e-12)", a="uniform(1e-9, 3e-9)",
                            t_ref=0.5e-3), 20e-12),
              "wb": (WangBuzsaki(I_bias="uniform(0.5e-9, 1.5e-9)", g_l="uniform(0.8, 1.2)"), 0.1e-9),
              "hh": (HodgkinHuxley(I_bias="uniform(0.5e-9, 1.5e-9)", temperature=8.0), 0.1e-9)}
    if dtype == "float64":
        for tag, (model, weight) in models.items():
            NeuronGroup(net=net, size=40, tag=tag, behaviour={
                1: PoissonInput(rate=50.0, n_sources=50, weight=weight), 3: model,
                9: EventRecorder(variables=["n.spike"], tag=f"{tag}_spikes")})
    NeuronGroup(net=net, size=70, tag="lif", behaviour={
        2: GaussianNoiseInput(mu=25e-3, sigma=5e-3, tau=20e-3),
        3: LIF(tau_m=20e-3, v_rest=0.0, v_reset=10e-3, v_th=20e-3, r_m=1.0, t_ref=2e-3, v_init="uniform(0, 0.02)"),
        9: EventRecorder(variables=["n.spike"], tag="lif_spikes")})
    NeuronGroup(net=net, size=33, tag="noise", behaviour={2: GaussianNoiseInput(mu=1.0, sigma=0.5, tau=20e-3)})
    NeuronGroup(net=net, size=45, tag="gen", behaviour={
        1: PoissonGenerator(rate="uniform(50, 300)"), 9: EventRecorder(variables=["n.spike"], tag="gen_spikes")})
    net.initialize()
    return net


def _spikes(net, tag):
    return net[f"{tag}_spikes", 0]["n.spike"]


def _same(a, b, tags, least=20):
    for tag in tags:
        sa, sb = _spikes(a, tag), _spikes(b, tag)
        assert len(sa) >= least, tag
        np.testing.assert_array_equal(sa, sb, err_msg=tag)


def test_models_and_inputs_equal_numpy():
    a, b = _models_net("numpy"), _models_net("numba")
    assert python_steps(b) == []
    for _ in range(2):
        a.simulate_iterations(1000)
        b.simulate_iterations(1000)
    _same(a, b, ("adex", "wb", "hh", "lif", "gen"))
    for tag, names in STATE.items():
        for name in names:
            np.testing.assert_allclose(getattr(b[tag, 0], name), getattr(a[tag, 0], name), rtol=RTOL, atol=0,
                                       err_msg=f"{tag}.{name}")
        np.testing.assert_array_equal(a[tag, 0].I_input, b[tag, 0].I_input)  # cleared by both
    # the noise accumulates in I_input when no model clears it: the same draws (up to log1p/cos's last bit)
    np.testing.assert_allclose(b["noise", 0].I_input, a["noise", 0].I_input, rtol=RTOL, atol=0)
    np.testing.assert_allclose(b["lif", 0].v, a["lif", 0].v, rtol=RTOL, atol=1e-15)
    np.testing.assert_array_equal(a["gen", 0].spike, b["gen", 0].spike)


def test_random_inputs_switch_target_midway():
    """numpy steps, then numba steps, then numpy again: the draws continue as in an all-numpy run."""
    a, c = _models_net("numpy"), _models_net("numpy")
    a.simulate_iterations(1500)
    for target, steps in (("numpy", 400), ("numba", 700), ("numpy", 400)):
        c.target = target
        c.simulate_iterations(steps)
        if target == "numba":
            assert python_steps(c) == []
    assert c.iteration == a.iteration
    _same(a, c, ("lif", "gen", "adex", "wb", "hh"))
    np.testing.assert_allclose(c["noise", 0].I_input, a["noise", 0].I_input, rtol=RTOL, atol=0)
    # the group's draw counter is the one the numpy step counts in: same iteration, same number of calls
    for tag in ("noise", "lif"):
        np.testing.assert_array_equal(a.draws.counter(a[tag, 0]), c.draws.counter(c[tag, 0]))


def test_random_inputs_float32():
    """float32 groups: the noise is rounded and added in float32, the generator's rate * dt is float32, as in numpy."""
    a, b = _models_net("numpy", "float32"), _models_net("numba", "float32")
    assert python_steps(b) == []
    assert b["noise", 0].I_input.dtype == np.float32 and b["gen", 0].rate.dtype == np.float32
    a.simulate_iterations(1500)
    b.simulate_iterations(1500)
    _same(a, b, ("gen",))  # (LIF's float32 kernel computes in float64: docs/targets.md, not compared here)
    # float32 rounding absorbs the last-bit differences of log1p/cos here (checked identical)
    np.testing.assert_array_equal(a["noise", 0].I_input, b["noise", 0].I_input)


def test_poisson_generator_rate_changed_between_runs():
    a, b = _models_net("numpy"), _models_net("numba")
    for net in (a, b):
        net.simulate_iterations(300)
        net["gen", 0].rate = np.linspace(0.0, 2000.0, 45)  # a new vector: read again at the next run
        net.simulate_iterations(300)
        net["gen", 0].rate = 400.0  # one number
        net.simulate_iterations(300)
    _same(a, b, ("gen",))
    assert python_steps(b) == []


def test_configurations_without_kernel_stay_python():
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.neurons.adex import AdEx
    from monnto.behaviours.neurons.hodgkin_huxley import HHCable
    from monnto.targets.numba_target import PythonStepWarning

    net = Network(seed=1, behaviour={0: Clock(step=1e-5)}, target="numba", dtype="float32")
    NeuronGroup(net=net, size=8, tag="cable", behaviour={3: HHCable(n_compartments=4)})  # not element-wise
    NeuronGroup(net=net, size=8, tag="adex", behaviour={3: AdEx()})  # float32 state: the kernels are float64
    with pytest.warns(PythonStepWarning, match="HHCable"):
        net.initialize()
    left = python_steps(net)
    net.simulate_iterations(5)
    assert sorted(type(x).__name__ for x in left) == ["AdEx", "HHCable"]


def test_scalar_forms_of_clip_abs_expm1_and_xp_calls():
    import math

    from monnto.core.errors import ConfigurationError
    from monnto.targets.scalarize import scalar_source

    def _inner(x, xp):
        return xp.abs(x) + xp.expm1(x) + xp.log1p(xp.abs(x))

    def clipped(x, lo, hi, xp):
        return (xp.clip(x, lo, hi), xp.clip(x, min=lo), xp.clip(x, max=hi), xp.clip(x, lo, None),
                xp.clip(x, a_min=None, a_max=hi), _inner(x, xp))

    text = scalar_source(clipped)
    assert "xp" not in text and "min(max(x, lo), hi)" in text and "_inner(x)" in text
    space: dict = {"math": math}
    exec(scalar_source(_inner), space)  # noqa: S102 - the tested generated source
    exec(text, space)  # noqa: S102
    xs = np.array([-3.0, -0.5, 0.0, 0.25, 0.5, 2.0])
    want = clipped(xs, -0.5, 0.5, np)
    for k, x in enumerate(xs):
        got = space["clipped"](float(x), -0.5, 0.5)
        assert [float(w[k]) for w in want[:5]] == list(got[:5])  # clamps give x or the bound exactly
        assert got[5] == pytest.approx(float(want[5][k]), rel=1e-15, abs=1e-300)

    def bad(x, xp):
        return xp.clip(x, out=x)

    with pytest.raises(ConfigurationError, match="clip"):
        scalar_source(bad)


@pytest.mark.slow
def test_identical_when_numpy_uses_libm():
    """With numpy's AVX-512 paths off, numpy's exp/log1p/cos are the C library's: every number is the same."""
    code = textwrap.dedent("""
        import numpy as np
        from tests.targets.test_numba_neuron_models import STATE, _models_net
        a, b = _models_net('numpy'), _models_net('numba')
        a.simulate_iterations(2000); b.simulate_iterations(2000)
        for tag in ('adex', 'wb', 'hh', 'lif', 'gen'):
            sa, sb = a[tag + '_spikes', 0]['n.spike'], b[tag + '_spikes', 0]['n.spike']
            assert len(sa) > 20 and np.array_equal(sa, sb), tag
        for tag, names in STATE.items():
            for name in names:
                assert np.array_equal(getattr(a[tag, 0], name), getattr(b[tag, 0], name)), (tag, name)
        assert np.array_equal(a['noise', 0].I_input, b['noise', 0].I_input)
        assert np.array_equal(a['lif', 0].v, b['lif', 0].v)
        print('identical')
    """)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, **LIBM_ONLY, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600, cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "identical" in out.stdout
