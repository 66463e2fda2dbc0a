"""Hindmarsh-Rose (1984): quiescent, bursting and tonic regimes set by the input current.

Hindmarsh & Rose, Proc. R. Soc. Lond. B 221:87 (1984); with a=1, b=3, c=1,
d=5, s=4, x_rest=-1.6, r=0.001 the currents I = 0.4, 2 and 4 give a
stable rest state, regular bursts and tonic spiking.
"""
import numpy as np
import pytest

from monnto.behaviours.neurons import HindmarshRose, HindmarshRoseParams, hindmarsh_rose_step
from monnto.core import Network, NeuronGroup
from monnto.core.backend import to_numpy


@pytest.fixture(scope="module")
def regimes():
    currents = np.array([0.4, 2.0, 4.0])
    p = HindmarshRoseParams(I_bias=currents)
    x = np.full(3, p.x_rest)
    y = p.c - p.d * x * x
    z = np.zeros(3)
    dt, t_end, t_skip = 0.1, 4000.0, 2000.0
    times = [[] for _ in currents]
    xs = []
    for k in range(int(t_end / dt)):
        x, y, z, s = hindmarsh_rose_step(x, y, z, 0.0, p, dt, np)
        if k * dt > t_skip:
            xs.append(x.copy())
            for i in np.flatnonzero(s):
                times[i].append(k * dt)
    return [np.diff(t) for t in times], np.array(xs)


def test_low_current_is_quiescent(regimes):
    isis, xs = regimes
    assert len(isis[0]) == 0
    assert np.ptp(xs[:, 0]) < 1e-3           # settled at the fixed point


def test_medium_current_bursts(regimes):
    isi = regimes[0][1]
    long_ = isi > 5 * np.median(isi)
    assert long_.sum() >= 4                   # several bursts in 2000 time units
    bursts = np.split(isi, np.flatnonzero(long_))
    spikes_per_burst = [len(b) for b in bursts[1:-1]]
    assert min(spikes_per_burst) >= 3         # each burst has several spikes
    assert isi.max() / isi.min() > 10         # inter-burst >> intra-burst intervals
    assert np.std(isi[long_]) / np.mean(isi[long_]) < 0.05   # regular bursting


def test_high_current_fires_tonically(regimes):
    isi = regimes[0][2]
    assert len(isi) > 50
    assert isi.std() / isi.mean() < 0.02      # regular single spikes
    assert isi.max() / isi.min() < 1.1


def test_rk4_is_fourth_order():
    p = HindmarshRoseParams(I_bias=2.0)
    def run(dt):
        x, y, z = np.array([-1.0]), np.array([-4.0]), np.array([1.0])
        for _ in range(int(round(5.0 / dt))):
            x, y, z, _ = hindmarsh_rose_step(x, y, z, 0.0, p, dt, np)
        return x[0]
    ref = run(0.00125)
    e1, e2 = abs(run(0.02) - ref), abs(run(0.01) - ref)
    assert 12 < e1 / e2 < 20


def test_hindmarsh_rose_wrapper_uses_time_unit():
    net = Network(seed=1)
    net.dt = 1e-4                              # s; 0.1 model units with time_unit=1e-3
    g = NeuronGroup(net, 3, behaviour={1: HindmarshRose(I_bias=[0.4, 2.0, 4.0])})
    net.initialize()
    assert g.HindmarshRose.dt_model == pytest.approx(0.1)
    p = HindmarshRoseParams(I_bias=np.array([0.4, 2.0, 4.0]))
    x = np.full(3, p.x_rest)
    y = p.c - p.d * x * x
    z = np.zeros(3)
    count = np.zeros(3)
    for _ in range(3000):
        net.simulate_iteration()
        x, y, z, s = hindmarsh_rose_step(x, y, z, 0.0, p, 0.1, np)
        np.testing.assert_allclose(g.x, x, rtol=1e-12)
        np.testing.assert_array_equal(g.spike, s)
        count += to_numpy(g.spike)
    assert count[2] > 10
    np.testing.assert_array_equal(g.v, g.x)
