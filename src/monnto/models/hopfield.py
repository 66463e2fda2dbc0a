"""Hopfield (1982) network: binary units recalling stored patterns from noisy cues.

Units s_i in {-1, +1}; P patterns xi^mu are stored with the Hebbian
(outer-product) rule and zero self-coupling:

    W_ij = (1/N) sum_mu xi_i^mu xi_j^mu   (i != j),   W_ii = 0

Recall iterates s_i <- sign(sum_j W_ij s_j - theta_i) (a zero field keeps
the old state), synchronously (all units per step) or asynchronously (one
sweep over the units in random order per step). The energy
E = -1/2 s^T W s + theta^T s never increases under asynchronous updates.
Below the capacity (P/N < 0.138; Amit, Gutfreund & Sompolinsky 1985) a cue
with a fraction of flipped bits converges to the stored pattern: the
overlap m = (1/N) sum_i s_i xi_i goes to ~1.

Backends: :func:`hopfield_network` uses the network's default backend
unless ``backend`` / ``device`` are given (the state and weights live
there; patterns, cues and :func:`recall`'s result are numpy arrays on the
host).

Reference: J. J. Hopfield (1982), PNAS 79:2554-2558.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup, get_squared_dim
from monnto.core.backend import to_numpy
from monnto.models._backend import host_to_backend, synapse_weights

from ..core.errors import MonntoValueError
from ._checks import checked_builder

__all__ = ["HopfieldUnits", "corrupt", "hebbian_weights", "hopfield_energy", "hopfield_network",
           "hopfield_step", "overlap", "random_patterns", "recall"]


def random_patterns(n_patterns: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_patterns, size)`` random patterns of -1/+1 with probability 1/2 each."""
    return np.where(rng.random((int(n_patterns), int(size))) < 0.5, -1.0, 1.0)


def hebbian_weights(patterns: Any, xp: Any = np) -> Any:
    """Hebbian weights ``(1/N) sum_mu xi xi^T`` with a zero diagonal, shape (N, N)."""
    P = xp.asarray(patterns, dtype=xp.float64)
    if P.ndim != 2:
        raise MonntoValueError(f"hebbian_weights: patterns must be (n_patterns, N), got shape {tuple(P.shape)}")
    n = P.shape[1]
    W = (P.T @ P) / n
    W = W * (1.0 - xp.eye(n, dtype=W.dtype, device=W.device))
    return W


def hopfield_step(s: Any, W: Any, theta: Any, xp: Any = np) -> Any:
    """Synchronous update ``sign(W s - theta)``; units with a zero field keep their state."""
    h = W @ s - theta
    return xp.where(h > 0, xp.ones_like(s), xp.where(h < 0, -xp.ones_like(s), s))


def hopfield_energy(s: Any, W: Any, theta: Any = 0.0) -> float:
    """Energy ``-1/2 s^T W s + theta . s``."""
    return float(-0.5 * s @ (W @ s) + (theta * s).sum())


def overlap(s: Any, pattern: Any) -> float:
    """Overlap ``(1/N) sum_i s_i xi_i`` in [-1, 1]."""
    s = np.asarray(s, dtype=float)
    return float(np.dot(s, np.asarray(pattern, dtype=float)) / s.size)


def corrupt(pattern: Any, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Copy of ``pattern`` with exactly ``round(fraction N)`` randomly chosen units flipped."""
    if not 0.0 <= fraction <= 1.0:
        raise MonntoValueError(f"corrupt: fraction must be in [0, 1], got {fraction!r}")
    out = np.array(pattern, dtype=float)
    k = int(round(fraction * out.size))
    idx = rng.choice(out.size, size=k, replace=False)
    out[idx] = -out[idx]
    return out


class HopfieldUnits(Behaviour):
    """Binary +-1 units updated from the afferent synapses of a tag.

    Keyword arguments: ``theta`` (threshold, default 0), ``syn_type``
    ('GLUTAMATE'), ``update`` ('synchronous' or 'asynchronous'),
    ``init`` (initial state mode, default random +-1).
    Group variables: ``s`` (state, float +-1), ``spike`` (s > 0), ``energy``.
    """

    def set_variables(self, n: Any) -> None:
        self.theta = self.get_init_attr("theta", 0.0, n)
        self.syn_type = self.get_init_attr("syn_type", "GLUTAMATE")
        self.update = self.get_init_attr("update", "synchronous")
        if self.update not in ("synchronous", "asynchronous"):
            raise MonntoValueError(f"{type(self).__name__}: update must be 'synchronous' or 'asynchronous', "
                             f"got {self.update!r}")
        u = n.get_neuron_vec("uniform(0,1)")
        one = n.xp.ones_like(u, dtype=n.xp.float64)
        n.s = n.xp.where(u < 0.5, -one, one)
        n.spike = n.s > 0
        n.energy = 0.0
        self.rng = n.network.rng

    def _weights(self, n: Any) -> Any:
        groups = n.afferent_synapses[self.syn_type]
        W = groups[0].W
        for s in groups[1:]:
            W = W + s.W
        return W

    def new_iteration(self, n: Any) -> None:
        W = self._weights(n)
        if self.update == "synchronous":
            n.s = hopfield_step(n.s, W, self.theta, n.xp)
        else:
            s = n.s
            theta = self.theta
            if getattr(theta, "ndim", 0) == 0:
                theta = np.broadcast_to(theta, s.shape)
            for i in self.rng.permutation(n.size):
                h = float(W[i] @ s - theta[i])
                if h != 0:
                    s[i] = 1.0 if h > 0 else -1.0
        n.spike = n.s > 0
        n.energy = hopfield_energy(n.s, W, self.theta)


@checked_builder(positive=("n_patterns", "size"))
def hopfield_network(patterns: Any = None, n_patterns: int = 4, size: int = 100,
                     update: str = "synchronous", theta: float = 0.0,
                     seed: int | None = 0, backend: str | None = None, device: str = "cpu",
                     target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize a Hopfield network storing ``patterns``.

    Parameters
    ----------
    patterns : array (P, N), optional
        +-1 patterns; default ``n_patterns`` random ones of ``size`` units.
    n_patterns, size : int
        Used when ``patterns`` is None.
    update : {'synchronous', 'asynchronous'}
    theta : float
        Threshold of every unit.
    seed : int, optional
    backend, device : str, optional
        Array backend and device of the network (default: the network
        default, numpy on the CPU).

    target : {'numpy', 'numba'}, optional
        Where the step loop runs (default: the network default, numpy; see
        :class:`~monnto.core.network.Network`).
    threads : int
        Threads of the compiled loops (numba target).

    Returns
    -------
    Network
        Group 'hopfield' (a square NeuronDimension when N is a square), its
        recurrent SynapseGroup 'GLUTAMATE' with the Hebbian ``W``; the stored
        patterns are ``net.patterns``.
    """
    net = Network(seed=seed, tag="hopfield_net", backend=backend, device=device, target=target,
                  threads=threads)
    if patterns is None:
        patterns = random_patterns(n_patterns, size, net.rng)
    patterns = np.asarray(patterns, dtype=float)
    if patterns.ndim != 2 or not np.all(np.abs(patterns) == 1):
        raise MonntoValueError("hopfield_network: patterns must be a (P, N) array of -1/+1")
    n = patterns.shape[1]
    side = int(round(np.sqrt(n)))
    size_arg = get_squared_dim(n) if side * side == n else n
    grp = NeuronGroup(net=net, size=size_arg, tag="hopfield",
                      behaviour={1: HopfieldUnits(theta=theta, update=update)})
    syn = SynapseGroup(net=net, src=grp, dst=grp, tag="GLUTAMATE")
    syn.W = synapse_weights(syn, hebbian_weights(patterns))
    net.patterns = patterns
    net.initialize()
    return net


def recall(net: Network, cue: Any, steps: int = 10) -> np.ndarray:
    """Set the state of the 'hopfield' group to ``cue``, run ``steps`` steps, return the state."""
    grp = net["hopfield", 0]
    cue = np.asarray(cue, dtype=float)
    if cue.shape != (grp.size,):
        raise MonntoValueError(f"recall: cue has shape {cue.shape}, expected ({grp.size},)")
    grp.s = host_to_backend(net, cue.copy())
    grp.spike = grp.s > 0
    net.simulate_iterations(int(steps), progress=False)
    return np.array(to_numpy(grp.s))
