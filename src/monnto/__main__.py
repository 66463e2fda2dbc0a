"""``python -m monnto``: the same as the ``monnto`` command."""
import sys

from .cli import main

sys.exit(main())
