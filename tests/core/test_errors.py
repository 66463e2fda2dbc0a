"""Bad input gets a clear, early error naming object, argument, value and expectation."""
import pytest

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup


class Uses(Behaviour):
    def set_variables(self, n):
        n.v = n.get_neuron_vec(self.get_init_attr("init", "zeros"))


@pytest.mark.parametrize("size", [-3, 0, 2.5, "10", True, None])
def test_bad_size(size):
    net = Network()
    with pytest.raises(ValueError, match=rf"NeuronGroup 'exc': size must be a positive int or a NeuronDimension, got {size!r}"):
        NeuronGroup(net=net, size=size, tag="exc")
    assert net.NeuronGroups == []  # nothing half-built


def test_unknown_src_or_dst_tag():
    net = Network()
    NeuronGroup(net=net, size=3, tag="exc")
    with pytest.raises(ValueError, match=r"SynapseGroup 'GLU': src='ecx' matches no NeuronGroup.*\['exc'\]"):
        SynapseGroup(net=net, src="ecx", dst="exc", tag="GLU")
    with pytest.raises(ValueError, match=r"dst='inh'"):
        SynapseGroup(net=net, src="exc", dst="inh", tag="GLU")
    with pytest.raises(TypeError, match=r"src must be a NeuronGroup"):
        SynapseGroup(net=net, src=3, dst="exc", tag="GLU")
    assert net.SynapseGroups == [] and net.exc.afferent_synapses["All"] == []


def test_behaviour_that_is_not_a_behaviour():
    net = Network()
    with pytest.raises(TypeError, match=r"NeuronGroup 'g'.*key 1 must be an instance of a Behaviour subclass, got <class"):
        NeuronGroup(net=net, size=3, tag="g", behaviour={1: Uses})
    with pytest.raises(TypeError, match="behaviour must be a dict"):
        NeuronGroup(net=net, size=3, tag="g", behaviour="Uses")
    with pytest.raises(TypeError, match="keys must be real numbers"):
        NeuronGroup(net=net, size=3, tag="g", behaviour={"one": Uses()})
    assert net.NeuronGroups == []


def test_duplicate_key_on_one_object():
    net = Network()
    ng = NeuronGroup(net=net, size=3, tag="g", behaviour={1: Uses()})
    with pytest.raises(ValueError, match=r"NeuronGroup 'g'.*key 1 is already used by Uses"):
        ng.add_behaviour(1, Uses())
    b = Uses()
    ng.add_behaviour(2, b)
    with pytest.raises(ValueError, match="already attached"):
        NeuronGroup(net=net, size=3, tag="h", behaviour={1: b})


def test_misspelt_distribution_in_a_parameter():
    net = Network()
    NeuronGroup(net=net, size=3, tag="g", behaviour={1: Uses(init="unifrom(0,1)")})
    with pytest.raises(ValueError, match=r"NeuronGroup 'g'.*'unifrom\(0,1\)'.*did you mean 'uniform'"):
        net.initialize()


def test_density_outside_unit_interval():
    net = Network()
    ng = NeuronGroup(net=net, size=3, tag="g")
    sg = SynapseGroup(net=net, src=ng, dst=ng, tag="S")
    with pytest.raises(ValueError, match=r"SynapseGroup 'S'.*density must be a probability in \[0, 1\], got 1.2"):
        sg.get_synapse_mat("uniform", density=1.2)


def test_recorder_expression_naming_a_missing_variable():
    net = Network()
    NeuronGroup(net=net, size=3, tag="g", behaviour={1: Uses(), 9: Recorder(["n.v", "np.mean(n.vv)"])})
    with pytest.raises(ValueError, match=r"Recorder.*'g'.*'np.mean\(n.vv\)' failed at initialize.*'vv'"):
        net.initialize()
    net2 = Network()
    NeuronGroup(net=net2, size=3, behaviour={10: EventRecorder("n.spikes")})
    with pytest.raises(ValueError, match="'n.spikes'"):
        net2.initialize()


def test_duration_string_without_a_clock():
    net = Network()
    NeuronGroup(net=net, size=3)
    net.initialize()
    with pytest.raises(ValueError, match=r"'1000\*ms' needs a Clock behaviour"):
        net.simulate_iterations("1000*ms")
    with pytest.raises(ValueError, match="non-negative int"):
        net.simulate_iterations(-5)


def test_bad_network_arguments():
    with pytest.raises(ValueError, match="float dtype"):
        Network(dtype="int32")
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        Network(seed=-1)
    with pytest.raises(ValueError, match="backend"):
        Network(backend="cupyy")
    with pytest.raises(TypeError, match="net must be a Network"):
        NeuronGroup(net=None, size=3)
