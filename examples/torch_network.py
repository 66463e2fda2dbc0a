"""The paper's code block 6, written for PyTorch: the basic network on torch tensors.

The behaviours hold torch tensors and use torch operations directly, as the
paper's TensorFlow version uses tf.Variable / tf.greater / tf.linalg.matvec.
Run on the CPU or, with ``--device cuda``, on a GPU:

    python examples/torch_network.py --out DIR [--size 100] [--steps 1000] [--device cpu]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup, get_squared_dim


class Torch_Basic_Behaviour(Behaviour):
    """Leaky threshold unit with reset and 1% noise (paper block 2) in torch."""

    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()          # a torch tensor on the network's device
        self.threshold = 0.5
        self.leak_factor = self.get_init_attr("leak_factor", 0.9, neurons)

    def new_iteration(self, neurons):
        neurons.spike = torch.gt(neurons.voltage, self.threshold)
        neurons.voltage = torch.where(neurons.spike, torch.zeros_like(neurons.voltage), neurons.voltage)
        neurons.voltage = neurons.voltage * self.leak_factor
        neurons.voltage = neurons.voltage + neurons.get_neuron_vec("uniform", density=0.01)


class Torch_Input_Behaviour(Behaviour):
    """Recurrent input through 'GLUTAMATE' synapses (paper block 3) in torch."""

    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = synapse.get_synapse_mat("uniform(0,10)", density=0.1)

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            spikes = synapse.src.spike.to(synapse.W.dtype)
            neurons.voltage = neurons.voltage + torch.mv(synapse.W, spikes) / synapse.src.size


def torch_network(size: int = 100, device: str = "cpu", seed: int = 1, record: bool = True) -> Network:
    """Build and initialize the basic network on the torch backend."""
    net = Network(seed=seed, backend="torch", device=device)
    behaviour = {1: Torch_Basic_Behaviour(), 2: Torch_Input_Behaviour()}
    if record:
        behaviour[9] = Recorder(tag="my_recorder", variables=["n.voltage", "torch.mean(n.voltage)"])
        behaviour[10] = EventRecorder(tag="my_event_recorder", variables=["n.spike"])
    neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(size), behaviour=behaviour)
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
    net.initialize()
    return net


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out_torch")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = torch_network(args.size, args.device)
    net.simulate_iterations(args.steps)
    voltage = net["n.voltage", 0, "np"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.plot(voltage[:, :10], linewidth=0.8)
    top.plot(net["torch.mean(n.voltage)", 0, "np"], color="black")
    top.axhline(0.5, linestyle="dashed", color="gray")
    top.set_title(f"basic network on torch ({args.device})")
    bottom.plot(net["n.spike.t", 0, "np"], net["n.spike.i", 0, "np"], ".k", markersize=2)
    bottom.set_xlabel("iteration")
    fig.savefig(out / "torch_network.png", dpi=80)
    plt.close(fig)
    return {"voltage": voltage, "spikes": net["n.spike", 0, "np"]}


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    main()
