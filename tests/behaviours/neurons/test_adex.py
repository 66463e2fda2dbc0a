"""AdEx: the firing patterns of Naud, Marcille, Clopath & Gerstner (2008), Table 1.

Biol. Cybern. 99:335 (2008), Figs. 2-4: tonic spiking (constant ISIs),
adaptation (ISIs lengthen to a steady value), initial burst then tonic,
regular bursting, transient (one spike) for the step currents of Table 1.
"""
import numpy as np
import pytest

from monnto.behaviours.neurons import ADEX_PATTERNS, AdEx, AdExParams, adex_step
from monnto.core import Network, NeuronGroup


def isis(pattern, t_end=0.5, dt=0.05e-3):
    params = dict(ADEX_PATTERNS[pattern])
    current = params.pop("I")
    p = AdExParams(**params)
    v, w, r = np.array([p.e_l]), np.zeros(1), np.zeros(1)
    times = []
    for k in range(int(t_end / dt)):
        v, w, s, r = adex_step(v, w, current, r, p, dt, np)
        if s[0]:
            times.append(k * dt)
    return np.diff(times) * 1e3, times   # ms


def adaptation_index(isi):
    """Mean relative change of consecutive ISIs (Naud et al. 2008)."""
    return np.mean((isi[1:] - isi[:-1]) / (isi[1:] + isi[:-1]))


def test_tonic_spiking():
    isi, _ = isis("tonic")
    assert len(isi) > 30
    assert abs(adaptation_index(isi)) < 0.01
    assert isi.max() / isi.min() < 1.15


def test_adaptation():
    isi, _ = isis("adapting")
    assert adaptation_index(isi) > 0.1
    assert np.all(np.diff(isi[:5]) > 0)            # lengthening ISIs
    assert isi[-1] / isi[0] > 4
    assert abs(isi[-1] - isi[-2]) / isi[-1] < 0.05  # reaches a steady rate


def test_initial_burst():
    isi, _ = isis("initial_burst")
    assert np.all(isi[:2] < 10)                     # burst of 3 spikes
    assert np.all(isi[2:] > 40)                     # then regular single spikes
    assert isi[-2:].std() / isi[-2:].mean() < 0.02


def test_regular_bursting():
    isi, _ = isis("regular_bursting")
    short, long_ = isi < 10, isi > 100
    assert short.sum() >= 3 and long_.sum() >= 3
    assert short.sum() + long_.sum() == len(isi)


def test_transient_single_spike():
    isi, times = isis("transient")
    assert len(times) == 1


def test_euler_converges_first_order():
    _, ref = isis("adapting", t_end=0.05, dt=2.5e-6)
    errors = []
    for dt in (40e-6, 20e-6):
        _, t = isis("adapting", t_end=0.05, dt=dt)
        assert len(t) == len(ref) == 3
        errors.append(np.max(np.abs(np.array(t) - ref)))
    assert 1.5 < errors[0] / errors[1] < 2.7
    assert errors[0] < 0.5e-3        # s: sub-ms spike times at the default-like step


def test_adex_wrapper_pattern_and_overrides():
    net = Network(seed=1)
    g = NeuronGroup(net, 2, behaviour={1: AdEx(pattern="adapting", b="uniform(50e-12, 70e-12)")})
    net.initialize()
    assert g.AdEx.p.I_bias == 500e-12 and g.AdEx.p.tau_w == 300e-3
    assert g.AdEx.p.b.shape == (2,)
    count = 0
    for _ in range(4000):
        net.simulate_iteration()
        count += g.spike.sum()
    assert count > 4


def test_adex_unknown_pattern_raises():
    net = Network(seed=1)
    NeuronGroup(net, 2, behaviour={1: AdEx(pattern="chaotic")})
    with pytest.raises(ValueError, match="chaotic"):
        net.initialize()
