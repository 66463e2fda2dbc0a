"""Wang-Buzsaki (1996) interneuron: fast, type-I repetitive firing.

Wang & Buzsaki, J. Neurosci. 16:6402 (1996), Fig. 1: the model fires
repetitively from a low threshold current (I_c about 0.16 uA/cm^2, with
arbitrarily low rates at onset: class I excitability) up to several hundred
Hz (about 400 Hz at 20 uA/cm^2); about 60 Hz at 1 uA/cm^2.
"""
import numpy as np

from monnto.behaviours.neurons import WangBuzsaki, WangBuzsakiParams, wang_buzsaki_rates, wang_buzsaki_step
from monnto.core import Network, NeuronGroup
from monnto.core.backend import to_numpy

UA_PER_CM2 = 1e-2


def rates(currents, t_end=0.3, t_skip=0.1, dt=2e-5):
    p = WangBuzsakiParams()
    v = np.full(len(currents), -65e-3)
    _, ah, bh, an, bn = wang_buzsaki_rates(v, np)
    h, n = ah / (ah + bh), an / (an + bn)
    times = [[] for _ in currents]
    for k in range(int(t_end / dt)):
        v, h, n, s = wang_buzsaki_step(v, h, n, np.asarray(currents) * UA_PER_CM2 * p.area, p, dt, np)
        if k * dt > t_skip:
            for i in np.flatnonzero(s):
                times[i].append(k * dt)
    return np.array([1.0 / np.mean(np.diff(t)) if len(t) > 1 else 0.0 for t in times])


def test_wang_buzsaki_fi_curve():
    currents = [0.1, 0.2, 0.5, 1.0, 5.0, 20.0]
    f = rates(currents)
    assert f[0] == 0.0                      # below I_c ~ 0.16 uA/cm^2
    assert 0 < f[1] < 20                    # class I: low rates just above threshold
    assert np.all(np.diff(f) > 0)           # monotonic f-I curve
    assert 45 < f[3] < 75                   # ~60 Hz at 1 uA/cm^2
    assert 300 < f[5] < 500                 # fast spiking: ~400 Hz at 20 uA/cm^2
    slope = (f[4] - f[3]) / 4.0             # Hz per uA/cm^2 between 1 and 5
    assert 20 < slope < 50


def test_wang_buzsaki_wrapper_in_network():
    net = Network(seed=1)
    g = NeuronGroup(net, 2, behaviour={1: WangBuzsaki(I_bias=[0.0, 1e-10])})  # 0 and 1 uA/cm^2
    net.initialize()
    count = np.zeros(2)
    for _ in range(10000):                  # 100 ms
        net.simulate_iteration()
        count += to_numpy(g.spike)
    assert count[0] == 0 and 4 <= count[1] <= 8
