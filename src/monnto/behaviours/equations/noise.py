"""Random terms of equation strings (``xi``, ``rand()``) from counter-based streams.

A draw is a function of (network seed, behaviour, step, element, draw
number), :mod:`monnto.targets.random_streams`, not of a generator's state,
so the numpy target (whole arrays) and the numba target (one element per
loop iteration) draw the same numbers, whatever the order of the loop.

* ``rand()`` in a Threshold: ``unit(bits(sub=k))``, uniform in [0, 1);
* white noise ``xi`` in an Equation: a standard normal by the Box-Muller
  transform of two such uniforms ``u1``, ``u2`` (subs ``2k``, ``2k+1``):
  ``sqrt(-2 log(1 - u1)) cos(2 pi u2)``.

Elements are numbered in C order (a synapse ``(i, j)`` of a ``D x S``
SynapseGroup is element ``i*S + j``); a neuron group that is part of a
larger one split over MPI ranks numbers its neurons from its
``global_start``, so the draws do not depend on the split. The compiled loop computes the same
formula with ``math.log``/``math.cos``; where libm and numpy's vectorized
``log``/``cos`` round differently in the last bit, the two targets' normal
draws differ by about 1e-16 relative (tested).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["normal", "uniform"]


def _units(key, step: int, shape: tuple, sub: int, start: int) -> np.ndarray:
    from monnto.targets.random_streams import uniform as stream_uniform

    size = int(np.prod(shape)) if len(shape) else 1
    return stream_uniform(np.uint64(key), int(step), int(start), size, sub).reshape(shape)


def uniform(key, step: int, shape: tuple, k: int, start: int = 0) -> np.ndarray:
    """Uniform [0, 1) draws of ``rand()`` number ``k``, one per element, in ``step``.

    ``start`` is the global number of the first element (a neuron group split
    over MPI ranks holds neurons ``start ... start + size - 1``).
    """
    return _units(key, step, shape, k, start)


def normal(key, step: int, shape: tuple, k: int, start: int = 0) -> np.ndarray:
    """Standard normal draws of white-noise term number ``k``, one per element, in ``step``."""
    u1 = _units(key, step, shape, 2 * k, start)
    u2 = _units(key, step, shape, 2 * k + 1, start)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * math.pi * u2)
