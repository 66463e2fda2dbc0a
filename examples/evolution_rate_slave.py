"""Slave of examples/evolution_rate.py: the paper's basic network (code blocks 2-3).

Genes: the leak factor of ``Basic_Behaviour`` (the gene string
``'[0.9#leak_factor]'``, resolved at ``initialize()``) and ``input_scale``,
a factor on the recurrent weights (read with ``get_gene``). Score:
``-|rate - target|`` with the rate in spikes per neuron per step.

Run alone it simulates with the default genes and logs its score.
"""
import numpy as np

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, SynapseGroup, get_gene, set_score

TARGET_RATE = 0.86  # spikes per neuron per step
SIZE = 100
STEPS = 300


class Basic_Behaviour(Behaviour):  # noqa: N801 - the paper's name
    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()
        self.threshold = 0.5
        self.leak_factor = self.get_init_attr("leak_factor", 0.9, neurons)

    def new_iteration(self, neurons):
        neurons.spike = neurons.voltage > self.threshold
        neurons.voltage[neurons.spike] = 0.0
        neurons.voltage *= self.leak_factor
        neurons.voltage += neurons.get_neuron_vec("uniform", density=0.01)


class Input_Behaviour(Behaviour):  # noqa: N801 - the paper's name
    def set_variables(self, neurons):
        scale = self.get_init_attr("input_scale", 1.0, neurons)
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = synapse.get_synapse_mat("uniform(0,10)", density=0.1) * scale
            synapse.enabled = synapse.W > 0

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size


def firing_rate(leak_factor="[0.9#leak_factor]", input_scale=None, seed=1):
    """Mean spikes per neuron per step of the basic network."""
    if input_scale is None:
        input_scale = get_gene("input_scale", 1.0)
    net = Network(seed=seed)
    neurons = NeuronGroup(net=net, tag="my_neurons", size=SIZE, behaviour={
        1: Basic_Behaviour(leak_factor=leak_factor),
        2: Input_Behaviour(input_scale=input_scale),
        10: EventRecorder(tag="my_event_recorder", variables=["n.spike"]),
    })
    neurons.spike = neurons.get_neuron_vec() > 0
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
    net.initialize()
    net.simulate_iterations(STEPS)
    spikes = np.asarray(net["n.spike.i", 0])
    return spikes.size / (SIZE * STEPS)


if __name__ == "__main__":
    rate = firing_rate()
    set_score(-abs(rate - TARGET_RATE), info={"rate": rate})
