"""How the neurons of a NeuronGroup are split over the ranks.

Every rank owns one contiguous block of global neuron indices of every
group, ranks in order (rank 0 the first block). Keeping blocks contiguous
and ordered makes an all-gather of the local parts the global vector in
global order, with no index bookkeeping. Three ways to choose the blocks:

* ``'blocks'`` (default): sizes differ by at most one neuron.
* ``'dimension'``: for a group with a NeuronDimension, blocks end at whole
  rows (``width`` neurons) of the grid, so each rank owns a band of the
  layer (a region of the sheet); other groups fall back to ``'blocks'``.
* a function ``f(group_size, n_ranks) -> bounds``: ``n_ranks + 1``
  non-decreasing ints from 0 to ``group_size`` (rank r owns
  ``bounds[r]:bounds[r+1]``), or an int array of length ``group_size``
  giving each neuron's rank, non-decreasing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.errors import bad_value

__all__ = ["block_bounds", "dimension_bounds", "partition_bounds"]


def block_bounds(size: int, n_ranks: int) -> np.ndarray:
    """Bounds of ``n_ranks`` contiguous blocks of ``size`` neurons (sizes differ by at most 1)."""
    return np.array([(r * size) // n_ranks for r in range(n_ranks + 1)], dtype=np.int64)


def dimension_bounds(size: int, n_ranks: int, width: int) -> np.ndarray:
    """Block bounds at whole rows of ``width`` neurons (a band of the grid per rank)."""
    rows = size // width
    return np.array([((r * rows) // n_ranks) * width for r in range(n_ranks)] + [size], dtype=np.int64)


def partition_bounds(group: Any, size: int, n_ranks: int,
                     rule: str | Callable[..., Any] = "blocks") -> np.ndarray:
    """The ``n_ranks + 1`` bounds of ``group``'s blocks by ``rule`` (see the module docstring).

    Raises
    ------
    MonntoValueError
        Naming the group when ``rule`` is unknown or a function returns
        bounds that are not contiguous, ordered blocks covering the group.
    """
    if rule == "blocks":
        return block_bounds(size, n_ranks)
    if rule == "dimension":
        width = getattr(getattr(group, "dimension", None), "width", None)
        if width is None or size % width:
            return block_bounds(size, n_ranks)
        return dimension_bounds(size, n_ranks, int(width))
    if not callable(rule):
        raise bad_value(group, "partition", rule, "'blocks', 'dimension' or a function "
                        "f(group_size, n_ranks) -> bounds")
    result = np.asarray(rule(size, n_ranks))
    if result.shape == (size,) and n_ranks + 1 != size:  # a rank per neuron
        ranks = result.astype(np.int64)
        if np.any(np.diff(ranks) < 0) or (size and (ranks[0] < 0 or ranks[-1] >= n_ranks)):
            raise bad_value(group, "partition", "a rank per neuron",
                            f"non-decreasing ranks in [0, {n_ranks}) (contiguous blocks in rank order)",
                            hint="renumber the neurons so that each rank's neurons are one block")
        return np.searchsorted(ranks, np.arange(n_ranks + 1), side="left").astype(np.int64)
    bounds = result.astype(np.int64)
    if bounds.shape != (n_ranks + 1,) or bounds[0] != 0 or bounds[-1] != size or np.any(np.diff(bounds) < 0):
        raise bad_value(group, "partition", result.tolist() if result.size < 20 else result.shape,
                        f"{n_ranks + 1} non-decreasing bounds from 0 to {size}, or a rank per neuron")
    return bounds
