"""The ``monnto`` command: ``demo``, ``ui``, ``evolve``, ``doctor``, ``run`` and ``--version``.

Each subcommand imports its layer only when it runs, so ``monnto --help``
stays fast and needs no optional extra. A subcommand whose optional extra is
not installed says which one to install (``pip install 'monnto[gui]'``)
instead of printing a traceback; every option's help shows its default.
"""
from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from pathlib import Path

#: Module an optional part needs -> the extra that installs it.
EXTRA_OF_MODULE = {
    "optuna": "evolution", "optuna_dashboard": "evolution", "cmaes": "evolution", "psycopg2": "evolution",
    "dask": "evolution", "distributed": "evolution",
    "PySide6": "gui", "pyqtgraph": "gui",
    "torch": "torch", "brian2": "brian2", "nest": "nest", "numba": "numba",
}


def install_hint(extra: str) -> str:
    """``pip install 'monnto[extra]'`` (quoted for shells that expand brackets).

    Examples
    --------
    >>> print(install_hint('evolution'))
    pip install 'monnto[evolution]'
    """
    return f"pip install 'monnto[{extra}]'"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions as written and appends ``(default: ...)`` to every option with a default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "%(default)" in text or action.default in (None, argparse.SUPPRESS, False) or not action.option_strings:
            return text
        return text + " (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with :class:`HelpFormatter`, inherited by every subcommand."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def _int_at_least(low: int):
    """An argparse type: an int >= ``low`` (argparse names the option in its error)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an int >= {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an int >= {low}, got {value}")
        return value

    parse.__name__ = f"int >= {low}"
    return parse


def _add_demo_parser(subparsers) -> None:
    demo = subparsers.add_parser(
        "demo", help="run the paper's basic network (code blocks 2-3) and write Figure 5",
        description="Run the paper's basic network (100 neurons, 1000 steps) and write its "
                    "Figure 5 (voltage traces, mean, threshold; spike raster) and a summary.\n\n"
                    "example:\n  monnto demo --out demo_out")
    demo.add_argument("--out", default="monnto_demo", help="output folder (created if missing)")
    demo.add_argument("--size", type=_int_at_least(1), default=100, help="number of neurons")
    demo.add_argument("--steps", type=_int_at_least(1), default=1000, help="number of steps")
    demo.add_argument("--seed", type=_int_at_least(0), default=1, help="seed of the network's generator")
    demo.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    summary = run_demo(Path(args.out), size=args.size, steps=args.steps, seed=args.seed)
    print(summary["text"])
    return 0


def _add_ui_parser(subparsers) -> None:
    ui = subparsers.add_parser(
        "ui", help=f"open the live GUI on a script's network (needs the gui extra: {install_hint('gui')})",
        description="Run SCRIPT and open Network_UI on the network it builds (or on the window it opens).\n"
                    f"Needs the 'gui' extra ({install_hint('gui')}) and a display; `monnto doctor` "
                    "tells whether Qt can open a window here.\n\n"
                    "example:\n  monnto ui examples/gui_basic.py")
    ui.add_argument("script", help="a Python script that builds a Network")
    ui.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    ui.set_defaults(func=_run_ui)


def _run_ui(args: argparse.Namespace) -> int:
    script = Path(args.script)
    if not script.is_file():
        raise SystemExit(f"monnto ui: no such script {str(script)!r}")
    from .ui.launch import run_ui_command

    run_ui_command(script, argv=list(args.script_args))
    return 0


def _add_evolve_parser(subparsers) -> None:
    from .evolution.cli import add_evolve_parser

    evolve = add_evolve_parser(subparsers)
    evolve.description = ((evolve.description or "Evolve the genes of a script (paper section 2.3).")
                          + f"\nNeeds the 'evolution' extra: {install_hint('evolution')}")
    evolve.set_defaults(func=_run_evolve)


def _run_evolve(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("optuna") is None:
        print(f"monnto evolve: the evolution runs on Optuna, which is not installed; "
              f"install the 'evolution' extra: {install_hint('evolution')}", file=sys.stderr)
        return 1
    from .evolution.cli import run_evolve

    return run_evolve(args)


def _add_run_parser(subparsers) -> None:
    run = subparsers.add_parser(
        "run", help="run a script on K MPI ranks (one network split over them)",
        description="Run a network script on K MPI ranks with mpiexec (K = 1: one process in "
                    "distributed mode); every K gives the same spike trains. See docs/mpi.md.\n\n"
                    "example:\n  monnto run --ranks 2 my_network.py")
    run.add_argument("--ranks", type=_int_at_least(1), default=1, help="number of MPI ranks")
    run.add_argument("script", help="the Python script")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    run.set_defaults(func=_run_run)


def _run_run(args: argparse.Namespace) -> int:
    from .distributed.launch import run_script

    return run_script(args.script, args.ranks, args.args)


def _add_doctor_parser(subparsers) -> None:
    doctor = subparsers.add_parser(
        "doctor", help="report which optional parts work on this machine and what to install",
        description="Check the optional parts (Qt display, ffmpeg, PostgreSQL, numba, torch, CUDA, MPI, "
                    "brian2, NEST, Optuna, PyAV, soundfile) and say what to install for those that do not "
                    "work.\n\n"
                    "example:\n  monnto doctor")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.set_defaults(func=_run_doctor)


def _run_doctor(args: argparse.Namespace) -> int:
    from .doctor import format_report, report_as_json, run_checks

    checks = run_checks()
    print(report_as_json(checks) if args.json else format_report(checks))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``monnto`` argument parser with all subcommands."""
    from . import __version__

    parser = Parser(prog="monnto", description="monnto command line: a toolbox for spiking neural networks")
    parser.add_argument("--version", action="version", version=f"monnto {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo_parser(subparsers)
    _add_ui_parser(subparsers)
    _add_evolve_parser(subparsers)
    _add_doctor_parser(subparsers)
    _add_run_parser(subparsers)
    return parser


def _missing_extra(err: ImportError) -> str | None:
    name = (getattr(err, "name", None) or "").split(".")[0]
    return EXTRA_OF_MODULE.get(name)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``monnto`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    from .core.errors import MonntoError
    from .ui.qt_platform import DisplayError

    try:
        return int(args.func(args) or 0)
    except ImportError as err:
        extra = _missing_extra(err)
        if extra is None and "pip install monnto[" not in str(err):
            raise
        hint = f": {install_hint(extra)}" if extra else ""
        print(f"monnto {args.command}: {err}{hint}", file=sys.stderr)
        return 1
    except DisplayError as err:
        print(f"monnto {args.command}: {err}", file=sys.stderr)
        return 1
    except (MonntoError, OSError) as err:  # a clear message, no traceback (-v shows it)
        if args.verbose:
            raise
        print(f"monnto {args.command}: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
