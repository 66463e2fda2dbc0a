"""``python -m monnto.evolution <command> ...``: the ``monnto evolve`` command before it is wired."""
import sys

from monnto.evolution.cli import main

sys.exit(main())
