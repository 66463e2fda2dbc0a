"""Clock, Variable and Equation: code block 8, closed forms, Brian2, orders."""
import warnings

import numpy as np
import pytest

from monnto import Network, NeuronGroup, Recorder
from monnto.behaviours.equations import Clock, Equation, EquationError, Reset, Threshold, Variable
from monnto.core.backend import to_numpy


def block8(method="auto", size=100, duration="1000*ms"):
    """Code block 8 of the paper (with a selectable method)."""
    net = Network()
    NeuronGroup(net=net, size=size, behaviour={
        1: Clock(step='0.1*ms'),
        2: Variable(eq='v=1*mV'),
        3: Variable(eq='tau=100*ms'),
        4: Equation(eq='dv/dt=(0*mV-v)/tau', method=method),
        9: Recorder(['n.v', 'n.t'], tag='my_rec'),
    })
    net.initialize()
    net.simulate_iterations(duration)
    return net


def test_code_block_8_follows_exponential_decay():
    net = block8(size=10)
    t = net['n.t', 0, 'np']
    v = net['n.v', 0, 'np']
    assert t.shape == (10000,) and v.shape == (10000, 10)
    k = np.arange(1, 10001)
    np.testing.assert_allclose(t, k * 1e-4, rtol=1e-12)  # t = k*dt at iteration k
    expected = 1e-3 * np.exp(-t / 0.1)  # SI: volt
    np.testing.assert_allclose(v, expected[:, None] * np.ones(10), rtol=1e-9)


def test_exact_relative_error_at_one_second_below_1e9():
    net = block8(method="exact", size=3)
    v_end = net['n.v', 0, 'np'][-1]
    assert np.all(np.abs(v_end / (1e-3 * np.exp(-10.0)) - 1) < 1e-9)
    assert net.NeuronGroups[0].behaviour[4].method == "exact"


def test_euler_is_forward_euler():
    net = block8(method="euler", size=2, duration="10*ms")
    v = net['n.v', 0, 'np'][:, 0]
    np.testing.assert_allclose(v, 1e-3 * (1 - 1e-4 / 0.1) ** np.arange(1, 101), rtol=1e-13)


@pytest.mark.numpy_only  # a Brian2 cross-check
def test_euler_matches_brian2_euler():
    b2 = pytest.importorskip("brian2")
    from brian2 import ms, mV

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    eqs = "dv/dt = (0*mV - v)/tau : volt\ntau : second"
    G = b2.NeuronGroup(100, eqs, method="euler", dt=0.1 * ms)
    G.v = 1 * mV
    G.tau = 100 * ms
    M = b2.StateMonitor(G, "v", record=True, dt=0.1 * ms)
    net_b2 = b2.Network(G, M)
    net_b2.run(1000 * ms, namespace={})
    v_b2 = np.asarray(M.v_)  # (100, 10000) in volt; column k is v at t = k*dt
    ours = block8(method="euler")['n.v', 0, 'np']  # row k-1 is v at t = k*dt
    np.testing.assert_allclose(ours[:-1].T, v_b2[:, 1:], rtol=1e-9, atol=0)


def test_clock_converts_durations_and_advances_time():
    clock = Clock(step='0.1*ms')
    assert clock.time_to_iterations('1000*ms') == 10000
    assert clock.time_to_iterations('0.3*ms') == 3
    assert clock.time_to_iterations('1*second') == 10000
    assert clock.time_to_iterations(7) == 7
    with pytest.raises(EquationError, match="expected a duration"):
        clock.time_to_iterations('3*mV')


def test_clock_on_the_network_serves_every_group():
    net = Network(behaviour={1: Clock(step='0.5*ms')})
    g = NeuronGroup(net=net, size=4, behaviour={
        2: Variable(eq='v=2*mV'),
        4: Equation(eq='dv/dt = -v/(10*ms)', method='exact'),
    })
    net.initialize()
    net.simulate_iterations('10*ms')
    assert net.iteration == 20
    assert g.t == pytest.approx(0.01, rel=1e-12)
    np.testing.assert_allclose(to_numpy(g.v), 2e-3 * np.exp(-1.0), rtol=1e-12)


def test_equation_without_clock_raises():
    net = Network()
    NeuronGroup(net=net, size=2, behaviour={4: Equation(eq='dv/dt = -v/(10*ms)')})
    with pytest.raises(EquationError, match="Clock"):
        net.initialize()


def test_variable_distribution_uses_network_rng_and_units():
    def draw(seed):
        net = Network(seed=seed)
        g = NeuronGroup(net=net, size=20000, behaviour={
            1: Clock(step='0.1*ms'), 2: Variable(eq='v=normal(-65,5)*mV')})
        net.initialize()
        return to_numpy(g.v)

    v = draw(1)
    assert v.mean() == pytest.approx(-65e-3, abs=0.1e-3)
    assert v.std() == pytest.approx(5e-3, rel=0.03)
    np.testing.assert_array_equal(v, draw(1))
    assert not np.array_equal(v, draw(2))


def test_variable_expressions_use_other_variables():
    net = Network(seed=3)
    g = NeuronGroup(net=net, size=1000, behaviour={
        1: Variable(eq='Vr=-60*mV; Vt=-50*mV'),
        2: Variable(eq='v = Vr + rand()*(Vt - Vr)'),
    })
    net.initialize()
    v, v_reset = to_numpy(g.v), to_numpy(g.Vr)
    assert np.all((v >= -60e-3) & (v <= -50e-3))
    assert v_reset.shape == (1000,) and v_reset[0] == pytest.approx(-0.06)


def test_variable_per_neuron_values_from_index():
    net = Network()
    g = NeuronGroup(net=net, size=5, behaviour={1: Variable(eq='I = i*0.1*nA + N*1*pA')})
    net.initialize()
    np.testing.assert_allclose(to_numpy(g.I), np.arange(5) * 0.1e-9 + 5e-12, rtol=1e-15)


def test_unitless_izhikevich_matches_hand_written_euler():
    net = Network(behaviour={1: Clock(step='0.5*ms')})
    g = NeuronGroup(net=net, size=3, behaviour={
        2: Variable(eq='v=-65; u=-13; I=10'),
        4: Equation(eq='dv/dt = (0.04*v**2 + 5*v + 140 - u + I)/ms\ndu/dt = 0.02*(0.2*v - u)/ms',
                    method='euler'),
        5: Threshold('v >= 30'),
        7: Reset('v = -65; u += 8'),
    })
    net.initialize()
    net.simulate_iterations(400)
    v, u = np.full(3, -65.0), np.full(3, -13.0)
    n_spikes = 0
    for _ in range(400):
        dv = 0.5 * (0.04 * v**2 + 5 * v + 140 - u + 10)
        du = 0.5 * 0.02 * (0.2 * v - u)
        v, u = v + dv, u + du
        spike = v >= 30
        v[spike] = -65
        u[spike] += 8
        n_spikes += spike[0]
    assert n_spikes >= 3  # regular spiking
    np.testing.assert_allclose(to_numpy(g.v), v, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(g.u), u, rtol=1e-12)


def test_brian2_multiline_with_parameters_and_subexpressions():
    net = Network(behaviour={1: Clock(step='0.1*ms')})
    g = NeuronGroup(net=net, size=5, behaviour={
        2: Variable(eq='v=-70*mV; tau=10*ms'),
        4: Equation(eq='''
            dv/dt = (El - v + R*I)/tau : volt
            I = I0*2 : amp          # sub-expression used above
            El : volt
            R : ohm
            I0 : amp
        ''', method='exact'),
    })
    net.initialize()
    g.El[:] = -70e-3
    g.R[:] = 100e6
    g.I0[:] = 0.05e-9  # R*I = 10 mV
    net.simulate_iterations('50*ms')
    np.testing.assert_allclose(to_numpy(g.v), -70e-3 + 10e-3 * (1 - np.exp(-5.0)), rtol=1e-12)


def _order_error(method, dt):
    net = Network(behaviour={1: Clock(step=f"{dt!r}*second")})  # a bare number this large would warn
    g = NeuronGroup(net=net, size=1, behaviour={
        2: Variable(eq='x=1; y=0'),
        # x(t) = exp(sin(t/s)) * cos(t/s)... coupled, time dependent:
        # dx/dt = cos(t)*x - y ; dy/dt = x*... keep a known solution:
        # x = exp(sin t), y = t**2 : dx/dt = cos(t) x, dy/dt = 2 t
        4: Equation(eq='dx/dt = cos(t/second)*x/second\ndy/dt = 2*t/second**2', method=method),
    })
    net.initialize()
    net.simulate_iterations(int(round(1.0 / dt)))
    x, y = float(to_numpy(g.x)[0]), float(to_numpy(g.y)[0])
    return abs(x - np.exp(np.sin(1.0))) + abs(y - 1.0)


@pytest.mark.parametrize(("method", "order"), [("euler", 1), ("rk2", 2), ("heun", 2), ("rk4", 4)])
def test_global_error_shrinks_at_the_method_order(method, order):
    e1, e2 = _order_error(method, 1 / 40), _order_error(method, 1 / 80)
    observed = np.log2(e1 / e2)
    assert observed == pytest.approx(order, abs=0.25)


def test_exponential_euler_exact_for_constant_linear_and_auto_choices():
    net = Network(behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq='v=0*mV'),
        4: Equation(eq='dv/dt = (10*mV - v)/(20*ms)', method='exponential_euler'),
        5: Equation(eq='dm/dt = (1 - m)*m/ms', method='auto'),        # nonlinear -> rk4
        6: Equation(eq='dh/dt = (1 - h)*(2 + sin(t/ms))/ms', method='auto'),  # time dependent
    })
    net.initialize()
    net.simulate_iterations(30)
    np.testing.assert_allclose(to_numpy(g.v), 10e-3 * (1 - np.exp(-30 / 20)), rtol=1e-12)
    assert g.behaviour[5].method == "rk4"
    assert g.behaviour[6].method == "exponential_euler"


def test_functions_of_time_and_constants_run_on_every_backend():
    # cos(t) of the scalar time and numpy.log(3)/numpy.log(10) of Python numbers
    # (torch's functions take tensors only: the generated code converts them)
    net = Network(behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq='x=0'),
        4: Equation(eq='dx/dt = (cos(t/ms) + log10(3) + pi)/ms', method='euler'),
    })
    net.initialize()
    assert "numpy.cos(" in g.behaviour[4].code and "numpy.log(3)" in g.behaviour[4].code
    net.simulate_iterations(3)
    # forward Euler from t = (k-1) ms to k ms, dt = 1 ms
    expected = sum(np.cos(j) + np.log10(3) + np.pi for j in range(3))
    np.testing.assert_allclose(to_numpy(g.x), [expected, expected], rtol=1e-12)


def test_unless_refractory_freezes_only_flagged_variables():
    net = Network(behaviour={1: Clock(step='1*ms')})
    g = NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq='v=1*mV; w=1*mV'),
        4: Equation(eq='dv/dt = -v/(10*ms) : volt (unless refractory)\ndw/dt = -w/(10*ms) : volt',
                    method='euler'),
    })
    net.initialize()
    g.not_refractory[:] = g.xp.asarray([True, False])
    net.simulate_iterations(1)
    np.testing.assert_allclose(to_numpy(g.v), [0.9e-3, 1e-3])
    np.testing.assert_allclose(to_numpy(g.w), [0.9e-3, 0.9e-3])


@pytest.mark.parametrize(
    ("eq", "match"),
    [
        ("dv/dt = -v/tau + 1*mVolt/ms", "unknown name 'mVolt'"),
        ("dv/dt = -v/tau + q", "unknown name 'q'"),
        ("dv/dt = (v - 1*ms)/tau", "inconsistent dimensions in 'v - 1 \\* ms'"),
        ("dv/dt = -v", r"d v/dt|dv/dt must be"),
        ("d v/dt = -v/tau", "cannot parse line 'd v/dt = -v/tau'"),
        ("dv/dt = -v/tau : second", "declares v as second"),
    ],
)
def test_bad_equations_raise_clear_errors_naming_the_equation(eq, match):
    net = Network(behaviour={1: Clock(step='1*ms')})
    NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq='v=1*mV; tau=10*ms'),
        4: Equation(eq=eq),
    })
    with pytest.raises(EquationError, match=match) as err:
        net.initialize()
    assert f"Equation(eq={eq!r})" in str(err.value)


def test_dimension_error_shows_both_dimensions():
    net = Network(behaviour={1: Clock(step='1*ms')})
    NeuronGroup(net=net, size=2, behaviour={2: Variable(eq='v=1*mV'), 4: Equation(eq='dv/dt = -v')})
    with pytest.raises(EquationError) as err:
        net.initialize()
    msg = str(err.value)
    assert "'-v' is volt" in msg and "must be volt/second" in msg


def test_no_warning_for_used_keyword_arguments():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        block8(method="euler", size=1, duration=5)


def test_exports_from_monnto_package():
    try:
        from monnto import Clock as C  # noqa: F401
        from monnto import Equation as E
        from monnto import Variable as V
    except ImportError:
        pytest.skip("monnto does not export the equation behaviours yet")
    assert C is Clock and E is Equation and V is Variable


BLOCK_8 = """
net = Network()
NeuronGroup(net=net, size=100, behaviour={
    1: Clock(step='0.1*ms'),
    2: Variable(eq='v=1*mV'),
    3: Variable(eq='tau=100*ms'),
    4: Equation(eq='dv/dt=(0*mV-v)/tau'),
    9: Recorder(['n.v', 'n.t'], tag='my_rec'),
})
net.initialize()
net.simulate_iterations('1000*ms')      # a duration string: 10000 steps of 0.1 ms
plot(net['n.t', 0], net['n.v', 0])
"""


def test_code_block_8_text_runs_unchanged_with_star_import():
    import monnto

    if not all(hasattr(monnto, name) for name in ("Clock", "Variable", "Equation")):
        pytest.skip("monnto does not export the equation behaviours yet")
    plotted = []
    namespace = {}
    exec("from monnto import *", namespace)  # noqa: S102 - the paper's import line
    namespace.setdefault("plot", lambda *args: plotted.append(args))
    exec(BLOCK_8, namespace)  # noqa: S102 - the paper's code block, verbatim
    net = namespace["net"]
    t, v = net['n.t', 0, 'np'], net['n.v', 0, 'np']
    np.testing.assert_allclose(v[-1], 1e-3 * np.exp(-10.0), rtol=1e-9)
    assert t[-1] == pytest.approx(1.0)


def test_exact_on_a_nonlinear_equation_names_the_reason():
    net = Network(behaviour={1: Clock(step='1*ms')})
    NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq='v=1*mV; tau=10*ms'),
        4: Equation(eq='dv/dt = -v**2/(tau*mV)', method='exact'),
    })
    with pytest.raises(EquationError, match="method 'exact' cannot integrate.*not linear in v"):
        net.initialize()


def test_unknown_method_is_rejected():
    net = Network(behaviour={1: Clock(step='1*ms')})
    NeuronGroup(net=net, size=2, behaviour={2: Variable(eq='v=1*mV'), 4: Equation(eq='dv/dt = -v/ms', method='milstein')})
    with pytest.raises(EquationError, match="unknown method 'milstein'"):
        net.initialize()
