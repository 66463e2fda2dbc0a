"""Poisson input generators.

* :func:`poisson_spikes` / :class:`PoissonGenerator`: the group's own spikes
  are a Poisson process of rate ``rate`` (Hz): in each step of length dt a
  neuron spikes with probability ``rate dt`` (a Bernoulli process, the
  discrete-time Poisson process; ``rate dt`` must not exceed 1). Use such a
  group as the source of a SynapseGroup.
* :func:`poisson_counts` / :class:`PoissonInput`: each neuron receives
  ``n_sources`` independent Poisson spike trains of rate ``rate``; the
  number of input events in a step is Poisson(``n_sources rate dt``) and
  ``weight`` times that number is **added** to the group's input variable
  (``n.I_input`` by default, see :mod:`monnto.behaviours.neurons`), in the
  target's unit per event (A for the SI neuron models).

Spike counts of both are Poisson: mean = variance = rate T (Fano factor 1)
in a window T (for the Bernoulli generator, variance = rate T (1 - rate dt)).
Both draw from a counter-based stream of the network seed
(:mod:`monnto.targets.random_streams`): the spike or count of neuron i in
step t is a function of (seed, behaviour, i, t) only, identical on every
target and however the neurons are split over MPI ranks.

Reference: P. Dayan & L. F. Abbott, *Theoretical Neuroscience* (2001),
ch. 1.4 (Poisson spike generation).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from monnto.core.backend import to_numpy
from monnto.core.behaviour import Behaviour
from monnto.targets.random_streams import behaviour_stream_key, check_poisson_mean, exp_neg
from monnto.targets.random_streams import poisson_counts as stream_poisson_counts
from monnto.targets.random_streams import uniform as stream_uniform

from ...core.errors import MonntoValueError
from ..neurons._common import from_host, input_vector, resolve_dt, to_backend

__all__ = ["poisson_spikes", "poisson_counts", "PoissonGenerator", "PoissonInput"]


def _check_probability(rate, dt, owner: str) -> None:
    rate = to_numpy(rate)
    peak = float(np.max(rate)) * dt
    low = float(np.min(rate))
    if low < 0:
        raise MonntoValueError(f"{owner}: rate has a negative value {low!r} Hz; expected rates >= 0")
    if peak > 1.0:
        raise MonntoValueError(f"{owner}: rate * dt = {peak!r} > 1 (rate {peak / dt!r} Hz, dt {dt!r} s); "
                         f"use a smaller dt or PoissonInput (counts) for such rates")


def poisson_spikes(rate, dt: float, rng: np.random.Generator, size: int) -> np.ndarray:
    """Bool spikes of ``size`` neurons for one step: P(spike) = ``rate * dt``.

    Parameters
    ----------
    rate : float or array
        Firing rate (Hz), one value or one per neuron.
    dt : float
        Step (s); ``rate * dt`` must be <= 1.
    rng : numpy.random.Generator
    size : int
    """
    return rng.random(size) < np.asarray(rate) * dt


def poisson_counts(rate, dt: float, rng: np.random.Generator, size: int,
                   n_sources: Any = 1) -> np.ndarray:
    """Number of input events per neuron in one step: Poisson(``n_sources rate dt``).

    Parameters
    ----------
    rate : float or array
        Rate of each source (Hz).
    dt : float
        Step (s).
    rng : numpy.random.Generator
    size : int
    n_sources : int or array
        Independent sources per neuron.
    """
    return rng.poisson(np.asarray(rate) * np.asarray(n_sources) * dt, size)


class PoissonGenerator(Behaviour):
    """Makes the group's ``spike`` a Poisson spike train (see module docstring).

    Keyword arguments: ``rate`` (Hz, default 10; a number, a per-neuron
    array or a distribution string such as ``'uniform(5, 15)'``), ``dt`` (s,
    default 1e-4, used when the group has no clock). ``n.rate`` may be
    changed between steps.

    Group variables: ``spike`` (bool), ``rate`` (Hz).
    """

    default_dt = 1e-4

    def set_variables(self, n) -> None:
        self.dt = resolve_dt(self, n, self.default_dt)
        rate = self.get_init_attr("rate", 10.0, n)
        rate = np.asarray(to_numpy(rate))
        n.rate = n.get_neuron_vec() + (rate if n.xp is np else from_host(n, rate))
        _check_probability(n.rate, self.dt, repr(self))
        n.spike = n.get_neuron_vec(bool)
        self._stream = behaviour_stream_key(self, n)
        #: global index of the group's first neuron (not 0 on a rank of a distributed network)
        self._first = int(getattr(n, "global_start", 0))

    def new_iteration(self, n) -> None:
        # counter-based draws (neuron i, this iteration): the same on every target and split
        u = stream_uniform(self._stream, n.network.iteration, self._first, n.size)
        n.spike = (u if n.xp is np else from_host(n, u)) < n.rate * self.dt


class PoissonInput(Behaviour):
    """Adds Poisson input events to a group variable (see module docstring).

    Keyword arguments: ``rate`` (Hz per source, default 10; distribution
    strings allowed), ``n_sources`` (independent sources per neuron, default
    1), ``weight`` (added per event, in the target's unit, default 1e-10 A),
    ``target`` (attribute name, default ``'I_input'``; created when absent),
    ``dt`` (s, default 1e-4, used when the group has no clock).

    The behaviour must run before the neuron model (smaller key). The
    per-step event counts are kept in ``self.counts``.
    """

    default_dt = 1e-4

    def set_variables(self, n) -> None:
        self.dt = resolve_dt(self, n, self.default_dt)
        self.rate = np.asarray(to_numpy(self.get_init_attr("rate", 10.0, n)), dtype=float)
        self.n_sources = np.asarray(to_numpy(self.get_init_attr("n_sources", 1, n)))
        self.weight = to_backend(self.get_init_attr("weight", 1e-10, n), n)
        self.target = self.get_init_attr("target", "I_input", None)
        if not isinstance(self.target, str) or not self.target.isidentifier():
            raise MonntoValueError(f"{self!r}: target={self.target!r}; expected an attribute name")
        if np.any(self.rate < 0) or np.any(self.n_sources < 0):
            raise MonntoValueError(f"{self!r}: rate and n_sources must be >= 0, got rate={self.rate!r}, "
                             f"n_sources={self.n_sources!r}")
        input_vector(n, self.target)
        self._lam = self.rate * self.n_sources * self.dt
        check_poisson_mean(self._lam, self)
        self._exp_neg_lam = exp_neg(self._lam)
        self._stream = behaviour_stream_key(self, n)
        #: global index of the group's first neuron (not 0 on a rank of a distributed network)
        self._first = int(getattr(n, "global_start", 0))
        self.counts = np.zeros(n.size, dtype=np.int64)

    def new_iteration(self, n) -> None:
        # counter-based draws (neuron i, this iteration): the same on every target and split
        self.counts = stream_poisson_counts(self._stream, n.network.iteration, self._first, n.size, self._lam,
                                     self._exp_neg_lam)
        target = getattr(n, self.target)
        if n.xp is np:
            target += self.weight * self.counts
        else:   # counts in the target's float dtype (torch makes float * int tensor float32)
            target += self.weight * n.xp.astype(from_host(n, self.counts), target.dtype)
