"""Per-neuron loops of the library steps, in the subset of Python numba compiles.

These functions are plain Python on numpy arrays (they run, slowly, without
numba too; the tests use that). They are never decorated here: the numba
target copies their source into one generated module per network plan,
together with the scalar twins of the models' element-wise arithmetic
(:mod:`monnto.targets.scalarize`: ``_active_time``, ``_membrane_free``,
``_membrane_spike``, ``_conductance_drive``) and the counter-based random functions
(:mod:`monnto.targets.random_streams`), and compiles that module with
``numba.njit`` (see :mod:`monnto.targets.numba_target`). The models'
arithmetic is therefore written once, in the model files; what is here is the
loop around it and the bookkeeping (input clearing, recording, delays).

Conventions: every kernel's first argument is the network iteration ``it``
of the step being run (kernels that may end a run early, the recorders,
take the run's one-element ``stop`` flag second); parameters that may be per-neuron are passed as
float64 arrays of length 1 (one value for all) or N, read with ``_at``;
state a kernel keeps between steps (counters, fill levels) lives in small
int64 arrays so that the Python side can hand it over in both directions.
"""
from __future__ import annotations

import math

import numpy as np

try:  # the names the copied sources use; only for running them uncompiled
    from numba import prange
except ImportError:  # pragma: no cover - numba absent: the kernels run as Python
    prange = range

from monnto.behaviours.neurons.lif import (  # noqa: F401
    _active_time,
    _conductance_drive,
    _membrane_free,
    _membrane_spike,
)
from monnto.targets.random_streams import bits_to_unit, draw_bits, poisson_inversion  # noqa: F401

#: kernels copied into generated modules, in this order
KERNELS = ("_at", "clock_kernel", "_membrane", "lif_kernel", "conductance_lif_kernel", "input_sum_kernel",
           "decay_kernel", "_store_spikes", "_deliver", "delayed_csr_kernel", "delayed_dense_kernel", "_poisson_count",
           "poisson_input_kernel", "poisson_kick_kernel", "event_record_kernel", "sample_record_kernel")


def _at(a, i):
    """A parameter of neuron ``i``: ``a`` holds one value for all (length 1) or one per neuron."""
    return a[0] if a.shape[0] == 1 else a[i]


def clock_kernel(it, ticks):
    """Count the steps of a Clock (``parent.t = ticks * dt`` is set when the run returns)."""
    ticks[0] += 1


def _membrane(v0, v_inf, tau, full_decay, refractory_left, th, v_reset, t_ref, dt):
    """The exact membrane step of one neuron: ``(v, refractory_left, spiked, offset)``.

    ``full_decay`` is ``exp(-dt / tau)`` made by the numpy target's ``exp``
    (or NaN when ``tau`` changes every step); it is used whenever the whole
    step is active, which is the same number numpy computes for that case.
    """
    active_time, refr = _active_time(refractory_left, dt)
    if active_time == dt and full_decay == full_decay:
        decay = full_decay
    else:
        decay = math.exp(-active_time / tau)
    v_new, crossed = _membrane_free(v0, v_inf, decay, active_time, th)
    offset = 0.0
    if crossed:
        v_new, refr, offset = _membrane_spike(v0, v_inf, tau, active_time, th, v_reset, t_ref, dt)
    return v_new, refr, crossed, offset


def lif_kernel(it, v, i_in, refractory_left, spike, spike_offset, i_total,
               v_rest, r_m, i_bias, tau_m, full_decay, v_th, v_reset, t_ref, dt):
    """One exact step of current-based LIF neurons (``lif_step`` with ``method='exact'``)."""
    for i in prange(v.shape[0]):
        x = i_in[i]
        b = _at(i_bias, i)
        i_total[i] = b + x
        v_inf = _at(v_rest, i) + _at(r_m, i) * (b + x)
        v[i], refractory_left[i], spike[i], spike_offset[i] = _membrane(
            v[i], v_inf, _at(tau_m, i), _at(full_decay, i), refractory_left[i], _at(v_th, i),
            _at(v_reset, i), _at(t_ref, i), dt)
        i_in[i] = 0.0


def conductance_lif_kernel(it, v, g_e, g_i, i_in, refractory_left, spike, spike_offset, i_total,
                           decay_e, decay_i, g_l, e_l, e_e, e_i, tau_e, tau_i, c_m, i_bias,
                           v_th, v_reset, t_ref, dt):
    """One step of conductance-based LIF neurons (``conductance_lif_step``)."""
    for i in prange(v.shape[0]):
        x = i_in[i]
        b = _at(i_bias, i)
        i_total[i] = b + x
        de = decay_e[i]
        di = decay_i[i]
        v_inf, tau = _conductance_drive(g_e[i], g_i[i], de, di, x, _at(g_l, i), _at(e_l, i), _at(e_e, i),
                                        _at(e_i, i), _at(tau_e, i), _at(tau_i, i), _at(c_m, i), b, dt)
        v[i], refractory_left[i], spike[i], spike_offset[i] = _membrane(
            v[i], v_inf, tau, math.nan, refractory_left[i], _at(v_th, i), _at(v_reset, i), _at(t_ref, i), dt)
        g_e[i] = g_e[i] * de
        g_i[i] = g_i[i] * di
        i_in[i] = 0.0


def input_sum_kernel(it, target, sources, factors):
    """``target += factors[k] * sources[k]`` for each k, in order (SynapticCurrents)."""
    for i in prange(target.shape[0]):
        acc = target[i]
        for k in range(len(sources)):
            acc = acc + factors[k] * sources[k][i]
        target[i] = acc


def decay_kernel(it, variables, decays):
    """``x *= decay`` for each variable (ExponentialSynapses)."""
    for k in range(len(variables)):
        x = variables[k]
        d = decays[k]
        for i in prange(x.shape[0]):
            x[i] = x[i] * d


def _store_spikes(it, spikes, history, delay, last):
    """Write this step's source spikes into the ring buffer; the row of ``delay`` steps ago."""
    length = history.shape[0]
    for t in range(last[0] + 1, min(it, last[0] + 1 + length)):  # skipped steps had no spikes
        history[t % length, :] = False
    history[it % length, :] = spikes
    last[0] = it
    return history[(it - delay) % length]


def _deliver(acc, touched, n_touched, target, scale):
    """``target[r] += scale * acc[r]`` for the touched rows, which are then zeroed again."""
    for k in range(n_touched):
        r = touched[k]
        target[r] += scale * acc[r]
        acc[r] = 0.0


def delayed_csr_kernel(it, spikes, history, delay, last, col_ptr, rows_by_col, col_order, data,
                       acc, touched, target, scale):
    """Deliver ``scale * W @ spikes(it - delay)`` for CSR weights, source by source.

    The sums are formed in the order of the numpy target's event product
    (sources ascending, each source's synapses in column order, into a zeroed
    accumulator), so each row gets the same number; only the rows that
    received a spike are touched (``acc`` is all zeros between steps).
    """
    arriving = _store_spikes(it, spikes, history, delay, last)
    half = touched.shape[0] // 2  # touched[:half]: rows in order of first touch; touched[half + r]: mark
    n_touched = 0
    for j in range(arriving.shape[0]):
        if arriving[j]:
            for q in range(col_ptr[j], col_ptr[j + 1]):
                r = rows_by_col[q]
                if touched[half + r] == 0:
                    touched[half + r] = 1
                    touched[n_touched] = r
                    n_touched += 1
                acc[r] += data[col_order[q]]
    for k in range(n_touched):
        touched[half + touched[k]] = 0
    _deliver(acc, touched, n_touched, target, scale)


def delayed_dense_kernel(it, spikes, history, delay, last, weights, acc, target, scale):
    """Deliver ``scale * W @ spikes(it - delay)`` for a dense ``D x S`` matrix, column by column."""
    arriving = _store_spikes(it, spikes, history, delay, last)
    found = False
    for j in range(arriving.shape[0]):
        if arriving[j]:
            if not found:
                acc[:] = 0.0
                found = True
            for i in range(weights.shape[0]):
                acc[i] += weights[i, j]
    if found:
        for i in range(target.shape[0]):
            target[i] += scale * acc[i]


def _poisson_count(key, it, i, lam, exp_neg_lam):
    u = bits_to_unit(draw_bits(key, np.uint64(it), np.uint64(i), np.uint64(0)))
    return poisson_inversion(u, _at(lam, i), _at(exp_neg_lam, i))


def poisson_input_kernel(it, target, key, lam, exp_neg_lam, weight, counts):
    """``target += weight * Poisson(lam)`` per neuron, drawn from the counter-based stream ``key``."""
    for i in prange(target.shape[0]):
        k = _poisson_count(key, it, i, lam, exp_neg_lam)
        counts[i] = k
        target[i] += _at(weight, i) * k


def poisson_kick_kernel(it, target, key, lam, exp_neg_lam, weight, count, steps):
    """PoissonKick: Poisson input during the first ``steps`` steps only."""
    if count[0] >= steps:
        return
    count[0] += 1
    for i in prange(target.shape[0]):
        target[i] += _at(weight, i) * _poisson_count(key, it, i, lam, exp_neg_lam)


def event_record_kernel(it, stop, values, rows, fill, on):
    """Append ``[it, i]`` for every nonzero ``values[i]``; ask to stop when the buffer may overflow."""
    if on == 0:
        return
    k = fill[0]
    for i in range(values.shape[0]):
        if values[i]:
            rows[k, 0] = it
            rows[k, 1] = i
            k += 1
    fill[0] = k
    if rows.shape[0] - k < values.shape[0]:
        stop[0] = 1


def sample_record_kernel(it, stop, values, samples, fill, on):
    """Copy ``values`` into the next row of ``samples``; ask to stop when it is full."""
    if on == 0:
        return
    k = fill[0]
    samples[k, :] = values
    fill[0] = k + 1
    if k + 1 >= samples.shape[0]:
        stop[0] = 1
