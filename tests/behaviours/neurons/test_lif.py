"""LIF and conductance-based LIF: step functions against closed forms, wrappers in a Network.

Closed forms: Gerstner, Kistler, Naud & Paninski, *Neuronal Dynamics* (2014),
ch. 1.3: v(t) = v_inf + (v0 - v_inf) exp(-t / tau_m), and the firing period
T = t_ref + tau_m ln((v_inf - v_reset) / (v_inf - v_th)).
"""
import dataclasses

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from monnto.behaviours.neurons import (
    LIF,
    ConductanceLIF,
    ConductanceLIFParams,
    LIFParams,
    conductance_lif_step,
    lif_rate,
    lif_step,
)
from monnto.core import Behaviour, Network, NeuronGroup
from monnto.core.backend import to_numpy


def run_lif(p, currents, dt, steps, v0=None):
    size = len(currents)
    v = np.full(size, p.v_rest if v0 is None else v0)
    refr = np.zeros(size)
    trace, spike_times = [], [[] for _ in range(size)]
    for k in range(steps):
        v, s, refr, offset = lif_step(v, currents, refr, p, dt, np)
        trace.append(v.copy())
        for i in np.flatnonzero(s):
            spike_times[i].append(k * dt + offset[i])
    return np.array(trace), spike_times


def test_lif_membrane_matches_closed_form():
    p = LIFParams()
    currents = np.array([0.0, 0.5e-9, 1.0e-9, -1.0e-9])  # all below rheobase (1.5 nA)
    dt, steps = 0.1e-3, 2000
    trace, spikes = run_lif(p, currents, dt, steps, v0=-70e-3)
    t = dt * np.arange(1, steps + 1)[:, None]
    v_inf = p.v_rest + p.r_m * currents
    expected = v_inf + (-70e-3 - v_inf) * np.exp(-t / p.tau_m)
    assert not any(spikes)
    assert np.max(np.abs(trace - expected) / np.abs(expected)) < 1e-6


def test_lif_fi_curve_matches_closed_form():
    p = LIFParams()
    currents = np.array([1.6e-9, 2e-9, 3e-9, 5e-9, 10e-9])
    dt = 0.1e-3
    _, spikes = run_lif(p, currents, dt, 5000)
    expected_period = 1.0 / lif_rate(currents, p)
    for i, times in enumerate(spikes):
        isi = np.diff(times)
        assert len(isi) >= 3
        assert np.max(np.abs(isi - expected_period[i]) / expected_period[i]) < 1e-6
        # the first spike comes at the first passage time from rest
        first = expected_period[i] - p.t_ref
        assert abs(times[0] - first) / first < 1e-6
    assert lif_rate(1.4e-9, p) == 0.0


def test_lif_rate_independent_of_dt():
    p = LIFParams()
    current = np.array([3e-9])
    periods = []
    for dt in (0.05e-3, 0.1e-3, 0.25e-3, 1e-3):
        _, spikes = run_lif(p, current, dt, int(0.3 / dt))
        periods.append(np.mean(np.diff(spikes[0])))
    assert np.ptp(periods) / periods[0] < 1e-6


def test_lif_euler_converges_first_order():
    p = dataclasses.replace(LIFParams(), method="euler")
    current = np.array([1.2e-9])
    errors = []
    for dt in (0.4e-3, 0.2e-3, 0.1e-3, 0.05e-3):
        steps = int(round(20e-3 / dt))
        trace, _ = run_lif(p, current, dt, steps)
        v_inf = p.v_rest + p.r_m * current[0]
        exact = v_inf + (p.v_rest - v_inf) * np.exp(-20e-3 / p.tau_m)
        errors.append(abs(trace[-1, 0] - exact))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((ratios > 1.9) & (ratios < 2.1)), ratios


def test_lif_refractory_period_holds_reset():
    p = dataclasses.replace(LIFParams(), t_ref=5e-3)
    dt = 0.1e-3
    trace, spikes = run_lif(p, np.array([20e-9]), dt, 500)
    times = np.array(spikes[0])
    assert np.all(np.diff(times) > p.t_ref)
    # during the refractory period after the first spike, v stays at v_reset
    k0 = int(times[0] / dt)
    held = trace[k0 + 1:k0 + int(p.t_ref / dt) - 1, 0]
    assert np.all(held == p.v_reset)


def test_lif_invalid_parameters_raise():
    with pytest.raises(ValueError, match="rk2"):
        dataclasses.replace(LIFParams(), method="rk2")
    with pytest.raises(ValueError, match="tau_m"):
        LIFParams(tau_m=np.array([20e-3, -1e-3]))
    with pytest.raises(ValueError, match="t_ref"):
        ConductanceLIFParams(t_ref=-1e-3)


def test_lif_step_runs_on_torch():
    torch = pytest.importorskip("torch")
    p = LIFParams()
    v_np = np.array([-65e-3, -55e-3, -51e-3])
    i_np = np.array([3e-9, 0.0, 2e-9])
    r_np = np.array([0.0, 1e-3, 0.0])
    out_np = lif_step(v_np, i_np, r_np, p, 1e-3, np)
    out_t = lif_step(torch.tensor(v_np), torch.tensor(i_np), torch.tensor(r_np), p, 1e-3, torch)
    for a, b in zip(out_np, out_t):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-12, atol=1e-15)


def test_conductance_lif_second_order_against_ode_solution():
    """A conductance pulse: error vs a tight ODE solution falls ~4x per halving of dt."""
    p = ConductanceLIFParams(v_th=0.0)  # no spikes: test the sub-threshold integration
    g_e0, g_i0, T = 20e-9, 10e-9, 30e-3

    def rhs(t, y):
        v = y[0]
        g_e = g_e0 * np.exp(-t / p.tau_e)
        g_i = g_i0 * np.exp(-t / p.tau_i)
        return [(p.g_l * (p.e_l - v) + g_e * (p.e_e - v) + g_i * (p.e_i - v)) / p.c_m]

    ref = solve_ivp(rhs, (0, T), [p.e_l], rtol=1e-12, atol=1e-15).y[0, -1]
    errors = []
    for dt in (0.4e-3, 0.2e-3, 0.1e-3):
        v, g_e, g_i, r = np.array([p.e_l]), np.array([g_e0]), np.array([g_i0]), np.zeros(1)
        for _ in range(int(round(T / dt))):
            v, g_e, g_i, s, r, _ = conductance_lif_step(v, g_e, g_i, 0.0, r, p, dt, np)
        errors.append(abs(v[0] - ref))
        assert abs(g_e[0] - g_e0 * np.exp(-T / p.tau_e)) < 1e-12 * g_e0
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(ratios > 3.5), ratios
    assert errors[-1] < 1e-6  # V


def test_conductance_lif_without_conductance_is_lif():
    p = ConductanceLIFParams()
    lif = LIFParams(tau_m=p.c_m / p.g_l, v_rest=p.e_l, v_reset=p.v_reset, v_th=p.v_th,
                    r_m=1.0 / p.g_l, t_ref=p.t_ref)
    current = np.array([0.3e-9, 0.5e-9])
    v1 = v2 = np.full(2, p.e_l)
    r1 = r2 = np.zeros(2)
    g = np.zeros(2)
    for _ in range(3000):
        v1, _, _, s1, r1, o1 = conductance_lif_step(v1, g, g, current, r1, p, 1e-4, np)
        v2, s2, r2, o2 = lif_step(v2, current, r2, lif, 1e-4, np)
        assert np.array_equal(s1, s2)
    np.testing.assert_allclose(v1, v2, rtol=1e-9)


def test_conductance_lif_euler_is_the_explicit_euler_rule():
    """method='euler': v += dt (g_l (e_l - v) + g_e (e_e - v) + g_i (e_i - v) + I) / c_m, by hand."""
    p = ConductanceLIFParams(method="euler", t_ref=0.3e-3)
    dt, current = 1e-4, 0.25e-9
    v, g_e, g_i, r = np.array([p.e_l, -0.0505]), np.array([30e-9, 0.0]), np.array([5e-9, 0.0]), np.zeros(2)
    ve, gee, gie, r_before = v.copy(), g_e.copy(), g_i.copy(), r.copy()
    spiked = False
    for _ in range(40):
        v, g_e, g_i, s, r, offset = conductance_lif_step(v, g_e, g_i, current, r, p, dt, np)
        free = ve + dt * (p.g_l * (p.e_l - ve) + gee * (p.e_e - ve) + gie * (p.e_i - ve) + current) / p.c_m
        expected = np.where(r_before <= 0, free, ve)
        fired = expected > p.v_th
        expected = np.where(fired, p.v_reset, expected)
        np.testing.assert_array_equal(s, fired)
        np.testing.assert_allclose(v, expected, rtol=1e-13, atol=0)
        np.testing.assert_array_equal(offset, np.where(fired, dt, 0.0))
        spiked |= bool(s[1])
        gee, gie = gee * np.exp(-dt / p.tau_e), gie * np.exp(-dt / p.tau_i)
        np.testing.assert_allclose(g_e, gee, rtol=1e-14)
        ve, r_before = v.copy(), r.copy()
    assert spiked  # the second neuron starts 0.5 mV below threshold and fires, then is held 3 steps


def test_conductance_lif_euler_converges_to_the_exact_method():
    """The Euler membrane is first order: its difference from method='exact' halves with dt."""
    diffs = []
    for dt in (0.2e-3, 0.1e-3, 0.05e-3):
        out = {}
        for method in ("exact", "euler"):
            p = ConductanceLIFParams(method=method, v_th=0.0)
            v, g_e, g_i, r = np.array([p.e_l]), np.array([20e-9]), np.array([10e-9]), np.zeros(1)
            for _ in range(int(round(10e-3 / dt))):
                v, g_e, g_i, _, r, _ = conductance_lif_step(v, g_e, g_i, 0.2e-9, r, p, dt, np)
            out[method] = v[0]
        diffs.append(abs(out["euler"] - out["exact"]))
    ratios = np.array(diffs[:-1]) / np.array(diffs[1:])
    assert np.all((ratios > 1.7) & (ratios < 2.3)), ratios


def test_conductance_lif_method_is_checked():
    with pytest.raises(ValueError, match=r"method='rk4': expected 'exact' or 'euler'"):
        ConductanceLIFParams(method="rk4")


class ConstantCurrent(Behaviour):
    def set_variables(self, n):
        self.amount = self.get_init_attr("amount", 0.0, n)

    def new_iteration(self, n):
        n.I_input += self.amount


def test_lif_wrapper_reads_input_and_clears_it():
    net = Network(seed=3)
    a = NeuronGroup(net, 4, behaviour={0: ConstantCurrent(amount=3e-9), 1: LIF()}, tag="a")
    b = NeuronGroup(net, 4, behaviour={1: LIF(I_bias=3e-9)}, tag="b")
    net.initialize()
    for _ in range(500):
        net.simulate_iteration()
        assert np.all(to_numpy(a.I_input) == 0)
        np.testing.assert_array_equal(a.v, b.v)
        np.testing.assert_allclose(a.I_total, 3e-9)
    assert to_numpy(a.spike).dtype == bool
    period = 1 / lif_rate(3e-9, LIFParams())
    assert a.spike.shape == (4,) and period < 0.05


def test_lif_wrapper_diversifies_parameters_and_uses_network_dt():
    net = Network(seed=4)
    net.dt = 0.2e-3
    g = NeuronGroup(net, 50, behaviour={1: LIF(tau_m="normal(20e-3, 1e-3)", v_init=-60e-3)})
    net.initialize()
    assert g.LIF.dt == 0.2e-3
    tau = g.LIF.p.tau_m
    assert tau.shape == (50,) and 15e-3 < tau.min() < tau.max() < 25e-3 and tau.std() > 0
    np.testing.assert_allclose(g.v, -60e-3)
    net.simulate_iteration()
    expected = -65e-3 + 5e-3 * np.exp(-0.2e-3 / to_numpy(tau))
    np.testing.assert_allclose(g.v, expected, rtol=1e-12)


def test_lif_dt_disagreeing_with_clock_raises():
    net = Network(seed=5)
    net.dt = 0.1e-3
    NeuronGroup(net, 2, behaviour={1: LIF(dt=0.5e-3)})
    with pytest.raises(ValueError, match="dt"):
        net.initialize()


def test_conductance_lif_wrapper_decays_conductance():
    net = Network(seed=6)
    g = NeuronGroup(net, 3, behaviour={1: ConductanceLIF()})
    net.initialize()
    g.g_e += 5e-9
    net.simulate_iteration()
    np.testing.assert_allclose(g.g_e, 5e-9 * np.exp(-1e-4 / 5e-3))
    assert np.all(to_numpy(g.v) > -60e-3)
