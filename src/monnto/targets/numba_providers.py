"""Kernel providers of the numba target: which compiled loop runs a library behaviour.

A provider is registered per behaviour class (exact class: a subclass that
overrides ``new_iteration`` stays Python unless it registers its own) with
:func:`provides`. Called with ``(behaviour, parent)`` it returns a list of
:class:`KernelCall` (empty: the behaviour does nothing per step), or None when
this configuration has no kernel (the behaviour then runs as Python between
compiled segments, and the network warns once).

A :class:`KernelCall` names a kernel of :mod:`monnto.targets.numba_kernels`
and says how to get its arguments. ``arguments()`` is called before every
compiled run (arrays are read from the groups then, so a Python behaviour or
the user may rebind them between runs); ``after(net)`` hands state back to
the Python objects when the run returns (Clock time, recorder rows, counters),
so the numpy and numba steps of one network can alternate.
"""
from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import ConfigurationError
from .plan_analysis import SpikeScan, absorbed_arguments

__all__ = ["KernelCall", "provider_for", "provides"]


@dataclass
class KernelCall:
    """One kernel call per step: ``kernel(it, *arguments())``."""

    kernel: str
    arguments: Callable[[], tuple]
    after: Callable[[Any], None] | None = None
    stops: bool = False  #: may ask the run to return early (recorder buffer full)
    label: str = ""
    state: dict = field(default_factory=dict)
    #: the spike list of a kernel that scans a group's spike flags (shared per segment, see plan_analysis)
    scan: SpikeScan | None = None


_PROVIDERS: dict[type, Callable] = {}


def provides(cls: type) -> Callable:
    """Register the decorated function as the numba provider of behaviour class ``cls``."""
    def register(fn: Callable) -> Callable:
        _PROVIDERS[cls] = fn
        return fn
    return register


def provider_for(behaviour: Any) -> Callable | None:
    """The provider of ``behaviour``'s exact class, or None."""
    return _PROVIDERS.get(type(behaviour))


def _param(value: Any) -> np.ndarray:
    """A parameter as a float64 array of length 1 (one value) or N (per neuron)."""
    return np.ascontiguousarray(np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel())


def _value(value: Any) -> float | np.ndarray:
    """A parameter as a float (one value for all neurons) or a float64 array of one value per neuron.

    A float lets numba compile the kernel without the per-neuron look-up (see ``_at``).
    """
    arr = _param(value)
    return float(arr[0]) if arr.shape[0] == 1 else arr


def _threads(owner: Any) -> int:
    """The ``threads`` of the network that ``owner`` (a group or the network) belongs to."""
    net = getattr(owner, "network", owner)
    return int(getattr(net, "threads", 1) or 1)


def _array(owner: Any, name: str, dtype: Any = None) -> np.ndarray:
    """``owner.<name>`` as a contiguous numpy array (rebinding the attribute when it was not one)."""
    value = getattr(owner, name)
    if isinstance(value, np.ndarray) and value.flags.c_contiguous and (dtype is None or value.dtype == dtype):
        return value
    fixed = np.ascontiguousarray(np.asarray(value), dtype=dtype)
    setattr(owner, name, fixed)
    return fixed


# -- late imports: the providers import the behaviour classes they serve ----------
from monnto.behaviours.equations.modules import Clock  # noqa: E402
from monnto.behaviours.inputs.poisson import PoissonInput  # noqa: E402
from monnto.behaviours.neurons.lif import LIF, ConductanceLIF, conductance_factors  # noqa: E402
from monnto.behaviours.plasticity._common import weight_mask  # noqa: E402
from monnto.behaviours.plasticity.intrinsic import IntrinsicPlasticity, VoltageHomeostasis  # noqa: E402
from monnto.behaviours.plasticity.normalization import Normalization  # noqa: E402
from monnto.behaviours.plasticity.stdp import STDP  # noqa: E402
from monnto.behaviours.recorder import EventRecorder, Recorder  # noqa: E402
from monnto.behaviours.recording_blocks import SampleBlock  # noqa: E402
from monnto.core.sparse_matrix import SparseSynapseMatrix  # noqa: E402
from monnto.models._propagation import DelayedSynapticInput, ExponentialSynapses  # noqa: E402
from monnto.models.cuba_coba import PoissonKick, SynapticCurrents  # noqa: E402
from monnto.targets.random_streams import poisson_cdf_table  # noqa: E402

#: each Clock's step counter as its kernel holds it (the time recorders read it)
_CLOCK_TICKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _clock_of(group: Any) -> tuple[Any, np.ndarray] | None:
    """The compiled Clock that sets ``group.t`` and its counter, or None.

    A group without a ``t`` of its own reads its network's (see ``NetworkObject``).
    """
    owner = group if "t" in getattr(group, "__dict__", {}) else getattr(group, "network", group)
    for b in getattr(owner, "behaviour", {}).values():
        if isinstance(b, Clock) and b in _CLOCK_TICKS:
            return b, _CLOCK_TICKS[b]
    return None


@provides(Clock)
def _clock(b: Clock, parent: Any) -> list[KernelCall]:
    ticks = np.zeros(1, dtype=np.int64)
    _CLOCK_TICKS[b] = ticks

    def arguments() -> tuple:
        ticks[0] = b._ticks[0]
        return (ticks,)

    def after(net: Any) -> None:
        b._ticks[0] = int(ticks[0])
        parent.t = b._ticks[0] * b.dt

    return [KernelCall("clock_kernel", arguments, after, label=repr(b))]


def _scratch(arrays: list, size: int) -> list:
    """``arrays`` (float64 vectors a kernel writes and reads within one step) resized to ``size``."""
    if arrays[0].shape[0] != size:
        arrays[:] = [np.zeros(size, dtype=np.float64) for _ in arrays]
    return arrays


def _neuron_arrays(n: Any) -> tuple:
    dtype = n.v.dtype
    return (_array(n, "v", dtype), _array(n, "I_input", dtype), _array(n, "refractory_left", dtype),
            _array(n, "spike", np.bool_), _array(n, "spike_offset", dtype), _array(n, "I_total", dtype))


@provides(LIF)
def _lif(b: LIF, n: Any) -> list[KernelCall] | None:
    if b.p.method != "exact":
        return None

    fix = np.zeros(0, dtype=np.bool_)
    found = np.zeros(0, dtype=np.int64)  # the indices of the marked neurons
    scan = SpikeScan(n, "spike", produces=True)  # the kernel lists the spiking neurons for the group's readers

    def arguments() -> tuple:
        nonlocal fix, found
        p = b.p
        if not isinstance(getattr(n, "I_total", None), np.ndarray):
            n.I_total = n.get_neuron_vec()
        if fix.shape[0] != n.size:
            fix = np.zeros(n.size, dtype=np.bool_)
            found = np.zeros(n.size, dtype=np.int64)
        rate = 1.0 / _param(p.tau_m)
        full_decay = np.exp(-float(b.dt) * rate)  # numpy's exp, as the numpy target computes it
        one = _value
        return (_threads(n), *_neuron_arrays(n), fix, one(p.v_rest), one(p.r_m), one(p.I_bias), one(rate),
                one(full_decay), one(p.v_th), one(p.v_reset), one(p.t_ref), float(b.dt), found,
                *scan.arguments(n.size), *absorbed_arguments(call))

    call = KernelCall("lif_kernel", arguments, label=repr(b), scan=scan)
    return [call]


@provides(ConductanceLIF)
def _conductance_lif(b: ConductanceLIF, n: Any) -> list[KernelCall]:
    scratch = [np.zeros(0) for _ in range(4)]  # v_inf, rate, exp's argument / decay, exp's scale per neuron

    def arguments() -> tuple:
        p = b.p
        if not isinstance(getattr(n, "I_total", None), np.ndarray):
            n.I_total = n.get_neuron_vec()
        v, i_in, refr, spike, offset, i_total = _neuron_arrays(n)
        # numpy's exp and arithmetic: the factors the numpy target uses; one value when they are one
        factors = conductance_factors(v, p, b.dt, np)
        decay_e, decay_i, mean_e, mean_i = (f[:1] if np.ndim(tau) == 0 else f
                                            for f, tau in zip(factors, (p.tau_e, p.tau_i, p.tau_e, p.tau_i)))
        inv_c_m = factors[4][:1] if np.ndim(p.c_m) == 0 else factors[4]
        one = _value
        state = (v, _array(n, "g_e", v.dtype), _array(n, "g_i", v.dtype), i_in, refr, spike, offset, i_total,
                 one(decay_e), one(decay_i))
        if euler:
            return (_threads(n), *state, one(p.g_l), one(p.e_l), one(p.e_e), one(p.e_i), one(inv_c_m),
                    one(p.I_bias), one(p.v_th), one(p.v_reset), one(p.t_ref), float(b.dt))
        return (_threads(n), *state, one(mean_e), one(mean_i), one(p.g_l), one(p.e_l),
                one(p.e_e), one(p.e_i), one(inv_c_m), one(p.I_bias), one(p.v_th),
                one(p.v_reset), one(p.t_ref), float(b.dt), *_scratch(scratch, n.size))

    euler = b.p.method == "euler"  # chosen when the plan is built, as LIF's method
    return [KernelCall("conductance_euler_kernel" if euler else "conductance_lif_kernel", arguments,
                       label=repr(b))]


@provides(SynapticCurrents)
def _synaptic_currents(b: SynapticCurrents, n: Any) -> list[KernelCall]:
    if not b.factors:
        return []
    names = list(b.factors)

    def arguments() -> tuple:
        target = _array(n, "I_input")
        sources = tuple(_array(n, name, target.dtype) for name in names)
        return (target, sources, np.array([b.factors[name] for name in names], dtype=np.float64))

    return [KernelCall("input_sum_kernel", arguments, label=repr(b))]


@provides(ExponentialSynapses)
def _exponential(b: ExponentialSynapses, n: Any) -> list[KernelCall]:
    if not b.decays:
        return []
    names = list(b.decays)

    def arguments() -> tuple:
        first = _array(n, names[0])
        return (tuple(_array(n, name, first.dtype) for name in names),
                np.array([b.decays[name] for name in names], dtype=np.float64))

    return [KernelCall("decay_kernel", arguments, label=repr(b))]


@provides(DelayedSynapticInput)
def _delayed(b: DelayedSynapticInput, s: Any) -> list[KernelCall] | None:
    if b.release_attr is not None or b.line is None:
        return None
    line = b.line
    if not isinstance(line.history, np.ndarray):
        return None
    W = b.weights(s)
    sparse = isinstance(W, SparseSynapseMatrix)
    if not sparse and not (isinstance(W, np.ndarray) and W.ndim == 2 and W.dtype.kind == "f"):
        return None
    last = np.zeros(1, dtype=np.int64)
    acc = np.zeros(0 if sparse else s.dst.size, dtype=np.float64)
    # the arriving spikes' source indices: this step's spikes (shared with the group's other readers) when
    # the ring holds no more than this step
    scan = SpikeScan(s.src, "spike", shared=line.length == 1 and line.delay == 0)

    def arguments() -> tuple:
        net = s.network
        last[0] = net.iteration if line.last is None else line.last
        weights = getattr(s, b.weight_attr)
        target = _array(s.dst, b.target)
        head = (_array(s.src, "spike", np.bool_), line.history, int(line.delay), last)
        scale = target.dtype.type(b.scale)  # numpy multiplies in the target's dtype
        one = np.zeros(1, dtype=target.dtype)
        if isinstance(weights, SparseSynapseMatrix):
            col_order, col_ptr, rows_by_col = weights._column_index()
            written = call.state.get("weights_written", True)
            w0 = None if written else weights.uniform_weight()
            if written or w0 is not None:
                # one weight for all synapses (the kernel reads none), or weights another kernel writes
                # during the run (read where it writes them): no column copy
                data, by_column = weights._data, False
            else:
                data, by_column = _column_weights(weights, col_order)
            return (*head, col_ptr, rows_by_col, col_order, data, by_column, w0 is not None,
                    data.dtype.type(0 if w0 is None else w0), *scan.arguments(s.src.size), target, scale)
        if not isinstance(weights, np.ndarray):
            raise TypeError(f"{b!r}: the weights changed to {type(weights).__name__} during the run; "
                            f"the numba target needs a CSR SparseSynapseMatrix or a numpy matrix")
        weights = weights.view(np.ndarray)
        if not (weights.flags.c_contiguous or weights.flags.f_contiguous):
            weights = np.ascontiguousarray(weights)  # read only: a copy delivers the same sums
        fortran = bool(weights.flags.f_contiguous and not weights.flags.c_contiguous)
        return (*head, weights, fortran, acc, *scan.arguments(s.src.size), target, scale, one)

    def after(net: Any) -> None:
        line.last = int(last[0])

    kernel = "delayed_csr_kernel" if sparse else "delayed_dense_kernel"
    call = KernelCall(kernel, arguments, after, label=repr(b), scan=scan,
                      state={"reads_weights": lambda: getattr(s, b.weight_attr)})
    return [call]


def _column_weights(W: SparseSynapseMatrix, col_order: np.ndarray) -> tuple[np.ndarray, bool]:
    """The weights of ``W`` for a compiled run: ``(data, by_column)``.

    The column-ordered copy (``W._csc_data``, the one the numpy target's
    event product keeps) when ``W.data`` has not been touched since the last
    call: source-by-source delivery then reads the weights contiguously.
    Weights touched since (a Python behaviour wrote them) are read in row
    order through ``col_order`` instead, so a network whose weights change
    every step does not copy them every step.
    """
    if W.take_weight_change():
        W._csc_data = None
        return W._data, False
    if W._csc_data is None or W._csc_data.shape[0] != W._data.shape[0]:
        W._csc_data = np.ascontiguousarray(W._data[col_order])
    return W._csc_data, True


def _poisson_call(b: Any, n: Any, target_name: str, stream: Any, lam: Any, exp_neg_lam: Any, weight: Any,
                  kernel: str, extra: Callable[[], tuple], after: Callable | None) -> KernelCall:
    lam_a, e_a = _param(lam), _param(exp_neg_lam)
    # one mean for all neurons: its CDF table (the same counts, see poisson_cdf_table); else none
    table = (poisson_cdf_table(float(lam_a[0]), float(e_a[0])) if lam_a.shape[0] == 1
             else np.zeros(0, dtype=np.float64))
    first = int(getattr(b, "_first", 0))  # the group's first global neuron index (split networks)

    def arguments() -> tuple:
        target = _array(n, target_name)
        return (target, np.uint64(stream), first, table, lam_a, e_a, _value(weight), *extra())

    return KernelCall(kernel, arguments, after, label=repr(b))


@provides(PoissonInput)
def _poisson_input(b: PoissonInput, n: Any) -> list[KernelCall]:
    def extra() -> tuple:
        if not (isinstance(b.counts, np.ndarray) and b.counts.dtype == np.int64 and b.counts.shape == (n.size,)):
            b.counts = np.zeros(n.size, dtype=np.int64)
        return (b.counts,)

    return [_poisson_call(b, n, b.target, b._stream, b._lam, b._exp_neg_lam, b.weight,
                          "poisson_input_kernel", extra, None)]


@provides(PoissonKick)
def _poisson_kick(b: PoissonKick, n: Any) -> list[KernelCall]:
    count = np.zeros(1, dtype=np.int64)
    counts = np.zeros(n.size, dtype=np.int64)

    def extra() -> tuple:
        count[0] = b.count
        return (counts, count, int(b.steps))

    def after(net: Any) -> None:
        b.count = int(count[0])

    return [_poisson_call(b, n, b.target, b.stream, b.lam, b.exp_neg_lam, b.weight,
                          "poisson_kick_kernel", extra, after)]


_PLAIN_ATTRIBUTE = re.compile(r"^(?:(?:n|neurons|s|synapse)\.)?([A-Za-z_]\w*)$")


@provides(EventRecorder)
def _event_recorder(b: EventRecorder, parent: Any) -> list[KernelCall] | None:
    if b.gapwidth != 1 or b._pending or type(b).new_iteration is not EventRecorder.new_iteration:
        return None
    calls = []
    for expression, _ in b._functions:
        match = _PLAIN_ATTRIBUTE.match(expression)
        value = getattr(parent, match.group(1), None) if match else None
        if not isinstance(value, np.ndarray) or value.ndim != 1:
            return None
        calls.append(_event_call(b, parent, expression, match.group(1)))
    return calls


def _event_call(b: EventRecorder, parent: Any, expression: str, name: str) -> KernelCall:
    fill = np.zeros(1, dtype=np.int64)
    buffer: list[np.ndarray] = []
    flags = getattr(parent, name).dtype == np.bool_  # spike flags: scanned eight at a time
    scan = SpikeScan(parent, name) if flags else None

    def arguments() -> tuple:
        values = getattr(parent, name)
        if not isinstance(values, np.ndarray) or values.ndim != 1 or (values.dtype == np.bool_) != flags:
            ndim = np.ndim(values)
            kind = (f"an array with {ndim} dimension(s)" if ndim != 1 else
                    f"{type(values).__name__} of dtype {getattr(values, 'dtype', '?')} (it held "
                    f"{'bool' if flags else 'number'} values)")
            raise ConfigurationError(
                f"{b._owner()}: expression {expression!r} gave {kind} at iteration {parent.network.iteration + 1}, "
                f"but its events hold 1 index column(s) of {'bool' if flags else 'number'} flags; a recorded "
                f"expression must keep its number of dimensions and kind on target='numba'")
        values = np.ascontiguousarray(values)
        need = max(64 * values.shape[0], 4096)
        if not buffer or buffer[0].shape[0] < need:
            buffer[:] = [np.empty((need, 2), dtype=np.int64)]
        fill[0] = 0
        if not flags:
            return (values, buffer[0], fill, 1 if parent.recording else 0)
        return (values, buffer[0], fill, 1 if parent.recording else 0, *scan.arguments(values.shape[0]))

    def after(net: Any) -> None:
        k = int(fill[0])
        if k:
            block = b._blocks[expression]
            block._ensure(k)
            block.data[block.count:block.count + k] = buffer[0][:k]
            block.count += k
        fill[0] = 0

    return KernelCall("spike_record_kernel" if flags else "event_record_kernel", arguments, after, stops=True,
                      label=f"{b!r} {expression!r}", scan=scan)


# the equation behaviours' kernels (Equation, Threshold, Reset, OnPre, OnPost) register themselves here
from monnto.targets import numba_equations  # noqa: E402,F401


@provides(Recorder)
def _recorder(b: Recorder, parent: Any) -> list[KernelCall] | None:
    """Value recording of plain 1-D array attributes into the Recorder's preallocated buffers.

    Expressions that are not a plain attribute holding a 1-D numpy array of
    the buffer's dtype, ring buffers (``max_length``), streamed recordings and
    expressions still waiting for their variable keep the Python step.
    """
    if b._pending or type(b).new_iteration is not Recorder.new_iteration:
        return None
    items = []
    for expression, _ in b._functions:
        match = _PLAIN_ATTRIBUTE.match(expression)
        value = getattr(parent, match.group(1), None) if match else None
        block = b._blocks.get(expression)
        if type(block) is not SampleBlock or block.max_length is not None or block.torch:
            return None
        if match and match.group(1) == "t" and isinstance(value, float) and _clock_of(parent) is not None \
                and block.shape == () and block.dtype == np.float64:
            items.append((expression, "t", block))  # the time its Clock computes, step by step
            continue
        if not isinstance(value, np.ndarray) or value.ndim != 1 or not block.matches(value):
            return None
        items.append((expression, match.group(1), block))
    if not items:
        return []
    gap = np.array([b._counter, b.gapwidth], dtype=np.int64)
    fill = np.zeros(1, dtype=np.int64)  # samples written in this run (the same for every expression)
    calls = []
    for k, (expression, name, block) in enumerate(items):
        calls.append(_sample_call(b, parent, expression, name, block, gap if k == 0 else gap.copy(),
                                  fill if k == 0 else np.zeros(1, dtype=np.int64), items if k == len(items) - 1
                                  else None, fill))
    return calls


def _sample_call(b: Recorder, parent: Any, expression: str, name: str, block: SampleBlock, gap: np.ndarray,
                 fill: np.ndarray, last: list | None, first_fill: np.ndarray) -> KernelCall:
    clock = _clock_of(parent) if name == "t" and block.shape == () else None

    def arguments() -> tuple:
        if clock is not None:
            if block.capacity - block.count < 1:
                block.reserve(max(1024, block.capacity))
            gap[0] = b._counter
            fill[0] = 0
            return (clock[1], float(clock[0].dt), block.data[block.count:], fill, 1 if parent.recording else 0,
                    gap)
        values = getattr(parent, name)
        if not (isinstance(values, np.ndarray) and block.matches(values)):
            shape, dtype = np.shape(values), getattr(values, "dtype", type(values).__name__)
            what = (f"a sample of shape {shape}" if shape != tuple(block.shape)
                    else f"a sample of dtype {dtype}")
            raise ConfigurationError(
                f"{b._owner()}: expression {expression!r} gave {what} at iteration {parent.network.iteration + 1}, "
                f"but its recording holds samples of shape {tuple(block.shape)} and dtype {block.dtype}; a "
                "recorded expression must keep its shape (and, on target='numba', its dtype). Record a "
                "fixed-size value (np.mean(...), a slice) or use a separate Recorder")
        if not values.flags.c_contiguous:
            values = np.ascontiguousarray(values)
        if block.capacity - block.count < 1:
            block.reserve(max(1024, block.capacity))
        gap[0] = b._counter
        fill[0] = 0
        return (values, block.data[block.count:], fill, 1 if parent.recording else 0, gap)

    def after(net: Any) -> None:
        k = int(first_fill[0])
        b._counter = int(gap[0]) if b.gapwidth > 1 else b._counter
        counters = {id(blk.counter): blk.counter for _, _, blk in last}
        for counter in counters.values():  # blocks written together share one counter
            counter[0] += k
            counter[1] += k

    kernel = "time_record_kernel" if clock is not None else "sample_record_kernel"
    return KernelCall(kernel, arguments, after if last is not None else None, stops=True,
                      label=f"{b!r} {expression!r}")



@provides(STDP)
def _stdp(b: STDP, parent: Any) -> list[KernelCall] | None:
    """Pair STDP on dense numpy or CSR (:class:`SparseSynapseMatrix`) weights; other forms stay Python."""
    calls = []
    for s in b.synapses:
        W = getattr(s, b.weight_attr)
        mask = weight_mask(s) if not isinstance(W, SparseSynapseMatrix) else None
        dense = (type(W) is np.ndarray and W.ndim == 2 and W.dtype.kind == "f"
                 and (W.flags.c_contiguous or W.flags.f_contiguous))
        if not (dense or isinstance(W, SparseSynapseMatrix)):
            return None
        if mask is not None and not (isinstance(mask, np.ndarray) and mask.shape == W.shape):
            return None
        calls.append(_stdp_call(b, s))
    return calls


def _stdp_call(b: STDP, s: Any) -> KernelCall:
    p = b.p
    found_pre = np.zeros(s.src.size, dtype=np.int64)
    found_post = np.zeros(s.dst.size, dtype=np.int64)
    no_mask = np.ones((1, 1), dtype=np.bool_)
    # python floats, as numpy's weak scalars: the same arithmetic as pair_stdp_step
    rule = (math.exp(-b.dt / p.tau_plus), math.exp(-b.dt / p.tau_minus), float(p.a_plus), float(p.a_minus),
            float(p.w_min), float(p.w_max), float(p.w_max - p.w_min), float(p.mu), bool(p.nearest))

    def arguments() -> tuple:
        W = getattr(s, b.weight_attr)
        spikes = (_array(s.src, "spike", np.bool_), _array(s.dst, "spike", np.bool_))
        traces = (_array(s, "stdp_x_pre", np.float64), _array(s, "stdp_y_post", np.float64))
        if isinstance(W, SparseSynapseMatrix):
            data = W.data  # reading .data marks the matrix's column copy out of date
            col_order, col_ptr, rows_by_col = W._column_index()
            return (data, W.indptr, W.indices, col_ptr, rows_by_col, col_order, *spikes, *traces, *rule,
                    found_pre, found_post)
        if not (type(W) is np.ndarray and W.ndim == 2 and (W.flags.c_contiguous or W.flags.f_contiguous)):
            raise TypeError(f"{b!r}: the weights {b.weight_attr!r} of {s!r} changed to {type(W).__name__} "
                            f"during the run; the numba target needs a contiguous numpy matrix or a CSR "
                            f"SparseSynapseMatrix")
        mask = weight_mask(s)
        fortran = bool(W.flags.f_contiguous and not W.flags.c_contiguous)
        return (W, fortran, *spikes, *traces, *rule, mask if mask is not None else no_mask, 0 if mask is None else 1,
                found_pre, found_post)

    kernel = "stdp_csr_kernel" if isinstance(getattr(s, b.weight_attr), SparseSynapseMatrix) else "stdp_dense_kernel"
    return KernelCall(kernel, arguments, label=f"{b!r} on {s!r}")


def _float_vector(owner: Any, name: str) -> np.ndarray | None:
    """``owner.<name>`` when it is a contiguous float64 vector of the group's size, else None."""
    value = getattr(owner, name, None)
    ok = (type(value) is np.ndarray and value.ndim == 1 and value.dtype == np.float64
          and value.shape[0] == owner.size and value.flags.c_contiguous)
    return value if ok else None


@provides(IntrinsicPlasticity)
def _intrinsic(b: IntrinsicPlasticity, n: Any) -> list[KernelCall] | None:
    """Float64 groups only (the numba kernel computes in float64, numpy in the group's dtype)."""
    if _float_vector(n, b.attr) is None or (b.decay is not None and _float_vector(n, "ip_rate") is None):
        return None
    no_rate = np.zeros(1, dtype=np.float64)

    def arguments() -> tuple:
        theta = _float_vector(n, b.attr)
        rate = _float_vector(n, "ip_rate") if b.decay is not None else no_rate
        if theta is None or rate is None:
            raise TypeError(f"{b!r}: {b.attr!r} (and ip_rate) must stay float64 vectors of {n.size} values "
                            f"on target='numba'; got {type(getattr(n, b.attr, None)).__name__}")
        return (theta, _array(n, b.spike_attr), rate, _value(b.target), float(b.eta), float(b.sign),
                float(b.decay or 0.0), b.decay is not None, _value(0.0 if b.min_value is None else b.min_value),
                _value(0.0 if b.max_value is None else b.max_value), b.min_value is not None,
                b.max_value is not None)

    return [KernelCall("intrinsic_kernel", arguments, label=repr(b))]


@provides(VoltageHomeostasis)
def _voltage_homeostasis(b: VoltageHomeostasis, n: Any) -> list[KernelCall] | None:
    """Float64 groups only, as :func:`_intrinsic`."""
    if _float_vector(n, b.voltage_attr) is None or _float_vector(n, "exhaustion") is None:
        return None

    def arguments() -> tuple:
        v, e = _float_vector(n, b.voltage_attr), _float_vector(n, "exhaustion")
        if v is None or e is None:
            raise TypeError(f"{b!r}: {b.voltage_attr!r} and exhaustion must stay float64 vectors of "
                            f"{n.size} values on target='numba'")
        return (v, e, _value(b.min_ta), _value(b.max_ta), float(b.eta))

    return [KernelCall("voltage_homeostasis_kernel", arguments, label=repr(b))]


@provides(Normalization)
def _normalization(b: Normalization, parent: Any) -> list[KernelCall] | None:
    """One synapse group with a CSR SparseSynapseMatrix or a contiguous dense numpy matrix; else Python."""
    if len(b.synapses) != 1:
        return None  # the sums run over several matrices
    s = b.synapses[0]
    W = getattr(s, b.weight_attr)
    csr = isinstance(W, SparseSynapseMatrix)
    if not csr and not (type(W) is np.ndarray and W.ndim == 2 and W.dtype.kind == "f"
                        and (W.flags.c_contiguous or W.flags.f_contiguous)):
        return None
    count = np.zeros(1, dtype=np.int64)
    afferent = b.direction == "afferent"
    total = np.zeros(W.shape[0] if afferent else W.shape[1], dtype=np.float64)
    clip = (b.clip_max is not None, float(b.clip_max or 0.0))

    def arguments() -> tuple:
        count[0] = b._count
        M = getattr(s, b.weight_attr)
        if isinstance(M, SparseSynapseMatrix) != csr or M.shape != W.shape:
            raise TypeError(f"{b!r}: the weights {b.weight_attr!r} of {s!r} changed kind or shape during the "
                            f"run; the numba target compiled it for a {'CSR' if csr else 'dense'} {W.shape} matrix")
        if csr:
            return (count, int(b.every), M.data, M.indptr, M.indices, afferent, float(b.target), *clip, total)
        return (count, int(b.every), M, afferent, float(b.target), *clip, total)

    def after(net: Any) -> None:
        b._count = int(count[0])

    kernel = "normalization_csr_kernel" if csr else "normalization_dense_kernel"
    return [KernelCall(kernel, arguments, after, label=repr(b))]


# the plasticity rules of numba_plasticity_kernels (STP, triplet/discrete STDP, Normalization over groups, ...)
from monnto.targets import numba_plasticity_providers  # noqa: E402,F401

# isort: split
from monnto.targets import numba_neuron_providers  # noqa: E402,F401  (AdEx, WangBuzsaki, HH, random inputs)
