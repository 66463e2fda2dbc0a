"""Many runs, one folder each: a leak-factor sweep of the paper's basic network.

Each run gets its own folder under ``Data/StorageManager/leak_sweep/``
(the nearest ``Data`` folder from the working directory, made there if there
is none), saves its parameters, the network description and genome, its
spike counts and, for the last run, the whole network. The runs are then
loaded as a group, filtered with a query and plotted: mean rate against the
leak factor.

Running it again reuses the stored runs with the same parameters (it says
how many) instead of adding a second copy of each; ``--fresh`` deletes the
sweep's folder first and runs everything again.

    python examples/storage_runs.py --out figures
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np

from monnto import EventRecorder, Network, NeuronGroup, SynapseGroup, get_squared_dim
from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour
from monnto.storage import StorageManager, StorageManagerGroup, load_network, save_network


def one_run(leak: float, seed: int, size: int, steps: int) -> tuple[StorageManager, Network]:
    """Simulate one network and store what it did; returns its StorageManager and network."""
    with StorageManager("leak_sweep", folder_name={"leak": leak, "seed": seed}) as sm:
        net = Network(seed=seed)
        neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(size), behaviour={
            1: Basic_Behaviour(leak_factor=leak),
            2: Input_Behaviour(),
            10: EventRecorder(tag="spikes", variables=["n.spike"]),
        })
        SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
        net.initialize(storage_manager=sm)      # saves the description and the genome
        net.simulate_iterations(steps)
        events = net["n.spike", 0]
        counts = np.bincount(events[:, 1], minlength=neurons.size)
        sm.save_param_dict({"leak": leak, "seed": seed, "size": size, "steps": steps,
                            "rate": float(counts.sum() / (neurons.size * steps))})
        sm.save_np("spike_counts", counts)
        sm.save_recorder("spikes", net["spikes", 0])
    return sm, net


def _stored_runs(fresh: bool) -> set[tuple]:
    """(leak, seed, size, steps) of the complete runs already stored; deletes them all when ``fresh``."""
    try:
        group = StorageManagerGroup("leak_sweep", include_incomplete=False)
    except FileNotFoundError:
        return set()
    if fresh:
        shutil.rmtree(group.path)
        return set()
    return {(sm.load_param("leak"), sm.load_param("seed"), sm.load_param("size"), sm.load_param("steps"))
            for sm in group}


def main(argv: list[str] | None = None) -> StorageManagerGroup:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="folder for the figure")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--leaks", type=float, nargs="+", default=[0.7, 0.8, 0.9, 0.95])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--fresh", action="store_true", help="delete the stored runs of this sweep first")
    args = parser.parse_args(argv)

    stored = _stored_runs(args.fresh)
    reused = 0
    net = None
    for leak in args.leaks:
        for seed in args.seeds:
            if (leak, seed, args.size, args.steps) in stored:
                reused += 1
                continue
            sm, net = one_run(leak, seed, args.size, args.steps)
    if reused:
        print(f"reused {reused} stored runs with the same parameters (--fresh runs them again)")
    if net is not None:
        # the whole network of the last new run, to be continued later
        folder = save_network(net, sm.path / "network")
        assert load_network(folder).iteration == args.steps

    group = StorageManagerGroup("leak_sweep").sort_by("leak")
    print(f"{len(group)} runs stored in {group.path}, {len(group.incomplete)} incomplete")
    for sm in group["leak >= 0.9"]:
        print(f"  {sm.folder_name}: rate {sm.load_param('rate'):.4f} spikes/neuron/step")
    figure = None
    if args.out is not None:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        figure = Path(args.out) / "storage_runs_rate_vs_leak.png"
    _, leaks, rates = group.plot("leak", "rate", file=figure, aggregate="mean")
    print("mean rate (spikes/neuron/step) against the leak factor, as plotted:")
    for leak, rate in zip(leaks, rates):
        print(f"  leak {leak:.2f}: mean rate {rate:.4f}")
    if figure is not None:
        print(f"figure: {figure}")
    return group


if __name__ == "__main__":
    main()
