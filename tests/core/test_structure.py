"""Structure and order (semantics.md, 'Structure and order')."""
import warnings

import numpy as np
import pytest

from monnto import (
    Behavior,
    Behaviour,
    Network,
    NeuronDimension,
    NeuronGroup,
    NeuronSubGroup,
    SynapseGroup,
    afferent,
    efferent,
    get_squared_dim,
)


class Log(Behaviour):
    """Appends its name to a shared log each step."""

    def set_variables(self, parent):
        self.name = self.get_init_attr("name", "?")
        self.log = self.get_init_attr("log", None)

    def new_iteration(self, parent):
        self.log.append(self.name)


def test_group_without_behaviours_and_list_keys():
    net = Network()
    empty = NeuronGroup(net=net, size=3)
    log = []
    listed = NeuronGroup(net=net, size=3, behaviour=[Log(name="a", log=log), Log(name="b", log=log)])
    net.initialize()
    assert empty.behaviour == {}
    assert sorted(listed.behaviour) == [0, 1]
    net.simulate_iteration()
    assert log == ["a", "b"]


def test_neuron_dimension_sets_layout_and_positions():
    net = Network()
    ng = NeuronGroup(net=net, size=NeuronDimension(width=4, height=3, depth=2), tag="grid")
    assert ng.size == 24 and (ng.width, ng.height, ng.depth) == (4, 3, 2)
    # neuron 13 = x 1, y 0, z 1 before centring; centring shifts by -(w-1)/2 etc.
    assert (ng.x[13], ng.y[13], ng.z[13]) == (1 - 1.5, 0 - 1.0, 1 - 0.5)
    assert ng.x.shape == (24,)
    np.testing.assert_array_equal(ng.id, np.arange(24))


def test_get_squared_dim():
    assert (get_squared_dim(100).width, get_squared_dim(100).height) == (10, 10)
    assert (get_squared_dim(6).width, get_squared_dim(6).height) == (2, 3)
    assert (get_squared_dim(7).width, get_squared_dim(7).height) == (1, 7)


def test_synapse_group_endpoints_by_tag_and_registration():
    net = Network()
    a = NeuronGroup(net=net, size=3, tag="A")
    b = NeuronGroup(net=net, size=5, tag="B")
    sg = SynapseGroup(net=net, src="A", dst="B", tag="GLU,fast")
    assert sg.src is a and sg.dst is b
    assert sg.matrix_dim() == (5, 3)
    assert b.afferent_synapses["GLU"] == [sg] and b.afferent_synapses["fast"] == [sg]
    assert a.efferent_synapses["GLU"] == [sg]
    assert b.synapses(afferent, "GLU") == [sg] and a.synapses(efferent) == [sg]
    assert a.afferent_synapses["GLU"] == []  # a tag carried elsewhere: empty here
    with pytest.raises(KeyError, match="GLUTAMTE"):
        b.afferent_synapses["GLUTAMTE"]
    assert sg.get_synapse_mat().shape == (5, 3)
    assert set(sg.tags) >= {"GLU", "fast", "syn", "A_to_B"}


def test_keys_sort_across_the_network_and_ties_are_documented():
    log = []
    net = Network(behaviour={5: Log(name="net5", log=log), 1: Log(name="net1", log=log)})
    NeuronGroup(net=net, size=1, tag="A", behaviour={1: Log(name="A1", log=log), 5: Log(name="A5", log=log),
                                                      0.5: Log(name="A0.5", log=log)})
    NeuronGroup(net=net, size=1, tag="B", behaviour={1: Log(name="B1", log=log), -2: Log(name="B-2", log=log)})
    net.initialize()
    net.simulate_iteration()
    assert log == ["B-2", "A0.5", "net1", "A1", "B1", "net5", "A5"]


def test_recorders_run_after_other_behaviours_of_the_same_key():
    class SetX(Behaviour):
        def set_variables(self, n):
            n.x_value = 0

        def new_iteration(self, n):
            n.x_value = n.iteration

    from monnto import Recorder

    early = Network()
    g = NeuronGroup(net=early, size=1, behaviour={1: Recorder("n.x_value")})
    assert len(g["n.x_value", 0]) == 0  # before initialize: nothing recorded, no error
    net2 = Network()
    h = NeuronGroup(net=net2, size=1, behaviour={2: Recorder("n.x_value", tag="r")})
    NeuronGroup(net=net2, size=1, behaviour={2: SetX()})  # created later, same key
    h.add_behaviour(2.5, SetX())
    net2.initialize()
    net2.simulate_iterations(3)
    # h's recorder at key 2 runs after the other group's SetX at key 2 but before h's own SetX at 2.5
    np.testing.assert_array_equal(net2["n.x_value", 0], [0, 1, 2])


def test_first_step_is_iteration_one():
    seen = []

    class Seen(Behaviour):
        def new_iteration(self, n):
            seen.append(n.iteration)

    net = Network()
    NeuronGroup(net=net, size=1, behaviour={1: Seen()})
    net.initialize()
    assert net.iteration == 0
    net.simulate_iteration()
    info = net.simulate_iterations(2)
    assert seen == [1, 2, 3]
    assert info["steps"] == 2 and info["seconds"] >= 0 and info["steps_per_second"] > 0


def test_duration_string_uses_a_clock():
    class FakeClock(Behaviour):
        def set_variables(self, n):
            n.dt = 1e-3

        def time_to_iterations(self, text):
            assert text == "10*ms"
            return 10

    net = Network(behaviour={0: FakeClock()})
    ng = NeuronGroup(net=net, size=2)
    net.initialize()
    net.simulate_iterations("10*ms")
    assert net.iteration == 10
    assert ng.dt == 1e-3  # a group without its own clock reads the network's dt


def test_progress_bar_on_request(capsys):
    net = Network()
    NeuronGroup(net=net, size=1)
    net.initialize()
    net.simulate_iterations(50, progress=True)
    assert "50/50" in capsys.readouterr().err
    net.simulate_iterations(50, progress=False)
    assert capsys.readouterr().err == ""
    assert net.iteration == 100


def test_add_remove_activate_deactivate_after_initialize():
    log = []
    net = Network()
    ng = NeuronGroup(net=net, size=1, behaviour={1: Log(name="a", log=log, tag="alpha")})
    net.initialize()
    added = ng.add_behaviour(2, Log(name="b", log=log))
    assert added.initialized and added.log is log
    net.simulate_iteration()
    assert log == ["a", "b"]
    net.deactivate_behaviours("alpha")
    assert len(net._steps) == 1  # a disabled behaviour is not in the step list: it costs nothing
    net.simulate_iteration()
    assert log == ["a", "b", "b"]
    net.activate_behaviours("alpha")
    net.simulate_iteration()
    assert log == ["a", "b", "b", "a", "b"]
    removed = ng.remove_behaviour(Log)
    assert len(removed) == 2 and ng.behaviour == {}
    net.simulate_iteration()
    assert len(log) == 5


def test_remove_by_key_tag_and_instance():
    net = Network()
    b1, b2, b3 = Log(tag="x"), Log(), Log()
    ng = NeuronGroup(net=net, size=1, behaviour={1: b1, 2: b2, 3: b3})
    assert ng.remove_behaviour(2) == [b2]
    assert ng.remove_behaviour("x") == [b1]
    assert ng.remove_behaviour(b3) == [b3]
    assert not hasattr(ng, "x")


def test_duplicate_group_tags_keep_both_and_warn():
    net = Network()
    a = NeuronGroup(net=net, size=1, tag="exc")
    with pytest.warns(UserWarning, match="'exc'"):
        b = NeuronGroup(net=net, size=2, tag="exc")
    assert net["exc"] == [a, b]
    assert net.exc is a


def test_attribute_shortcuts():
    net = Network()
    ng = NeuronGroup(net=net, size=1, tag="my_neurons", behaviour={1: Log(tag="logger")})
    SynapseGroup(net=net, src=ng, dst=ng, tag="GLUTAMATE")
    assert net.my_neurons is ng
    assert net.GLUTAMATE is net["GLUTAMATE", 0]
    assert ng.logger is ng.behaviour[1] and ng.Log is ng.behaviour[1]


def test_later_names_are_aliases():
    class New(Behavior):
        def initialize(self, n):
            n.v = n.vector("ones")
            self.k = self.parameter("k", 1, n)

        def iteration(self, n):
            n.v += self.k

    net = Network()
    ng = NeuronGroup(net=net, size=2, behavior={1: New(k=2)})
    sg = SynapseGroup(net=net, src=ng, dst=ng, tag="S")
    net.initialize()
    net.simulate_iterations(3)
    np.testing.assert_array_equal(ng.v, [7, 7])
    assert sg.matrix("ones").shape == (2, 2)
    assert ng.synapses(afferent, "S") == [sg]


def test_subgroup_reads_and_writes_through():
    net = Network()
    ng = NeuronGroup(net=net, size=6)
    ng.v = np.arange(6.0)
    ng.buffer = np.zeros((2, 6))
    sub = ng.subGroup(np.array([0, 1, 0, 1, 0, 1], dtype=bool))
    assert isinstance(sub, NeuronSubGroup) and sub.size == 3
    np.testing.assert_array_equal(sub.v, [1, 3, 5])
    sub.v += 10
    np.testing.assert_array_equal(ng.v, [0, 11, 2, 13, 4, 15])
    sub.v = 0
    np.testing.assert_array_equal(ng.v, [0, 0, 2, 0, 4, 0])
    assert sub.buffer.shape == (2, 3)
    sub.label = "odd"  # a non-array attribute stays on the subgroup
    assert sub.label == "odd" and not hasattr(ng, "label")
    np.testing.assert_array_equal(NeuronSubGroup(ng, [0, 2]).id, [0, 2])
    assert sub.get_neuron_vec().shape == (3,)


def test_initialize_failure_names_the_behaviour_and_leaves_network_uninitialized():
    class Broken(Behaviour):
        def set_variables(self, n):
            raise RuntimeError("boom")

    net = Network()
    NeuronGroup(net=net, size=1, tag="g", behaviour={3: Broken()})
    with pytest.raises(RuntimeError, match="boom") as info:
        net.initialize()
    assert any("Broken" in note and "'g'" in note for note in info.value.__notes__)
    assert not net.initialized
    with pytest.raises(RuntimeError, match="initialize"):
        net.simulate_iteration()


def test_add_behaviour_failure_leaves_no_half_attached_behaviour():
    class Broken(Behaviour):
        def set_variables(self, n):
            raise ValueError("bad")

    net = Network()
    ng = NeuronGroup(net=net, size=1)
    net.initialize()
    with pytest.raises(ValueError):
        ng.add_behaviour(1, Broken())
    assert ng.behaviour == {}


@pytest.mark.numpy_target  # on numba the paper's Python behaviours warn that they stay Python
def test_no_warning_for_clean_networks():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from monnto.models.basic_network import basic_network

        basic_network(16, seed=0).simulate_iterations(5)


def test_no_progress_bar_by_default_when_not_a_terminal(capsys):
    net = Network()
    NeuronGroup(net=net, size=1)
    net.initialize()
    net.simulate_iterations(6000)  # long enough for a bar on a terminal; stderr is captured here
    assert capsys.readouterr().err == ""


def test_synapse_groups_share_transmitter_tags_without_a_warning():
    net = Network()
    a = NeuronGroup(net=net, size=2, tag="A")
    b = NeuronGroup(net=net, size=2, tag="B")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s1 = SynapseGroup(net=net, src=a, dst=b, tag="GLUTAMATE")
        s2 = SynapseGroup(net=net, src=b, dst=b, tag="GLUTAMATE")
    assert net["GLUTAMATE"] == [s1, s2] and b.afferent_synapses["GLUTAMATE"] == [s1, s2]


def test_remove_synapse_group():
    net = Network()
    a = NeuronGroup(net=net, size=2, tag="A")
    sg = SynapseGroup(net=net, src=a, dst=a, tag="GLU")
    net.initialize()
    net.remove_synapse_group(sg)
    assert net.SynapseGroups == [] and a.afferent_synapses["All"] == [] and a.efferent_synapses["All"] == []
    assert net["GLU"] == [] and not hasattr(net, "GLU")
