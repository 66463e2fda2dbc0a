"""Partitioning a locally connected network (paper section 2.3).

A grid of the paper's threshold units (code block 2) with recurrent
synapses inside a circle of radius 3 (``Circle_Receptive_Fields``). The same
network is built twice: with one dense ``D x S`` SynapseGroup, and with
``Partition()``, which replaces it by many small dense SynapseGroups between
NeuronSubGroups. The input behaviour uses ``synapse.dst`` and
``synapse.src``, so it works unchanged on both; with the same seed both give
the same spikes, while the partitioned synapses take a fraction of the
memory.

Run: ``python examples/synapses_partition.py --out figures`` (writes
``synapses_partition.png``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from monnto.behaviours.synapses import Circle_Receptive_Fields, Partition
from monnto.core import Behaviour, Network, NeuronDimension, NeuronGroup, SynapseGroup


class Threshold_Unit(Behaviour):
    """Leak 0.9, threshold 0.5, reset to 0, 2 % uniform noise (paper code block 2)."""

    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()
        neurons.spike = neurons.get_neuron_vec(bool)
        self.spikes = []

    def new_iteration(self, neurons):
        neurons.spike = neurons.voltage > 0.5
        neurons.voltage[neurons.spike] = 0.0
        neurons.voltage *= 0.9
        neurons.voltage += neurons.get_neuron_vec("uniform", density=0.02)
        self.spikes.append(np.flatnonzero(neurons.spike))


class Local_Input(Behaviour):
    """Recurrent input with the same weight for every enabled synapse."""

    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = synapse.get_synapse_mat(0.03)
            synapse.W *= synapse.enabled  # in place: W keeps its W.dot (numpy and torch)

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.dst.voltage += synapse.W.dot(synapse.src.spike)


def build(side: int, partition: bool, seed: int = 1) -> tuple[Network, NeuronGroup, SynapseGroup]:
    """The grid network, partitioned or not (initialized)."""
    net = Network(seed=seed)
    grid = NeuronGroup(net=net, tag="grid", size=NeuronDimension(width=side, height=side),
                       behaviour={1: Threshold_Unit(), 2: Local_Input()})
    structure = {1: Circle_Receptive_Fields(radius=3)}
    if partition:
        structure[2] = Partition()
    synapses = SynapseGroup(net=net, src=grid, dst=grid, tag="GLUTAMATE", behaviour=structure)
    net.initialize()
    return net, grid, synapses


def synapse_bytes(synapses: SynapseGroup) -> int:
    parts = getattr(synapses, "partitioned_into", [synapses])
    return sum(p.W.nbytes + np.asarray(p.enabled).nbytes for p in parts)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Partition a locally connected grid network")
    parser.add_argument("--side", type=int, default=60, help="grid side length (neurons)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None, help="folder for synapses_partition.png")
    args = parser.parse_args(argv)

    runs = {}
    for partition in (False, True):
        net, grid, synapses = build(args.side, partition)
        net.simulate_iterations(args.steps, progress=False)
        runs[partition] = (grid, synapses)
    dense_grid, dense_syn = runs[False]
    part_grid, part_syn = runs[True]
    same = all(np.array_equal(a, b) for a, b in
               zip(dense_grid.Threshold_Unit.spikes, part_grid.Threshold_Unit.spikes))
    # a grid too small to split (side < 21) is left as one SynapseGroup
    parts = getattr(part_syn, "partitioned_into", [part_syn])
    result = {"parts": len(parts), "dense_bytes": synapse_bytes(dense_syn),
              "partitioned_bytes": synapse_bytes(part_syn), "same_spikes": same}
    print(f"{result['parts']} SynapseGroups; synapse memory {result['dense_bytes'] / 2**20:.1f} MB dense, "
          f"{result['partitioned_bytes'] / 2**20:.2f} MB partitioned; identical spikes: {same}")

    if args.out is not None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        args.out.mkdir(parents=True, exist_ok=True)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.5))
        label = np.zeros(part_grid.size)
        for k, part in enumerate(parts):
            label[part.dst.id] = k
        ax1.imshow(label.reshape(args.side, args.side) % 7, cmap="Set2", origin="lower")
        ax1.set_title(f"{result['parts']} destination boxes")
        for label_text, grid, marker in (("dense", dense_grid, "o"), ("partitioned", part_grid, ".")):
            t = np.concatenate([np.full(s.size, i + 1) for i, s in enumerate(grid.Threshold_Unit.spikes)])
            i = np.concatenate(grid.Threshold_Unit.spikes)
            ax2.plot(t, i, marker, ms=3 if marker == "o" else 1, mfc="none" if marker == "o" else None,
                     ls="", label=label_text)
        ax2.set_xlabel("iteration")
        ax2.set_ylabel("neuron")
        ax2.legend(loc="upper right")
        ax2.set_title("spikes: dense (circles) and partitioned (dots)")
        fig.tight_layout()
        fig.savefig(args.out / "synapses_partition.png", dpi=100)
        plt.close(fig)
    return result


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    main()
