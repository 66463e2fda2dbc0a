"""Networks run by the MPI tests: ``python cases.py OUT.npz CASE...`` (also under ``mpiexec -n K``).

Each case builds a small network with a fixed seed, runs it and, on rank 0,
stores what the tests compare (spike trains, recordings, weights) under
``<case>.<name>`` in ``OUT.npz``. Run once in one process with
``MONNTO_DISTRIBUTED=1`` (the reference) and under ``mpiexec -n 2`` and
``-n 4``; the tests require identical arrays.

Extra cases ``save:DIR`` and ``load:DIR`` save a STDP network and the paper network
after 60 steps into ``DIR`` and load them (with any number of ranks) to run 60 more.
"""
from __future__ import annotations

import sys

import numpy as np

import monnto.distributed as dist
from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup, get_squared_dim


class BasicBehaviour(Behaviour):
    """The paper's code block 2."""

    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()
        self.threshold = 0.5
        self.leak_factor = self.get_init_attr("leak_factor", 0.9, neurons)

    def new_iteration(self, neurons):
        neurons.spike = neurons.voltage > self.threshold
        neurons.voltage[neurons.spike] = 0.0
        neurons.voltage *= self.leak_factor
        neurons.voltage += neurons.get_neuron_vec("uniform", density=0.01)


class InputBehaviour(Behaviour):
    """The paper's code block 3 (dense or sparse weights)."""

    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = synapse.get_synapse_mat("uniform(0,10)", density=0.1)
            synapse.enabled = synapse.W > 0

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size


def exchanges(out: dict, name: str, net, steps: int) -> None:
    """The spike exchanges a run made (collective calls; 0 in one process) and its step count."""
    ctx = net._distributed
    if ctx is None:  # a plain run (no distributed mode): nothing is exchanged
        return
    out[f"exchanges.{name}"] = np.array([ctx.spike_exchanges, steps,
                                         0 if ctx.exchange is None else ctx.exchange.interval])


def spikes(out: dict, prefix: str, obj, expression: str = "n.spike") -> None:
    out[f"{prefix}.t"] = np.asarray(obj[f"{expression}.t", 0])
    out[f"{prefix}.i"] = np.asarray(obj[f"{expression}.i", 0])


def paper(out: dict, sparse: bool = False) -> None:
    """The paper's network (blocks 2 and 3), 100 neurons on a 10 x 10 grid."""
    net = Network(seed=3)
    group = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(100), behaviour={
        1: BasicBehaviour(leak_factor="normal(0.9,0.01)"),
        2: InputBehaviour(),
        9: Recorder(tag="my_recorder", variables=["n.voltage", "np.mean(n.voltage)"]),
        10: EventRecorder(tag="my_event_recorder", variables=["n.spike"]),
    })
    SynapseGroup(net=net, src=group, dst=group, tag="GLUTAMATE", sparse=sparse)
    net.initialize()
    net.simulate_iterations(150)
    for _ in range(5):  # single steps gather too
        net.simulate_iteration()
    name = "paper_sparse" if sparse else "paper"
    exchanges(out, name, net, 155)
    out[f"{name}.x"] = dist.gather(group, group.x)  # a collective call: every rank
    if dist.rank(net) == 0:  # only rank 0 reads the recorders: no communication, no hang
        spikes(out, name, net)
        out[f"{name}.voltage"] = np.asarray(net["n.voltage", 0])
        out[f"{name}.mean"] = np.asarray(net["np.mean(n.voltage)", 0])


def brunel(out: dict, target: str = "numpy") -> None:
    """Brunel (2000) AI regime, 400 + 100 neurons, fixed in-degree, Poisson input, 1.5 ms delays.

    Runs of 300 steps, 20 single steps and 80 steps: the buffered exchange
    (every 15 steps) carries over the ends of runs.
    """
    from monnto.models import brunel_network

    name = "brunel" if target == "numpy" else f"brunel_{target}"
    net = brunel_network("AI", n_exc=400, seed=11, target=target)
    net.simulate_iterations(300)
    for _ in range(20):
        net.simulate_iteration()
    net.simulate_iterations(80)
    exchanges(out, name, net, 400)
    spikes(out, f"{name}.exc", net.exc)
    spikes(out, f"{name}.inh", net.inh)


def brunel_capacity(out: dict) -> None:
    """Brunel with a spike capacity of 1 index per rank at first: exchanges overflow into a second call."""
    from monnto.models import brunel_network

    net = brunel_network("AI", n_exc=400, seed=11)
    exchange = None if net._distributed is None else net._distributed.exchange
    if exchange is not None:
        exchange.min_capacity = exchange.capacity = 1
    net.simulate_iterations(400)
    exchanges(out, "brunel_capacity", net, 400)
    spikes(out, "brunel_capacity.exc", net.exc)
    spikes(out, "brunel_capacity.inh", net.inh)


def brunel_numba(out: dict) -> None:
    brunel(out, "numba")


def cuba(out: dict, target: str = "numpy") -> None:
    """CUBA (Vogels & Abbott benchmark as in Brian2), 240 + 60 neurons, fixed probability, one-step delays."""
    from monnto.models import cuba_network

    name = "cuba" if target == "numpy" else f"cuba_{target}"
    net = cuba_network(n_exc=240, n_inh=60, p=0.1, seed=5, target=target)
    net.simulate_iterations(400)
    exchanges(out, name, net, 400)
    for g in net.NeuronGroups:
        spikes(out, f"{name}.{g.tag}", g)


def cuba_numba(out: dict) -> None:
    cuba(out, "numba")


def brunel_hakim(out: dict) -> None:
    """Brunel & Hakim (1999): Gaussian white-noise input per neuron, dense all-to-all inhibition, 2 ms delay."""
    from monnto.models import brunel_hakim_network

    net = brunel_hakim_network(n=120, c=119, J=0.1e-3, sigma_ext=2e-3, seed=2)
    net.simulate_iterations(300)
    exchanges(out, "brunel_hakim", net, 300)
    spikes(out, "brunel_hakim", net)


def stdp_network(seed: int = 7) -> Network:
    """A recurrent LIF group with Poisson drive and pair STDP on its sparse recurrent synapses."""
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.plasticity.stdp import STDP
    from monnto.behaviours.synapses.sparse import fixed_indegree
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=seed, behaviour={0: Clock(step=1e-4)})
    group = NeuronGroup(net=net, size=150, tag="exc", behaviour={
        2: PoissonInput(rate=900.0, n_sources=20, weight=1.3e-2, target="I_input"),
        3: LIF(tau_m=20e-3, v_rest=0.0, v_reset=10e-3, v_th=20e-3, r_m=1.0, t_ref=2e-3,
               v_init="uniform(0, 0.02)"),
        9: EventRecorder(variables=["n.spike"], tag="exc_spikes"),
    })
    s = SynapseGroup(net=net, src=group, dst=group, tag="GLUTAMATE", behaviour={
        1: DelayedSynapticInput(delay=1e-3, scale=5.0, target="I_input"),
        5: STDP(a_plus=0.05, a_minus=0.05, w_max=2e-3),
    })
    s.W = fixed_indegree(s, 30, weights="uniform(0, 1e-3)", autapses=False)
    net.initialize()
    return net


def stdp(out: dict) -> None:
    net = stdp_network()
    net.simulate_iterations(300)
    exchanges(out, "stdp", net, 300)
    spikes(out, "stdp", net.exc)
    s = net.SynapseGroups[0]
    W = s.W
    out["stdp.W_rows"] = dist.gather(net.exc, W.toarray() if hasattr(W, "toarray") else np.asarray(W))


def paper_network() -> Network:
    net = Network(seed=3)
    group = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(100), behaviour={
        1: BasicBehaviour(leak_factor="normal(0.9,0.01)"),
        2: InputBehaviour(),
        9: Recorder(tag="my_recorder", variables=["n.voltage", "np.mean(n.voltage)"]),
        10: EventRecorder(tag="my_event_recorder", variables=["n.spike"]),
    })
    SynapseGroup(net=net, src=group, dst=group, tag="GLUTAMATE")
    net.initialize()
    return net


def restart_results(out: dict, stdp_net: Network, paper_net: Network) -> None:
    """What a continued run must reproduce: spikes, weights, and the recordings of both halves."""
    stdp_net.simulate_iterations(60)
    spikes(out, "restart.stdp", stdp_net.exc)
    W = stdp_net.SynapseGroups[0].W
    out["restart.stdp.W"] = dist.gather(stdp_net.exc, W.toarray())
    paper_net.simulate_iterations(60)
    spikes(out, "restart.paper", paper_net)
    out["restart.paper.voltage"] = np.asarray(paper_net["n.voltage", 0])
    out["restart.paper.mean"] = np.asarray(paper_net["np.mean(n.voltage)", 0])


def save(out: dict, folder: str) -> None:
    """Run 60 steps, save into ``folder``/stdp and ``folder``/paper, run 60 more."""
    stdp_net, paper_net = stdp_network(), paper_network()
    stdp_net.simulate_iterations(60)
    paper_net.simulate_iterations(60)
    stdp_net.save(f"{folder}/stdp", overwrite=True)
    paper_net.save(f"{folder}/paper", overwrite=True)
    restart_results(out, stdp_net, paper_net)


def load(out: dict, folder: str) -> None:
    """Load the saves of :func:`save` (on any number of ranks) and run the same 60 steps."""
    from monnto import load_network

    classes = [BasicBehaviour, InputBehaviour]
    restart_results(out, load_network(f"{folder}/stdp", classes=classes),
                    load_network(f"{folder}/paper", classes=classes))


def save_brunel(out: dict, folder: str) -> None:
    """Brunel (buffered exchange every 15 steps) saved after 67 steps, in the middle of a block; 60 more."""
    from monnto.models import brunel_network

    net = brunel_network("AI", n_exc=400, seed=11)
    net.simulate_iterations(67)
    net.save(f"{folder}/brunel", overwrite=True)
    net.simulate_iterations(60)
    spikes(out, "restart_brunel.exc", net.exc)
    spikes(out, "restart_brunel.inh", net.inh)


def load_brunel(out: dict, folder: str) -> None:
    from monnto import load_network

    net = load_network(f"{folder}/brunel")
    net.simulate_iterations(60)
    groups = {g.tag: g for g in net.NeuronGroups}
    spikes(out, "restart_brunel.exc", groups["exc"])
    spikes(out, "restart_brunel.inh", groups["inh"])


def main(argv: list[str]) -> None:
    path, cases = argv[0], argv[1:]
    out: dict = {}
    for case in cases:
        name, _, arg = case.partition(":")
        if name == "paper_sparse":
            paper(out, sparse=True)
        elif name in ("save", "load", "save_brunel", "load_brunel"):
            globals()[name](out, arg)
        else:
            globals()[name](out)
    if dist.rank() == 0:
        out["ranks"] = np.array(dist.size())
        np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1:])
