"""``monnto evolve ...``: start, watch, continue, plot and serve evolutions from a shell.

The lead wires :func:`add_evolve_parser` into the ``monnto`` command; until
then ``python -m monnto.evolution ...`` runs the same sub-commands.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

_COMMANDS = ("start", "continue", "status", "best", "stop", "plot", "dashboard", "worker")


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"monnto evolve: {what} {item!r} must look like name=value")
        out[key.strip()] = value.strip()
    return out


def _common(parser: argparse.ArgumentParser, name_required: bool = True) -> None:
    parser.add_argument("--name", required=name_required, help="name of the evolution")
    parser.add_argument("--storage", help="journal file or database URL (default: in the Data folder)")
    parser.add_argument("--data-folder", help="the Data folder (default: the nearest one above the cwd)")


def add_evolve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``evolve`` and its sub-commands to an ``argparse`` sub-parser set; return its parser."""
    evolve = subparsers.add_parser("evolve", help="evolve the genes of a script (paper section 2.3)")
    commands = evolve.add_subparsers(dest="evolve_command", required=True)

    start = commands.add_parser("start", help="start a new evolution")
    start.add_argument("script", help="the script: get_gene(...) in, set_score(...) out")
    _common(start)
    start.add_argument("--gene", action="append", help="start value of a gene, name=value (repeat)")
    start.add_argument("--genome", action="append", help="a whole start genome as JSON (repeat)")
    start.add_argument("--constraint", action="append", default=[], help="e.g. 'b>=a' (repeat)")
    start.add_argument("--range", action="append", help="gene range name=low:high (repeat)")
    start.add_argument("--individuals", type=int, default=10, help="individuals per generation")
    start.add_argument("--mutation", type=float, default=0.4, help="relative mutation strength")
    start.add_argument("--death-rate", type=float, default=0.5, help="fraction dying per generation")
    start.add_argument("--generations", type=int, default=10, help="generations to evaluate")
    start.add_argument("--algorithm", default="paper", help="paper, nsga2, cmaes, tpe or random")
    start.add_argument("--timeout", type=float, help="seconds one evaluation may take")
    start.add_argument("--seed", type=int, help="seed of the search")
    for sub in (start,):
        sub.add_argument("--processes", type=int, default=1, help="local worker processes")
        sub.add_argument("--dask", help="Dask scheduler address, tcp://host:8786")
        sub.add_argument("--dask-workers", type=int, help="worker tasks on the Dask cluster")

    cont = commands.add_parser("continue", help="resume a stopped or crashed evolution")
    _common(cont)
    cont.add_argument("--generations", type=int, help="new total number of generations")
    cont.add_argument("--processes", type=int, default=1, help="local worker processes")
    cont.add_argument("--dask", help="Dask scheduler address")
    cont.add_argument("--dask-workers", type=int, help="worker tasks on the Dask cluster")

    for command, text in (("status", "generation, evaluations and best score"),
                          ("best", "the best genome and score"), ("stop", "ask a running evolution to stop")):
        sub = commands.add_parser(command, help=text)
        _common(sub)
        sub.add_argument("--json", action="store_true", help="print JSON")

    plot = commands.add_parser("plot", help="score over generations and gene scatter plots")
    _common(plot)
    plot.add_argument("--out", default=".", help="folder for the PNG files")

    dash = commands.add_parser("dashboard", help="live view in the browser (optuna-dashboard)")
    _common(dash)
    dash.add_argument("--host", default="127.0.0.1", help="address to serve on (loopback by default)")
    dash.add_argument("--port", type=int, default=8080, help="port to serve on")

    worker = commands.add_parser("worker", help="join a running evolution and evaluate individuals")
    _common(worker)
    worker.add_argument("--script", help="path of the script on this machine (default: the stored one)")
    worker.add_argument("--parent-pid", type=int, help="stop when this process ends")
    worker.add_argument("--index", type=int, default=0, help="worker number (seeds Optuna samplers)")
    worker.add_argument("--poll", type=float, default=0.2, help="seconds between looks for work")
    worker.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the evolution to appear")
    worker.add_argument("--max-evaluations", type=int, help="stop after this many evaluations")
    return evolve


def _devices(args: argparse.Namespace) -> dict[str, Any]:
    devices: dict[str, Any] = {"processes": args.processes}
    if args.dask:
        devices["dask"] = args.dask
        if args.dask_workers:
            devices["workers"] = args.dask_workers
    return devices


def _start(args: argparse.Namespace) -> int:
    from monnto.evolution.evolution import Evolution

    genomes = [json.loads(text) for text in args.genome or []]
    genes = {k: _number(v) for k, v in _pairs(args.gene, "--gene").items()}
    if genes:
        genomes.insert(0, genes)
    ranges = {}
    for key, value in _pairs(args.range, "--range").items():
        low, sep, high = value.partition(":")
        if not sep:
            raise ValueError(f"monnto evolve: --range {key}={value} must look like name=low:high")
        ranges[key] = (float(low), float(high))
    evolution = Evolution(
        args.name, args.script, individual_count=args.individuals, mutation=args.mutation,
        death_rate=args.death_rate, constraints=args.constraint, start_genomes=genomes,
        devices=_devices(args), generations=args.generations, algorithm=args.algorithm,
        gene_ranges=ranges or None, timeout=args.timeout, seed=args.seed, storage=args.storage,
        data_folder=args.data_folder,
    )
    if not evolution.start():
        print(f"monnto evolve: evolution {args.name!r} exists; use 'monnto evolve continue --name {args.name}'",
              file=sys.stderr)
        return 1
    return _print_status(evolution, as_json=False)


def _load(args: argparse.Namespace, **overrides: Any) -> Any:
    from monnto.evolution.evolution import Evolution

    return Evolution.load(args.name, storage=args.storage, data_folder=args.data_folder, **overrides)


def _print_status(evolution: Any, as_json: bool) -> int:
    status = evolution.status()
    if as_json:
        print(json.dumps(status, default=str))
        return 0
    total = "" if status["generations"] is None else f"/{status['generations']}"
    print(f"evolution {evolution.name}: generation {status['generation'] + 1}{total}, "
          f"evaluated {status['complete']}, failed {status['failed']}, running {status['running']}, "
          f"waiting {status['waiting']}, best score {status['best_score']}")
    return 0


def run_evolve(args: argparse.Namespace) -> int:
    """Run the ``evolve`` sub-command parsed into ``args``; return the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    command = args.evolve_command
    try:
        if command == "start":
            return _start(args)
        if command == "continue":
            overrides: dict[str, Any] = {"devices": _devices(args)}
            if args.generations is not None:
                overrides["generations"] = args.generations
            evolution = _load(args, **overrides)
            evolution.continue_evolution()
            return _print_status(evolution, as_json=False)
        if command == "status":
            return _print_status(_load(args), args.json)
        if command == "best":
            score, genome = _load(args).best()
            if args.json:
                print(json.dumps({"score": score, "genome": genome}))
            else:
                print(f"best score {score} with genome {genome}")
            return 0
        if command == "stop":
            _load(args).stop()
            return 0
        if command == "plot":
            from monnto.evolution.plot import plot_evolution

            for path in plot_evolution(_load(args).study(), args.out):
                print(path)
            return 0
        if command == "dashboard":
            from monnto.evolution.dashboard import serve_dashboard

            evolution = _load(args)
            print(f"serving the dashboard of {args.name!r} on http://{args.host}:{args.port}/ (Ctrl-C to stop)")
            serve_dashboard(evolution.storage_url, host=args.host, port=args.port, block=True)
            return 0
        if command == "worker":
            from monnto.evolution.worker import Worker

            if not args.storage and not args.data_folder:
                from monnto.evolution.config import default_storage_path, get_data_folder

                args.storage = default_storage_path(get_data_folder(create=False), args.name)
            elif not args.storage:
                from monnto.evolution.config import default_storage_path

                args.storage = default_storage_path(args.data_folder, args.name)
            worker = Worker(args.storage, args.name, script=args.script, data_folder=args.data_folder,
                            poll=args.poll, wait_for_study=args.wait, max_evaluations=args.max_evaluations,
                            parent_pid=args.parent_pid, worker_index=args.index)
            print(f"worker {worker.worker_id} joined evolution {args.name!r}", flush=True)
            count = worker.run()
            print(f"worker {worker.worker_id} evaluated {count} individuals", flush=True)
            return 0
    except (ValueError, TypeError, KeyError, FileNotFoundError, RuntimeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"monnto evolve {command}: error: {message}", file=sys.stderr)
        return 2
    raise ValueError(f"monnto evolve: unknown command {command!r}; expected one of {_COMMANDS}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m monnto.evolution``."""
    parser = argparse.ArgumentParser(prog="python -m monnto.evolution")
    subparsers = parser.add_subparsers(dest="command", required=True)
    evolve = add_evolve_parser(subparsers)
    args = parser.parse_args(["evolve", *(sys.argv[1:] if argv is None else argv)])
    del evolve
    return run_evolve(args)
