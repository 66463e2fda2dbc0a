"""A behaviour whose per-step loop cannot be vectorized, compiled with numba.

Asynchronous stochastic Hopfield network (Glauber dynamics). Neurons are
spins s_i = +-1 with Hebbian weights from P random patterns xi^mu::

    W_ij = (1/N) sum_mu xi_i^mu xi_j^mu,   W_ii = 0,   h_i = sum_j W_ij s_j + b_i
    E(s) = -1/2 s.W.s - b.s

Every monnto step visits all N neurons one after another in a random order
(one sweep); the visited neuron takes s_i = +1 with probability
1 / (1 + exp(-2 beta h_i)) and -1 otherwise, and the fields of all neurons
are updated at once with the change (h += W[i] * delta_s). Each update reads
the state the previous updates wrote, so the sweep is a sequential loop: it
cannot be written as a few array expressions. With beta = inf (zero
temperature) E never increases and stored patterns are retrieved (Hopfield
1982); at finite beta the states are visited with Boltzmann probabilities
exp(-beta E) / Z (Glauber 1963).

References: J. J. Hopfield (1982) PNAS 79:2554; R. J. Glauber (1963)
J. Math. Phys. 4:294.

The random numbers come from the network's seeded generator outside the
compiled loop and enter it as the visit ``order`` and per-visit
``thresholds`` (s_i = +1 iff h_i > logit(u)/(2 beta), which has the same
probability as above), so the compiled and the pure-Python loop see the same
inputs and give identical results.

Run: ``python examples/compiled_behaviour.py --out figures``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from monnto import Behaviour, Network, NeuronGroup, Recorder
from monnto.behaviours.compiled import jit


@jit
def glauber_sweep(s, h, weights, order, thresholds):
    """Update the neurons ``order[k]`` one after another; s and h change in place.

    Parameters
    ----------
    s : float64 array (N,)
        Spins, +1 or -1.
    h : float64 array (N,)
        Local fields ``weights @ s + bias``, kept consistent with ``s``.
    weights : float64 array (N, N)
        Symmetric weights with a zero diagonal (row ``i`` is read when
        neuron ``i`` flips).
    order : int array (K,)
        Neurons to visit, in that order.
    thresholds : float64 array (K,)
        Visit ``k`` sets ``s[order[k]] = +1`` iff its field exceeds
        ``thresholds[k]``.

    Returns
    -------
    int
        Number of spins that changed.
    """
    n = s.shape[0]
    flips = 0
    for k in range(order.shape[0]):
        i = order[k]
        new = 1.0 if h[i] > thresholds[k] else -1.0
        delta = new - s[i]
        if delta != 0.0:
            s[i] = new
            row = weights[i]
            for j in range(n):
                h[j] += row[j] * delta
            flips += 1
    return flips


def hebbian_weights(patterns: np.ndarray) -> np.ndarray:
    """``W = patterns.T @ patterns / N`` with a zero diagonal (patterns: (P, N) of +-1)."""
    n = patterns.shape[1]
    weights = patterns.T @ patterns / n
    np.fill_diagonal(weights, 0.0)
    return weights


def energy(s: np.ndarray, weights: np.ndarray, bias: np.ndarray | float = 0.0) -> float:
    """Hopfield energy ``-1/2 s.W.s - b.s`` (dimensionless)."""
    return float(-0.5 * s @ weights @ s - np.sum(bias * s))


def visit_thresholds(u: np.ndarray, beta: float) -> np.ndarray:
    """Thresholds ``logit(u) / (2 beta)`` that turn uniform draws into Glauber decisions."""
    if np.isinf(beta):
        return np.zeros_like(u)
    with np.errstate(divide="ignore"):
        return (np.log(u) - np.log1p(-u)) / (2.0 * beta)


class GlauberHopfield(Behaviour):
    """Asynchronous Hopfield network; one random sweep of single-neuron updates per step.

    Parameters
    ----------
    beta : float
        Inverse temperature (dimensionless); ``float('inf')`` is deterministic.
    patterns : int or array (P, N)
        Stored patterns of +-1, or how many random ones to draw from the
        network's generator (default 3).
    bias : float
        Bias field b added to every neuron (default 0).
    cue_noise : float
        Start from pattern 0 with this fraction of neurons flipped (default
        0.3); ``None`` starts from random spins.
    compiled : bool
        Run the sweep compiled (default) or as the same pure-Python loop.

    Sets ``n.s`` (spins), ``n.h`` (fields), ``n.active`` (``s > 0``),
    ``n.patterns``, ``n.overlap`` (overlap m_mu = xi^mu.s / N with each
    pattern), ``n.energy`` (E, from the fields in O(N)) and ``n.flips``
    (spins changed in the step).
    """

    def set_variables(self, n):
        self.beta = float(self.get_init_attr("beta", float("inf")))
        patterns = self.get_init_attr("patterns", 3, do_not_diversify=True)
        bias = float(self.get_init_attr("bias", 0.0))
        cue_noise = self.get_init_attr("cue_noise", 0.3)
        compiled = bool(self.get_init_attr("compiled", True))
        if not self.beta > 0:
            raise ValueError(f"{self!r}: beta={self.beta!r}; expected a positive inverse temperature")
        rng = n.network.rng
        if isinstance(patterns, (int, np.integer)):
            patterns = rng.choice([-1.0, 1.0], size=(int(patterns), n.size))
        n.patterns = np.asarray(patterns, dtype=float)
        if n.patterns.ndim != 2 or n.patterns.shape[1] != n.size:
            raise ValueError(f"{self!r}: patterns have shape {n.patterns.shape}; expected (P, {n.size})")
        self.weights = hebbian_weights(n.patterns)
        self.bias = bias
        if cue_noise is None:
            n.s = rng.choice([-1.0, 1.0], size=n.size)
        else:
            flip = rng.random(n.size) < float(cue_noise)
            n.s = np.where(flip, -n.patterns[0], n.patterns[0])
        n.h = self.weights @ n.s + bias
        n.active = n.s > 0
        n.overlap = n.patterns @ n.s / n.size
        n.energy = self.energy_of(n)
        n.flips = 0
        self.sweep = glauber_sweep if compiled else glauber_sweep.py_func

    def new_iteration(self, n):
        rng = n.network.rng
        order = rng.permutation(n.size)
        thresholds = visit_thresholds(rng.random(n.size), self.beta)
        n.flips = self.sweep(n.s, n.h, self.weights, order, thresholds)
        n.active = n.s > 0
        n.overlap = n.patterns @ n.s / n.size
        n.energy = self.energy_of(n)

    def energy_of(self, n) -> float:
        """E = -1/2 s.(h - b) - b.s, equal to :func:`energy` while h = W s + b."""
        return float(-0.5 * n.s @ (n.h - self.bias) - self.bias * np.sum(n.s))


def run(size: int = 400, steps: int = 30, beta: float = float("inf"), compiled: bool = True,
        seed: int = 1, **kwargs) -> Network:
    net = Network(seed=seed)
    NeuronGroup(net=net, size=size, tag="hopfield", behaviour={
        1: GlauberHopfield(beta=beta, compiled=compiled, **kwargs),
        9: Recorder(["n.overlap", "n.energy", "n.flips", "n.active"]),
    })
    net.initialize()
    net.simulate_iterations(steps, progress=False)
    return net


def main(argv: list[str] | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the figure")
    parser.add_argument("--size", type=int, default=400, help="neurons")
    parser.add_argument("--steps", type=int, default=30, help="sweeps")
    args = parser.parse_args(argv)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    sweeps = np.arange(1, args.steps + 1)
    for beta in (float("inf"), 4.0, 1.5, 0.8):
        net = run(args.size, args.steps, beta=beta, patterns=20, cue_noise=0.35)
        axes[0].plot(sweeps, net["n.overlap", 0][:, 0], label=f"beta={beta:g}")
        axes[1].plot(sweeps, net["n.energy", 0] / args.size, label=f"beta={beta:g}")
    axes[0].set_xlabel("sweep")
    axes[0].set_ylabel("overlap with the cued pattern")
    axes[0].legend()
    axes[1].set_xlabel("sweep")
    axes[1].set_ylabel("energy per neuron")
    fig.suptitle(f"Glauber dynamics of a Hopfield network, N={args.size}, 20 patterns "
                 f"(compiled sweep: {glauber_sweep.compiled})")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "compiled_behaviour.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    print(main())
