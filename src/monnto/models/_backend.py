"""Moving host (numpy) arrays the model builders make onto the network's backend.

The models draw their random numbers and build their connectivity on the
host with the network's seeded numpy generator (the same draws on every
backend), then hand the arrays to the network's backend with these helpers.
On the numpy backend every helper returns its argument unchanged, so numpy
runs are exactly what they were before the torch backend existed.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from monnto.core.sparse_matrix import SparseSynapseMatrix

__all__ = ["host_to_backend", "synapse_weights"]


def host_to_backend(obj: Any, array: Any) -> Any:
    """``array`` (numpy) on the backend and device of ``obj``'s network.

    ``obj`` is a Network, NeuronGroup or SynapseGroup. Identity on numpy.
    """
    net = getattr(obj, "network", obj)
    if net.backend == "numpy":
        return array
    return net.array_backend.from_numpy(np.asarray(array))


def synapse_weights(s: Any, W: Any) -> Any:
    """Weights ``W`` (numpy array or CSR) ready to be stored as ``s.W``.

    numpy backend: ``W`` unchanged (a CSR :class:`SparseSynapseMatrix` stays
    sparse and event-driven). Other backends (CSR matrices are numpy-only):
    the same matrix, dense, as a synapse matrix on the network's device
    (``W.dot(spikes)`` works as on numpy); the connectivity and weights are
    identical to the numpy run with the same seed.
    """
    net = s.network
    if net.backend == "numpy":
        return W
    if isinstance(W, SparseSynapseMatrix):
        W = W.toarray()
    elif not isinstance(W, np.ndarray):
        return W
    return net.array_backend.synapse_matrix(net.array_backend.from_numpy(np.asarray(W)))
