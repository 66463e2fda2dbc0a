"""The tagging system (semantics.md, 'Tagging')."""
import numpy as np

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup


class Spiker(Behaviour):
    def set_variables(self, n):
        n.spike = n.get_neuron_vec(bool)
        n.voltage = n.get_neuron_vec()

    def new_iteration(self, n):
        n.voltage += 1
        n.spike = (n.id + n.iteration) % 3 == 0


def build():
    net = Network(seed=0)
    a = NeuronGroup(net=net, size=4, tag="exc,layer1", behaviour={
        1: Spiker(tag="sp"), 9: Recorder(["n.voltage", "voltage"], tag="rec"), 10: EventRecorder("n.spike")})
    b = NeuronGroup(net=net, size=2, tag="inh")
    sg = SynapseGroup(net=net, src=a, dst=b, tag="GABA")
    net.initialize()
    return net, a, b, sg


def test_tags_class_names_keys_and_automatic_tags():
    net, a, b, sg = build()
    assert net["exc"] == [a] and net["layer1"] == [a]
    assert net["NeuronGroup"] == [a, b] and net["ng"] == [a, b]
    assert net["SynapseGroup"] == [sg] and net["syn"] == [sg] and net["exc_to_inh"] == [sg]
    assert net["Spiker"] == [a.behaviour[1]] and net["sp"] == [a.behaviour[1]]
    assert a[1] == [a.behaviour[1]]
    assert net["Recorder"] == [a.behaviour[9]]  # class names match exactly
    assert net["recorder"] == [a.behaviour[9], a.behaviour[10]]  # the automatic tag of both
    assert net["Network"] == [net]
    assert net["nothing"] == [] and net["nothing", 0] is None


def test_index_and_numpy_forms():
    net, a, *_ = build()
    net.simulate_iterations(3)
    assert net["exc", 0] is a
    assert net["exc", 1] is None
    v = net["n.voltage", 0, "np"]
    assert isinstance(v, np.ndarray) and v.shape == (3, 4)
    np.testing.assert_array_equal(net["voltage", 0], v)  # a bare name is read from the parent


def test_cache_holds_tuple_keys_and_is_cleared_on_structure_change():
    net, a, *_ = build()
    first = net["Spiker", 0]
    assert "Spiker" in net._tag_cache
    assert net["Spiker", 0] is first
    new = a.add_behaviour(2, Spiker())
    assert net["Spiker"] == [first, new]
    NeuronGroup(net=net, size=1, tag="late")
    assert net["late", 0] is not None


def test_recorded_data_is_never_stale():
    net, a, *_ = build()
    net.simulate_iterations(2)
    assert net["n.voltage", 0].shape == (2, 4)
    t_before = net["n.spike.t", 0]
    net.simulate_iterations(3)
    assert net["n.voltage", 0].shape == (5, 4)  # same (cached) key, fresh data
    assert len(net["n.spike.t", 0]) > len(t_before)
    net.clear_recorder()
    assert net["n.voltage", 0].shape == (0, 4)
    assert len(net["n.spike.t", 0]) == 0 and net["n.spike", 0].shape == (0, 2)
    net.simulate_iteration()
    assert net["n.voltage", 0].shape == (1, 4)


def test_group_tag_attributes_and_behaviour_tag_attributes():
    net, a, b, sg = build()
    assert net.exc is a and net.layer1 is a and net.inh is b and net.GABA is sg
    assert a.sp is a.behaviour[1] and a.rec is a.behaviour[9]
