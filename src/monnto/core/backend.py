"""Array backends: which array library the framework's arrays live in.

Only numpy is built in; ``get_namespace`` is the single place where another
backend (torch, cupy) plugs in.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

BACKENDS = ("numpy",)


def get_namespace(backend: str) -> ModuleType:
    """Return the array namespace of ``backend``."""
    if backend == "numpy":
        return np
    raise ValueError(f"Network: backend must be one of {BACKENDS}, got {backend!r}")
