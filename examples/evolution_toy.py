"""Evolve the toy slave: maximise a+b+c+d under the constraints b>=a, a<=1, b>=2.

    python examples/evolution_toy.py --out /tmp/toy --generations 4 --processes 2

Writes the journal, one run folder per evaluation (``Data/StorageManager/toy/``)
and ``scores.png`` / ``genes.png`` into ``--out``; prints the best score per
generation.
"""
import argparse
import os

from monnto.evolution import Evolution
from monnto.evolution.plot import plot_evolution


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="evolution_toy_out", help="output folder (holds Data/)")
    parser.add_argument("--name", default="toy", help="evolution name")
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--individuals", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    data = os.path.join(os.path.abspath(args.out), "Data")
    os.makedirs(data, exist_ok=True)
    slave = os.path.join(os.path.dirname(os.path.abspath(__file__)), "evolution_toy_slave.py")
    evolution = Evolution(
        args.name, slave, individual_count=args.individuals, mutation=0.2, death_rate=0.5,
        constraints=["b>=a", "a<=1", "b>=2"], start_genomes=[{"a": 0.5, "b": 2.5, "c": 1.5, "d": 1.5}],
        devices={"processes": args.processes}, generations=args.generations, seed=args.seed,
        data_folder=data, timeout=60,
    )
    if not evolution.start():
        evolution.continue_evolution()
    status = evolution.status()
    for generation, best in status["best_by_generation"].items():
        print(f"generation {generation}: best score {best:.4f}")
    print("best genome:", status["best_genome"])
    for path in plot_evolution(evolution.study(), args.out):
        print("wrote", path)


if __name__ == "__main__":
    main()
