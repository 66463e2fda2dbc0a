"""Shared wrapper contract of all neuron models: backends, dtypes, dt, recording, input convention."""
import warnings

import numpy as np
import pytest

from monnto import Behaviour, Network, NeuronGroup, Recorder
from monnto.behaviours.neurons import (
    ADEX_PATTERNS,
    IZHIKEVICH_CELL_TYPES,
    LIF,
    AdEx,
    AdExParams,
    ConductanceLIF,
    ConductanceLIFParams,
    HHCable,
    HHCableParams,
    HHParams,
    HindmarshRose,
    HindmarshRoseParams,
    HodgkinHuxley,
    Izhikevich,
    IzhikevichParams,
    LIFParams,
    WangBuzsaki,
    WangBuzsakiParams,
    adex_step,
    conductance_lif_step,
    hh_cable_step,
    hh_steady_state,
    hh_step,
    hindmarsh_rose_step,
    izhikevich_step,
    lif_step,
    wang_buzsaki_step,
)
from monnto.core.backend import to_numpy

MODELS = [LIF, ConductanceLIF, Izhikevich, HodgkinHuxley, HHCable, HindmarshRose, WangBuzsaki, AdEx]


def _cases(xp, arr):
    """(name, callable) pairs running 50 steps of each pure step function with arrays from ``arr``."""
    size = 4
    v0 = arr(np.array([-65e-3, -60e-3, -55e-3, -52e-3]))
    zeros = arr(np.zeros(size))
    current = arr(np.array([0.0, 1e-9, 2e-9, 4e-9]))

    def lif():
        v, r = v0, zeros
        for _ in range(50):
            v, s, r, o = lif_step(v, current, r, LIFParams(), 1e-3, xp)
        return v, r, o

    def clif():
        v, ge, gi, r = v0, zeros + 10e-9, zeros + 5e-9, zeros
        for _ in range(50):
            v, ge, gi, s, r, o = conductance_lif_step(v, ge, gi, current / 4, r, ConductanceLIFParams(),
                                                      1e-3, xp)
        return v, ge, gi

    def izh():
        p = IzhikevichParams(**IZHIKEVICH_CELL_TYPES["CH"])
        v = zeros - 65.0
        u = p.b * v
        for _ in range(50):
            v, u, s = izhikevich_step(v, u, current * 5e9, p, 0.5, xp)
        return v, u

    def hh():
        p = HHParams()
        v = zeros - 65e-3
        m, h, n = hh_steady_state(v, xp)
        for _ in range(50):
            v, m, h, n, s = hh_step(v, m, h, n, current * 0.1, p, 1e-5, xp)
        return v, m, h, n

    def cable():
        p = HHCableParams(length=1e-3)
        v = zeros - 65e-3
        m, h, n = hh_steady_state(v, xp)
        for _ in range(50):
            v, m, h, n, s = hh_cable_step(v, m, h, n, current * 1e3, p, 1e-5, xp, 2)
        return v, m

    def hr():
        p = HindmarshRoseParams()
        x = zeros - 1.6
        y, z = p.c - p.d * x * x, zeros
        for _ in range(50):
            x, y, z, s = hindmarsh_rose_step(x, y, z, current * 1e9, p, 0.1, xp)
        return x, y, z

    def wb():
        p = WangBuzsakiParams()
        v, h, n = zeros - 65e-3, zeros + 0.6, zeros + 0.3
        for _ in range(50):
            v, h, n, s = wang_buzsaki_step(v, h, n, current * 0.1, p, 1e-5, xp)
        return v, h, n

    def adex():
        params = dict(ADEX_PATTERNS["adapting"])
        params.pop("I")
        p = AdExParams(**params)
        v, w, r = zeros + p.e_l, zeros, zeros
        for _ in range(50):
            v, w, s, r = adex_step(v, w, current * 0.3, r, p, 1e-4, xp)
        return v, w

    return dict(lif=lif, clif=clif, izh=izh, hh=hh, cable=cable, hr=hr, wb=wb, adex=adex)


@pytest.mark.parametrize("name", ["lif", "clif", "izh", "hh", "cable", "hr", "wb", "adex"])
def test_step_functions_give_the_same_result_on_torch(name):
    torch = pytest.importorskip("torch")
    expected = _cases(np, np.asarray)[name]()
    got = _cases(torch, lambda a: torch.tensor(a, dtype=torch.float64))[name]()
    for a, b in zip(expected, got):
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-10, atol=1e-18)


@pytest.mark.parametrize("model", MODELS)
def test_wrappers_keep_float32_and_set_bool_spikes(model):
    net = Network(seed=1, dtype="float32")
    net.dt = 0.01e-3
    g = NeuronGroup(net, 4, behaviour={1: model(), 9: Recorder(["n.v", "n.spike"])})
    net.initialize()
    net.simulate_iterations(20, progress=False)
    assert to_numpy(g.v).dtype == np.float32 and g.v.shape == (4,)
    assert to_numpy(g.spike).dtype == bool and g.spike.shape == (4,)
    assert g["n.v", 0].shape == (20, 4) and np.all(np.isfinite(to_numpy(g["n.v", 0])))
    assert np.all(to_numpy(g.I_input) == 0)


@pytest.mark.parametrize("model", [HodgkinHuxley, WangBuzsaki, Izhikevich, AdEx])
def test_coarse_clock_warns(model):
    net = Network(seed=1)
    net.dt = 1e-3
    NeuronGroup(net, 2, behaviour={1: model()})
    with pytest.warns(UserWarning, match="inaccurate"):
        net.initialize()


def test_fine_clock_does_not_warn():
    net = Network(seed=1)
    net.dt = 0.01e-3
    for model in MODELS:
        NeuronGroup(net, 2, behaviour={1: model()})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.initialize()


def test_misspelt_parameter_warns():
    net = Network(seed=1)
    NeuronGroup(net, 2, behaviour={1: LIF(tau_n=10e-3)})
    with pytest.warns(UserWarning, match="tau_n"):
        net.initialize()


def test_per_neuron_parameter_with_wrong_length_raises():
    net = Network(seed=1)
    NeuronGroup(net, 3, behaviour={1: LIF(I_bias=[1e-9, 2e-9])})
    with pytest.raises(ValueError, match="I_bias"):
        net.initialize()


def test_input_added_before_neuron_runs_is_used_once():
    net = Network(seed=1)
    g = NeuronGroup(net, 1, behaviour={1: LIF(v_init=-65e-3)})
    net.initialize()
    g.I_input += 1e-9                 # one step of 1 nA, then nothing
    net.simulate_iteration()
    v1 = to_numpy(g.v).copy()
    net.simulate_iteration()
    p = LIFParams()
    decay = np.exp(-1e-4 / p.tau_m)
    np.testing.assert_allclose(v1, p.v_rest + 10e-3 * (1 - decay), rtol=1e-12)
    np.testing.assert_allclose(g.v, p.v_rest + 10e-3 * (1 - decay) * decay, rtol=1e-12)


def test_models_and_inputs_survive_save_and_load(tmp_path):
    """A saved network with neuron models and inputs continues exactly like the original."""
    from monnto.behaviours.inputs import PoissonInput, SymbolSequenceInput
    from monnto.storage import load_network, save_network

    net = Network(seed=1)
    NeuronGroup(net, 60, tag="exc", behaviour={
        0: SymbolSequenceInput(counting_n=3, amplitude=1e-9),
        0.5: PoissonInput(rate=100.0, n_sources=10),
        1: LIF(tau_m="normal(20e-3, 1e-3)"),
    })
    NeuronGroup(net, 20, tag="cable", behaviour={1: HHCable(n_compartments=10)})
    NeuronGroup(net, 5, tag="adex", behaviour={1: AdEx(pattern="adapting")})
    net.initialize()
    net.simulate_iterations(100, progress=False)
    copy = load_network(save_network(net, tmp_path / "net"))
    net.simulate_iterations(50, progress=False)
    copy.simulate_iterations(50, progress=False)
    for tag in ("exc", "cable", "adex"):
        np.testing.assert_array_equal(net[tag, 0].v, copy[tag, 0].v)
    assert net.exc.input_index == copy.exc.input_index


class NoisyCurrent(Behaviour):
    """Adds ``scale * uniform(0, 2)`` to ``n.I_input`` each step (a draw of the network's generator)."""

    def set_variables(self, n):
        self.scale = self.get_init_attr("scale", 1.0, None)

    def new_iteration(self, n):
        n.I_input += self.scale * n.get_neuron_vec("uniform(0,2)")


#: input scale per model, in its current unit (A, or the model's own unit)
NOISE_SCALE = {LIF: 3e-9, ConductanceLIF: 3e-9, Izhikevich: 10.0, HodgkinHuxley: 1e-9,
               HHCable: 1e-5, HindmarshRose: 3.0, WangBuzsaki: 3e-10, AdEx: 1e-9}


@pytest.mark.parametrize("model", MODELS)
def test_wrappers_agree_on_numpy_and_torch(model):
    """One seed, the same input draws: the torch run follows the numpy run to float tolerance."""
    pytest.importorskip("torch")

    def run(backend):
        net = Network(seed=3, backend=backend)
        net.dt = 0.01e-3
        g = NeuronGroup(net, 6, behaviour={0: NoisyCurrent(scale=NOISE_SCALE[model]), 1: model()})
        net.initialize()
        out = []
        for _ in range(1500):
            net.simulate_iteration()
            out.append((to_numpy(g.v).copy(), to_numpy(g.spike).copy()))
        return out

    expected, got = run("numpy"), run("torch")
    for (v_np, s_np), (v_t, s_t) in zip(expected, got, strict=True):
        np.testing.assert_allclose(v_t, v_np, rtol=1e-10, atol=1e-10 * np.abs(v_np).max())
        np.testing.assert_array_equal(s_t, s_np)
    assert sum(s.sum() for _, s in expected) >= 6          # every model fires in these 15 ms
