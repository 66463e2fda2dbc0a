"""Per-synapse and per-neuron loops of library rules that :mod:`numba_kernels` does not cover.

Short-term plasticity (Tsodyks-Markram), triplet STDP, the tutorial's
one-step (discrete) STDP, Normalization over several synapse groups,
spike-frequency adaptation, PymoNNto-style relative refractoriness, the
Izhikevich and Hindmarsh-Rose neuron models, and the delivery of released
amounts (``DelayedSynapticInput(release_attr=...)``, the consumer of
short-term plasticity).

As in :mod:`monnto.targets.numba_kernels`, what is written here is only the
loop around each rule and its bookkeeping: the arithmetic is the rules' own
element-wise functions, imported from the behaviour modules. Functions that
are plain arithmetic (``decay_trace``, ``_triplet_amplitude``,
``_discrete_change``, ``_discrete_paired``, ``adaptation_step``, ``refractory_step``, the
Hindmarsh-Rose right-hand side ``_rhs``) are compiled
as they are; those written for an array namespace ``xp`` (``stp_element``,
``_trace_after_spike``, ``_potentiated``, ``_depressed``, the neuron
models' ``izhikevich_step`` and ``hindmarsh_rose_step``) are compiled in
their scalar form (:func:`monnto.targets.scalarize.scalar_source`). A neuron
model's step reads its parameters as ``p.<field>``; the kernel hands it a
namedtuple of one neuron's values, made with the fields of the model's own
parameter dataclass (:data:`PARAMS`). Sums (Normalization, the delivery
of released amounts) are formed in the order numpy or scipy forms them, so
the kernels give the numpy target's numbers (except a dense delivery of
released amounts, whose numpy product is BLAS's).

:func:`kernel_import` puts all of them into one generated module (cached
like every generated module, :mod:`monnto.targets.cache`) and returns the
import line of one kernel; a provider stores that line in its
``KernelCall.state['import']``, which the numba target adds to the module
of the network's segments (the same route compiled user behaviours take).

Conventions are those of :mod:`monnto.targets.numba_kernels`: the first
argument is the step's iteration ``it``, parameters that may be per-neuron
are a float or a float64 array read with :func:`_per`, state kept between
steps lives in small int64 arrays.
"""
from __future__ import annotations

import dataclasses
import inspect
import platform
from types import ModuleType
from typing import Any

import numpy as np

from monnto.behaviours.neurons.hindmarsh_rose import HindmarshRoseParams, _rhs, hindmarsh_rose_step
from monnto.behaviours.neurons.izhikevich import IzhikevichParams, izhikevich_step
from monnto.behaviours.plasticity.adaptation import adaptation_step, refractory_step
from monnto.behaviours.plasticity.short_term import stp_element
from monnto.behaviours.plasticity.stdp import (
    _depressed,
    _discrete_change,
    _discrete_paired,
    _potentiated,
    _trace_after_spike,
    _triplet_amplitude,
    decay_trace,
)

__all__ = ["KERNELS", "kernel_import", "module_source"]

#: functions of the rules compiled as they are (plain scalar arithmetic)
AS_IS = (decay_trace, _triplet_amplitude, _discrete_change, _discrete_paired, adaptation_step, refractory_step, _rhs)
#: element-wise functions of the rules compiled in their scalar form
SCALAR = (stp_element, _trace_after_spike, _potentiated, _depressed, izhikevich_step, hindmarsh_rose_step)
#: (namedtuple, function ``f(params, i)`` making one neuron's namedtuple, parameter dataclass) of each model
PARAMS = (("IzhikevichScalars", "_izhikevich_params", IzhikevichParams),
          ("HindmarshRoseScalars", "_hindmarsh_rose_params", HindmarshRoseParams))
#: the loops, in the order they are written into the generated module
KERNELS = ("_per", "_decay_all", "_add_spikes", "stp_kernel", "triplet_stdp_dense_kernel",
           "triplet_stdp_csr_kernel", "_marked", "discrete_stdp_dense_kernel",
           "discrete_stdp_csr_kernel",
           "_flag", "_pairwise_abs_sum", "normalization_groups_kernel", "adaptation_kernel", "refractoriness_kernel",
           "izhikevich_kernel", "hindmarsh_rose_kernel", "_release_ring", "release_csr_kernel",
           "release_dense_kernel")


def _per(a, i):
    """Parameter of neuron ``i``: a float (one value for all) or an array (length 1, or one per neuron)."""
    if isinstance(a, float):
        return a
    return a[0] if a.shape[0] == 1 else a[i]


def _flag(spike):
    """A spike flag as the number numpy's arithmetic makes of it (1.0 or 0.0)."""
    return 1.0 if spike else 0.0


def stp_kernel(it, u, x, release, spikes, U, fac, dep):
    """ShortTermPlasticity: the rule's ``stp_element`` for every source, in place."""
    for j in range(u.shape[0]):
        u[j], x[j], release[j] = stp_element(u[j], x[j], spikes[j], U, fac, dep)


def _decay_all(trace, decay):
    """``decay_trace`` for every entry of a trace."""
    for j in range(trace.shape[0]):
        trace[j] = decay_trace(trace[j], decay)


def _add_spikes(trace, spikes, nearest):
    """``_trace_after_spike`` for every entry of a trace (this step's spikes added)."""
    for j in range(trace.shape[0]):
        trace[j] = _trace_after_spike(trace[j], spikes[j], nearest)


def triplet_stdp_dense_kernel(it, W, pre, post, r1, r2, o1, o2, d_r1, d_r2, d_o1, d_o2, a2_plus, a3_plus,
                              a2_minus, a3_minus, w_min, w_max, span, mu, nearest, mask, has_mask):
    """One step of triplet STDP on a dense ``D x S`` matrix, in the order of ``triplet_stdp_step``.

    The four traces decay; the rows of the postsynaptic neurons that spiked
    are potentiated with amplitude ``_triplet_amplitude(a2_plus, a3_plus,
    o2_i)`` and the fast presynaptic trace ``r1``, then the columns of the
    presynaptic neurons that spiked are depressed with
    ``_triplet_amplitude(a2_minus, a3_minus, r2_j)`` and ``o1`` (the rule's
    ``_potentiated`` / ``_depressed``); then this step's spikes are added.
    Synapses whose ``mask`` entry is False (when ``has_mask``) keep their weight.
    """
    _decay_all(r1, d_r1)
    _decay_all(r2, d_r2)
    _decay_all(o1, d_o1)
    _decay_all(o2, d_o2)
    for i in range(W.shape[0]):
        if post[i]:
            amp = _triplet_amplitude(a2_plus, a3_plus, o2[i])
            for j in range(W.shape[1]):
                if has_mask == 0 or mask[i, j]:
                    W[i, j] = _potentiated(W[i, j], amp, r1[j], w_min, w_max, span, mu)
    for j in range(W.shape[1]):
        if pre[j]:
            amp = _triplet_amplitude(a2_minus, a3_minus, r2[j])
            for i in range(W.shape[0]):
                if has_mask == 0 or mask[i, j]:
                    W[i, j] = _depressed(W[i, j], amp, o1[i], w_min, w_max, span, mu)
    _add_spikes(r1, pre, nearest)
    _add_spikes(r2, pre, nearest)
    _add_spikes(o1, post, nearest)
    _add_spikes(o2, post, nearest)


def triplet_stdp_csr_kernel(it, data, indptr, indices, col_ptr, rows_by_col, col_order, pre, post, r1, r2, o1,
                            o2, d_r1, d_r2, d_o1, d_o2, a2_plus, a3_plus, a2_minus, a3_minus, w_min, w_max, span,
                            mu, nearest):
    """:func:`triplet_stdp_dense_kernel` for CSR weights: the stored synapses of spiking neurons change."""
    _decay_all(r1, d_r1)
    _decay_all(r2, d_r2)
    _decay_all(o1, d_o1)
    _decay_all(o2, d_o2)
    for i in range(indptr.shape[0] - 1):
        if post[i]:
            amp = _triplet_amplitude(a2_plus, a3_plus, o2[i])
            for q in range(indptr[i], indptr[i + 1]):
                data[q] = _potentiated(data[q], amp, r1[indices[q]], w_min, w_max, span, mu)
    for j in range(col_ptr.shape[0] - 1):
        if pre[j]:
            amp = _triplet_amplitude(a2_minus, a3_minus, r2[j])
            for q in range(col_ptr[j], col_ptr[j + 1]):
                e = col_order[q]
                data[e] = _depressed(data[e], amp, o1[rows_by_col[q]], w_min, w_max, span, mu)
    _add_spikes(r1, pre, nearest)
    _add_spikes(r2, pre, nearest)
    _add_spikes(o1, post, nearest)
    _add_spikes(o2, post, nearest)


def _marked(a, b, use_b, out):
    """Write the indices ``j`` with ``a[j]`` (or, when ``use_b``, ``b[j]``) into ``out``; return their number.

    ``a`` and ``b`` are contiguous bool vectors of one length; eight flags
    are tested at once (as one 64-bit word), so a vector with few marks
    costs about one test per eight entries.
    """
    n = a.shape[0]
    words = n // 8
    k = 0
    if words > 0:
        pa = a[:words * 8].view(np.uint64)
        pb = b[:words * 8].view(np.uint64)
        for w in range(words):
            if pa[w] != 0 or (use_b and pb[w] != 0):
                for j in range(w * 8, w * 8 + 8):
                    if a[j] or (use_b and b[j]):
                        out[k] = j
                        k += 1
    for j in range(words * 8, n):
        if a[j] or (use_b and b[j]):
            out[k] = j
            k += 1
    return k


def discrete_stdp_dense_kernel(it, W, pre, post, pre_old, post_old, factor, same, depression, w_min, w_max, mask,
                               has_mask, by_columns, rows, cols):
    """One step of DiscreteSTDP on a dense ``D x S`` matrix (``discrete_stdp_step``), event-driven.

    The rows of targets spiking now (or, with ``depression``, previously)
    and the columns of sources spiking previously (or now, when ``same`` or
    ``depression``) are collected into the scratch vectors ``rows`` /
    ``cols``; only their crossings are visited, and of those only the
    paired entries (the rule's ``_discrete_paired``) that are enabled
    change, by the rule's ``_discrete_change``, and are clipped to
    ``[w_min, w_max]`` (the numpy step's arithmetic: the sum and clip in
    float64, then stored in W's dtype). ``by_columns``: columns in the outer
    loop (a column-major ``W``), else rows. Then this step's spikes become
    the previous ones.
    """
    dep, sim = depression != 0.0, same != 0.0
    n_rows = _marked(post, post_old, dep, rows)
    n_cols = _marked(pre_old, pre, sim or dep, cols)
    if by_columns:
        for k in range(n_cols):
            j = cols[k]
            pr, prold = pre[j], pre_old[j]
            fpr, fprold = _flag(pr), _flag(prold)
            for q in range(n_rows):
                i = rows[q]
                po, pold = post[i], post_old[i]
                if _discrete_paired(po, pr, pold, prold, sim, dep) and (has_mask == 0 or mask[i, j]):
                    w = W[i, j] + _discrete_change(_flag(po), fpr, _flag(pold), fprold, factor, same, depression)
                    W[i, j] = min(max(w, w_min), w_max)
    else:
        for q in range(n_rows):
            i = rows[q]
            po, pold = post[i], post_old[i]
            fpo, fpold = _flag(po), _flag(pold)
            for k in range(n_cols):
                j = cols[k]
                pr, prold = pre[j], pre_old[j]
                if _discrete_paired(po, pr, pold, prold, sim, dep) and (has_mask == 0 or mask[i, j]):
                    w = W[i, j] + _discrete_change(fpo, _flag(pr), fpold, _flag(prold), factor, same, depression)
                    W[i, j] = min(max(w, w_min), w_max)
    pre_old[:] = pre
    post_old[:] = post


def discrete_stdp_csr_kernel(it, data, indptr, indices, pre, post, pre_old, post_old, factor, same, depression,
                             w_min, w_max):
    """DiscreteSTDP on CSR weights: the paired stored synapses change by ``_discrete_change`` and are clipped.

    Rows whose target spikes neither now nor (with ``depression``)
    previously are skipped; within a row only paired entries are written.
    """
    dep, sim = depression != 0.0, same != 0.0
    for r in range(indptr.shape[0] - 1):
        p, po = post[r], post_old[r]
        if not (p or (dep and po)):
            continue
        fp, fpo = _flag(p), _flag(po)
        for q in range(indptr[r], indptr[r + 1]):
            c = indices[q]
            if _discrete_paired(p, pre[c], po, pre_old[c], sim, dep):
                w = data[q] + _discrete_change(fp, _flag(pre[c]), fpo, _flag(pre_old[c]), factor, same, depression)
                data[q] = min(max(w, w_min), w_max)
    pre_old[:] = pre
    post_old[:] = post


def _pairwise_abs_sum(a, lo, n):
    """``sum(|a[lo:lo + n]|)`` in the order numpy's pairwise summation adds a contiguous run.

    Runs shorter than 8 are added in order from 0; up to 128 in eight
    interleaved partial sums combined as ``((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))``,
    then the remainder in order; longer runs are split in two halves (the
    first a multiple of 8 long) summed alike. This is how ``np.sum`` adds a
    contiguous row (checked against it in the tests), so a dense matrix's
    contiguous sums are numpy's numbers.
    """
    if n < 8:
        res = 0.0
        for k in range(n):
            res += abs(a[lo + k])
        return res
    if n <= 128:
        r0, r1, r2, r3 = abs(a[lo]), abs(a[lo + 1]), abs(a[lo + 2]), abs(a[lo + 3])
        r4, r5, r6, r7 = abs(a[lo + 4]), abs(a[lo + 5]), abs(a[lo + 6]), abs(a[lo + 7])
        k = 8
        while k < n - n % 8:
            r0 += abs(a[lo + k])
            r1 += abs(a[lo + k + 1])
            r2 += abs(a[lo + k + 2])
            r3 += abs(a[lo + k + 3])
            r4 += abs(a[lo + k + 4])
            r5 += abs(a[lo + k + 5])
            r6 += abs(a[lo + k + 6])
            r7 += abs(a[lo + k + 7])
            k += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while k < n:
            res += abs(a[lo + k])
            k += 1
        return res
    half = n // 2
    half -= half % 8
    return _pairwise_abs_sum(a, lo, half) + _pairwise_abs_sum(a, lo + half, n - half)


def normalization_groups_kernel(it, count, every, datas, indptrs, indicess, kinds, shapes, afferent, target, clip,
                                clip_max, total, part):
    """Normalization over several weight matrices (``normalize_synapses``), every ``every``-th step.

    Matrix ``m`` is ``datas[m]``: the ``data`` of a CSR matrix (``kinds[m]``
    0, with ``indptrs[m]``, ``indicess[m]``) or a dense matrix's values,
    row-major (1) or column-major (2), of shape ``shapes[m]``. Each matrix's
    row (``afferent``) or column sums of ``|w|`` (``part``) are formed as
    numpy forms them: from zero in storage order (CSR: ``bincount``; dense
    sums across the contiguous axis), or pairwise (:func:`_pairwise_abs_sum`)
    along a dense matrix's contiguous rows (row-major, ``afferent``) or
    columns (column-major, efferent); they are added to ``total`` in the
    order of the matrices, as the numpy step adds them; each weight is then multiplied by
    ``target / total`` of its neuron (1 where the total is 0) and, with
    ``clip``, clipped to ``[0, clip_max]``.
    """
    count[0] += 1
    if count[0] % every != 0:
        return
    for m in range(len(datas)):
        data = datas[m]
        part[:] = 0.0
        if kinds[m] == 0:
            indptr, indices = indptrs[m], indicess[m]
            for r in range(indptr.shape[0] - 1):
                for q in range(indptr[r], indptr[r + 1]):
                    part[r if afferent else indices[q]] += abs(data[q])
        elif (kinds[m] == 1) == afferent:  # the summed axis is contiguous: numpy sums each run pairwise
            length = shapes[m, 1] if afferent else shapes[m, 0]
            for k in range(part.shape[0]):
                part[k] = _pairwise_abs_sum(data, k * length, length)
        else:
            rows, cols = shapes[m, 0], shapes[m, 1]
            for q in range(data.shape[0]):
                i, j = (q // cols, q % cols) if kinds[m] == 1 else (q % rows, q // rows)
                part[i if afferent else j] += abs(data[q])
        for k in range(total.shape[0]):
            total[k] = part[k] if m == 0 else total[k] + part[k]
    for k in range(total.shape[0]):
        t = total[k]
        total[k] = target / t if t > 0 else 1.0
    for m in range(len(datas)):
        data = datas[m]
        if kinds[m] == 0:
            indptr, indices = indptrs[m], indicess[m]
            for r in range(indptr.shape[0] - 1):
                for q in range(indptr[r], indptr[r + 1]):
                    w = data[q] * total[r if afferent else indices[q]]
                    data[q] = min(max(w, 0.0), clip_max) if clip else w
        else:
            rows, cols = shapes[m, 0], shapes[m, 1]
            for q in range(data.shape[0]):
                i, j = (q // cols, q % cols) if kinds[m] == 1 else (q % rows, q // rows)
                w = data[q] * total[i if afferent else j]
                data[q] = min(max(w, 0.0), clip_max) if clip else w


def adaptation_kernel(it, a, spikes, inp, decay, b):
    """SpikeFrequencyAdaptation: the rule's ``adaptation_step`` per neuron, then ``inp -= a``."""
    for i in range(a.shape[0]):
        a[i] = adaptation_step(a[i], _flag(spikes[i]), decay, _per(b, i))
        inp[i] = inp[i] - a[i]


def refractoriness_kernel(it, counter, spikes, act, decay, strength):
    """Refractoriness: the rule's ``refractory_step`` per neuron, then ``act -= strength * counter``."""
    for i in range(counter.shape[0]):
        counter[i] = refractory_step(counter[i], _flag(spikes[i]), decay)
        act[i] = act[i] - strength * counter[i]


def izhikevich_kernel(it, v, u, i_in, spike, i_total, params, dt_ms):
    """Izhikevich neurons: the model's ``izhikevich_step`` per neuron; ``I_total`` set, ``I_input`` cleared.

    ``params`` holds the fields of ``IzhikevichParams`` in order, each a
    float or one value per neuron (:func:`_izhikevich_params`).
    """
    for i in range(v.shape[0]):
        p = _izhikevich_params(params, i)  # noqa: F821 - generated with the module (PARAMS)
        i_total[i] = p.I_bias + i_in[i]
        v[i], u[i], spike[i] = izhikevich_step(v[i], u[i], i_in[i], p, dt_ms)
        i_in[i] = 0.0


def hindmarsh_rose_kernel(it, x, y, z, i_in, spike, i_total, params, dt):
    """Hindmarsh-Rose neurons: the model's ``hindmarsh_rose_step`` (RK4) per neuron, as :func:`izhikevich_kernel`."""
    for i in range(x.shape[0]):
        p = _hindmarsh_rose_params(params, i)  # noqa: F821 - generated with the module (PARAMS)
        i_total[i] = p.I_bias + i_in[i]
        x[i], y[i], z[i], spike[i] = hindmarsh_rose_step(x[i], y[i], z[i], i_in[i], p, dt)
        i_in[i] = 0.0


def _release_ring(buffer, pointer, release, n_delay):
    """Store this step's ``release`` in the ring ``buffer`` and return the row ``n_delay`` steps old.

    ``pointer[0]`` is the ring position (``DelayedSynapticInput.pointer``).
    """
    p = pointer[0]
    buffer[p, :] = release
    p += 1
    if p == n_delay:
        p = 0
    pointer[0] = p
    return buffer[p]


def release_csr_kernel(it, buffer, pointer, release, n_delay, data, indptr, indices, target, scale, scaled):
    """DelayedSynapticInput with ``release_attr``: ``target += scale * (W @ release(t - delay))``, CSR ``W``.

    Each row's product is summed from zero in storage order, as scipy's CSR
    product sums it (the numpy step's numbers); ``scale`` multiplies it when
    ``scaled`` (the numpy step skips a scale of 1).
    """
    row = _release_ring(buffer, pointer, release, n_delay)
    for i in range(indptr.shape[0] - 1):
        acc = 0.0
        for q in range(indptr[i], indptr[i + 1]):
            acc += data[q] * row[indices[q]]
        target[i] += scale * acc if scaled else acc


def release_dense_kernel(it, buffer, pointer, release, n_delay, W, target, scale, scaled):
    """:func:`release_csr_kernel` for a dense ``W``: row products summed in order.

    numpy's ``W @ v`` is a BLAS product whose order of additions is the
    library's, so these sums may differ from it in the last bits.
    """
    row = _release_ring(buffer, pointer, release, n_delay)
    for i in range(W.shape[0]):
        acc = 0.0
        for j in range(W.shape[1]):
            acc += W[i, j] * row[j]
        target[i] += scale * acc if scaled else acc


def _params_source(tuple_name: str, function: str, cls: type) -> list[str]:
    """Source of a namedtuple with ``cls``'s fields and of ``function(params, i)`` filling it for neuron ``i``."""
    names = [f.name for f in dataclasses.fields(cls)]
    values = ", ".join(f"_per(params[{k}], i)" for k in range(len(names)))
    return [f"{tuple_name} = namedtuple({tuple_name!r}, {names!r})", "", "",
            "@njit(cache=True, nogil=True)", f"def {function}(params, i):", f"    return {tuple_name}({values})", ""]


def module_header(title: str) -> list[str]:
    """The first lines of a generated kernel module: a docstring naming ``title`` and the versions, imports."""
    import numba

    import monnto

    return [f'"""Generated by monnto {getattr(monnto, "__version__", "?")} for numba {numba.__version__} on '
            f'Python {platform.python_version()}: {title}. Do not edit."""',
            "from __future__ import annotations  # the copied functions' annotations name the models' classes",
            "", "import math", "from collections import namedtuple", "", "import numpy as np",
            "from numba import njit", ""]


def generated_import(name: str, kernels: tuple, what: str, loaded: list, source: Any) -> str:
    """The import line of kernel ``name`` of a generated module, generated and loaded on first use.

    ``kernels`` are the module's kernel names, ``what`` names them in the
    error, ``loaded`` is the caller's one-element cache of the module and
    ``source`` the function that writes the module's text.
    """
    if name not in kernels:
        raise KeyError(f"no {what} kernel {name!r}; known: {', '.join(kernels)}")
    if not loaded:
        from monnto.targets.cache import load_generated_module

        loaded.append(load_generated_module(source(), "numba"))
    return f"from {loaded[0].__name__} import {name}"


def module_source() -> str:
    """The generated module: the rules' functions and the kernels of this module, each ``njit``-compiled."""
    from monnto.targets.scalarize import scalar_source

    jit = "@njit(cache=True, nogil=True)"
    parts = module_header("plasticity and neuron kernels")
    for tuple_name, function, cls in PARAMS:
        parts += _params_source(tuple_name, function, cls)
    for fn in AS_IS:
        parts += [jit, inspect.getsource(fn)]
    for fn in SCALAR:
        parts += [jit, scalar_source(fn)]
    for name in KERNELS:
        parts += [jit, inspect.getsource(globals()[name])]
    return "\n".join(parts) + "\n"


_MODULE: list[ModuleType] = []


def kernel_import(name: str) -> str:
    """The import line of kernel ``name`` from the generated module (generated and loaded on first use).

    Parameters
    ----------
    name : str
        One of :data:`KERNELS`.

    Returns
    -------
    str
        ``'from <generated module> import <name>'``, for ``KernelCall.state['import']``.
    """
    return generated_import(name, KERNELS, "plasticity", _MODULE, module_source)
