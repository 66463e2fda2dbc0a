"""The paper's code block 6 as published: the basic network in TensorFlow.

Behaviours may hold any array type; here tf.Variable and TensorFlow ops, as in
the paper. TensorFlow is an optional, heavy dependency (not in any extra):

    pip install tensorflow
    python examples/tensorflow_network.py --out DIR
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup, get_squared_dim

try:
    import tensorflow as tf
except ImportError:  # pragma: no cover - depends on the machine
    tf = None


class TF_Basic_Behaviour(Behaviour):
    def set_variables(self, neurons):
        neurons.voltage = tf.Variable(neurons.get_neuron_vec(), dtype=tf.float64)
        self.threshold = 0.5
        self.leak_factor = self.get_init_attr("leak_factor", 0.9, neurons)

    def new_iteration(self, neurons):
        neurons.spike = tf.greater(neurons.voltage, self.threshold)
        neurons.voltage.assign(tf.where(neurons.spike, tf.zeros_like(neurons.voltage), neurons.voltage))
        neurons.voltage.assign(neurons.voltage * self.leak_factor)
        neurons.voltage.assign_add(neurons.get_neuron_vec("uniform", density=0.01))


class TF_Input_Behaviour(Behaviour):
    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = tf.constant(np.asarray(synapse.get_synapse_mat("uniform(0,10)", density=0.1)))

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            spikes = tf.cast(synapse.src.spike, tf.float64)
            neurons.voltage.assign_add(tf.linalg.matvec(synapse.W, spikes) / synapse.src.size)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out_tensorflow")
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args(argv)
    if tf is None:
        raise SystemExit("this example needs TensorFlow: pip install tensorflow")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = Network(seed=1)
    ng = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(100), behaviour={
        1: TF_Basic_Behaviour(), 2: TF_Input_Behaviour(),
        9: Recorder(["n.voltage.numpy()"], tag="rec"), 10: EventRecorder(["n.spike.numpy()"])})
    SynapseGroup(net=net, src=ng, dst=ng, tag="GLUTAMATE")
    net.initialize()
    net.simulate_iterations(args.steps)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plt.plot(net["n.voltage.numpy()", 0][:, :10])
    plt.savefig(out / "tensorflow_network.png")


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    main()
