"""Fused step functions: the same results as calling each behaviour, with fewer calls."""
import numpy as np
import pytest

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder
from monnto.behaviours.equations import Clock, Equation, Refractory, Reset, Threshold, Variable
from monnto.core.backend import to_numpy
from monnto.core.fusion import fusable, fuse, make_run_loop


def generated(source: str, name: str, **globals_):
    """A function compiled from ``source`` that carries it, as the code generators make them."""
    namespace = dict(globals_)
    exec(compile(source, "<test>", "exec"), namespace)
    fn = namespace[name]
    fn.__source__ = source
    return fn


class Box:
    def __init__(self, **values):
        self.__dict__.update(values)


SCALE = "def scale(p):\n    x = p.a * k\n    p.a = x\n    p.log.append(('scale', x))\n"
SHIFT = "def shift(q):\n    x = q.a + k\n    q.a = x\n    q.log.append(('shift', x))\n"


def test_fused_bodies_keep_their_locals_and_globals_apart():
    scale = generated(SCALE, "scale", k=2.0)
    shift = generated(SHIFT, "shift", k=3.0)  # same local (x) and global (k) names, other values
    separate, fused_box = Box(a=1.0, log=[]), Box(a=1.0, log=[])
    for _ in range(3):
        scale(separate)
        shift(separate)
    fused = fuse([scale, shift])
    for _ in range(3):
        fused(fused_box)
    assert fused_box.log == separate.log == [
        ("scale", 2.0), ("shift", 5.0), ("scale", 10.0), ("shift", 13.0), ("scale", 26.0), ("shift", 29.0)]
    assert fused.parts == (scale, shift)
    assert "def _fused_step(_p)" in fused.__source__


def test_an_unbound_name_still_raises_name_error_when_fused():
    broken = generated("def f(p):\n    p.a = missing_name\n", "f")
    with pytest.raises(NameError):
        fuse([broken])(Box(a=0))


@pytest.mark.parametrize("source", [
    "def f(p):\n    if p.a:\n        return\n    p.a = 1\n",           # early return
    "def f(p):\n    p.g = lambda x: x\n",                              # nested scope
    "def f(p):\n    def g():\n        pass\n    p.g = g\n",
    "def f(p):\n    yield p\n",
    "def f(p):\n    global k\n    k = 1\n",
    "def f(p):\n    p = p.child\n    p.a = 1\n",                       # the shared parameter rebound
    "def f(p, q):\n    p.a = q\n",                                     # two parameters
    "def f(p):\n    p.a = (\n",                                        # not Python
])
def test_functions_that_cannot_be_fused_are_refused(source):
    try:
        fn = generated(source, "f")
    except SyntaxError:
        fn = generated("def f(p):\n    pass\n", "f")
        fn.__source__ = source
    assert not fusable(fn)
    with pytest.raises(ValueError, match="cannot be fused"):
        fuse([fn])


def test_plain_functions_methods_and_builtins_are_not_fusable():
    def plain(p):
        p.a = 1

    assert not fusable(plain)                      # no __source__
    assert not fusable(Box(a=1).__init__)          # a bound method
    assert not fusable(len)
    assert fusable(generated(SCALE, "scale", k=1.0))


def test_run_loop_inlines_fusable_steps_calls_the_others_and_counts_iterations():
    log = []
    scale = generated(SCALE, "scale", k=2.0)

    def python_step(q):
        q.log.append(("python", q.a))

    box = Box(a=1.0, log=log)
    net = Box(iteration=0)
    net._steps = [(scale, box), (python_step, box)]
    run = make_run_loop(net._steps)
    assert run(net, 3) == 0
    assert net.iteration == 3
    assert log == [("scale", 2.0), ("python", 2.0), ("scale", 4.0), ("python", 4.0),
                   ("scale", 8.0), ("python", 8.0)]
    assert run(net, 0) == 0 and net.iteration == 3


def test_run_loop_stops_after_the_step_that_changed_the_structure():
    box = Box(a=1.0, log=[])
    net = Box(iteration=0)

    def rebuild_at_two(q):
        if net.iteration == 2:
            net._steps = list(net._steps)  # what Network._structure_changed does

    scale = generated(SCALE, "scale", k=2.0)
    net._steps = [(rebuild_at_two, box), (scale, box)]
    left = make_run_loop(net._steps)(net, 10)
    assert (left, net.iteration, box.a) == (8, 2, 4.0)  # step 2 ran to its end


class Noise(Behaviour):
    """A plain Python behaviour between the generated ones (not fusable)."""

    def new_iteration(self, n):
        n.I_noise[...] = n.vector("uniform") * 0.02  # V


def lif_network(fuse_steps: bool) -> Network:
    net = Network(seed=7)
    net.fuse_steps = fuse_steps
    NeuronGroup(net=net, size=50, tag="exc", behaviour={
        1: Clock(step="0.1*ms"),
        2: Variable(eq="v = -60*mV + rand()*10*mV; tau = 10*ms; I_noise = 0*mV"),
        3: Refractory("2*ms"),
        4: Noise(),
        5: Equation(eq="dv/dt = (-60*mV - v + I_noise)/tau : volt (unless refractory)"),
        6: Threshold("v > -52*mV"),
        7: Reset("v = -65*mV"),
        9: Recorder(["n.v", "n.t"]),
        10: EventRecorder(["n.spike"]),
    })
    net.initialize()
    return net


def test_fused_network_gives_the_same_run_as_unfused_and_single_steps():
    runs = []
    for fuse_steps, single in ((False, False), (True, False), (True, True)):
        net = lif_network(fuse_steps)
        if single:
            for _ in range(300):
                net.simulate_iteration()
        else:
            net.simulate_iterations(300)
        assert net.iteration == 300
        runs.append((to_numpy(net["n.v", 0]), to_numpy(net["n.t", 0]), to_numpy(net["n.spike", 0])))
    (v0, t0, s0), *others = runs
    assert v0.shape == (300, 50) and len(s0) > 20  # the neurons do spike
    np.testing.assert_allclose(t0, np.arange(1, 301) * 1e-4, rtol=1e-12)
    for v, t, s in others:
        np.testing.assert_array_equal(v, v0)
        np.testing.assert_array_equal(t, t0)
        np.testing.assert_array_equal(s, s0)


def test_step_list_fuses_runs_of_generated_steps_of_one_group():
    fused, unfused = lif_network(True), lif_network(False)
    # Clock, Refractory (no step), Noise, Equation, Threshold, Reset, Recorder, EventRecorder
    assert len(unfused._steps) == 7
    # [Clock] [Noise] [Equation + Threshold + Reset + Recorder] [EventRecorder]
    assert len(fused._steps) == 4
    assert [len(getattr(fn, "parts", (fn,))) for fn, _ in fused._steps] == [1, 1, 4, 1]
    fused.fuse_steps = False  # switching it off rebuilds the step list at once
    assert len(fused._steps) == 7


class AddRecorderAt(Behaviour):
    def set_variables(self, n):
        self.at = self.get_init_attr("at", 5)

    def new_iteration(self, n):
        if n.iteration == self.at:
            n.add_behaviour(20, Recorder(["n.v"], tag="late"))


def test_a_structure_change_during_a_run_is_picked_up_at_the_next_step():
    net = lif_network(True)
    net["exc", 0].add_behaviour(0, AddRecorderAt(at=5))
    net.simulate_iterations(40)
    assert net.iteration == 40
    late = to_numpy(net["late", 0]["n.v"])
    # added during step 5, which ends with the old step list: it records steps 6 .. 40
    assert late.shape == (35, 50)
    np.testing.assert_array_equal(late, to_numpy(net["n.v", 0])[5:])


class ToggleNoise(Behaviour):
    """Switches the Noise behaviour on and off every step: a structure change per step."""

    def new_iteration(self, n):
        n.set_behaviours("Noise", bool(n.iteration % 2))


def test_a_structure_change_every_step_gives_the_same_run():
    finals = []
    for fuse_steps in (False, True):
        net = lif_network(fuse_steps)
        net["exc", 0].add_behaviour(0, ToggleNoise())
        net.simulate_iterations(30)  # more rebuilds than the fused loop allows: the plain loop takes over
        assert net.iteration == 30
        finals.append((to_numpy(net["n.v", 0]), to_numpy(net["exc", 0].I_noise)))
    np.testing.assert_array_equal(finals[0][0], finals[1][0])
    np.testing.assert_array_equal(finals[0][1], finals[1][1])
    assert finals[0][0].shape == (30, 50)


def test_tracebacks_through_the_run_loop_show_the_generated_line():
    import traceback

    failing = generated("def f(p):\n    p.a = p.a / p.zero\n", "f")
    box = Box(a=1.0, zero=0.0)
    net = Box(iteration=0)
    net._steps = [(failing, box)]
    with pytest.raises(ZeroDivisionError) as err:
        make_run_loop(net._steps)(net, 3)
    assert "_P0.a = _P0.a / _P0.zero" in "".join(traceback.format_tb(err.value.__traceback__))
