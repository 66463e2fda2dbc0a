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
    _conductance_euler,
    _membrane_free,
    _membrane_spike,
)
from monnto.behaviours.plasticity.intrinsic import (  # noqa: F401
    intrinsic_plasticity_step,
    rate_estimate_step,
    voltage_homeostasis_step,
)
from monnto.behaviours.plasticity.stdp import _depressed, _potentiated  # noqa: F401
from monnto.targets.random_streams import bits_to_unit, draw_bits, poisson_inversion  # noqa: F401

#: kernels copied into generated modules, in this order
KERNELS = ("_at", "_exp_pass", "clock_kernel", "_membrane", "_chunks", "_lif_free", "lif_kernel",
           "_conductance_range", "conductance_lif_kernel",
           "_conductance_euler_range", "conductance_euler_kernel", "input_sum_kernel", "decay_kernel", "_copy_flags",
           "_store_spikes", "_spiking", "_shared_spiking",
           "delayed_csr_kernel", "delayed_dense_kernel", "_poisson_count", "_poisson_table_pass",
           "poisson_table_kernel", "poisson_input_kernel", "poisson_kick_kernel", "_traces", "stdp_dense_kernel", "stdp_csr_kernel",
           "intrinsic_kernel", "voltage_homeostasis_kernel", "_normalize_factors", "normalization_csr_kernel",
           "normalization_dense_kernel", "event_record_kernel",
           "spike_record_kernel", "sample_record_kernel",
           "time_record_kernel")


def _at(a, i):
    """A parameter of neuron ``i``: a float (one value for all) or an array of one value per neuron.

    (Length-1 arrays are also read as one value.) The providers pass a float
    where a parameter is one number, so numba compiles that kernel with the
    look-up removed and the loop can be vectorized.
    """
    if isinstance(a, float):
        return a
    return a[0] if a.shape[0] == 1 else a[i]


#: kernels compiled with fused multiply-adds allowed (``fastmath={'contract'}``, nothing else): their
#: results are not those of the same source run as Python, only within their documented bound
CONTRACTED = ("_exp_pass",)

#: ``'vector'``: the per-neuron ``exp`` of a pass over all neurons (ConductanceLIF's membrane decay) is
#: :func:`_exp_pass`, which the compiler vectorizes; ``'libm'``: the C library's scalar ``exp``, as
#: numpy uses it on CPUs without AVX-512 (every number then as numpy's there; slower). Read when a
#: network's plan is built; the generated module (and its cache entry) differs per choice.
EXP = "vector"

#: constants of :func:`_exp_pass`: ln 2 split in a high part with 32 significant bits (so that
#: ``k * LN2_HI`` is exact for the exponents used) and the rest; 1.5 * 2**52 rounds to an integer
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUNDER = 6755399441055744.0


def _exp_pass(a, scale):
    """``a[:] = exp(a)`` in place, in two loops the compiler vectorizes (no call to the C library).

    ``x = k ln2 + r`` with ``k`` the nearest integer to ``x / ln 2`` and
    ``|r| <= ln(2) / 2`` (Cody and Waite's two-part ln 2); ``exp(r)`` from its
    Taylor series to degree 14 (truncation below 1e-17 relative) as
    ``1 + (r + r^2 q(r))``; then the product with ``2^k``, whose bits the first
    loop writes as integers into ``scale`` (a float64 scratch vector of the
    same length) and the second loop reads as floats. Results are within one
    unit in the last place of the exact value on [-745, 709.78] (tested against
    extended precision), ``exp(0) = 1`` exactly; below that range 0, above it
    inf, NaN stays NaN. Compiled with fused multiply-adds (:data:`CONTRACTED`,
    twice as fast); run as Python it gives numbers within the same bound. The C library's ``exp`` differs from it in the last
    bit for about one argument in ten (see :data:`EXP`).
    """
    n = a.shape[0]
    bits = scale.view(np.int64)
    for k in range(n):
        x = a[k]
        xc = min(max(x, -745.2), 709.79) if x == x else 0.0  # (NaN: its result is set below)
        kf = (xc * 1.4426950408889634 + _ROUNDER) - _ROUNDER
        r = (xc - kf * _LN2_HI) - kf * _LN2_LO
        q = 1.0 / 6227020800.0
        q = q * r + 1.0 / 479001600.0
        q = q * r + 1.0 / 39916800.0
        q = q * r + 1.0 / 3628800.0
        q = q * r + 1.0 / 362880.0
        q = q * r + 1.0 / 40320.0
        q = q * r + 1.0 / 5040.0
        q = q * r + 1.0 / 720.0
        q = q * r + 1.0 / 120.0
        q = q * r + 1.0 / 24.0
        q = q * r + 1.0 / 6.0
        q = q * r + 0.5
        p = 1.0 + (r + r * r * q)
        ki = np.int64(kf)
        # 2^k is formed as an exponent field: at the ends of the range part of it moves into p
        # (a power-of-two scaling, exact), so that the field stays that of a normal number
        big = ki > 1000
        small = ki < -1000
        p = p * (1.8446744073709552e19 if big else (5.421010862427522e-20 if small else 1.0))
        ki = ki - (64 if big else (-64 if small else 0))
        field = (ki + 1023) << 52
        field = 0 if x < -745.2 else field
        field = 0x7FF0000000000000 if x > 709.782712893384 else field
        field = 0x7FF8000000000000 if x != x else field
        a[k] = p
        bits[k] = field
    for k in range(n):
        a[k] = a[k] * scale[k]


def clock_kernel(it, ticks):
    """Count the steps of a Clock (``parent.t = ticks * dt`` is set when the run returns)."""
    ticks[0] += 1


def _membrane(v0, v_inf, rate, full_decay, refractory_left, th, v_reset, t_ref, dt):
    """The exact membrane step of one neuron: ``(v, refractory_left, spiked, offset)``.

    ``rate`` is ``1 / tau`` (1/s); ``full_decay`` is ``exp(-dt * rate)`` made by
    the numpy target's ``exp`` (or NaN when ``rate`` changes every step); it is
    used whenever the whole step is active, which is the same number numpy
    computes for that case.
    """
    active_time, refr = _active_time(refractory_left, dt)
    if active_time == dt and full_decay == full_decay:
        decay = full_decay
    else:
        decay = math.exp(-active_time * rate)
    v_new, crossed = _membrane_free(v0, v_inf, decay, active_time, th)
    offset = 0.0
    if crossed:
        v_new, refr, offset = _membrane_spike(v0, v_inf, rate, active_time, th, v_reset, t_ref, dt)
    return v_new, refr, crossed, offset


#: groups smaller than this run their per-neuron loops on one thread even with ``threads > 1``
PARALLEL_MIN = 16384


def _chunks(n, threads):
    """Number of equal chunks a loop over ``n`` neurons is cut into (1: run it serially)."""
    if threads <= 1 or n < PARALLEL_MIN:
        return 1
    return threads


def _lif_free(lo, hi, v, i_in, refractory_left, spike, spike_offset, i_total, fix,
              v_rest, r_m, i_bias, full_decay, v_th, dt):
    """Pass 1 of :func:`lif_kernel` over neurons ``lo .. hi - 1``: branch-free, vectorizable.

    Every neuron whose step is entirely active or entirely refractory gets
    its new state (``exp(-0 / tau)`` is exactly 1). A neuron that crosses the
    threshold or leaves its refractory period inside the step keeps its old
    state and input and is marked in ``fix`` for pass 2, which steps it with
    the full scalar :func:`_membrane`.
    """
    # views from neuron lo on, indexed from 0: numba's loop ``range(lo, hi)`` over arrays is not
    # vectorized (the index might be negative), ``range(n)`` over views is
    v, i_in, refractory_left, spike = v[lo:hi], i_in[lo:hi], refractory_left[lo:hi], spike[lo:hi]
    spike_offset, i_total, fix = spike_offset[lo:hi], i_total[lo:hi], fix[lo:hi]
    for k in range(v.shape[0]):
        i = lo + k  # the neuron, for per-neuron parameters
        x = i_in[k]
        b = _at(i_bias, i)
        i_total[k] = b + x
        v_inf = _at(v_rest, i) + _at(r_m, i) * (b + x)
        r = refractory_left[k]
        active_time, refr = _active_time(r, dt)
        whole = active_time == dt
        decay = _at(full_decay, i) if whole else 1.0
        v0 = v[k]
        v_new, crossed = _membrane_free(v0, v_inf, decay, active_time, _at(v_th, i))
        special = crossed | ((active_time != 0.0) & (not whole))
        spike[k] = crossed
        fix[k] = special
        v[k] = v0 if special else v_new
        if r != 0.0:  # (written only where it changes: fewer dirty cache lines, same values)
            refractory_left[k] = r if special else refr
        if spike_offset[k] != 0.0:
            spike_offset[k] = 0.0
        i_in[k] = x if special else 0.0


def lif_kernel(it, threads, v, i_in, refractory_left, spike, spike_offset, i_total, fix,
               v_rest, r_m, i_bias, rate, full_decay, v_th, v_reset, t_ref, dt, found, spiked, meta, code):
    """One exact step of current-based LIF neurons (``lif_step`` with ``method='exact'``).

    Two passes: :func:`_lif_free` for all neurons (on ``threads`` threads
    when the group is large), then the scalar :func:`_membrane` for the few
    marked ones (threshold crossings, end of refractoriness), which need the
    crossing time or an ``exp`` of their own. ``rate`` is ``1 / tau_m`` (1/s).
    Pass 2 meets every spiking neuron: it lists them in ``spiked`` for the
    group's spike readers (``meta``, ``code``: see :func:`_shared_spiking`).
    """
    n = v.shape[0]
    chunks = _chunks(n, threads)
    if chunks == 1:
        _lif_free(0, n, v, i_in, refractory_left, spike, spike_offset, i_total, fix,
                  v_rest, r_m, i_bias, full_decay, v_th, dt)
    else:
        size = ((n + chunks - 1) // chunks + 7) // 8 * 8  # whole words of flags per chunk (see _spiking)
        for c in prange(chunks):
            _lif_free(c * size, min(n, (c + 1) * size), v, i_in, refractory_left, spike, spike_offset,
                      i_total, fix, v_rest, r_m, i_bias, full_decay, v_th, dt)
    m = 0
    for q in range(_spiking(fix, found)):  # the marked neurons, found eight flags at a time
        i = found[q]
        b = _at(i_bias, i)
        v_inf = _at(v_rest, i) + _at(r_m, i) * (b + i_in[i])
        v[i], refractory_left[i], spiked_now, spike_offset[i] = _membrane(
            v[i], v_inf, _at(rate, i), _at(full_decay, i), refractory_left[i], _at(v_th, i),
            _at(v_reset, i), _at(t_ref, i), dt)
        spike[i] = spiked_now
        spiked[m] = i
        m += spiked_now
        i_in[i] = 0.0
    meta[1] = m
    meta[0] = it * code[0] + code[1]


def conductance_lif_kernel(it, threads, v, g_e, g_i, i_in, refractory_left, spike, spike_offset, i_total,
                           decay_e, decay_i, mean_e, mean_i, g_l, e_l, e_e, e_i, inv_c_m, i_bias,
                           v_th, v_reset, t_ref, dt, v_inf, rate, decay, scale):
    """One step of conductance-based LIF neurons (``conductance_lif_step``), on ``threads`` threads when large.

    ``decay_e`` ... ``inv_c_m``: ``conductance_factors``; ``v_inf``, ``rate``, ``decay`` and
    ``scale`` are float64 scratch vectors of the group's size (see :func:`_conductance_range`).
    """
    n = v.shape[0]
    chunks = _chunks(n, threads)
    if chunks == 1:
        _conductance_range(0, n, v, g_e, g_i, i_in, refractory_left, spike, spike_offset, i_total, decay_e,
                           decay_i, mean_e, mean_i, g_l, e_l, e_e, e_i, inv_c_m, i_bias, v_th, v_reset, t_ref, dt,
                           v_inf, rate, decay, scale)
    else:
        size = ((n + chunks - 1) // chunks + 7) // 8 * 8  # whole words of flags per chunk (see _spiking)
        for c in prange(chunks):
            _conductance_range(c * size, min(n, (c + 1) * size), v, g_e, g_i, i_in, refractory_left, spike,
                               spike_offset, i_total, decay_e, decay_i, mean_e, mean_i, g_l, e_l, e_e, e_i,
                               inv_c_m, i_bias, v_th, v_reset, t_ref, dt, v_inf, rate, decay, scale)


def _conductance_range(lo, hi, v, g_e, g_i, i_in, refractory_left, spike, spike_offset, i_total,
                       decay_e, decay_i, mean_e, mean_i, g_l, e_l, e_e, e_i, inv_c_m, i_bias, v_th, v_reset,
                       t_ref, dt, v_inf, rate, decay, scale):
    """:func:`conductance_lif_kernel` for neurons ``lo .. hi - 1``, in four passes over the neurons.

    1. the drive (``_conductance_drive``: one division per neuron) and the
       ``exp`` argument ``-active_time * rate``, branch-free so that the
       compiler vectorizes the loop, into the scratch vectors;
    2. ``decay = exp(argument)``: :func:`_exp_pass` (vectorized; or libm's
       scalar ``exp`` with :data:`EXP` ``'libm'``);
    3. the free membrane step and threshold test (``_membrane_free``); a
       neuron that crosses keeps its old ``v`` and refractory time;
    4. the crossing neurons only: crossing time, reset, refractory time
       (``_membrane_spike``).

    Each neuron gets the numbers of the one-pass form (the same operations
    in the same order; the ``exp`` as chosen by :data:`EXP`). The loops run over views from neuron ``lo`` on (see :func:`_lif_free`).
    """
    v, g_e, g_i, i_in, refractory_left = v[lo:hi], g_e[lo:hi], g_i[lo:hi], i_in[lo:hi], refractory_left[lo:hi]
    spike, spike_offset, i_total = spike[lo:hi], spike_offset[lo:hi], i_total[lo:hi]
    v_inf, rate, decay, scale = v_inf[lo:hi], rate[lo:hi], decay[lo:hi], scale[lo:hi]
    n = v.shape[0]
    for k in range(n):
        i = lo + k  # the neuron, for per-neuron parameters
        x = i_in[k]
        b = _at(i_bias, i)
        i_total[k] = b + x
        vi, ri = _conductance_drive(g_e[k], g_i[k], _at(mean_e, i), _at(mean_i, i), x, _at(g_l, i), _at(e_l, i),
                                    _at(e_e, i), _at(e_i, i), _at(inv_c_m, i), b)
        active_time, refr = _active_time(refractory_left[k], dt)
        v_inf[k] = vi
        rate[k] = ri
        decay[k] = -active_time * ri
    if EXP == "vector":
        _exp_pass(decay, scale)
    else:
        for k in range(n):
            decay[k] = math.exp(decay[k])
    for k in range(n):
        r = refractory_left[k]
        active_time, refr = _active_time(r, dt)
        v0 = v[k]
        v_new, crossed = _membrane_free(v0, v_inf[k], decay[k], active_time, _at(v_th, lo + k))
        spike[k] = crossed
        v[k] = v0 if crossed else v_new
        if r != 0.0:  # (written only where it changes: fewer dirty cache lines, same values)
            refractory_left[k] = r if crossed else refr
        if spike_offset[k] != 0.0:
            spike_offset[k] = 0.0
        g_e[k] = g_e[k] * _at(decay_e, lo + k)
        g_i[k] = g_i[k] * _at(decay_i, lo + k)
        i_in[k] = 0.0
    found = scale.view(np.int64)  # the exp's scratch, free again: the crossing neurons' indices
    for q in range(_spiking(spike, found)):
        k = found[q]
        i = lo + k
        active_time, refr = _active_time(refractory_left[k], dt)
        v[k], refractory_left[k], spike_offset[k] = _membrane_spike(
            v[k], v_inf[k], rate[k], active_time, _at(v_th, i), _at(v_reset, i), _at(t_ref, i), dt)


def conductance_euler_kernel(it, threads, v, g_e, g_i, i_in, refractory_left, spike, spike_offset, i_total,
                             decay_e, decay_i, g_l, e_l, e_e, e_i, inv_c_m, i_bias, v_th, v_reset, t_ref, dt):
    """One Euler step of conductance-based LIF neurons (``conductance_lif_step``, ``method='euler'``).

    One branch-free pass over the neurons (on ``threads`` threads when the
    group is large): ``_conductance_euler``, threshold, reset, refractory
    time and the conductances' decay, as the numpy step computes them.
    """
    n = v.shape[0]
    chunks = _chunks(n, threads)
    if chunks == 1:
        _conductance_euler_range(0, n, v, g_e, g_i, i_in, refractory_left, spike, spike_offset, i_total, decay_e,
                                 decay_i, g_l, e_l, e_e, e_i, inv_c_m, i_bias, v_th, v_reset, t_ref, dt)
    else:
        size = (n + chunks - 1) // chunks
        for c in prange(chunks):
            _conductance_euler_range(c * size, min(n, (c + 1) * size), v, g_e, g_i, i_in, refractory_left, spike,
                                     spike_offset, i_total, decay_e, decay_i, g_l, e_l, e_e, e_i, inv_c_m,
                                     i_bias, v_th, v_reset, t_ref, dt)


def _conductance_euler_range(lo, hi, v, g_e, g_i, i_in, refractory_left, spike, spike_offset, i_total,
                             decay_e, decay_i, g_l, e_l, e_e, e_i, inv_c_m, i_bias, v_th, v_reset, t_ref, dt):
    """:func:`conductance_euler_kernel` for neurons ``lo .. hi - 1`` (views from ``lo`` on, see :func:`_lif_free`)."""
    v, g_e, g_i, i_in, refractory_left = v[lo:hi], g_e[lo:hi], g_i[lo:hi], i_in[lo:hi], refractory_left[lo:hi]
    spike, spike_offset, i_total = spike[lo:hi], spike_offset[lo:hi], i_total[lo:hi]
    for k in range(v.shape[0]):
        i = lo + k  # the neuron, for per-neuron parameters
        x = i_in[k]
        b = _at(i_bias, i)
        i_total[k] = b + x
        v0 = v[k]
        r = refractory_left[k]
        ge, gi = g_e[k], g_i[k]
        v_free = _conductance_euler(v0, ge, gi, x, _at(g_l, i), _at(e_l, i), _at(e_e, i), _at(e_i, i),
                                    _at(inv_c_m, i), b, dt)
        v_new = v_free if r <= 0 else v0
        crossed = v_new > _at(v_th, i)
        spike[k] = crossed
        v[k] = _at(v_reset, i) if crossed else v_new
        if crossed or r != 0.0:  # (written only where it changes: fewer dirty cache lines, same values)
            refractory_left[k] = _at(t_ref, i) if crossed else max(r - dt, 0.0)
        if crossed or spike_offset[k] != 0.0:
            spike_offset[k] = dt if crossed else 0.0
        g_e[k] = ge * _at(decay_e, i)
        g_i[k] = gi * _at(decay_i, i)
        i_in[k] = 0.0


def input_sum_kernel(it, target, sources, factors):
    """``target += factors[k] * sources[k]`` for each k, in order (SynapticCurrents)."""
    for i in range(target.shape[0]):
        acc = target[i]
        for k in range(len(sources)):
            acc = acc + factors[k] * sources[k][i]
        target[i] = acc


def decay_kernel(it, variables, decays):
    """``x *= decay`` for each variable (ExponentialSynapses)."""
    for k in range(len(variables)):
        x = variables[k]
        d = decays[k]
        for i in range(x.shape[0]):
            x[i] = x[i] * d


def _copy_flags(dst, src):
    """``dst[:] = src`` for bool vectors.

    A plain element loop: LLVM turns it into a vectorized copy (measured 2.4x
    faster than copying 64-bit words of a ``view``, 28x faster than numba's
    slice assignment, for 3200 flags).
    """
    for j in range(src.shape[0]):
        dst[j] = src[j]


def _store_spikes(it, spikes, history, delay, last):
    """Write this step's source spikes into the ring buffer; the row of ``delay`` steps ago.

    A ring of one row (no delay beyond the step) is not written: its row would be
    read in this step only, so the spikes themselves are returned (the numpy
    target writes the row before it reads it).
    """
    length = history.shape[0]
    if length == 1 and delay == 0:
        last[0] = it
        return spikes
    for t in range(last[0] + 1, min(it, last[0] + 1 + length)):  # skipped steps had no spikes
        history[t % length, :] = False
    _copy_flags(history[it % length], spikes)
    last[0] = it
    return history[(it - delay) % length]


def _shared_spiking(it, row, out, meta, code):
    """:func:`_spiking` unless ``out`` already lists ``row``'s spikes (see :mod:`monnto.targets.plan_analysis`).

    ``meta = [stamp, count]`` is shared by the readers of one group's flags in a
    segment; a stamp ``it * period + position`` says which reader left the list
    at which step. ``code = [period, position, wanted, reuse]``: the reader
    reuses the list when ``reuse`` and the stamp is ``it * period + wanted`` (the
    reader before it, with no writer of the flags in between, in this step or,
    with ``wanted`` one period lower, in the previous one).
    """
    period = code[0]
    if code[3] != 0 and meta[0] == it * period + code[2]:
        n = meta[1]
    else:
        n = _spiking(row, out)
        meta[1] = n
    meta[0] = it * period + code[1]
    return n


def _spiking(row, out):
    """Write the indices of the True entries of the bool vector ``row`` into ``out``; return their number.

    Eight flags are tested at once (as one 64-bit word), so a row with few
    spikes costs about one test per eight neurons.
    """
    n = row.shape[0]
    words = n // 8
    k = 0
    if words > 0:
        packed = row[:words * 8].view(np.uint64)
        for w in range(words):
            if packed[w] != 0:
                for j in range(w * 8, w * 8 + 8):
                    if row[j]:
                        out[k] = j
                        k += 1
    for j in range(words * 8, n):
        if row[j]:
            out[k] = j
            k += 1
    return k


def delayed_csr_kernel(it, spikes, history, delay, last, col_ptr, rows_by_col, col_order, data, by_column,
                       uniform, w0, sources, meta, code, target, scale):
    """Deliver ``scale * W @ spikes(it - delay)`` for CSR weights, one synapse at a time.

    Sources ascending, each source's synapses in column order, every weight
    added to its row on its own: the order of the numpy target's
    ``SparseSynapseMatrix.add_event_product``, so each row gets the same
    number. ``data`` holds the weights in column order when ``by_column``
    (the matrix's column copy), else in row order (read through
    ``col_order``); ``scale`` has ``target``'s dtype. When ``uniform``, every weight is
    ``w0`` and none is written during the run: the weights are not read (``scale * w0``
    is the number each synapse adds). ``sources``, ``meta`` and ``code``: see
    :func:`_shared_spiking`.
    """
    arriving = _store_spikes(it, spikes, history, delay, last)
    n_spikes = _shared_spiking(it, arriving, sources, meta, code)
    if uniform:
        add = scale * w0
        for k in range(n_spikes):
            j = sources[k]
            for q in range(col_ptr[j], col_ptr[j + 1]):
                target[rows_by_col[q]] += add
        return
    for k in range(n_spikes):
        j = sources[k]
        for q in range(col_ptr[j], col_ptr[j + 1]):
            target[rows_by_col[q]] += scale * (data[q] if by_column else data[col_order[q]])


def delayed_dense_kernel(it, spikes, history, delay, last, weights, fortran, acc, sources, meta, code, target, scale,
                         one):
    """Deliver ``scale * W @ spikes(it - delay)`` for a dense ``D x S`` matrix.

    Each row's sum runs over the arriving sources in ascending order from
    zero, whatever the memory order: column by column for a Fortran-ordered
    matrix (``fortran``), row by row otherwise, so memory is read in order.
    ``scale`` and ``one`` (a one-element array) have ``target``'s dtype: each sum is first rounded
    to it (stored in ``one``), as the numpy target's ``astype`` does, so float32 targets get the
    same numbers as well.
    """
    arriving = _store_spikes(it, spikes, history, delay, last)
    n_spikes = _shared_spiking(it, arriving, sources, meta, code)
    if n_spikes == 0:
        return
    if fortran:
        acc[:] = 0.0
        for k in range(n_spikes):
            j = sources[k]
            for i in range(weights.shape[0]):
                acc[i] += weights[i, j]
        for i in range(weights.shape[0]):
            one[0] = acc[i]
            target[i] += scale * one[0]
        return
    for i in range(weights.shape[0]):  # row by row: memory in order (the sums are the same as column by column)
        total = 0.0
        for k in range(n_spikes):
            total += weights[i, sources[k]]
        one[0] = total
        target[i] += scale * one[0]


def _poisson_count(key, it, first, i, lam, exp_neg_lam):
    """The Poisson count of local neuron ``i`` (global index ``first + i``) in step ``it``."""
    u = bits_to_unit(draw_bits(key, np.uint64(it), np.uint64(first + i), np.uint64(0)))
    return poisson_inversion(u, _at(lam, i), _at(exp_neg_lam, i))


def _poisson_table_pass(it, target, key, first, table, weight, counts):
    """Pass 1 of :func:`poisson_table_kernel`: draw and count against the first four sums, branch-free."""
    t0 = table[0]
    t1 = table[1]
    t2 = table[2]
    t3 = table[3]
    step = np.uint64(it)
    for i in range(target.shape[0]):
        u = bits_to_unit(draw_bits(key, step, np.uint64(first + i), np.uint64(0)))
        k = (1 if u > t0 else 0) + (1 if u > t1 else 0) + (1 if u > t2 else 0) + (1 if u > t3 else 0)
        counts[i] = k
        x = target[i]
        target[i] = x if k == 4 else x + _at(weight, i) * k


def poisson_table_kernel(it, target, key, first, table, weight, counts):
    """``target += weight * Poisson(lam)`` for one ``lam`` of all neurons, by a CDF table.

    ``table`` is :func:`~monnto.targets.random_streams.poisson_cdf_table`:
    the count of neuron ``i`` is the number of its entries below the uniform
    draw of (``key``, ``it``, ``first + i``), the same number
    :func:`poisson_inversion` gives. Pass 1 tests the first four entries for
    every neuron without a branch; the rare neurons above all four continue
    through the table in pass 2.
    """
    _poisson_table_pass(it, target, key, first, table, weight, counts)
    size = table.shape[0]
    if size <= 4:
        return
    step = np.uint64(it)
    for i in range(target.shape[0]):
        if counts[i] == 4:
            u = bits_to_unit(draw_bits(key, step, np.uint64(first + i), np.uint64(0)))
            k = 4
            while k < size and table[k] < u:
                k += 1
            counts[i] = k
            target[i] += _at(weight, i) * k


def poisson_input_kernel(it, target, key, first, table, lam, exp_neg_lam, weight, counts):
    """``target += weight * Poisson(lam)`` per neuron, drawn from the counter-based stream ``key``.

    One ``lam`` for all neurons comes as its CDF ``table`` (:func:`poisson_table_kernel`);
    an empty ``table`` means one ``lam`` per neuron, inverted neuron by neuron.
    """
    if table.shape[0] > 0:
        poisson_table_kernel(it, target, key, first, table, weight, counts)
        return
    for i in range(target.shape[0]):
        k = _poisson_count(key, it, first, i, lam, exp_neg_lam)
        counts[i] = k
        target[i] += _at(weight, i) * k


def poisson_kick_kernel(it, target, key, first, table, lam, exp_neg_lam, weight, counts, count, steps):
    """PoissonKick: :func:`poisson_input_kernel` during the first ``steps`` steps only."""
    if count[0] >= steps:
        return
    count[0] += 1
    poisson_input_kernel(it, target, key, first, table, lam, exp_neg_lam, weight, counts)


def _traces(trace, decay, spikes, nearest, add):
    """Decay a trace (``add`` 0) or add this step's spikes to it (+1, or 1 when ``nearest``)."""
    for j in range(trace.shape[0]):
        if add == 0:
            trace[j] = trace[j] * decay
        elif spikes[j]:
            trace[j] = 1.0 if nearest else trace[j] + 1.0
        else:
            trace[j] = trace[j] + 0.0


def stdp_dense_kernel(it, W, fortran, pre_spike, post_spike, x_pre, y_post, decay_x, decay_y, a_plus, a_minus,
                      w_min, w_max, span, mu, nearest, mask, has_mask, found_pre, found_post):
    """One step of pair-based trace STDP on a dense ``D x S`` matrix (``pair_stdp_step``).

    Traces decay, the rows of the postsynaptic neurons that spiked are
    potentiated, then the columns of the presynaptic ones are depressed
    (both with the model's own element-wise ``_potentiated``/``_depressed``),
    then this step's spikes are added to the traces: the order of
    ``pair_stdp_step``. Synapses whose ``mask`` entry is False (when
    ``has_mask``) keep their weight. A Fortran-ordered ``W`` (``fortran``)
    is walked column by column.
    """
    _traces(x_pre, decay_x, pre_spike, nearest, 0)
    _traces(y_post, decay_y, post_spike, nearest, 0)
    n_post = _spiking(post_spike, found_post)
    if fortran and n_post > 0:  # memory in order: column by column (every entry changes once either way)
        for j in range(W.shape[1]):
            x = x_pre[j]
            for k in range(n_post):
                i = found_post[k]
                if has_mask == 0 or mask[i, j]:
                    W[i, j] = _potentiated(W[i, j], a_plus, x, w_min, w_max, span, mu)
    else:
        for k in range(n_post):
            i = found_post[k]
            for j in range(W.shape[1]):
                if has_mask == 0 or mask[i, j]:
                    W[i, j] = _potentiated(W[i, j], a_plus, x_pre[j], w_min, w_max, span, mu)
    n_pre = _spiking(pre_spike, found_pre)
    if fortran:
        for k in range(n_pre):
            j = found_pre[k]
            for i in range(W.shape[0]):
                if has_mask == 0 or mask[i, j]:
                    W[i, j] = _depressed(W[i, j], a_minus, y_post[i], w_min, w_max, span, mu)
    elif n_pre > 0:
        for i in range(W.shape[0]):
            y = y_post[i]
            for k in range(n_pre):
                j = found_pre[k]
                if has_mask == 0 or mask[i, j]:
                    W[i, j] = _depressed(W[i, j], a_minus, y, w_min, w_max, span, mu)
    _traces(x_pre, decay_x, pre_spike, nearest, 1)
    _traces(y_post, decay_y, post_spike, nearest, 1)


def stdp_csr_kernel(it, data, indptr, indices, col_ptr, rows_by_col, col_order, pre_spike, post_spike,
                    x_pre, y_post, decay_x, decay_y, a_plus, a_minus, w_min, w_max, span, mu, nearest,
                    found_pre, found_post):
    """:func:`stdp_dense_kernel` for CSR weights: only the stored synapses of spiking neurons change."""
    _traces(x_pre, decay_x, pre_spike, nearest, 0)
    _traces(y_post, decay_y, post_spike, nearest, 0)
    n_post = _spiking(post_spike, found_post)
    for k in range(n_post):
        i = found_post[k]
        for q in range(indptr[i], indptr[i + 1]):
            data[q] = _potentiated(data[q], a_plus, x_pre[indices[q]], w_min, w_max, span, mu)
    n_pre = _spiking(pre_spike, found_pre)
    for k in range(n_pre):
        j = found_pre[k]
        for q in range(col_ptr[j], col_ptr[j + 1]):
            e = col_order[q]
            data[e] = _depressed(data[e], a_minus, y_post[rows_by_col[q]], w_min, w_max, span, mu)
    _traces(x_pre, decay_x, pre_spike, nearest, 1)
    _traces(y_post, decay_y, post_spike, nearest, 1)


def intrinsic_kernel(it, theta, spikes, rate, target, eta, sign, decay, use_rate, low, high, clip_low, clip_high):
    """IntrinsicPlasticity: ``theta += sign eta (activity - target)`` per neuron, then the optional clip.

    The activity is this step's spike (1.0 or 0.0) or, with ``use_rate``, the
    rate estimate ``rate`` updated first; the arithmetic is the rule's own
    ``rate_estimate_step`` and ``intrinsic_plasticity_step``.
    """
    for i in range(theta.shape[0]):
        a = 1.0 if spikes[i] else 0.0
        if use_rate:
            rate[i] = rate_estimate_step(rate[i], a, decay)
            a = rate[i]
        t = intrinsic_plasticity_step(theta[i], a, _at(target, i), eta, sign)
        if clip_low:
            t = max(t, _at(low, i))
        if clip_high:
            t = min(t, _at(high, i))
        theta[i] = t


def voltage_homeostasis_kernel(it, v, exhaustion, min_ta, max_ta, eta):
    """VoltageHomeostasis: the rule's ``voltage_homeostasis_step`` per neuron."""
    for i in range(v.shape[0]):
        v[i], exhaustion[i] = voltage_homeostasis_step(v[i], exhaustion[i], _at(min_ta, i), _at(max_ta, i), eta)


def _normalize_factors(total, target):
    """``target / total`` where ``total > 0``, else 1 (``normalize_synapses``), in place."""
    for i in range(total.shape[0]):
        t = total[i]
        total[i] = target / t if t > 0 else 1.0


def normalization_csr_kernel(it, count, every, data, indptr, indices, afferent, target, clip, clip_max, total):
    """Normalization of one CSR matrix: scale each row's (or column's) ``|w|`` sum to ``target``.

    Sums are formed entry by entry in storage order from zero, as the numpy
    target's ``bincount`` forms them, so the factors are the same numbers.
    Runs every ``every``-th step (``count[0]`` counts the steps).
    """
    count[0] += 1
    if count[0] % every != 0:
        return
    total[:] = 0.0
    for r in range(indptr.shape[0] - 1):
        for q in range(indptr[r], indptr[r + 1]):
            total[r if afferent else indices[q]] += abs(data[q])
    _normalize_factors(total, target)
    for r in range(indptr.shape[0] - 1):
        for q in range(indptr[r], indptr[r + 1]):
            w = data[q] * total[r if afferent else indices[q]]
            if clip:
                w = min(max(w, 0.0), clip_max)
            data[q] = w


def normalization_dense_kernel(it, count, every, W, afferent, target, clip, clip_max, total):
    """Normalization of one dense ``D x S`` matrix (rows for ``afferent``, else columns).

    Sums run sequentially; numpy's row sums (``afferent``) are pairwise, so
    those factors may differ from the numpy target's in the last bit.
    """
    count[0] += 1
    if count[0] % every != 0:
        return
    total[:] = 0.0
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            total[i if afferent else j] += abs(W[i, j])
    _normalize_factors(total, target)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            w = W[i, j] * total[i if afferent else j]
            if clip:
                w = min(max(w, 0.0), clip_max)
            W[i, j] = w


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


def spike_record_kernel(it, stop, values, rows, fill, on, found, meta, code):
    """:func:`event_record_kernel` for a bool vector, scanned eight flags at a time (:func:`_spiking`).

    ``found`` (of ``values``' length), ``meta`` and ``code``: see :func:`_shared_spiking`.
    """
    if on == 0:
        return
    k = fill[0]
    n_found = _shared_spiking(it, values, found, meta, code)
    for q in range(n_found):
        rows[k, 0] = it
        rows[k, 1] = found[q]
        k += 1
    fill[0] = k
    if rows.shape[0] - k < values.shape[0]:
        stop[0] = 1


def sample_record_kernel(it, stop, values, samples, fill, on, gap):
    """Copy ``values`` into the next row of ``samples`` every ``gap[1]``-th step; ask to stop when it is full.

    ``samples`` is the free part of the Recorder's own preallocated buffer;
    ``gap[0]`` counts the steps since the last sample, as the Recorder does.
    """
    if on == 0:
        return
    if gap[1] > 1:
        gap[0] += 1
        if gap[0] < gap[1]:
            return
        gap[0] = 0
    k = fill[0]
    samples[k, :] = values
    fill[0] = k + 1
    if k + 1 >= samples.shape[0]:
        stop[0] = 1


def time_record_kernel(it, stop, ticks, dt, samples, fill, on, gap):
    """Record the parent's time ``ticks[0] * dt`` (its Clock's count, as ``Clock`` computes ``t``).

    The time counterpart of :func:`sample_record_kernel` (same ``gap`` and stop rules).
    """
    if on == 0:
        return
    if gap[1] > 1:
        gap[0] += 1
        if gap[0] < gap[1]:
            return
        gap[0] = 0
    k = fill[0]
    samples[k] = ticks[0] * dt
    fill[0] = k + 1
    if k + 1 >= samples.shape[0]:
        stop[0] = 1

