"""The ``monnto`` command: ``monnto demo``, ``monnto ui``, ``monnto evolve``.

Each subcommand imports its layer only when it runs, so ``monnto --help``
stays fast and needs no optional extra.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def _add_demo_parser(subparsers) -> None:
    demo = subparsers.add_parser(
        "demo", help="run the paper's basic network (code blocks 2-3) and write Figure 5",
        description="Run the paper's basic network (100 neurons, 1000 steps) and write its "
                    "Figure 5 (voltage traces, mean, threshold; spike raster) and a summary.")
    demo.add_argument("--out", default="monnto_demo", help="output folder (created if missing)")
    demo.add_argument("--size", type=int, default=100, help="number of neurons")
    demo.add_argument("--steps", type=int, default=1000, help="number of steps")
    demo.add_argument("--seed", type=int, default=1, help="seed of the network's generator")
    demo.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    summary = run_demo(Path(args.out), size=args.size, steps=args.steps, seed=args.seed)
    print(summary["text"])
    return 0


def _add_ui_parser(subparsers) -> None:
    ui = subparsers.add_parser(
        "ui", help="open the live GUI on a script's network (needs monnto[gui])",
        description="Run SCRIPT and open Network_UI on the network it builds (or on the window it opens).")
    ui.add_argument("script", help="a Python script that builds a Network")
    ui.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    ui.set_defaults(func=_run_ui)


def _run_ui(args: argparse.Namespace) -> int:
    from .ui.launch import run_ui_command

    script = Path(args.script)
    if not script.is_file():
        raise SystemExit(f"monnto ui: no such script {str(script)!r}")
    run_ui_command(script, argv=list(args.script_args))
    return 0


def _add_evolve_parser(subparsers) -> None:
    from .evolution.cli import add_evolve_parser, run_evolve

    add_evolve_parser(subparsers).set_defaults(func=run_evolve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monnto", description="monnto command line")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo_parser(subparsers)
    _add_ui_parser(subparsers)
    _add_evolve_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``monnto`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
