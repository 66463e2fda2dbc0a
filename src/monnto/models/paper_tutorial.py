"""The paper's tutorial networks: the basic network and its extended version.

The basic network (code blocks 2-3 of Vieth, Stoeber & Triesch 2021,
Front. Neuroinform. 15:715131) lives in :mod:`monnto.models.basic_network`
and is re-exported here. The extended version ("STDP_Hom_Norm" tutorial of
the paper's code base) adds three behaviours to the same group:

* :class:`~monnto.behaviours.plasticity.intrinsic.VoltageHomeostasis`
  (``target_voltage=0.05``): an exhaustion that grows while the voltage is
  above the target and shrinks below it is subtracted from the voltage;
* :class:`~monnto.behaviours.plasticity.stdp.DiscreteSTDP`
  (``stdp_factor=0.00015``): dW = f (post(t) pre(t-1) - post(t-1) pre(t)
  + post(t) pre(t)) on enabled synapses, W kept in [0, 10];
* :class:`~monnto.behaviours.plasticity.normalization.Normalization`
  (``norm_factor=10``): the afferent 'GLUTAMATE' weights of every neuron sum
  to 10 after each step.
"""
from __future__ import annotations

from monnto.behaviours.plasticity.intrinsic import VoltageHomeostasis
from monnto.behaviours.plasticity.normalization import Normalization
from monnto.behaviours.plasticity.stdp import DiscreteSTDP
from monnto.behaviours.recorder import EventRecorder, Recorder
from monnto.core import Network, NeuronGroup, SynapseGroup, get_squared_dim
from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour, basic_network

from ._checks import checked_builder

__all__ = ["Basic_Behaviour", "Input_Behaviour", "basic_network", "extended_network"]


@checked_builder(positive=("size",))
def extended_network(size: int = 100, seed: int | None = 1, record: bool = True,
                     target_voltage: float = 0.05, stdp_factor: float = 0.00015,
                     norm_factor: float = 10.0, eta_ip: float = 0.001, backend: str | None = None,
                     device: str = "cpu",
                     target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize the basic network plus homeostasis, STDP and normalization.

    Parameters
    ----------
    size : int
        Number of neurons (a square grid via ``get_squared_dim``).
    seed : int, optional
    record : bool
        Record 'n.voltage', 'np.mean(n.voltage)' and the spikes.
    target_voltage, eta_ip : float
        Voltage homeostasis target and rate.
    stdp_factor : float
        One-step STDP rate.
    norm_factor : float
        Summed afferent weight per neuron.
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
        Group 'my_neurons' (keys: 1 Basic, 2 Input, 3 homeostasis, 4 STDP,
        5 normalization, 9/10 recorders) with its recurrent 'GLUTAMATE'
        SynapseGroup.
    """
    net = Network(seed=seed, tag="extended_tutorial", backend=backend, device=device, target=target,
                  threads=threads)
    behaviour = {
        1: Basic_Behaviour(),
        2: Input_Behaviour(),
        3: VoltageHomeostasis(target_voltage=target_voltage, eta_ip=eta_ip),
        4: DiscreteSTDP(syn_type="GLUTAMATE", stdp_factor=stdp_factor, w_min=0.0, w_max=10.0),
        5: Normalization(syn_type="GLUTAMATE", norm_factor=norm_factor),
    }
    if record:
        behaviour[9] = Recorder(tag="my_recorder", variables=["n.voltage", "np.mean(n.voltage)"])
        behaviour[10] = EventRecorder(tag="my_event_recorder", variables=["n.spike"])
    neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(size), behaviour=behaviour)
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
    net.initialize()
    return net
