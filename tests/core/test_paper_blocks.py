"""Code blocks 1-4 of the paper (paper_api.md), exactly as written there."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from monnto import *  # noqa: E402


class Basic_Behaviour(Behaviour):
    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()
        self.threshold = 0.5
        self.leak_factor = self.get_init_attr('leak_factor', 0.9, neurons)

    def new_iteration(self, neurons):
        neurons.spike = neurons.voltage > self.threshold            # spikes
        neurons.voltage[neurons.spike] = 0.0                         # reset
        neurons.voltage *= self.leak_factor                          # voltage decay
        neurons.voltage += neurons.get_neuron_vec('uniform', density=0.01)  # 1% noise


class Input_Behaviour(Behaviour):
    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses['GLUTAMATE']:
            synapse.W = synapse.get_synapse_mat('uniform(0,10)', density=0.1)  # 10% connectivity
            synapse.enabled = synapse.W > 0

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses['GLUTAMATE']:
            neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size


def block_3():
    My_Network = Network()
    My_Neurons = NeuronGroup(net=My_Network, tag='my_neurons', size=get_squared_dim(100), behaviour={
        1: Basic_Behaviour(),
        2: Input_Behaviour(),
        9: Recorder(tag='my_recorder', variables=['n.voltage', 'np.mean(n.voltage)']),
        10: EventRecorder(tag='my_event_recorder', variables=['n.spike']),
    })
    SynapseGroup(net=My_Network, src=My_Neurons, dst=My_Neurons, tag='GLUTAMATE')
    My_Network.initialize()
    My_Network.simulate_iterations(1000)
    return My_Network, My_Neurons


def test_block_1_structure_runs_without_behaviours():
    My_Network = Network()
    My_Neurons = NeuronGroup(net=My_Network, tag='my_neurons', size=100)
    SynapseGroup(net=My_Network, src=My_Neurons, dst=My_Neurons, tag='GLUTAMATE')
    My_Network.initialize()
    My_Network.simulate_iterations(1000)
    assert My_Network.iteration == 1000
    assert My_Neurons.afferent_synapses['GLUTAMATE'][0].src is My_Neurons


def test_block_2_behaviour_and_recorders():
    My_Network = Network()
    My_Neurons = NeuronGroup(net=My_Network, tag='my_neurons', size=100, behaviour={
        1: Basic_Behaviour(),
        9: Recorder(tag='my_recorder', variables=['n.voltage', 'np.mean(n.voltage)']),
        10: EventRecorder(tag='my_event_recorder', variables=['n.spike']),
    })
    My_Network.initialize()
    My_Network.simulate_iterations(1000)
    voltage = My_Network['n.voltage', 0]
    assert voltage.shape == (1000, 100)
    np.testing.assert_array_equal(voltage[-1], My_Neurons.voltage)
    # noise only: without resets the mean would settle at 0.005 / (1 - 0.9) = 0.05;
    # resets after every kick above threshold can only lower it
    assert 0.005 < voltage.mean() < 0.05
    assert voltage.min() >= 0.0


def test_block_2_diversification_makes_a_vector():
    net = Network(seed=3)
    ng = NeuronGroup(net=net, size=1000, behaviour={1: Basic_Behaviour(leak_factor='normal(0.9,0.1)')})
    net.initialize()
    leak = ng['Basic_Behaviour', 0].leak_factor
    assert leak.shape == (1000,)
    assert abs(leak.mean() - 0.9) < 0.02 and abs(leak.std() - 0.1) < 0.01


def test_block_2_plot_flag_draws_a_histogram():
    net = Network(seed=3)
    ng = NeuronGroup(net=net, size=50, behaviour={1: Basic_Behaviour(leak_factor='normal(0.9,0.1);plot')})
    before = len(plt.get_fignums())
    net.initialize()
    assert len(plt.get_fignums()) == before + 1
    assert ng.Basic_Behaviour.leak_factor.shape == (50,)
    plt.close("all")


def test_block_3_results():
    My_Network, My_Neurons = block_3()
    voltage = My_Network['n.voltage', 0]
    mean = My_Network['np.mean(n.voltage)', 0]
    assert voltage.shape == (1000, 100)
    np.testing.assert_allclose(mean, voltage.mean(axis=1), rtol=1e-12)
    t, i = My_Network['n.spike.t', 0], My_Network['n.spike.i', 0]
    assert len(t) == len(i) > 0
    assert t.min() >= 1 and t.max() <= 1000
    assert i.min() >= 0 and i.max() <= 99
    rate = len(t) / (1000 * 100)
    assert 0.001 <= rate <= 0.05
    assert My_Neurons.width == 10 and My_Neurons.height == 10


def test_block_4_tagging_and_plotting():
    My_Network, My_Neurons = block_3()
    plt.plot(My_Network['n.voltage', 0])                              # (T, N) traces
    plt.plot(My_Network['np.mean(n.voltage)', 0], color='black')
    plt.axhline(My_Neurons['Basic_Behaviour', 0].threshold, linestyle='dashed')
    plt.show()

    plt.plot(My_Network['n.spike.t', 0], My_Network['n.spike.i', 0], '.k')  # raster
    plt.show()
    plt.close("all")

    assert My_Network['my_neurons'] == [My_Neurons]
    assert My_Network['my_recorder'] == My_Neurons['my_recorder']
    assert len(My_Network['my_recorder']) == 1
    # obj['tag', i] is obj['tag'][i], or None when there is no i-th match
    np.testing.assert_array_equal(My_Neurons['n.voltage', 0], My_Neurons['n.voltage'][0])
    assert My_Neurons['n.voltage', 3] is None
    assert My_Neurons['Basic_Behaviour', 0].threshold == 0.5


def test_same_seed_same_spikes_different_seed_different():
    from monnto.models.basic_network import basic_network

    def spikes(seed):
        net = basic_network(100, seed=seed)
        net.simulate_iterations(300)
        return net['n.spike', 0].copy()

    a, b, c = spikes(7), spikes(7), spikes(8)
    np.testing.assert_array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_basic_network_equals_a_hand_written_numpy_loop():
    """The framework adds no hidden draws: same seed, same trajectory as plain numpy with the keyed draws."""
    from monnto.models.basic_network import basic_network

    n, steps, seed = 100, 500, 11
    net = basic_network(n, seed=seed)
    net.simulate_iterations(steps)

    group, synapses = net.NeuronGroups[0], net.SynapseGroups[0]
    W = keyed_uniform(net, synapses, 0, 0, n * n, 0, 10).reshape(n, n)
    W *= keyed_uniform(net, synapses, 0, 1, n * n).reshape(n, n) < 0.1
    v = np.zeros(n)
    trace = np.empty((steps, n))
    for k in range(steps):
        spike = v > 0.5
        v[spike] = 0.0
        v *= 0.9
        noise = keyed_uniform(net, group, k + 1, 0, n)
        noise *= keyed_uniform(net, group, k + 1, 1, n) < 0.01
        v += noise
        v += W.dot(spike) / n
        trace[k] = v
    np.testing.assert_allclose(net['n.voltage', 0], trace, rtol=1e-12, atol=1e-14)


def keyed_uniform(net, owner, iteration, count, size, low=0.0, high=1.0):
    """Draw ``count`` of ``owner`` in ``iteration``, by the scheme of monnto.core.keyed_draws written out:
    element i is U(low, high) from the counter keyed by (seed, creation number, count, iteration, i)."""
    from monnto.targets.random_streams import call_key, sample, stream_key

    owner_key = stream_key(net.seed, f"draws|{net._creation_order[id(owner)]}")
    key = call_key(np.array([owner_key], np.uint64), np.array([count], np.uint64))
    return sample(1, low, high, key, np.array([iteration], np.uint64), np.arange(size, dtype=np.uint64))
