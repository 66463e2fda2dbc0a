"""``monnto evolve ...``: start, watch, continue, plot and serve evolutions from a shell.

:func:`add_evolve_parser` is wired into the ``monnto`` command;
``python -m monnto.evolution ...`` runs the same sub-commands. Every option
is typed: a bad value stops the command before anything is created, with
``monnto evolve <command>: --option must be <expected>, got <value>``; the
help of each sub-command shows the defaults.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from monnto.evolution.config import ALGORITHMS, check_name
from monnto.evolution.expressions import MAX_EXPRESSION_CHARS

from ..core.errors import MonntoValueError

_COMMANDS = ("start", "continue", "status", "best", "stop", "plot", "dashboard", "worker")

#: Longest text accepted for one option value (a JSON genome may be longer: ``_MAX_GENOME_CHARS``).
_MAX_OPTION_CHARS = 200
_MAX_GENOME_CHARS = 10_000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DASK_ADDRESS = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s/]+:\d{1,5}$")

START_EXAMPLES = """\
examples:
  monnto evolve start slave.py --name toy --gene a=0.5 --gene b=2.5 \\
      --constraint 'b>=a' --individuals 10 --generations 5 --workers 4
  monnto evolve worker --name toy --script slave.py   # one more worker (any machine
                                                      # that reaches the storage)
  monnto evolve status --name toy
"""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Help that shows each option's default (when it has one) and keeps the epilog's lines."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, []) or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


class _EvolveParser(argparse.ArgumentParser):
    """Parser of one ``monnto evolve`` sub-command: errors read ``<prog>: --option must be ..., got ...``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        match = re.match(r"^argument [^:]+: (--\S+ must .*)$", message, flags=re.S)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {match.group(1) if match else message}\n")


def _shown(text: str) -> str:
    """The received text as a message shows it (bare when short and plain, else quoted and cut)."""
    if text and len(text) <= 60 and text.isprintable() and text.strip() == text:
        return text
    cut = text if len(text) <= 60 else text[:57] + "..."
    return repr(cut)


def _typed(option: str, expected: str, convert: Callable[[str], Any],
           limit: int = _MAX_OPTION_CHARS) -> Callable[[str], Any]:
    """An ``argparse`` type: ``convert(text)``, or an error naming ``option``, ``expected`` and the text.

    ``convert`` returns the value, or raises ``ValueError``/``TypeError``/``OverflowError`` (or returns
    ``None``) when the text is not acceptable.
    """

    def parse(text: str) -> Any:
        value = None
        if len(text) <= limit:
            try:
                value = convert(text)
            except (ValueError, TypeError, OverflowError):
                value = None
        if value is None:
            raise argparse.ArgumentTypeError(f"{option} must be {expected}, got {_shown(text)}")
        return value

    parse.__name__ = option
    return parse


def _int_at_least(low: int, high: int | None = None) -> Callable[[str], int | None]:
    def convert(text: str) -> int | None:
        value = int(text.strip())
        return value if value >= low and (high is None or value <= high) else None
    return convert


def _float_in(low: float, high: float = math.inf, *, low_open: bool = False, high_open: bool = False,
              finite: bool = True) -> Callable[[str], float | None]:
    def convert(text: str) -> float | None:
        value = float(text)
        if math.isnan(value) or (finite and not math.isfinite(value)):
            return None
        if value < low or (low_open and value == low) or value > high or (high_open and value == high):
            return None
        return value
    return convert


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
    if not math.isfinite(value):
        raise MonntoValueError(text)
    return value


def _gene(text: str) -> tuple[str, int | float]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not _IDENTIFIER.match(name):
        raise MonntoValueError(text)
    return name, _number(value.strip())


def _genome(text: str) -> dict[str, Any] | None:
    genome = json.loads(text)
    if not isinstance(genome, dict) or not genome:
        return None
    for key, value in genome.items():
        if not _IDENTIFIER.match(key) or isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            return None
    return genome


def _range(text: str) -> tuple[str, tuple[float, float]] | None:
    name, sep, bounds = text.partition("=")
    low, colon, high = bounds.partition(":")
    name = name.strip()
    if not sep or not colon or not _IDENTIFIER.match(name):
        return None
    low_value, high_value = _number(low.strip()), _number(high.strip())
    return (name, (float(low_value), float(high_value))) if low_value < high_value else None


def _constraint(text: str) -> str | None:
    return text if text.strip() else None


def _dask_address(text: str) -> str | None:
    return text if _DASK_ADDRESS.match(text) and int(text.rsplit(":", 1)[1]) <= 65535 else None


_NAME = _typed("--name", "letters, digits, '_', '-' or '.' (no path separators, not starting with '.' or '-')",
               check_name)
_POSITIVE = "a positive int"


def _common(parser: argparse.ArgumentParser, name_required: bool = True) -> None:
    parser.add_argument("--name", required=name_required, type=_NAME, help="name of the evolution")
    parser.add_argument("--storage", type=_typed("--storage", "a journal file path or a database URL",
                                                 lambda t: t or None, limit=1000),
                        help="journal file or database URL (default: <Data>/StorageManager/NAME/evolution.journal)")
    parser.add_argument("--data-folder", type=_typed("--data-folder", "a folder path", lambda t: t or None,
                                                     limit=1000),
                        help="the Data folder (default: the nearest one above the working directory)")


def _workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", "--processes", dest="processes", metavar="N", default=1,
                        type=_typed("--workers", "a non-negative int (0: outside workers only)", _int_at_least(0)),
                        help="local worker processes started by this master")
    parser.add_argument("--dask", type=_typed("--dask", "a Dask scheduler address like tcp://host:8786",
                                              _dask_address),
                        help="Dask scheduler address, tcp://host:8786")
    parser.add_argument("--dask-workers", metavar="N", type=_typed("--dask-workers", _POSITIVE, _int_at_least(1)),
                        help="worker tasks on the Dask cluster (default: one per Dask thread)")


def add_evolve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``evolve`` and its sub-commands to an ``argparse`` sub-parser set; return its parser."""
    evolve = subparsers.add_parser("evolve", help="evolve the genes of a script (paper section 2.3)",
                                   formatter_class=_HelpFormatter, epilog=START_EXAMPLES)
    commands = evolve.add_subparsers(dest="evolve_command", required=True, parser_class=_EvolveParser)

    start = commands.add_parser("start", help="start a new evolution", epilog=START_EXAMPLES,
                                description="Start a new evolution of SCRIPT's genes and run it to the end "
                                            "(workers read genes with get_gene and report set_score).")
    start.add_argument("script", help="the script: get_gene(...) in, set_score(...) out")
    _common(start)
    start.add_argument("--gene", action="append", metavar="NAME=VALUE",
                       type=_typed("--gene", "NAME=VALUE with a gene name and a finite number, like a=0.5", _gene),
                       help="start value of a gene (repeat)")
    start.add_argument("--genome", action="append", metavar="JSON",
                       type=_typed("--genome", "a JSON object of gene names and finite numbers, like "
                                   "'{\"a\": 0.5}'", _genome, limit=_MAX_GENOME_CHARS),
                       help="a whole start genome as JSON (repeat)")
    start.add_argument("--constraint", action="append", default=[], metavar="EXPR",
                       type=_typed("--constraint", f"an expression over genes like 'b>=a' of at most "
                                   f"{MAX_EXPRESSION_CHARS} characters", _constraint, limit=MAX_EXPRESSION_CHARS),
                       help="a condition every genome satisfies, e.g. 'b>=a' (repeat)")
    start.add_argument("--range", action="append", metavar="NAME=LOW:HIGH",
                       type=_typed("--range", "NAME=LOW:HIGH with finite numbers LOW < HIGH", _range),
                       help="range of a gene (repeat)")
    start.add_argument("--individuals", type=_typed("--individuals", _POSITIVE, _int_at_least(1)), default=10,
                       metavar="N", help="individuals per generation")
    start.add_argument("--mutation", type=_typed("--mutation", "a finite number >= 0", _float_in(0.0)),
                       default=0.4, metavar="X", help="relative mutation strength (sigma = X * |gene|)")
    start.add_argument("--death-rate", type=_typed("--death-rate", "a number in [0, 1)",
                                                   _float_in(0.0, 1.0, high_open=True)),
                       default=0.5, metavar="X", help="fraction dying per generation")
    start.add_argument("--generations", type=_typed("--generations", _POSITIVE, _int_at_least(1)), default=10,
                       metavar="N", help="generations to evaluate")
    start.add_argument("--algorithm", default="paper", metavar="NAME",
                       type=_typed("--algorithm", f"one of {', '.join(ALGORITHMS)}",
                                   lambda t: t if t in ALGORITHMS else None),
                       help=f"search algorithm: {', '.join(ALGORITHMS)}")
    start.add_argument("--timeout", metavar="SECONDS",
                       type=_typed("--timeout", "a positive number of seconds (inf: no limit)",
                                   _float_in(0.0, low_open=True, finite=False)),
                       help="seconds one evaluation may run before it is killed (default: 3600)")
    start.add_argument("--seed", metavar="N", type=_typed("--seed", "an int in [0, 2**32)",
                                                          _int_at_least(0, 2**32 - 1)),
                       help="seed of the search (default: drawn and stored)")
    _workers(start)

    cont = commands.add_parser("continue", help="resume a stopped or crashed evolution",
                               epilog="example:\n  monnto evolve continue --name toy --script slave.py "
                                      "--generations 8")
    _common(cont)
    cont.add_argument("--script", help="the script to run (a storage never chooses it; see --trust-stored-script)")
    cont.add_argument("--trust-stored-script", action="store_true",
                      help="run the script path stored in the evolution (only when you trust everyone who "
                           "can write the storage)")
    cont.add_argument("--generations", metavar="N", type=_typed("--generations", _POSITIVE, _int_at_least(1)),
                      help="new total number of generations")
    _workers(cont)

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
    dash.add_argument("--port", type=_typed("--port", "an int in [0, 65535] (0: any free port)",
                                            _int_at_least(0, 65535)), default=8080, help="port to serve on")

    worker = commands.add_parser(
        "worker", help="join a running evolution and evaluate individuals",
        epilog="example:\n  monnto evolve worker --name toy --script slave.py --storage postgresql://u:pw@db/evo")
    _common(worker)
    worker.add_argument("--script", required=True,
                        help="path of the script on this machine; the only code this worker runs")
    worker.add_argument("--ignore-stored-script", action="store_true",
                        help="run --script even when the evolution names another path for its script")
    worker.add_argument("--parent-pid", metavar="PID", type=_typed("--parent-pid", "a positive int",
                                                                  _int_at_least(1)),
                        help="stop when this process ends")
    worker.add_argument("--index", metavar="N", type=_typed("--index", "a non-negative int", _int_at_least(0)),
                        default=0, help="worker number (seeds Optuna samplers)")
    worker.add_argument("--poll", metavar="SECONDS", type=_typed("--poll", "a positive number of seconds",
                                                                _float_in(0.0, 3600.0, low_open=True)),
                        default=0.2, help="seconds between looks for work")
    worker.add_argument("--wait", metavar="SECONDS", type=_typed("--wait", "a number of seconds >= 0",
                                                                _float_in(0.0)),
                        default=60.0, help="seconds to wait for the evolution to appear")
    worker.add_argument("--max-evaluations", metavar="N", type=_typed("--max-evaluations", _POSITIVE,
                                                                     _int_at_least(1)),
                        help="stop after this many evaluations")
    worker.add_argument("--timeout", metavar="SECONDS",
                        type=_typed("--timeout", "a positive number of seconds (inf: no limit)",
                                    _float_in(0.0, low_open=True, finite=False)),
                        help="seconds one evaluation may run (default: the evolution's)")
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

    genomes = list(args.genome or [])
    genes = dict(args.gene or [])
    if genes:
        genomes.insert(0, genes)
    ranges = dict(args.range or [])
    evolution = Evolution(
        args.name, args.script, individual_count=args.individuals, mutation=args.mutation,
        death_rate=args.death_rate, constraints=args.constraint, start_genomes=genomes,
        devices=_devices(args), generations=args.generations, algorithm=args.algorithm,
        gene_ranges=ranges or None, timeout=args.timeout, seed=args.seed, storage=args.storage,
        data_folder=args.data_folder,
    )
    if not evolution.start():
        print(f"monnto evolve start: evolution {args.name!r} exists; use "
              f"'monnto evolve continue --name {args.name} --script {args.script}'", file=sys.stderr)
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
            overrides: dict[str, Any] = {"devices": _devices(args), "trusted": args.trust_stored_script}
            if args.generations is not None:
                overrides["generations"] = args.generations
            if args.script:
                overrides["slave_file"] = args.script
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
            worker = Worker(args.storage, args.name, script=args.script,
                            ignore_stored_script=args.ignore_stored_script, data_folder=args.data_folder,
                            poll=args.poll, wait_for_study=args.wait, max_evaluations=args.max_evaluations,
                            parent_pid=args.parent_pid, worker_index=args.index, timeout=args.timeout)
            print(f"worker {worker.worker_id} joined evolution {args.name!r}", flush=True)
            count = worker.run()
            print(f"worker {worker.worker_id} evaluated {count} individuals", flush=True)
            return 0
    except (ValueError, TypeError, KeyError, FileNotFoundError, RuntimeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"monnto evolve {command}: error: {message}", file=sys.stderr)
        return 2
    raise MonntoValueError(f"monnto evolve: unknown command {command!r}; expected one of {_COMMANDS}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m monnto.evolution``."""
    parser = argparse.ArgumentParser(prog="monnto")  # the same sub-commands as `monnto evolve`
    subparsers = parser.add_subparsers(dest="command", required=True)
    evolve = add_evolve_parser(subparsers)
    args = parser.parse_args(["evolve", *(sys.argv[1:] if argv is None else argv)])
    del evolve
    return run_evolve(args)
