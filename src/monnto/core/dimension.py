"""Spatial layout of a NeuronGroup: ``NeuronDimension`` and ``get_squared_dim``."""
from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

from .behaviour import Behaviour
from .errors import MonntoTypeError, MonntoValueError


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise MonntoValueError(f"NeuronDimension: {name} must be a positive int, got {value!r}")
    return int(value)


class NeuronDimension(Behaviour):
    """A width x height x depth grid of neurons.

    Passed as a NeuronGroup's ``size`` (or as one of its behaviours), it sets
    on the group ``width``, ``height``, ``depth``, ``size = w*h*d`` and the
    position vectors ``x``, ``y``, ``z`` (grid units). Neuron ``i`` sits at
    ``x = i mod w``, ``y = (i // w) mod h``, ``z = i // (w*h)``; with
    ``centered=True`` (default) the grid is centred on the origin.

    Parameters
    ----------
    width, height, depth : int
        Number of neurons along each axis.
    centered : bool
        Shift positions by ``-(w-1)/2``, ``-(h-1)/2``, ``-(d-1)/2``.

    Examples
    --------
    >>> from monnto import Network, NeuronDimension, NeuronGroup
    >>> grid = NeuronGroup(Network(seed=1), NeuronDimension(width=3, height=2), tag='grid')
    >>> grid.size
    6
    >>> grid.x, grid.y                   # x runs fastest; centred on the origin
    (array([-1.,  0.,  1., -1.,  0.,  1.]), array([-0.5, -0.5, -0.5,  0.5,  0.5,  0.5]))
    """

    initialize_on_init = True

    def __init__(self, width: int = 1, height: int = 1, depth: int = 1, centered: bool = True,
                 **kwargs):
        for key in kwargs:
            close = difflib.get_close_matches(key, ("width", "height", "depth", "centered"), n=1, cutoff=0.6)
            if close:
                raise MonntoTypeError(f"NeuronDimension: unknown argument {key!r}; did you mean {close[0]!r}?")
        super().__init__(width=width, height=height, depth=depth, centered=centered, **kwargs)
        self.width = _positive_int(width, "width")
        self.height = _positive_int(height, "height")
        self.depth = _positive_int(depth, "depth")
        self.centered = bool(centered)
        self.used_attr_keys.update(("width", "height", "depth", "centered"))

    @property
    def size(self) -> int:
        return self.width * self.height * self.depth

    def positions(self, dtype=np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the position vectors ``(x, y, z)``."""
        i = np.arange(self.size)
        x = (i % self.width).astype(dtype)
        y = ((i // self.width) % self.height).astype(dtype)
        z = (i // (self.width * self.height)).astype(dtype)
        if self.centered:
            x -= (self.width - 1) / 2
            y -= (self.height - 1) / 2
            z -= (self.depth - 1) / 2
        return x, y, z

    def set_variables(self, neurons) -> None:
        if neurons.size != self.size:
            raise MonntoValueError(f"{neurons!r}: NeuronDimension {self.width}x{self.height}x{self.depth} "
                                   f"has {self.size} neurons but the group has size {neurons.size}")
        neurons.width, neurons.height, neurons.depth = self.width, self.height, self.depth
        neurons.x, neurons.y, neurons.z = self.positions(neurons.network.dtype)
        neurons.dimension = self

    def __repr__(self) -> str:
        return f"NeuronDimension(width={self.width}, height={self.height}, depth={self.depth})"


def get_squared_dim(number_of_neurons: int, depth: int = 1) -> NeuronDimension:
    """A near-square NeuronDimension holding ``number_of_neurons`` per layer.

    The width is the largest divisor of ``number_of_neurons`` not above its
    square root (100 gives 10 x 10, 6 gives 2 x 3, a prime p gives 1 x p).
    """
    n = _positive_int(number_of_neurons, "number_of_neurons")
    width = max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
    return NeuronDimension(width=width, height=n // width, depth=depth)
