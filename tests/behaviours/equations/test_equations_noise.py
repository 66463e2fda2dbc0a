"""White-noise terms ``xi`` (Euler-Maruyama), checked on the Ornstein-Uhlenbeck process.

dv/dt = -v/tau + sigma*sqrt(2/tau)*xi has, with Euler-Maruyama at step dt,
v_{k+1} = a*v_k + sigma*sqrt(2*dt/tau)*N(0, 1) with a = 1 - dt/tau: a
stationary variance sigma**2 * (2*dt/tau) / (1 - a**2) and lag-m
correlation a**m, exactly (the discrete process is AR(1)).
"""
import numpy as np
import pytest

from monnto import Network, NeuronGroup, Recorder
from monnto.behaviours.equations import Clock, Equation, EquationError, Variable
from monnto.core.backend import to_numpy

DT, TAU, SIGMA = 1e-4, 10e-3, 2e-3
A = 1 - DT / TAU
STATIONARY_SD = SIGMA * np.sqrt(2 * DT / TAU / (1 - A**2))
OU = "dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : volt"


def ou_network(size, seed=1, eq=OU, method="auto", record=None):
    net = Network(seed=seed)
    behaviour = {
        1: Clock(step="0.1*ms"),
        2: Variable(eq="v = 0*mV; tau = 10*ms; sigma = 2*mV"),
        4: Equation(eq=eq, method=method),
    }
    if record:
        behaviour[9] = Recorder(record)
    group = NeuronGroup(net=net, size=size, behaviour=behaviour)
    net.initialize()
    return net, group


def test_stationary_spread_and_mean_of_the_ou_process():
    net, group = ou_network(20000)
    net.simulate_iterations("100*ms")  # 10 tau: the start is forgotten to exp(-20)
    v = to_numpy(group.v)
    assert group.behaviour[4].method == "euler"
    assert v.std() == pytest.approx(STATIONARY_SD, rel=0.02)  # sampling error of the sd: 0.5 %
    assert abs(v.mean()) < 4 * STATIONARY_SD / np.sqrt(v.size)


def test_correlation_after_one_time_constant():
    net, group = ou_network(20000)
    net.simulate_iterations("50*ms")
    before = to_numpy(group.v).copy()
    net.simulate_iterations(100)  # 100 steps = tau
    after = to_numpy(group.v)
    r = np.corrcoef(before, after)[0, 1]
    assert r == pytest.approx(A**100, abs=0.03)  # 0.366; standard error ~0.006


def test_same_seed_same_noise_other_seed_other_noise():
    runs = []
    for seed in (3, 3, 4):
        net, group = ou_network(50, seed=seed)
        net.simulate_iterations(20)
        runs.append(to_numpy(group.v).copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_one_xi_is_shared_and_two_names_are_independent():
    two = "dx/dt = -x/tau + sigma*sqrt(2/tau)*{} : volt\ndy/dt = -y/tau + sigma*sqrt(2/tau)*{} : volt"
    net, group = ou_network(20000, eq=OU + "\n" + two.format("xi_a", "xi_b"))
    net.simulate_iterations("30*ms")
    x, y, v = (to_numpy(getattr(group, name)) for name in "xyv")
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.03 and abs(np.corrcoef(x, v)[0, 1]) < 0.03
    net, group = ou_network(1000, eq=two.format("xi", "xi"))
    net.simulate_iterations("30*ms")
    np.testing.assert_array_equal(to_numpy(group.x), to_numpy(group.y))  # Brian2: one xi, one noise
    assert to_numpy(group.x).std() > 0.5 * STATIONARY_SD


def test_refractory_neurons_do_not_diffuse():
    net, group = ou_network(100, eq="dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : volt (unless refractory)")
    frozen = np.arange(100) < 50
    group.not_refractory[...] = net.xp.asarray(~frozen)
    net.simulate_iterations(50)
    v = to_numpy(group.v)
    assert np.all(v[frozen] == 0.0) and np.all(v[~frozen] != 0.0)


@pytest.mark.parametrize("eq, method, message", [
    (OU, "rk4", "need method 'euler'"),
    (OU, "exact", "need method 'euler'"),
    ("dv/dt = -v/tau + v*sqrt(2/tau)*xi : volt", "euler", "multiplied by a state variable"),
    ("dv/dt = -v/tau + sigma*xi*xi : volt", "euler", "linear in xi"),
    ("dv/dt = -v/tau + sigma*xi : volt", "euler", "inconsistent dimensions"),
])
def test_bad_noise_terms_are_refused_naming_the_equation(eq, method, message):
    with pytest.raises(EquationError, match=message) as err:
        ou_network(10, eq=eq, method=method)
    assert "Equation(eq=" in str(err.value)


@pytest.mark.slow
@pytest.mark.numpy_only  # a Brian2 cross-check
def test_ou_spread_matches_brian2():
    b2 = pytest.importorskip("brian2")
    from brian2 import ms, mV

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.seed(5)
    group = b2.NeuronGroup(20000, OU + "\ntau : second\nsigma : volt", method="euler", dt=0.1 * ms)
    group.tau = 10 * ms
    group.sigma = 2 * mV
    b2.run(100 * ms)
    sd_brian2 = float(np.std(group.v[:] / b2.volt))
    net, mine = ou_network(20000, seed=5)
    net.simulate_iterations("100*ms")
    assert to_numpy(mine.v).std() == pytest.approx(sd_brian2, rel=0.03)
    assert sd_brian2 == pytest.approx(STATIONARY_SD, rel=0.02)


def gbm(method, size=20000, seed=6):
    """dX/dt = mu X + s X xi (Stratonovich: log X = mu t + s W exactly), X(0) = 1, 1 s."""
    net = Network(seed=seed)
    group = NeuronGroup(net=net, size=size, behaviour={
        1: Clock(step="1*ms"),
        2: Variable(eq="X = 1"),
        4: Equation(eq="dX/dt = mu*X + s*X*xi : 1", method=method,
                    namespace={"mu": "1*Hz", "s": "0.5*Hz**0.5"}),
    })
    net.initialize()
    net.simulate_iterations("1000*ms")
    return group, np.log(to_numpy(group.X))


def test_stochastic_heun_solves_multiplicative_noise_in_the_stratonovich_sense():
    group, log_x = gbm("auto")
    assert group.behaviour[4].method == "heun"
    # log X(1 s) ~ N(mu*t, s**2*t) = N(1, 0.25): the Ito reading would give mean 1 - 0.125
    assert log_x.mean() == pytest.approx(1.0, abs=0.02)  # standard error 0.0035
    assert log_x.var() == pytest.approx(0.25, rel=0.05)


def test_multiplicative_noise_with_euler_is_refused():
    with pytest.raises(EquationError, match="multiplied by a state variable.*method='heun'"):
        gbm("euler", size=4)


@pytest.mark.slow
@pytest.mark.numpy_only  # a Brian2 cross-check
def test_stochastic_heun_matches_brian2_heun():
    b2 = pytest.importorskip("brian2")
    from brian2 import Hz, ms

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.seed(8)
    group = b2.NeuronGroup(20000, "dX/dt = mu*X + s*X*xi : 1", method="heun", dt=1 * ms,
                           namespace={"mu": 1 * Hz, "s": 0.5 * Hz**0.5})
    group.X = 1
    b2.run(1000 * ms)
    log_brian2 = np.log(np.asarray(group.X[:]))
    _, log_x = gbm("heun", seed=8)
    assert log_x.mean() == pytest.approx(log_brian2.mean(), abs=0.02)
    assert log_x.var() == pytest.approx(log_brian2.var(), rel=0.06)
