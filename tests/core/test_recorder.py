"""Recorder and EventRecorder (semantics.md, 'Recorders')."""
import numpy as np
import pytest

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder


class Count(Behaviour):
    def set_variables(self, n):
        n.value = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)
        n.image = np.zeros((2, 3))

    def new_iteration(self, n):
        n.value = n.value + 1
        n.spike = n.id == (n.iteration % n.size)
        n.image = np.zeros((2, 3))
        n.image[n.iteration % 2, n.iteration % 3] = 1


def run(steps=6, **rec_kwargs):
    net = Network(seed=0)
    ng = NeuronGroup(net=net, size=3, behaviour={1: Count(), 9: Recorder(**rec_kwargs)})
    net.initialize()
    net.simulate_iterations(steps)
    return net, ng


def test_every_step_and_expressions():
    net, ng = run(variables=["n.value", "np.sum(n.value)", "n.iteration", "value"])
    np.testing.assert_array_equal(net["n.value", 0][:, 0], np.arange(1, 7))
    np.testing.assert_array_equal(net["np.sum(n.value)", 0], 3 * np.arange(1, 7))
    np.testing.assert_array_equal(net["n.iteration", 0], np.arange(1, 7))
    np.testing.assert_array_equal(net["value", 0], net["n.value", 0])
    rec = ng["Recorder", 0]
    assert set(rec.variables) == {"n.value", "np.sum(n.value)", "n.iteration", "value"}


def test_gapwidth_samples_every_kth_step():
    net, _ = run(steps=9, variables="n.iteration", gapwidth=3)
    np.testing.assert_array_equal(net["n.iteration", 0], [3, 6, 9])
    net, _ = run(steps=3, variables="n.iteration", gapwidth=1)
    np.testing.assert_array_equal(net["n.iteration", 0], [1, 2, 3])


def test_max_length_keeps_the_newest_samples():
    net, _ = run(steps=10, variables="n.iteration", max_length=4)
    np.testing.assert_array_equal(net["n.iteration", 0], [7, 8, 9, 10])


def test_recording_off_and_disable_recording():
    net, _ = run(steps=2, variables="n.iteration")
    net.recording_off()
    net.simulate_iterations(2)
    net.recording_on()
    net.simulate_iterations(1, disable_recording=True)
    net.simulate_iteration()
    np.testing.assert_array_equal(net["n.iteration", 0], [1, 2, 6])


def test_storage_is_preallocated_blocks_not_lists():
    net, ng = run(steps=1, variables="n.value")
    rec = ng["Recorder", 0]
    block = rec._blocks["n.value"]
    net.simulate_iterations(5000)
    assert type(block.data).__name__ in ("ndarray", "Tensor") and len(block.data) >= 5001  # one block
    assert net["n.value", 0].shape == (5001, 3)


def test_recorder_initializes_after_other_behaviours():
    class Late(Behaviour):
        def set_variables(self, n):
            n.late_value = 5.0

    net = Network()
    # the recorder has a smaller key but still sees a variable made by a later key's init
    NeuronGroup(net=net, size=1, behaviour={0: Recorder("n.late_value"), 1: Late()})
    net.initialize()
    net.simulate_iteration()
    np.testing.assert_array_equal(net["n.late_value", 0], [5.0])


def test_missing_variable_raises_at_initialize_with_the_expression():
    net = Network()
    NeuronGroup(net=net, size=1, tag="g", behaviour={1: Count(), 9: Recorder("n.voltag", tag="r")})
    with pytest.raises(ValueError, match=r"'n.voltag'.*initialize.*voltag"):
        net.initialize()
    assert not net.initialized


def test_invalid_python_in_expression():
    net = Network()
    NeuronGroup(net=net, size=1, behaviour={9: Recorder("n.value +")})
    with pytest.raises(ValueError, match=r"'n.value \+' is not valid Python"):
        net.initialize()


def test_event_recorder_times_indices_and_nd():
    net = Network()
    NeuronGroup(net=net, size=3, behaviour={1: Count(), 10: EventRecorder(["n.spike", "n.image"])})
    net.initialize()
    net.simulate_iterations(6)
    np.testing.assert_array_equal(net["n.spike.t", 0], [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(net["n.spike.i", 0], [1, 2, 0, 1, 2, 0])
    assert net["n.spike", 0].shape == (6, 2)
    image = net["n.image", 0]
    assert image.shape == (6, 3)
    np.testing.assert_array_equal(image[:2], [[1, 1, 1], [2, 0, 2]])
    assert net["n.image.i", 0].shape == (6, 2)


def test_variable_made_in_the_first_step_is_recorded_from_step_one():
    class Later(Behaviour):
        def new_iteration(self, n):
            n.fresh = n.get_neuron_vec("ones") * n.iteration

    net = Network()
    NeuronGroup(net=net, size=2, behaviour={1: Later(), 9: Recorder("n.fresh"), 10: EventRecorder("n.fresh")})
    net.initialize()
    net.simulate_iterations(3)
    np.testing.assert_array_equal(net["n.fresh", 0][:, 0], [1, 2, 3])
    np.testing.assert_array_equal(net["n.fresh.t", 0], [1, 1, 2, 2, 3, 3])


def test_bad_recorder_arguments():
    with pytest.raises(ValueError, match="gapwidth"):
        Recorder("n.v", gapwidth=-1)
    with pytest.raises(ValueError, match="max_length"):
        Recorder("n.v", max_length=0)
    with pytest.raises(TypeError, match="expression strings"):
        Recorder([1, 2])


def test_parent_names_on_groups_and_synapse_groups():
    from monnto import SynapseGroup

    net = Network()
    ng = NeuronGroup(net=net, size=2, behaviour={1: Count(), 9: Recorder(["neurons.value", "n.value[0]"])})
    SynapseGroup(net=net, src=ng, dst=ng, tag="S", behaviour={
        0: _SetW(), 9: Recorder(["s.W.sum()", "synapse.W[0, 1]", "np.sum(W)"])})
    net.initialize()
    net.simulate_iterations(2)
    np.testing.assert_array_equal(net["neurons.value", 0], [[1, 1], [2, 2]])
    np.testing.assert_array_equal(net["n.value[0]", 0], [1, 2])
    np.testing.assert_array_equal(net["s.W.sum()", 0], [4.0, 4.0])
    np.testing.assert_array_equal(net["synapse.W[0, 1]", 0], [1.0, 1.0])
    np.testing.assert_array_equal(net["np.sum(W)", 0], [4.0, 4.0])


class _SetW(Behaviour):
    def set_variables(self, s):
        s.W = s.get_synapse_mat("ones")


def test_buffers_grow_while_stepping_one_by_one():
    # no reserve() in single steps: the generated recorder fills its 16-row
    # buffers and grows them itself, several times
    net = Network(seed=0)
    ng = NeuronGroup(net=net, size=3, behaviour={1: Count(), 9: Recorder(["n.value", "n.iteration * 2"])})
    net.initialize()
    for _ in range(100):
        net.simulate_iteration()
    np.testing.assert_array_equal(net["n.value", 0][:, 1], np.arange(1, 101))
    np.testing.assert_array_equal(net["n.iteration * 2", 0], 2 * np.arange(1, 101))
    net.simulate_iterations(50)  # then a reserved run continues the same buffers
    np.testing.assert_array_equal(net["n.iteration * 2", 0], 2 * np.arange(1, 151))
    assert ng["Recorder", 0]._blocks["n.value"].count == 150


def test_a_variable_added_later_is_counted_on_its_own():
    net, ng = run(steps=10, variables=["n.iteration"])
    rec = ng["Recorder", 0]
    rec.add_variables(["n.value"])
    net.simulate_iterations(5)
    for _ in range(20):  # past the new buffer's first 16 rows
        net.simulate_iteration()
    np.testing.assert_array_equal(net["n.iteration", 0], np.arange(1, 36))
    np.testing.assert_array_equal(net["n.value", 0][:, 2], np.arange(11, 36))
    rec.clear_recorder()
    net.simulate_iterations(3)
    np.testing.assert_array_equal(net["n.iteration", 0], [36, 37, 38])
    np.testing.assert_array_equal(net["n.value", 0][:, 0], [36, 37, 38])
