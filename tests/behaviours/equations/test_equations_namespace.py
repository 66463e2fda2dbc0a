"""namespace= (Brian2's external constants): inlined as numbers in the generated code."""
import numpy as np
import pytest

from monnto import EventRecorder, Network, NeuronGroup, SynapseGroup
from monnto.behaviours.equations import (
    Clock,
    Equation,
    EquationError,
    OnPre,
    Refractory,
    Reset,
    Threshold,
    Variable,
)
from monnto.core.backend import to_numpy


def test_namespace_constants_are_inlined_and_exact():
    net = Network()
    group = NeuronGroup(net=net, size=3, behaviour={
        1: Clock(step="0.1*ms"),
        2: Variable(eq="v = v0", namespace={"v0": "1*mV"}),
        4: Equation(eq="dv/dt = (El - v)/tau", namespace={"tau": "100*ms", "El": "0*mV"}, method="exact"),
    })
    net.initialize()
    code = group.behaviour[4].code
    assert "tau" not in code and "El" not in code  # numbers, computed once
    net.simulate_iterations("1000*ms")
    np.testing.assert_allclose(to_numpy(group.v), 1e-3 * np.exp(-10.0), rtol=1e-12)


def lif(constants_as: str, seed=4):
    """A current-driven LIF group; its constants either in namespace= or as Variables."""
    constants = {"taum": "10*ms", "El": "-65*mV", "vt": "-50*mV", "vr": "-70*mV", "R": "10*Mohm",
                 "tref": "2*ms"}
    net = Network(seed=seed, behaviour={0: Clock(step="0.1*ms")})
    if constants_as == "namespace":
        ns = {"namespace": constants}
        variables = {}
    else:
        ns = {}
        variables = {1: Variable(eq="; ".join(f"{k} = {v}" for k, v in constants.items() if k != "tref"))}
    group = NeuronGroup(net=net, size=20, behaviour={
        **variables,
        2: Variable(eq="v = -65*mV; I = 1.6*nA + i*0.05*nA"),
        3: Refractory("tref" if ns else "2*ms", **ns),
        4: Equation(eq="dv/dt = (El - v + R*I)/taum : volt (unless refractory)", method="exact", **ns),
        5: Threshold("v > vt", **ns),
        7: Reset("v = vr", **ns),
        9: EventRecorder(["n.spike"]),
    })
    net.initialize()
    net.simulate_iterations("200*ms")
    return to_numpy(group["n.spike", 0])


def test_namespace_gives_the_run_of_the_same_constants_as_variables():
    inlined, variables = lif("namespace"), lif("variables")
    assert len(inlined) > 100
    np.testing.assert_array_equal(inlined, variables)


def test_synaptic_statements_take_namespace_constants():
    net = Network(behaviour={0: Clock(step="1*ms")})
    src = NeuronGroup(net=net, size=3, behaviour={1: Variable(eq="v = 1"), 5: Threshold("v > 0.5")})
    dst = NeuronGroup(net=net, size=2, behaviour={1: Variable(eq="ge = 0*mV")})
    syn = SynapseGroup(net=net, src=src, dst=dst, behaviour={
        6: OnPre("ge += we; w = clip(w + dw, 0, wmax)", namespace={"we": "1.5*mV", "dw": 0.4, "wmax": 1}),
    })
    syn.W = net.xp.asarray(np.array([[0.5, 0.0, 0.5], [0.5, 0.5, 0.5]]))
    net.initialize()
    net.simulate_iterations(2)
    np.testing.assert_allclose(to_numpy(dst.ge), 2 * np.array([2, 3]) * 1.5e-3, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(syn.W), [[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]], rtol=1e-12)


@pytest.mark.parametrize("namespace, message", [
    ("taum=10*ms", "namespace must be a dict"),
    ({"taum": "10*mz"}, r"namespace\['taum'\].*unknown name 'mz'"),
    ({"taum": "v*2"}, r"namespace\['taum'\]"),
    ({"taum": [1, 2]}, "expected a number or a string with units"),
    ({"_taum": 1}, "not a usable name"),
    ({"v": "1*mV"}, r"also variables of"),
])
def test_bad_namespaces_are_refused(namespace, message):
    net = Network(behaviour={0: Clock(step="0.1*ms")})
    NeuronGroup(net=net, size=2, behaviour={
        2: Variable(eq="v = 0*mV"),
        4: Equation(eq="dv/dt = -v/taum : volt", namespace=namespace),
    })
    with pytest.raises(EquationError, match=message) as err:
        net.initialize()
    assert "Equation(eq=" in str(err.value)
