"""Small helpers for the model builders (not public API)."""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def shared_synapse_tags() -> Iterator[None]:
    """Silence the core's tag-clash warning for SynapseGroups sharing a type tag.

    Many SynapseGroups carrying the same transmitter tag ('GLUTAMATE',
    'GABA') is the normal way to build a network (the paper does it); the
    network attribute shortcut ``net.GLUTAMATE`` is not used by the models.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*tag '.*' is used by <SynapseGroup")
        yield
