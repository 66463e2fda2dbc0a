"""save_network / load_network on the torch backend (tensors saved through numpy, exactly)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from monnto import (  # noqa: E402
    Behaviour,
    EventRecorder,
    Network,
    NeuronGroup,
    Recorder,
    SynapseGroup,
    get_squared_dim,
)
from monnto.storage import StorageManager, load_network, save_network  # noqa: E402


class TorchBasic(Behaviour):
    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()
        self.leak_factor = 0.9

    def new_iteration(self, neurons):
        neurons.spike = torch.gt(neurons.voltage, 0.5)
        neurons.voltage = torch.where(neurons.spike, torch.zeros_like(neurons.voltage), neurons.voltage)
        neurons.voltage = neurons.voltage * self.leak_factor
        neurons.voltage = neurons.voltage + neurons.get_neuron_vec("uniform", density=0.01)


class TorchInput(Behaviour):
    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = synapse.get_synapse_mat("uniform(0,10)", density=0.1)

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            spikes = synapse.src.spike.to(synapse.W.dtype)
            neurons.voltage = neurons.voltage + torch.mv(synapse.W, spikes) / synapse.src.size


def build():
    net = Network(seed=1, backend="torch", device="cpu")
    neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(100), behaviour={
        1: TorchBasic(), 2: TorchInput(),
        9: Recorder(tag="rec", variables=["n.voltage", "torch.mean(n.voltage)"]),
        10: EventRecorder(tag="ev", variables=["n.spike"]),
    })
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
    net.initialize()
    return net


def test_torch_network_continues_bit_identically(project):
    ref = build()
    ref.simulate_iterations(400)
    net = build()
    net.simulate_iterations(200)
    folder = save_network(net, StorageManager("torch").path / "net")
    # 'torch.mean(n.voltage)' is within the grammar a file may carry: it loads untrusted
    loaded = load_network(folder, classes=[TorchBasic, TorchInput])
    assert loaded.backend == "torch" and isinstance(loaded["GLUTAMATE", 0].W, torch.Tensor)
    loaded.simulate_iterations(200)
    for key in ("n.voltage", "torch.mean(n.voltage)", "n.spike"):
        np.testing.assert_array_equal(loaded[key, 0, "np"], ref[key, 0, "np"], err_msg=key)
    assert torch.equal(loaded["my_neurons", 0].voltage, ref["my_neurons", 0].voltage)
