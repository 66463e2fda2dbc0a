"""Connectivity builders that make CSR synapse matrices without the dense D x S.

Each builder returns a :class:`~monnto.core.sparse_matrix.SparseSynapseMatrix`
of shape ``(dst.size, src.size)``: the structure comes from the rule, the
weights from an init string (``'uniform(0,1)'``, ``0.5``, a callable
``f(shape, rng)``, ...) drawn once per stored synapse with the network's
framework draws (:mod:`monnto.core.keyed_draws`: the same synapses in one
process and split over MPI ranks). Time and memory are O(number of synapses).

* :func:`fixed_probability`: each possible synapse exists with probability p.
* :func:`fixed_indegree`: every destination gets exactly k distinct sources.
* :func:`distance_dependent`: synapses within ``max_distance`` of each other
  (positions ``x``, ``y``, ``z`` from a NeuronDimension), each kept with
  probability ``p(d)``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...core.backend import to_numpy
from ...core.errors import MonntoTypeError, MonntoValueError
from ...core.init_strings import make_array
from ...core.sparse_matrix import SparseSynapseMatrix, from_rows


def _shape_rng(synapses: Any) -> tuple[tuple[int, int], np.random.Generator, np.dtype]:
    dims = getattr(synapses, "matrix_dim", None)
    if dims is None:
        raise MonntoTypeError(f"expected a SynapseGroup (with src, dst and matrix_dim()), got {synapses!r}")
    return dims(), synapses.network.rng, synapses.network.dtype


def _same_base(synapses: Any) -> bool:
    """Whether source and destination are the same neurons (so ``i -> i`` synapses are autapses)."""
    src, dst = synapses.src, synapses.dst
    base = getattr(src, "BaseNeuronGroup", src)
    if base is not getattr(dst, "BaseNeuronGroup", dst):
        return False
    if base is dst and hasattr(dst, "global_size"):  # a group split over MPI ranks: src is its global view
        return True
    return src.size == dst.size and np.array_equal(getattr(src, "id", 0), getattr(dst, "id", 0))


def fixed_probability(synapses: Any, p: float, weights: Any = 1.0,
                      autapses: bool = True) -> SparseSynapseMatrix:
    """Each of the ``D*S`` possible synapses exists independently with probability ``p``.

    Parameters
    ----------
    synapses : SynapseGroup
        Gives the shape and the generator.
    p : float
        Connection probability in [0, 1].
    weights : init mode
        Weight of each stored synapse (see ``monnto.core.init_strings``).
    autapses : bool
        When False and src and dst are the same neurons, drop ``i -> i``.

    Returns
    -------
    SparseSynapseMatrix
        ``(dst.size, src.size)``, CSR; ``W.dot(spikes)`` touches only the
        stored synapses of the sources that spiked.

    Examples
    --------
    >>> from monnto import Network, NeuronGroup, SynapseGroup, fixed_probability
    >>> net = Network(seed=1)
    >>> neurons = NeuronGroup(net, 1000, tag='n')
    >>> synapses = SynapseGroup(net, src=neurons, dst=neurons, tag='recurrent')
    >>> W = fixed_probability(synapses, p=0.1, weights=0.5)
    >>> W.shape, round(W.nnz / 1000**2, 2)
    ((1000, 1000), 0.1)
    """
    _shape_rng(synapses)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(p) <= 1.0:
        raise MonntoValueError(f"fixed_probability on {synapses!r}: p must be in [0, 1], got {p!r}")
    # drawn per row chunk (monnto.core.keyed_draws): the same synapses in one process and on any MPI ranks
    return synapses.network.draws.fixed_probability(synapses, float(p), weights,
                                                     no_self=not autapses and _same_base(synapses))


def fixed_indegree(synapses: Any, k: int, weights: Any = 1.0,
                   autapses: bool = True) -> SparseSynapseMatrix:
    """Every destination neuron gets exactly ``k`` distinct random sources.

    Parameters
    ----------
    synapses : SynapseGroup
        Gives the shape and the generator.
    k : int
        Synapses per destination neuron (at most ``src.size``, or
        ``src.size - 1`` without autapses).
    weights : init mode
        Weight of each stored synapse.
    autapses : bool
        When False and src and dst are the same neurons, no ``i -> i``
        synapse is drawn (each row still gets k sources).
    """
    (d, s), _, _ = _shape_rng(synapses)
    no_self = not autapses and _same_base(synapses)
    limit = s - 1 if no_self else s
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= limit:
        raise MonntoValueError(f"fixed_indegree on {synapses!r}: k must be an int in [0, {limit}], got {k!r}")
    # drawn per row chunk (monnto.core.keyed_draws): the same synapses in one process and on any MPI ranks
    return synapses.network.draws.fixed_indegree(synapses, int(k), weights, no_self=no_self)


def positions(group: Any, owner: str) -> np.ndarray:
    """``(size, 3)`` positions ``x, y, z`` of a group with a NeuronDimension."""
    try:
        xyz = [np.asarray(to_numpy(getattr(group, a)), dtype=float) for a in ("x", "y", "z")]
    except AttributeError:
        raise MonntoValueError(f"{owner}: {group!r} has no positions x, y, z; give it a NeuronDimension "
                         f"(size=NeuronDimension(width=..., height=...))") from None
    return np.stack(xyz, axis=1)


def pairs_within(src_pos: np.ndarray, dst_pos: np.ndarray, radius: float) -> tuple:
    """All ``(dst, src)`` pairs at Euclidean distance ``<= radius``, in CSR order.

    Returns ``(rows, cols, distances)`` sorted by row, then column.
    """
    from scipy.spatial import cKDTree

    src_tree = cKDTree(src_pos)
    hits = cKDTree(dst_pos).query_ball_tree(src_tree, r=float(radius) + 1e-9)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    rows = np.repeat(np.arange(len(hits)), counts)
    cols = np.fromiter((c for h in hits for c in sorted(h)), dtype=np.int64, count=int(counts.sum()))
    dist = np.sqrt(((dst_pos[rows] - src_pos[cols]) ** 2).sum(axis=1))
    return rows, cols, dist


def distance_dependent(synapses: Any, max_distance: float,
                       probability: float | Callable[[np.ndarray], np.ndarray] = 1.0,
                       weights: Any = 1.0, autapses: bool = True) -> SparseSynapseMatrix:
    """Synapses between neurons at most ``max_distance`` apart (grid units).

    Parameters
    ----------
    synapses : SynapseGroup
        Between groups with a NeuronDimension (positions ``x``, ``y``, ``z``).
    max_distance : float
        Largest Euclidean distance of a synapse.
    probability : float or callable
        Keep probability, or ``p(d)`` mapping distances to probabilities
        (e.g. ``lambda d: np.exp(-d**2 / 8)``).
    weights : init mode
        Weight of each stored synapse.
    autapses : bool
        Keep ``i -> i`` when src and dst are the same neurons.
    """
    (d, s), _, dtype = _shape_rng(synapses)
    rng = synapses.network.draws.generator(synapses)  # a framework draw, not net.rng
    owner = f"distance_dependent on {synapses!r}"
    rows, cols, dist = pairs_within(positions(synapses.src, owner), positions(synapses.dst, owner),
                                    max_distance)
    if not autapses and _same_base(synapses):
        keep = rows != cols
        rows, cols, dist = rows[keep], cols[keep], dist[keep]
    p = probability(dist) if callable(probability) else np.full(dist.shape, float(probability))
    p = np.asarray(p, dtype=float)
    if p.shape != dist.shape or np.any((p < 0) | (p > 1)):
        raise MonntoValueError(f"{owner}: probability must give values in [0, 1], one per pair")
    if not np.all(p == 1.0):
        keep = rng.random(dist.size) < p
        rows, cols = rows[keep], cols[keep]
    counts = np.bincount(rows, minlength=d)
    values = make_array(weights, (cols.size,), rng, dtype, owner=repr(synapses))
    return from_rows(counts, cols, values, (d, s))


def as_synapse_matrix(W: Any, synapses: Any) -> SparseSynapseMatrix:
    """Convert a dense or scipy sparse ``W`` to a :class:`SparseSynapseMatrix`, checking its shape.

    Raises ValueError naming the group when ``W`` is not ``(dst.size, src.size)``.
    """
    expected = synapses.matrix_dim()
    shape = getattr(W, "shape", None)
    if shape != expected:
        raise MonntoValueError(f"{synapses!r}: synapse matrix has shape {shape}, expected {expected} "
                         f"(dst.size, src.size)")
    return SparseSynapseMatrix(W)
