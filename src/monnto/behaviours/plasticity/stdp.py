"""Spike-timing-dependent plasticity with traces: pair-based and triplet.

Pair-based STDP (Bi & Poo 1998; Song, Miller & Abbott 2000; trace form of
Morrison, Diesmann & Gerstner 2008). Each presynaptic neuron j keeps a trace
x_j and each postsynaptic neuron i a trace y_i:

    dx_j/dt = -x_j / tau_plus  + sum_f delta(t - t_j^f)
    dy_i/dt = -y_i / tau_minus + sum_f delta(t - t_i^f)

    post spike of i:  w_ij += A_plus  * f_plus(w_ij)  * x_j
    pre  spike of j:  w_ij -= A_minus * f_minus(w_ij) * y_i

so one pre spike at t_pre and one post spike at t_post = t_pre + dt give
``dw = A_plus exp(-dt/tau_plus)`` for dt > 0 and
``dw = -A_minus exp(dt/tau_minus)`` for dt < 0 (dt = 0: no change).
The weight dependence is that of Guetig et al. (2003, J Neurosci 23:3697):

    f_plus(w)  = ((w_max - w) / (w_max - w_min)) ** mu
    f_minus(w) = ((w - w_min) / (w_max - w_min)) ** mu

``mu = 0`` is the additive rule (hard bounds: weights are clipped to
[w_min, w_max]); ``mu = 1`` the multiplicative rule (soft bounds, van Rossum,
Bi & Turrigiano 2000).

Triplet STDP (Pfister & Gerstner 2006, J Neurosci 26:9673, eqs. 3-4) adds a
slow presynaptic trace r2 (tau_x) and a slow postsynaptic trace o2 (tau_y):

    post spike:  w += r1 * (A2_plus  + A3_plus  * o2(t - eps))
    pre  spike:  w -= o1 * (A2_minus + A3_minus * r2(t - eps))

Defaults are the paper's all-to-all visual-cortex fit (Table 4):
tau_plus 16.8 ms, tau_minus 33.7 ms, tau_x 101 ms, tau_y 125 ms,
A2_plus 5e-10, A3_plus 6.2e-3, A2_minus 7e-3, A3_minus 2.3e-4.

Order within one step (time step dt, exact exponential decay): traces decay,
weights change using the decayed traces (which hold only earlier spikes),
then this step's spikes are added to the traces. ``interaction='nearest'``
resets a trace to 1 at a spike instead of adding 1 (nearest-spike pairing).

Weights are ``D x S`` (rows: postsynaptic, columns: presynaptic), dense
(numpy or another array namespace ``xp``) or scipy CSR; with CSR only the
stored synapses change, event-driven: the entries of the rows/columns of
neurons that spiked.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from monnto.behaviours.plasticity._common import (
    positive,
    state_vector,
    step_dt,
    target_synapses,
    weight_mask,
)
from monnto.behaviours.plasticity._sparse import CSRIndex, csr_index, is_csr
from monnto.core import Behaviour

from ...core.errors import MonntoValueError, bad_type

__all__ = [
    "STDP",
    "DiscreteSTDP",
    "STDPParams",
    "TripletSTDP",
    "TripletSTDPParams",
    "add_spikes_to_trace",
    "decay_trace",
    "discrete_stdp_step",
    "pair_stdp_kernel",
    "pair_stdp_step",
    "stdp_weight_update",
    "triplet_stdp_step",
]


@dataclass(frozen=True)
class STDPParams:
    """Pair-based STDP parameters (times in seconds, weights in W's units)."""

    a_plus: float = 0.01        # potentiation amplitude (weight units)
    a_minus: float = 0.0105     # depression amplitude (weight units)
    tau_plus: float = 20e-3     # s, presynaptic trace time constant
    tau_minus: float = 20e-3    # s, postsynaptic trace time constant
    w_min: float = 0.0          # lower weight bound
    w_max: float = 1.0          # upper weight bound
    mu: float = 0.0             # weight dependence: 0 additive, 1 multiplicative
    nearest: bool = False       # nearest-spike instead of all-to-all pairing


@dataclass(frozen=True)
class TripletSTDPParams:
    """Triplet STDP parameters of Pfister & Gerstner (2006), all-to-all visual cortex."""

    a2_plus: float = 5e-10
    a3_plus: float = 6.2e-3
    a2_minus: float = 7e-3
    a3_minus: float = 2.3e-4
    tau_plus: float = 16.8e-3   # s, r1
    tau_minus: float = 33.7e-3  # s, o1
    tau_x: float = 101e-3       # s, r2
    tau_y: float = 125e-3       # s, o2
    w_min: float = 0.0
    w_max: float = 1.0
    mu: float = 0.0
    nearest: bool = False


def pair_stdp_kernel(dt: Any, p: STDPParams, xp: Any = np) -> Any:
    """Weight change of one isolated spike pair, ``dt = t_post - t_pre`` (s).

    ``A_plus exp(-dt/tau_plus)`` for dt > 0, ``-A_minus exp(dt/tau_minus)``
    for dt < 0 and 0 at dt = 0 (additive rule, away from the bounds).
    """
    dt = xp.asarray(dt, dtype=xp.float64)
    ltp = p.a_plus * xp.exp(-xp.abs(dt) / p.tau_plus)
    ltd = -p.a_minus * xp.exp(-xp.abs(dt) / p.tau_minus)
    return xp.where(dt > 0, ltp, xp.where(dt < 0, ltd, 0.0 * dt))


def decay_trace(trace: Any, decay: float) -> Any:
    """Exact exponential decay over one step: ``trace * exp(-dt/tau)``."""
    return trace * decay


def add_spikes_to_trace(trace: Any, spikes: Any, xp: Any, nearest: bool = False) -> Any:
    """Add this step's spikes to a trace (+1, or reset to 1 when ``nearest``)."""
    if xp is np:
        return _trace_after_spike(trace, spikes, nearest, np)
    if nearest:
        return xp.where(spikes, xp.ones_like(trace), trace)
    return trace + spikes


def _trace_after_spike(trace, spike, nearest, xp):
    """Element-wise: a trace after this step's spike flag (+1, or 1 when ``nearest``).

    Written once for every target: numpy calls it on whole traces
    (:func:`add_spikes_to_trace`), the numba target compiles its scalar form.
    """
    if nearest:
        return xp.where(spike, 1.0, trace)
    return trace + spike


def _triplet_amplitude(a2, a3, slow):
    """Element-wise: the amplitude ``A2 + A3 * slow`` of triplet STDP (``slow``: the other side's slow trace)."""
    return a2 + a3 * slow


def _discrete_change(post, pre, post_old, pre_old, factor, same, depression=1.0):
    """Element-wise: the weight change of :func:`discrete_stdp_step` (spike flags as 0.0 / 1.0).

    ``factor * (post pre_old - depression post_old pre + same post pre)``
    (``same`` and ``depression`` are 1.0 or 0.0); the bracket is a small
    whole number, so any grouping of it gives the same change.
    """
    return factor * (post * pre_old - depression * post_old * pre + same * post * pre)


def _discrete_paired(post, pre, post_old, pre_old, same, depression):
    """Element-wise: whether :func:`discrete_stdp_step` changes (and clips) a synapse (spike flags as bools).

    True where some term of the rule's bracket is nonzero: ``post & pre_old``,
    or ``depression & post_old & pre``, or ``same & post & pre`` (decided by
    the flags, not by the value of the change: the terms may cancel).
    """
    return (post & pre_old) | (depression & post_old & pre) | (same & post & pre)


def _at_least(x, low, xp):
    """``max(x, low)`` element-wise (the compiled target's scalar form is ``max``)."""
    return np.maximum(x, low) if xp is np else xp.clip(x, min=low)


def _at_most(x, high, xp):
    """``min(x, high)`` element-wise (the compiled target's scalar form is ``min``)."""
    return np.minimum(x, high) if xp is np else xp.clip(x, max=high)


def _potentiated(w, amp, x, w_min, w_max, span, mu, xp):
    """Element-wise: a weight after a postsynaptic spike, ``clip(w + amp x f_plus(w))``.

    Written once for every target: numpy calls it on the rows of the spiking
    neurons, the numba target compiles its scalar form
    (:mod:`monnto.targets.scalarize`) into a per-synapse loop.
    """
    dw = amp * x
    if mu:
        dw = dw * _at_least((w_max - w) / span, 0.0, xp) ** mu
    return _at_most(_at_least(w + dw, w_min, xp), w_max, xp)


def _depressed(w, amp, y, w_min, w_max, span, mu, xp):
    """Element-wise: a weight after a presynaptic spike, ``clip(w - amp y f_minus(w))`` (see :func:`_potentiated`)."""
    dw = amp * y
    if mu:
        dw = dw * _at_least((w - w_min) / span, 0.0, xp) ** mu
    return _at_most(_at_least(w - dw, w_min, xp), w_max, xp)


def stdp_weight_update(W: Any, pre_spike: Any, post_spike: Any, x_pre: Any, y_post: Any,
                       ltp_amp: Any, ltd_amp: Any, w_min: float, w_max: float, mu: float,
                       xp: Any = np, mask: Any = None, index: CSRIndex | None = None) -> Any:
    """Apply one step of trace STDP to ``W`` (in place where possible) and return it.

    ``W[i, j] += post_i * ltp_amp_i * f_plus(W_ij) * x_pre_j
    - pre_j * ltd_amp_j * f_minus(W_ij) * y_post_i``, then clipped to
    [w_min, w_max].

    Parameters
    ----------
    W : array (D, S) or scipy.sparse.csr_matrix
        Weights, rows postsynaptic. CSR: only stored entries change.
    pre_spike, post_spike : bool arrays (S,), (D,)
        Spikes of this step.
    x_pre, y_post : arrays (S,), (D,)
        Traces holding only *earlier* spikes.
    ltp_amp : float or array (D,)
        Potentiation amplitude per postsynaptic neuron.
    ltd_amp : float or array (S,)
        Depression amplitude per presynaptic neuron.
    w_min, w_max : float
        Weight bounds.
    mu : float
        Weight-dependence exponent (0 additive, 1 multiplicative).
    xp : namespace
        Array namespace of the dense arrays.
    mask : bool array (D, S), optional
        Dense only: synapses allowed to change (``SynapseGroup.enabled``).
    index : CSRIndex, optional
        Cached index for CSR ``W`` (built when missing).
    """
    span = w_max - w_min
    if is_csr(W):
        return _update_csr(W, pre_spike, post_spike, x_pre, y_post, ltp_amp, ltd_amp,
                           w_min, w_max, span, mu, index)
    vec_ltp = getattr(ltp_amp, "ndim", 0) > 0
    vec_ltd = getattr(ltd_amp, "ndim", 0) > 0
    post_idx = xp.nonzero(post_spike)[0]
    if post_idx.shape[0]:
        block = W[post_idx, :]
        amp = ltp_amp[post_idx][:, None] if vec_ltp else ltp_amp
        new = _potentiated(block, amp, x_pre[None, :], w_min, w_max, span, mu, xp)
        if mask is not None:
            new = xp.where(mask[post_idx, :], new, block)
        W[post_idx, :] = new
    pre_idx = xp.nonzero(pre_spike)[0]
    if pre_idx.shape[0]:
        block = W[:, pre_idx]
        amp = ltd_amp[pre_idx][None, :] if vec_ltd else ltd_amp
        new = _depressed(block, amp, y_post[:, None], w_min, w_max, span, mu, xp)
        if mask is not None:
            new = xp.where(mask[:, pre_idx], new, block)
        W[:, pre_idx] = new
    return W


def _update_csr(W, pre_spike, post_spike, x_pre, y_post, ltp_amp, ltd_amp,
                w_min, w_max, span, mu, index):
    if index is None:
        index = CSRIndex(W)
    data = W.data
    post_idx = np.flatnonzero(np.asarray(post_spike))
    if post_idx.size:
        k = index.entries_of_rows(post_idx)
        rows = index.rows[k]
        amp = ltp_amp[rows] if np.ndim(ltp_amp) else ltp_amp
        data[k] = _potentiated(data[k], amp, x_pre[index.indices[k]], w_min, w_max, span, mu, np)
    pre_idx = np.flatnonzero(np.asarray(pre_spike))
    if pre_idx.size:
        k = index.entries_of_cols(pre_idx)
        cols = index.indices[k]
        amp = ltd_amp[cols] if np.ndim(ltd_amp) else ltd_amp
        data[k] = _depressed(data[k], amp, y_post[index.rows[k]], w_min, w_max, span, mu, np)
    return W


def pair_stdp_step(W: Any, pre_spike: Any, post_spike: Any, x_pre: Any, y_post: Any,
                   p: STDPParams, dt: float, xp: Any = np, mask: Any = None,
                   index: CSRIndex | None = None) -> tuple[Any, Any, Any]:
    """One step of pair-based trace STDP; returns ``(W, x_pre, y_post)``.

    Parameters
    ----------
    W : array (D, S) or CSR
        Weights (changed in place where possible).
    pre_spike, post_spike : bool arrays (S,), (D,)
        Spikes of this step.
    x_pre, y_post : arrays (S,), (D,)
        Traces after the previous step.
    p : STDPParams
        Rule parameters.
    dt : float
        Step length (s).
    """
    x_pre = decay_trace(x_pre, math.exp(-dt / p.tau_plus))
    y_post = decay_trace(y_post, math.exp(-dt / p.tau_minus))
    W = stdp_weight_update(W, pre_spike, post_spike, x_pre, y_post, p.a_plus, p.a_minus,
                           p.w_min, p.w_max, p.mu, xp, mask, index)
    x_pre = add_spikes_to_trace(x_pre, pre_spike, xp, p.nearest)
    y_post = add_spikes_to_trace(y_post, post_spike, xp, p.nearest)
    return W, x_pre, y_post


def triplet_stdp_step(W: Any, pre_spike: Any, post_spike: Any, r1: Any, r2: Any, o1: Any,
                      o2: Any, p: TripletSTDPParams, dt: float, xp: Any = np,
                      mask: Any = None, index: CSRIndex | None = None) -> tuple:
    """One step of triplet STDP (Pfister & Gerstner 2006); returns ``(W, r1, r2, o1, o2)``.

    ``r1, r2`` are presynaptic traces (S,) with tau_plus, tau_x; ``o1, o2``
    postsynaptic traces (D,) with tau_minus, tau_y. The triplet terms use
    ``o2`` and ``r2`` before this step's spikes are added (t - eps).
    """
    r1 = decay_trace(r1, math.exp(-dt / p.tau_plus))
    r2 = decay_trace(r2, math.exp(-dt / p.tau_x))
    o1 = decay_trace(o1, math.exp(-dt / p.tau_minus))
    o2 = decay_trace(o2, math.exp(-dt / p.tau_y))
    ltp_amp = _triplet_amplitude(p.a2_plus, p.a3_plus, o2)
    ltd_amp = _triplet_amplitude(p.a2_minus, p.a3_minus, r2)
    W = stdp_weight_update(W, pre_spike, post_spike, r1, o1, ltp_amp, ltd_amp,
                           p.w_min, p.w_max, p.mu, xp, mask, index)
    r1 = add_spikes_to_trace(r1, pre_spike, xp, p.nearest)
    r2 = add_spikes_to_trace(r2, pre_spike, xp, p.nearest)
    o1 = add_spikes_to_trace(o1, post_spike, xp, p.nearest)
    o2 = add_spikes_to_trace(o2, post_spike, xp, p.nearest)
    return W, r1, r2, o1, o2


def _read_params(behaviour: Behaviour, cls: type, parent: Any) -> dict:
    """Read every field of a params dataclass with get_init_attr (scalars)."""
    out = {}
    for name, field in cls.__dataclass_fields__.items():
        out[name] = behaviour.get_init_attr(name, field.default)
    return out


def _validate(owner: str, p: Any) -> None:
    for name in ("tau_plus", "tau_minus", "tau_x", "tau_y"):
        if hasattr(p, name):
            positive(owner, name, getattr(p, name))
    if not p.w_max > p.w_min:
        raise MonntoValueError(f"{owner}: w_max ({p.w_max!r}) must be greater than w_min ({p.w_min!r})")
    if p.mu < 0:
        raise MonntoValueError(f"{owner}: mu must be >= 0 (0 additive, 1 multiplicative), got {p.mu!r}")


class _TraceSTDPBase(Behaviour):
    """Shared wrapper logic: target synapse groups, dt, CSR index cache."""

    params_class: type = STDPParams

    def set_variables(self, parent: Any) -> None:
        owner = type(self).__name__
        self.syn_type = self.get_init_attr("syn_type", "GLUTAMATE", parent)
        self.weight_attr = self.get_init_attr("weight_attr", "W", parent)
        dt = self.get_init_attr("dt", None, parent)
        vals = _read_params(self, self.params_class, parent)
        vals = {k: (bool(v) if k == "nearest" else float(v)) for k, v in vals.items()}
        self.p = self.params_class(**vals)
        _validate(owner, self.p)
        self.dt = step_dt(parent, dt, owner)
        self.synapses = target_synapses(parent, self.syn_type)
        self._index: dict[int, CSRIndex] = {}
        for s in self.synapses:
            if not hasattr(s, self.weight_attr):
                raise MonntoValueError(
                    f"{owner}: synapse group {getattr(s, 'tag', s)!r} has no weight attribute "
                    f"{self.weight_attr!r}; create it before (lower key) or pass weight_attr=")
            self._init_traces(s)

    def _csr_index(self, s: Any, W: Any) -> CSRIndex | None:
        if not is_csr(W):
            return None
        idx = csr_index(W, self._index.get(id(s)))
        self._index[id(s)] = idx
        return idx

    def _init_traces(self, s: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class STDP(_TraceSTDPBase):
    """Pair-based trace STDP, additive (``mu=0``) or multiplicative (``mu=1``).

    Attach to a SynapseGroup (acts on it) or to a NeuronGroup (acts on all
    its afferent synapse groups tagged ``syn_type``). Runs after the neuron
    models (give it a higher key) so ``src.spike`` / ``dst.spike`` hold this
    step's spikes. Stores the traces as ``s.stdp_x_pre`` (S,) and
    ``s.stdp_y_post`` (D,) on each synapse group.

    The parameters are keyword arguments, read with ``get_init_attr``.

    Parameters
    ----------
    a_plus, a_minus : float
        Amplitudes (weight units); defaults 0.01, 0.0105.
    tau_plus, tau_minus : float
        Trace time constants (s); default 20 ms.
    w_min, w_max : float
        Weight bounds; defaults 0, 1.
    mu : float
        Weight dependence (Guetig 2003): 0 additive, 1 multiplicative.
    nearest : bool
        Nearest-spike pairing instead of all-to-all.
    syn_type : str
        Tag of the afferent synapse groups (NeuronGroup parent), default 'GLUTAMATE'.
    weight_attr : str
        Name of the weight attribute, default 'W'.
    dt : float, optional
        Step (s); defaults to the parent's ``dt`` (Clock / network).
    """

    params_class = STDPParams

    def _init_traces(self, s: Any) -> None:
        s.stdp_x_pre = state_vector(s.dst, s.src.size)
        s.stdp_y_post = state_vector(s.dst, s.dst.size)

    def new_iteration(self, parent: Any) -> None:
        for s in self.synapses:
            xp = getattr(s.dst, "xp", np)
            W = getattr(s, self.weight_attr)
            W, s.stdp_x_pre, s.stdp_y_post = pair_stdp_step(
                W, s.src.spike, s.dst.spike, s.stdp_x_pre, s.stdp_y_post, self.p, self.dt,
                xp, weight_mask(s) if not is_csr(W) else None, self._csr_index(s, W))
            setattr(s, self.weight_attr, W)


class TripletSTDP(_TraceSTDPBase):
    """Triplet STDP of Pfister & Gerstner (2006), all-to-all by default.

    Same attachment rules as :class:`STDP`. Parameters ``a2_plus, a3_plus,
    a2_minus, a3_minus`` (weight units), ``tau_plus, tau_minus, tau_x,
    tau_y`` (s), ``w_min, w_max, mu, nearest, syn_type, weight_attr, dt``.
    Traces are stored as ``s.stdp_r1, s.stdp_r2`` (S,) and
    ``s.stdp_o1, s.stdp_o2`` (D,).
    """

    params_class = TripletSTDPParams

    def _init_traces(self, s: Any) -> None:
        s.stdp_r1 = state_vector(s.dst, s.src.size)
        s.stdp_r2 = state_vector(s.dst, s.src.size)
        s.stdp_o1 = state_vector(s.dst, s.dst.size)
        s.stdp_o2 = state_vector(s.dst, s.dst.size)

    def new_iteration(self, parent: Any) -> None:
        for s in self.synapses:
            xp = getattr(s.dst, "xp", np)
            W = getattr(s, self.weight_attr)
            W, s.stdp_r1, s.stdp_r2, s.stdp_o1, s.stdp_o2 = triplet_stdp_step(
                W, s.src.spike, s.dst.spike, s.stdp_r1, s.stdp_r2, s.stdp_o1, s.stdp_o2,
                self.p, self.dt, xp, weight_mask(s) if not is_csr(W) else None,
                self._csr_index(s, W))
            setattr(s, self.weight_attr, W)


def discrete_stdp_step(W: Any, pre: Any, post: Any, pre_old: Any, post_old: Any,
                       factor: float, w_min: float, w_max: float, xp: Any = np,
                       mask: Any = None, index: CSRIndex | None = None,
                       simultaneous: bool = True, depression: bool = True) -> Any:
    """One-step STDP of the paper's tutorial ("STDP_Hom_Norm", Vieth et al. 2021) and SORN.

    ``dW_ij = factor * (post_i(t) pre_j(t-1) - post_i(t-1) pre_j(t) + post_i(t) pre_j(t))``.
    ``simultaneous=False`` drops the last term, which gives the STDP rule of
    SORN (Lazar, Pipa & Triesch 2009, eq. 4); ``depression=False`` drops the
    middle one; with both False the rule is the potentiation-only STDP of
    the PymoNNtorch paper's "Simple" network (``W += factor`` for every pair
    source spiked in the previous step / target spikes now).

    Only *paired* synapses change: the entries (i, j) where some term of the
    bracket is nonzero (``post_i & pre_old_j``, or ``depression & post_old_i
    & pre_j``, or ``simultaneous & post_i & pre_j``), decided by these flags
    and not by the value of the change (the terms may cancel: such a
    synapse still is clipped). A paired synapse becomes
    ``clip(W_ij + dW_ij, w_min, w_max)``; every other synapse is left
    untouched (not clipped), on dense and CSR weights alike. Of a dense
    matrix only enabled synapses (``mask``) change; of a CSR matrix only
    stored ones. Event-driven: the work is over the spiking neurons only.
    Returns ``W`` (changed in place where possible).
    """
    same = 1.0 if simultaneous else 0.0
    dep = 1.0 if depression else 0.0
    either = bool(simultaneous) or bool(depression)  # pre(t) enters the rule
    if is_csr(W):
        post_b, pre_b = np.asarray(post) > 0, np.asarray(pre) > 0
        post_old_b, pre_old_b = np.asarray(post_old) > 0, np.asarray(pre_old) > 0
        if index is None:
            index = CSRIndex(W)
        rows = np.flatnonzero(post_b | (post_old_b if depression else False))
        if rows.shape[0] == 0:
            return W
        e = index.entries_of_rows(rows)
        r, c = index.rows[e], index.indices[e]
        paired = _discrete_paired(post_b[r], pre_b[c], post_old_b[r], pre_old_b[c], bool(simultaneous),
                                  bool(depression))
        e, r, c = e[paired], r[paired], c[paired]
        data = W.data
        new = data[e] + _discrete_change(post_b[r].astype(np.float64), pre_b[c].astype(np.float64),
                                         post_old_b[r].astype(np.float64), pre_old_b[c].astype(np.float64),
                                         factor, same, dep)
        data[e] = np.clip(new, w_min, w_max)
        return W
    post_b, pre_b = xp.asarray(post) > 0, xp.asarray(pre) > 0
    post_old_b, pre_old_b = xp.asarray(post_old) > 0, xp.asarray(pre_old) > 0
    # event-driven: rows of targets spiking now (or previously, with depression), columns of
    # sources spiking previously (or now, when pre(t) enters the rule); paired entries change
    rows = xp.nonzero((post_b | post_old_b) if depression else post_b)[0]
    cols = xp.nonzero((pre_old_b | pre_b) if either else pre_old_b)[0]
    if rows.shape[0] == 0 or cols.shape[0] == 0:
        return W
    ix = (rows[:, None], cols[None, :])
    block = W[ix]
    po, pr = post_b[rows][:, None], pre_b[cols][None, :]
    pold, prold = post_old_b[rows][:, None], pre_old_b[cols][None, :]
    paired = _discrete_paired(po, pr, pold, prold, bool(simultaneous), bool(depression))
    if mask is not None:
        paired = paired & mask[ix]
    f64 = xp.float64
    dW = _discrete_change(xp.astype(po, f64), xp.astype(pr, f64), xp.astype(pold, f64), xp.astype(prold, f64),
                          factor, same, dep)
    new = xp.where(paired, xp.clip(block + dW, w_min, w_max), block)
    if new.dtype != W.dtype:
        new = xp.astype(new, W.dtype)
    W[ix] = new
    return W


class DiscreteSTDP(Behaviour):
    """The tutorial's one-step STDP on a NeuronGroup's afferent synapses of a tag.

    Parameters: ``stdp_factor`` (default 0.0015), ``syn_type`` (default
    'GLUTAMATE'), ``w_min`` (0), ``w_max`` (10), ``weight_attr`` ('W'),
    ``simultaneous`` (default True; False for SORN's rule), ``depression``
    (default True; False drops the depression term ``post(t-1) pre(t)``:
    with ``simultaneous=False`` too, the potentiation-only rule of the
    PymoNNtorch paper's "Simple" network). Only paired synapses change and
    are clipped to ``[w_min, w_max]``; the others are left as they are.
    Keeps the previous step's spikes as ``s.stdp_pre_old`` / ``s.stdp_post_old``.
    Rule: see :func:`discrete_stdp_step`.
    """

    def set_variables(self, parent: Any) -> None:
        self.factor = float(self.get_init_attr("stdp_factor", 0.0015, parent))
        self.syn_type = self.get_init_attr("syn_type", "GLUTAMATE", parent)
        self.w_min = float(self.get_init_attr("w_min", 0.0, parent))
        self.w_max = float(self.get_init_attr("w_max", 10.0, parent))
        self.weight_attr = self.get_init_attr("weight_attr", "W", parent)
        self.simultaneous = bool(self.get_init_attr("simultaneous", True))
        depression = self.get_init_attr("depression", True)
        if not isinstance(depression, (bool, np.bool_)):
            raise bad_type(self, "depression", depression, "True or False (whether the rule has its "
                           "depression term post(t-1) pre(t))")
        self.depression = bool(depression)
        self.synapses = target_synapses(parent, self.syn_type)
        self._index: dict[int, CSRIndex] = {}
        for s in self.synapses:
            s.stdp_pre_old = state_vector(s.dst, s.src.size, False, bool)
            s.stdp_post_old = state_vector(s.dst, s.dst.size, False, bool)

    def new_iteration(self, parent: Any) -> None:
        for s in self.synapses:
            xp = getattr(s.dst, "xp", np)
            W = getattr(s, self.weight_attr)
            index = None
            if is_csr(W):
                index = csr_index(W, self._index.get(id(s)))
                self._index[id(s)] = index
            pre, post = s.src.spike, s.dst.spike
            W = discrete_stdp_step(W, pre, post, s.stdp_pre_old, s.stdp_post_old, self.factor,
                                   self.w_min, self.w_max, xp,
                                   weight_mask(s) if index is None else None, index,
                                   self.simultaneous, self.depression)
            setattr(s, self.weight_attr, W)
            # copies: a model may update its spike vector in place next step
            s.stdp_pre_old = xp.astype(xp.asarray(pre), xp.bool, copy=True)
            s.stdp_post_old = xp.astype(xp.asarray(post), xp.bool, copy=True)
