"""The paper's basic network (code blocks 2 and 3 of Vieth et al. 2021).

Threshold units with leak, reset and 1% uniform noise::

    spike_i(t) = v_i(t-1) > theta                  (theta = 0.5)
    v_i <- 0 where spike_i;  v_i <- lambda * v_i    (lambda = leak_factor = 0.9)
    v_i <- v_i + xi_i,  xi_i ~ U(0,1) with probability 0.01, else 0
    v_i <- v_i + sum_j W_ij spike_j / N_src         (recurrent input)

with ``W`` drawn as U(0,10) at 10 % connection density.

Reference: Vieth, Stöber, Triesch (2021), PymoNNto: A Flexible Modular
Toolbox for Designing Brain-Inspired Neural Networks, Front. Neuroinform. 15,
code blocks 2-3 and Fig. 5.
"""
from __future__ import annotations

from ..behaviours.recorder import EventRecorder, Recorder
from ..core import Behaviour, Network, NeuronGroup, SynapseGroup, get_squared_dim
from ._checks import checked_builder


class Basic_Behaviour(Behaviour):
    """Leaky threshold unit with reset and sparse uniform noise (code block 2)."""

    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()
        self.threshold = 0.5
        self.leak_factor = self.get_init_attr("leak_factor", 0.9, neurons)

    def new_iteration(self, neurons):
        neurons.spike = neurons.voltage > self.threshold
        neurons.voltage[neurons.spike] = 0.0
        neurons.voltage *= self.leak_factor
        neurons.voltage += neurons.get_neuron_vec("uniform", density=0.01)


class Input_Behaviour(Behaviour):
    """Recurrent input through 'GLUTAMATE' synapses, U(0,10) at 10% density (code block 3)."""

    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = synapse.get_synapse_mat("uniform(0,10)", density=0.1)
            synapse.enabled = synapse.W > 0

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size


@checked_builder(positive=("size",))
def basic_network(size: int = 100, seed: int | None = 1, record: bool = True,
                  dtype: str = "float64", leak_factor: float | str = 0.9, backend: str | None = None,
                  device: str = "cpu",
                  target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize the paper's basic network (code blocks 2-3).

    Parameters
    ----------
    size : int
        Number of neurons (laid out with ``get_squared_dim``).
    seed : int, optional
        Seed of the network's generator.
    record : bool
        Add the paper's Recorder ('n.voltage', 'np.mean(n.voltage)') and
        EventRecorder ('n.spike').
    dtype : str
        Float dtype of the network.
    leak_factor : float or str
        Passed to Basic_Behaviour (a distribution string diversifies it).
    backend, device : str, optional
        Array backend and device of the network (default: the network
        default, numpy on the CPU).

    target : {'numpy', 'numba'}, optional
        Where the step loop runs (default: the network default, numpy; see
        :class:`~monnto.core.network.Network`).
    threads : int
        Threads of the compiled loops (numba target).

    Returns
    -------
    Network
        Initialized, at iteration 0.
    """
    net = Network(seed=seed, dtype=dtype, backend=backend, device=device, target=target,
                  threads=threads)
    behaviour = {1: Basic_Behaviour(leak_factor=leak_factor), 2: Input_Behaviour()}
    if record:
        behaviour[9] = Recorder(tag="my_recorder", variables=["n.voltage", "np.mean(n.voltage)"])
        behaviour[10] = EventRecorder(tag="my_event_recorder", variables=["n.spike"])
    neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(size), behaviour=behaviour)
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
    net.initialize()
    return net
