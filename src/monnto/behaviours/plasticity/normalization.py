"""Synaptic normalization: fixed total afferent (or efferent) weight per neuron.

For each postsynaptic neuron i and all synapse groups s carrying a tag
(e.g. every excitatory group onto a population)::

    total_i = sum_s sum_j |W^s_ij|
    W^s_ij <- W^s_ij * target / total_i        (total_i > 0; else unchanged)

so afterwards ``sum_s sum_j |W^s_ij| = target`` for every neuron with any
input. The efferent variant does the same over the synapses leaving each
presynaptic neuron (column sums). This is the multiplicative normalization
of SORN (Lazar, Pipa & Triesch 2009, Front Comput Neurosci 3:23, eq. 5) and
of the paper's tutorial ("Normalization(norm_factor=10)", Vieth et al.
2021); biologically, synaptic scaling (Turrigiano et al. 1998).

Dense numpy/torch matrices and scipy CSR matrices are supported; for CSR only
``W.data`` is scaled, by the factor of each stored entry's row (or column).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from monnto.behaviours.plasticity._common import is_synapse_group
from monnto.behaviours.plasticity._sparse import afferent_sums, csr_rows, efferent_sums, is_csr
from monnto.core import Behaviour

from ...core.errors import MonntoValueError

__all__ = ["Normalization", "SynapticNormalization", "normalize_synapses"]


def normalize_synapses(weights: Sequence[Any], target: Any, xp: Any = np,
                       direction: str = "afferent", clip_max: float | None = None) -> list:
    """Scale a list of weight matrices so each neuron's summed ``|weight|`` equals ``target``.

    Parameters
    ----------
    weights : sequence of arrays (D, S_k) or CSR matrices
        All afferent matrices of one postsynaptic group (``direction='afferent'``,
        same D) or all efferent matrices of one presynaptic group
        (``'efferent'``, ``(D_k, S)`` with the same S). Changed in place where
        possible.
    target : float or array
        Desired total per neuron (per destination, or per source).
    xp : namespace
        Array namespace of the dense matrices.
    direction : {'afferent', 'efferent'}
        Normalize rows (inputs of each neuron) or columns (outputs).
    clip_max : float, optional
        Clip weights to ``[0, clip_max]`` after scaling (PymoNNto's
        ``Synaptic_Normalization`` option); off by default.

    Returns
    -------
    list
        The normalized matrices (the same objects for numpy and CSR).
    """
    if direction not in ("afferent", "efferent"):
        raise MonntoValueError(f"normalize_synapses: direction must be 'afferent' or 'efferent', got {direction!r}")
    if not weights:
        return []
    sums = afferent_sums if direction == "afferent" else efferent_sums
    total = None
    for W in weights:
        part = sums(W, xp)
        total = part if total is None else total + part
    safe = xp.where(total > 0, total, xp.ones_like(total))
    factor = xp.where(total > 0, target / safe, xp.ones_like(total))
    out = []
    for W in weights:
        if is_csr(W):
            f = np.asarray(factor)
            idx = csr_rows(W) if direction == "afferent" else W.indices
            W.data *= f[idx]
            if clip_max is not None:
                np.clip(W.data, 0.0, clip_max, out=W.data)
        else:
            f = factor[:, None] if direction == "afferent" else factor[None, :]
            if isinstance(W, np.ndarray) and W.flags.writeable and clip_max is None:
                np.multiply(W, f, out=W)
                out.append(W)
                continue
            scaled = W * f
            if clip_max is not None:
                scaled = xp.clip(scaled, 0.0, clip_max)
            try:
                W[...] = scaled
            except (TypeError, ValueError):
                W = scaled
        out.append(W)
    return out


class Normalization(Behaviour):
    """Normalize the summed afferent weights of each neuron over all groups of a tag.

    Attach to the NeuronGroup whose inputs (``direction='afferent'``) or
    outputs (``'efferent'``) are normalized; a SynapseGroup parent
    normalizes just that group.

    The parameters are keyword arguments, read with ``get_init_attr``.

    Parameters
    ----------
    syn_type : str
        Tag of the synapse groups (default 'GLUTAMATE').
    norm_factor : float
        Target total ``|weight|`` per neuron (default 1.0); alias ``target``.
    direction : {'afferent', 'efferent'}
        Default 'afferent'.
    every : int
        Normalize every ``every`` steps (default 1).
    weight_attr : str
        Weight attribute name (default 'W').
    clip_max : float, optional
        Clip to [0, clip_max] after scaling.
    """

    def set_variables(self, parent: Any) -> None:
        self.syn_type = self.get_init_attr("syn_type", "GLUTAMATE", None)
        target = self.get_init_attr("target", None, None)
        norm_factor = self.get_init_attr("norm_factor", 1.0, None)
        self.target = float(norm_factor if target is None else target)
        self.direction = self.get_init_attr("direction", "afferent", None)
        self.every = int(self.get_init_attr("every", 1, None))
        self.weight_attr = self.get_init_attr("weight_attr", "W", None)
        clip_max = self.get_init_attr("clip_max", None, None)
        self.clip_max = None if clip_max is None else float(clip_max)
        owner = type(self).__name__
        if self.direction not in ("afferent", "efferent"):
            raise MonntoValueError(f"{owner}: direction must be 'afferent' or 'efferent', got {self.direction!r}")
        if self.every < 1:
            raise MonntoValueError(f"{owner}: every must be a positive int, got {self.every!r}")
        if not self.target > 0:
            raise MonntoValueError(f"{owner}: norm_factor must be > 0, got {self.target!r}")
        if is_synapse_group(parent):
            self.synapses = [parent]
        else:
            table = parent.afferent_synapses if self.direction == "afferent" else parent.efferent_synapses
            try:
                self.synapses = list(table[self.syn_type])
            except KeyError:
                self.synapses = []
        self.xp = getattr(parent, "xp", np)
        self._count = 0

    def new_iteration(self, parent: Any) -> None:
        self._count += 1
        if self._count % self.every:
            return
        self.normalize()

    def normalize(self) -> None:
        """Normalize now (also usable right after initialize)."""
        if not self.synapses:
            return
        Ws = [getattr(s, self.weight_attr) for s in self.synapses]
        Ws = normalize_synapses(Ws, self.target, self.xp, self.direction, self.clip_max)
        for s, W in zip(self.synapses, Ws, strict=True):
            setattr(s, self.weight_attr, W)


#: PymoNNto's name for the same behaviour.
SynapticNormalization = Normalization
