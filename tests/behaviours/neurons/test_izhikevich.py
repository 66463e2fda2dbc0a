"""Izhikevich (2003) cell types: firing-pattern class from ISI statistics.

Izhikevich, IEEE Trans. Neural Netw. 14:1569 (2003), Fig. 2: with a step
current I = 10, RS fires tonic adapting spikes, IB an initial burst then
tonic spikes, CH repetitive bursts, FS high-frequency spikes without
adaptation, LTS high-frequency spikes with strong adaptation.
"""
import numpy as np
import pytest

from monnto.behaviours.neurons import (
    IZHIKEVICH_CELL_TYPES,
    Izhikevich,
    IzhikevichParams,
    izhikevich_step,
)
from monnto.core import Network, NeuronGroup

DT_MS = 0.1
T_MS = 1000.0


@pytest.fixture(scope="module")
def isis():
    """ISIs (ms) of each cell type for I = 10 over 1 s, all types simulated at once."""
    names = list(IZHIKEVICH_CELL_TYPES)
    params = {k: np.array([IZHIKEVICH_CELL_TYPES[n][k] for n in names]) for k in "abcd"}
    p = IzhikevichParams(**params, I_bias=10.0)
    v = np.full(len(names), -65.0)
    u = p.b * v
    times = [[] for _ in names]
    for k in range(int(T_MS / DT_MS)):
        v, u, s = izhikevich_step(v, u, 0.0, p, DT_MS, np)
        for i in np.flatnonzero(s):
            times[i].append(k * DT_MS)
    return {name: np.diff(times[i]) for i, name in enumerate(names)}


def test_rs_is_tonic_and_adapting(isis):
    isi = isis["RS"]
    assert np.all(isi > 15)                       # no bursts
    assert isi[-1] > 1.5 * isi[0]                 # spike-frequency adaptation
    steady = isi[len(isi) // 2:]
    assert steady.std() / steady.mean() < 0.05    # regular (tonic)
    assert 10 < len(isi) + 1 < 40                 # roughly 10-40 Hz


def test_ib_bursts_then_fires_tonically(isis):
    isi = isis["IB"]
    assert np.sum(isi[:3] < 10) >= 2              # initial burst
    later = isi[3:]
    assert np.all(later > 20)                     # then single spikes
    assert later[-5:].std() / later[-5:].mean() < 0.05


def test_ch_fires_repetitive_bursts(isis):
    isi = isis["CH"]
    short, long_ = isi < 10, isi > 20
    assert short.mean() > 0.6                     # most intervals are intra-burst
    assert long_.sum() >= 10                      # bursts repeat throughout the second
    assert short.sum() + long_.sum() == len(isi)  # two well-separated classes
    # long pauses keep coming until the end (not just an initial burst)
    assert np.flatnonzero(long_)[-1] > 0.8 * len(isi)


def test_fs_fires_fast_without_adaptation(isis):
    fs, rs = isis["FS"], isis["RS"]
    assert len(fs) + 1 > 100                      # > 100 Hz
    assert len(fs) > 4 * len(rs)
    steady = fs[3:]
    assert steady.max() / steady.min() < 1.1      # no adaptation after onset
    assert np.all(fs < 10)


def test_lts_fires_fast_with_strong_adaptation(isis):
    lts, rs, ch = isis["LTS"], isis["RS"], isis["CH"]
    assert len(lts) > 2 * len(rs)                 # higher rate than RS
    assert lts[-1] / lts[0] > 3                   # strong adaptation
    assert lts.max() < 20                         # no pauses: not bursting like CH
    assert ch.max() > 2 * lts.max()


def test_izhikevich_wrapper_matches_step_and_converts_dt():
    net = Network(seed=1)
    g = NeuronGroup(net, 2, behaviour={1: Izhikevich(cell_type="CH", I_bias=10.0, dt=0.5e-3)})
    net.initialize()
    p = IzhikevichParams(**IZHIKEVICH_CELL_TYPES["CH"], I_bias=10.0)
    v = np.full(2, -65.0)
    u = p.b * v
    spikes = 0
    for _ in range(400):
        net.simulate_iteration()
        v, u, s = izhikevich_step(v, u, 0.0, p, 0.5, np)
        np.testing.assert_array_equal(g.v, v)
        spikes += g.spike.sum()
    assert spikes > 10


def test_izhikevich_unknown_cell_type_raises():
    net = Network(seed=1)
    NeuronGroup(net, 2, behaviour={1: Izhikevich(cell_type="XX")})
    with pytest.raises(ValueError, match="XX"):
        net.initialize()
