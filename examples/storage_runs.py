"""Many runs, one folder each: a leak-factor sweep of the paper's basic network.

Each run gets its own folder under ``Data/StorageManager/leak_sweep/``
(the nearest ``Data`` folder from the working directory, made there if there
is none), saves its parameters, the network description and genome, its
spike counts and, for the last run, the whole network. The runs are then
loaded as a group, filtered with a query and plotted: mean rate against the
leak factor.

    python examples/storage_runs.py --out figures
"""
from __future__ import annotations

import argparse
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
        sm.save_param_dict({"leak": leak, "seed": seed, "steps": steps,
                            "rate": float(counts.sum() / (neurons.size * steps))})
        sm.save_np("spike_counts", counts)
        sm.save_recorder("spikes", net["spikes", 0])
    return sm, net


def main(argv: list[str] | None = None) -> StorageManagerGroup:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="folder for the figure")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--leaks", type=float, nargs="+", default=[0.7, 0.8, 0.9, 0.95])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)

    for leak in args.leaks:
        for seed in args.seeds:
            sm, net = one_run(leak, seed, args.size, args.steps)
    # the whole network of the last run, to be continued later
    folder = save_network(net, sm.path / "network")
    assert load_network(folder).iteration == args.steps

    group = StorageManagerGroup("leak_sweep").sort_by("leak")
    print(f"{len(group)} runs, {len(group.incomplete)} incomplete")
    for sm in group["leak >= 0.9"]:
        print(f"  {sm.folder_name}: rate {sm.load_param('rate'):.4f} spikes/neuron/step")
    figure = None
    if args.out is not None:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        figure = Path(args.out) / "storage_runs_rate_vs_leak.png"
    _, leaks, rates = group.plot("leak", "rate", file=figure, aggregate="mean")
    for leak, rate in zip(leaks, rates):
        print(f"leak {leak:.2f}: mean rate {rate:.4f}")
    return group


if __name__ == "__main__":
    main()
