"""Hodgkin-Huxley (1952): spike shape, repetitive-firing threshold, cable propagation.

Published values used:
* peak near +40 mV, about 105 mV above rest, and a half-amplitude width of
  1-2 ms at 6.3 degC (Hodgkin & Huxley 1952, J. Physiol. 117:500, Fig. 12;
  NeuroML-DB model NMLCL001426 reports 1.2 ms at half height);
* repetitive firing for step currents above I_nu = 6.26 uA/cm^2 (Rinzel &
  Miller 1980, Math. Biosci. 49:27);
* conduction velocity 18.8 m/s computed for a 476 um axon at 18.5 degC
  (Hodgkin & Huxley 1952, p. 527; 21.2 m/s measured).
"""
import numpy as np
import pytest

from monnto.behaviours.neurons import (
    HHCable,
    HHCableParams,
    HHParams,
    HodgkinHuxley,
    hh_cable_step,
    hh_steady_state,
    hh_step,
)
from monnto.core import Network, NeuronGroup
from monnto.core.backend import to_numpy

DT = 1e-5  # s
UA_PER_CM2 = 1e-2  # A/m^2


def spike_shape(temperature=6.3):
    p = HHParams(temperature=temperature)
    v = np.array([-65e-3])
    m, h, n = hh_steady_state(v, np)
    trace = []
    for k in range(1500):
        current = 20 * UA_PER_CM2 * p.area if k < 100 else 0.0   # 1 ms pulse
        v, m, h, n, _ = hh_step(v, m, h, n, current, p, DT, np)
        trace.append(v[0] * 1e3)
    trace = np.array(trace)
    ipk = int(np.argmax(trace))
    peak = trace[ipk]
    half = (peak - 65.0) / 2
    rise = np.flatnonzero(trace[:ipk] < half)[-1]
    fall = ipk + np.flatnonzero(trace[ipk:] < half)[0]
    return peak, (fall - rise) * DT * 1e3


def test_hh_spike_peak_and_width():
    peak, width = spike_shape()
    assert 35.0 < peak < 45.0            # mV
    assert 1.0 < width < 2.0             # ms
    _, width_warm = spike_shape(18.5)
    assert width_warm < 0.6 * width      # faster kinetics at 18.5 degC


def test_hh_rest_is_stable_at_minus_65_mV():
    p = HHParams()
    v = np.array([-65e-3])
    m, h, n = hh_steady_state(v, np)
    for _ in range(2000):
        v, m, h, n, s = hh_step(v, m, h, n, 0.0, p, DT, np)
        assert not s.any()
    assert abs(v[0] * 1e3 + 65.0) < 0.1


def test_hh_repetitive_firing_threshold():
    p = HHParams()
    currents = np.array([6.0, 6.1, 6.2, 6.25, 6.3, 6.4, 6.6])   # uA/cm^2
    v = np.full(currents.shape, -65e-3)
    m, h, n = hh_steady_state(v, np)
    late = np.zeros(currents.shape)
    total = np.zeros(currents.shape)
    steps = int(0.15 / DT)
    for k in range(steps):
        v, m, h, n, s = hh_step(v, m, h, n, currents * UA_PER_CM2 * p.area, p, DT, np)
        total += s
        if k > steps - int(0.05 / DT):     # spikes in the last 50 ms
            late += s
    repetitive = late > 0
    assert not repetitive[0] and repetitive[-1]
    threshold = currents[np.argmax(repetitive)]
    assert np.all(repetitive[currents >= threshold])
    assert 6.2 <= threshold <= 6.35                    # Rinzel & Miller: 6.26
    assert total[0] >= 1                                # below it: a transient spike only
    # just above threshold the rate is ~ 55-70 Hz at 6.3 degC
    assert 2 <= late[-1] <= 4


def cable_arrival_times(temperature, length, n_comp):
    p = HHCableParams(temperature=temperature, length=length, area=2 * np.pi * 238e-6 * length)
    v = np.full(n_comp, -65e-3)
    m, h, n = hh_steady_state(v, np)
    first = np.full(n_comp, np.nan)
    for k in range(800):
        current = np.zeros(n_comp)
        if k < 30:
            current[0] = 2e-5
        v, m, h, n, s = hh_cable_step(v, m, h, n, current, p, DT, np, n_comp)
        first[s & np.isnan(first)] = k * DT
    return first


def test_cable_spike_travels_at_the_published_velocity():
    length, n_comp = 1e-3, 40
    first = cable_arrival_times(18.5, length, n_comp)
    assert not np.isnan(first).any()
    assert np.all(np.diff(first) >= 0) and first[-1] > first[0]    # farther = later
    i1, i2 = 10, 30
    velocity = (i2 - i1) * length / (first[i2] - first[i1])
    assert abs(velocity - 18.8) / 18.8 < 0.1                       # HH 1952: 18.8 m/s


def test_cable_velocity_converges_with_compartment_length():
    v = []
    for length in (1e-3, 0.5e-3):
        n_comp = int(round(0.02 / length))
        first = cable_arrival_times(6.3, length, n_comp)
        a, b = n_comp // 4, 3 * n_comp // 4
        v.append((b - a) * length / (first[b] - first[a]))
    assert abs(v[0] - v[1]) / v[1] < 0.05
    assert 8 < v[1] < 16        # slower at 6.3 degC than at 18.5 degC


def test_hh_wrapper_in_network():
    net = Network(seed=2)
    g = NeuronGroup(net, 3, behaviour={1: HodgkinHuxley(I_bias=[0.0, 10 * UA_PER_CM2 * 1e-8, 0.0])})
    net.initialize()
    count = np.zeros(3)
    for _ in range(10000):     # 100 ms
        net.simulate_iteration()
        count += to_numpy(g.spike)
    assert count[0] == 0 and count[2] == 0 and 5 <= count[1] <= 8
    assert set(("v", "m", "h", "n_gate")) <= set(vars(g))


def test_hhcable_wrapper_two_cables():
    net = Network(seed=2)
    g = NeuronGroup(net, 2 * 20, behaviour={1: HHCable(n_compartments=20, temperature=18.5)})
    net.initialize()
    first = np.full(40, np.nan)
    for k in range(600):
        if k < 30:
            g.I_input[0] += 2e-5          # stimulate only the first cable's first compartment
        net.simulate_iteration()
        first[to_numpy(g.spike) & np.isnan(first)] = k
    assert not np.isnan(first[:20]).any() and np.all(np.diff(first[:20]) >= 0)
    assert np.isnan(first[20:]).all()    # the second cable is independent


def test_hhcable_bad_compartment_count_raises():
    net = Network(seed=2)
    NeuronGroup(net, 10, behaviour={1: HHCable(n_compartments=3)})
    with pytest.raises(ValueError, match="n_compartments"):
        net.initialize()
