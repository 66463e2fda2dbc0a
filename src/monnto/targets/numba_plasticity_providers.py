"""Numba providers of the library rules whose kernels live in :mod:`numba_plasticity_kernels`.

Registered with :func:`monnto.targets.numba_providers.provides` when
:mod:`monnto.targets.numba_providers` is imported (its last line imports this
module). Each provider returns :class:`KernelCall` objects whose
``state['import']`` names the generated module holding the kernel
(:func:`monnto.targets.numba_plasticity_kernels.kernel_import`).

The kernels compute in float64, so every provider here requires float64
state and weights (and bool spike vectors), except DiscreteSTDP, which
also takes float32 weights (its change and clip are float64 in numpy too,
the result rounded once when stored); other configurations keep the
Python step (the network warns, :class:`PythonStepWarning`). For the
exactness of each kernel against the numpy step see the kernel docstrings
and ``tests/targets/test_numba_plasticity_rules.py``.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from monnto.behaviours.neurons.hindmarsh_rose import HindmarshRose
from monnto.behaviours.neurons.izhikevich import Izhikevich
from monnto.behaviours.plasticity._common import weight_mask
from monnto.behaviours.plasticity.adaptation import Refractoriness, SpikeFrequencyAdaptation
from monnto.behaviours.plasticity.normalization import Normalization
from monnto.behaviours.plasticity.short_term import ShortTermPlasticity, stp_decays
from monnto.behaviours.plasticity.stdp import DiscreteSTDP, TripletSTDP
from monnto.core.sparse_matrix import SparseSynapseMatrix
from monnto.models._propagation import DelayedSynapticInput
from monnto.targets import numba_providers as _base
from monnto.targets.numba_plasticity_kernels import kernel_import
from monnto.targets.numba_providers import KernelCall, provides

__all__: list[str] = []


def _call(kernel: str, arguments: Any, after: Any = None, label: str = "") -> KernelCall:
    return KernelCall(kernel, arguments, after, label=label, state={"import": kernel_import(kernel)})


def _vector(owner: Any, name: str, size: int, dtype: Any = np.float64) -> np.ndarray | None:
    """``owner.<name>`` when it is a contiguous 1-D numpy array of ``size`` values of ``dtype``, else None."""
    value = getattr(owner, name, None)
    ok = (type(value) is np.ndarray and value.ndim == 1 and value.dtype == dtype and value.shape[0] == size
          and value.flags.c_contiguous)
    return value if ok else None


def _need(b: Any, owner: Any, name: str, size: int, dtype: Any = np.float64) -> np.ndarray:
    """:func:`_vector`, or a TypeError naming what changed since the plan was made."""
    value = _vector(owner, name, size, dtype)
    if value is None:
        got = getattr(owner, name, None)
        raise TypeError(f"{b!r}: {name!r} of {owner!r} must stay a numpy vector of {size} {np.dtype(dtype).name} "
                        f"values on target='numba'; got {type(got).__name__} of dtype "
                        f"{getattr(got, 'dtype', '?')}")
    return value


def _weights_kind(W: Any, dtypes: tuple = (np.float64,)) -> str | None:
    """'csr' (SparseSynapseMatrix), 'dense' (contiguous numpy matrix) or None; the values' dtype one of ``dtypes``."""
    if isinstance(W, SparseSynapseMatrix):
        return "csr" if W._data.dtype in dtypes else None
    if type(W) is np.ndarray and W.ndim == 2 and W.dtype in dtypes and (W.flags.c_contiguous
                                                                        or W.flags.f_contiguous):
        return "dense"
    return None


def _dense_mask(s: Any, W: Any) -> tuple | None:
    """``(mask, has_mask)`` for the dense kernels, or None when the mask cannot be passed."""
    mask = weight_mask(s)
    if mask is None:
        return np.ones((1, 1), dtype=np.bool_), 0
    if isinstance(mask, np.ndarray) and mask.dtype == np.bool_ and mask.shape == W.shape:
        return mask, 1
    return None


def _current_weights(b: Any, s: Any, kind: str, dtypes: tuple = (np.float64,)) -> Any:
    W = getattr(s, b.weight_attr)
    if _weights_kind(W, dtypes) != kind:
        names = " or ".join(np.dtype(d).name for d in dtypes)
        form = "CSR SparseSynapseMatrix" if kind == "csr" else "numpy matrix"
        raise TypeError(f"{b!r}: the weights {b.weight_attr!r} of {s!r} changed to {type(W).__name__} "
                        f"({getattr(W, 'dtype', '?')}) during the run; the numba target compiled it for "
                        f"a {names} {form}")
    return W


# -- ShortTermPlasticity -------------------------------------------------------------------
@provides(ShortTermPlasticity)
def _short_term(b: ShortTermPlasticity, s: Any) -> list[KernelCall] | None:
    """Tsodyks-Markram u/x on float64 state and a bool spike vector of the source."""
    n = s.src.size
    if any(_vector(s, name, n) is None for name in ("stp_u", "stp_x", "stp_release")) \
            or _vector(s.src, b.spike_attr, n, np.bool_) is None:
        return None
    fac, dep = stp_decays(b.p, b.dt)

    def arguments() -> tuple:
        return (_need(b, s, "stp_u", n), _need(b, s, "stp_x", n), _need(b, s, "stp_release", n),
                _need(b, s.src, b.spike_attr, n, np.bool_), float(b.p.U), fac, dep)

    return [_call("stp_kernel", arguments, label=repr(b))]


# -- TripletSTDP -------------------------------------------------------------------------------
_TRIPLET_TRACES = ("stdp_r1", "stdp_r2", "stdp_o1", "stdp_o2")


@provides(TripletSTDP)
def _triplet(b: TripletSTDP, parent: Any) -> list[KernelCall] | None:
    """Triplet STDP on float64 dense or CSR weights with float64 traces; other forms stay Python."""
    calls = []
    for s in b.synapses:
        W = getattr(s, b.weight_attr)
        kind = _weights_kind(W)
        sizes = (s.src.size, s.src.size, s.dst.size, s.dst.size)
        if kind is None or any(_vector(s, t, k) is None for t, k in zip(_TRIPLET_TRACES, sizes, strict=True)) \
                or _vector(s.src, "spike", s.src.size, np.bool_) is None \
                or _vector(s.dst, "spike", s.dst.size, np.bool_) is None \
                or (kind == "dense" and _dense_mask(s, W) is None):
            return None
        calls.append(_triplet_call(b, s, kind, sizes))
    return calls


def _triplet_call(b: TripletSTDP, s: Any, kind: str, sizes: tuple) -> KernelCall:
    p = b.p
    # python floats, as numpy's weak scalars: the same arithmetic as triplet_stdp_step
    rule = (math.exp(-b.dt / p.tau_plus), math.exp(-b.dt / p.tau_x), math.exp(-b.dt / p.tau_minus),
            math.exp(-b.dt / p.tau_y), float(p.a2_plus), float(p.a3_plus), float(p.a2_minus), float(p.a3_minus),
            float(p.w_min), float(p.w_max), float(p.w_max - p.w_min), float(p.mu), bool(p.nearest))

    def arguments() -> tuple:
        W = _current_weights(b, s, kind)
        state = (_need(b, s.src, "spike", s.src.size, np.bool_), _need(b, s.dst, "spike", s.dst.size, np.bool_),
                 *(_need(b, s, t, k) for t, k in zip(_TRIPLET_TRACES, sizes, strict=True)))
        if kind == "csr":
            data = W.data  # reading .data marks the matrix's column copy out of date
            col_order, col_ptr, rows_by_col = W._column_index()
            return (data, W.indptr, W.indices, col_ptr, rows_by_col, col_order, *state, *rule)
        mask = _dense_mask(s, W)
        if mask is None:
            raise TypeError(f"{b!r}: the enabled mask of {s!r} must stay a bool matrix of shape {W.shape}")
        return (W, *state, *rule, *mask)

    kernel = "triplet_stdp_csr_kernel" if kind == "csr" else "triplet_stdp_dense_kernel"
    return _call(kernel, arguments, label=f"{b!r} on {s!r}")


# -- DiscreteSTDP ----------------------------------------------------------------------------
#: weight dtypes of the DiscreteSTDP kernels: the change and the clip are float64 (as numpy computes
#: them, the weight promoted), then stored in the weights' dtype (as numpy's assignment rounds)
_DISCRETE_DTYPES = (np.float64, np.float32)


@provides(DiscreteSTDP)
def _discrete(b: DiscreteSTDP, parent: Any) -> list[KernelCall] | None:
    """The tutorial's one-step STDP on float64 or float32 dense or CSR weights and bool spikes; others stay Python."""
    calls = []
    for s in b.synapses:
        W = getattr(s, b.weight_attr)
        kind = _weights_kind(W, _DISCRETE_DTYPES)
        if kind is None or _vector(s.src, "spike", s.src.size, np.bool_) is None \
                or _vector(s.dst, "spike", s.dst.size, np.bool_) is None \
                or (kind == "dense" and _dense_mask(s, W) is None):
            return None
        calls.append(_discrete_call(b, s, kind))
    return calls


def _old_spikes(s: Any, name: str, size: int) -> np.ndarray:
    """The previous step's spikes ``s.<name>`` as a bool vector the kernel may write (a copy when shared)."""
    value = getattr(s, name)
    if not (type(value) is np.ndarray and value.dtype == np.bool_ and value.ndim == 1 and value.shape[0] == size
            and value.flags.c_contiguous and value.flags.writeable):
        value = np.array(value, dtype=np.bool_).reshape(size)
        setattr(s, name, value)
    return value


def _discrete_call(b: DiscreteSTDP, s: Any, kind: str) -> KernelCall:
    rule = (float(b.factor), 1.0 if b.simultaneous else 0.0, 1.0 if getattr(b, "depression", True) else 0.0,
            float(b.w_min), float(b.w_max))
    # scratch of the dense kernel (the rows and columns it visits), allocated once for the run
    rows, cols = np.empty(s.dst.size, dtype=np.int64), np.empty(s.src.size, dtype=np.int64)

    def arguments() -> tuple:
        W = _current_weights(b, s, kind, _DISCRETE_DTYPES)
        pre = _need(b, s.src, "spike", s.src.size, np.bool_)
        post = _need(b, s.dst, "spike", s.dst.size, np.bool_)
        pre_old = _old_spikes(s, "stdp_pre_old", s.src.size)
        post_old = _old_spikes(s, "stdp_post_old", s.dst.size)
        if pre_old is pre or post_old is post:  # a kernel writes them: never the spike vectors themselves
            pre_old, post_old = pre_old.copy(), post_old.copy()
            s.stdp_pre_old, s.stdp_post_old = pre_old, post_old
        if kind == "csr":
            return (W.data, W.indptr, W.indices, pre, post, pre_old, post_old, *rule)
        mask = _dense_mask(s, W)
        if mask is None:
            raise TypeError(f"{b!r}: the enabled mask of {s!r} must stay a bool matrix of shape {W.shape}")
        by_columns = bool(W.flags.f_contiguous and not W.flags.c_contiguous)
        return (W, pre, post, pre_old, post_old, *rule, *mask, by_columns, rows, cols)

    kernel = "discrete_stdp_csr_kernel" if kind == "csr" else "discrete_stdp_dense_kernel"
    return _call(kernel, arguments, label=f"{b!r} on {s!r}")


# -- Normalization over several synapse groups --------------------------------------------
_one_group = _base._PROVIDERS.get(Normalization)  # the one-group provider of numba_providers


@provides(Normalization)
def _normalization_groups(b: Normalization, parent: Any) -> list[KernelCall] | None:
    """Several groups, or one dense matrix summed along its contiguous axis: :func:`_groups_call`.

    Those need float64 weights, each a CSR SparseSynapseMatrix or a
    contiguous numpy matrix (mixed is fine). Another single group: the
    kernel of :mod:`numba_providers` (whose sequential sums are numpy's
    there). No group: nothing to run.
    """
    if not b.synapses:
        return []  # normalize() returns at once (only the step counter, unused then, is not kept)
    if len(b.synapses) == 1:
        W = getattr(b.synapses[0], b.weight_attr)
        if not (_weights_kind(W) == "dense" and bool(W.flags.c_contiguous) == (b.direction == "afferent")):
            return _one_group(b, parent) if _one_group is not None else None
        # numpy sums this matrix's contiguous rows (columns) pairwise: the kernel that does the same
    kinds = [_weights_kind(getattr(s, b.weight_attr)) for s in b.synapses]
    if None in kinds:
        return None
    return [_groups_call(b, kinds)]


def _flat(W: np.ndarray) -> tuple[np.ndarray, int]:
    """A dense matrix's values as a 1-D view and its kind: 1 row-major, 2 column-major."""
    order, kind = ("C", 1) if W.flags.c_contiguous else ("F", 2)
    flat = W.ravel(order=order)
    if not np.shares_memory(flat, W):  # pragma: no cover - contiguous matrices always give a view
        raise TypeError("a contiguous matrix gave no flat view")
    return flat, kind


def _groups_call(b: Normalization, kinds: list[str]) -> KernelCall:
    afferent = b.direction == "afferent"
    first = getattr(b.synapses[0], b.weight_attr)
    size = first.shape[0] if afferent else first.shape[1]
    total = np.zeros(size, dtype=np.float64)
    part = np.zeros(size, dtype=np.float64)
    count = np.zeros(1, dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    clip = (b.clip_max is not None, float(b.clip_max or 0.0))
    index_cache: dict[int, tuple] = {}

    def index64(a: np.ndarray) -> np.ndarray:
        """``a`` as int64 (a copy kept while ``a`` is the same object, for int32 CSR indices)."""
        if a.dtype == np.int64:
            return a
        hit = index_cache.get(id(a))
        if hit is None or hit[0] is not a:
            hit = (a, a.astype(np.int64))
            index_cache[id(a)] = hit
        return hit[1]

    def arguments() -> tuple:
        count[0] = b._count
        datas, indptrs, indicess, codes, shapes = [], [], [], [], []
        for s, kind in zip(b.synapses, kinds, strict=True):
            W = _current_weights(b, s, kind)
            if (W.shape[0] if afferent else W.shape[1]) != size:
                raise TypeError(f"{b!r}: the weights of {s!r} have shape {W.shape}; the normalized neurons "
                                f"number {size}")
            shapes.append(W.shape)
            if kind == "csr":
                datas.append(W.data)
                indptrs.append(index64(W.indptr))
                indicess.append(index64(W.indices))
                codes.append(0)
            else:
                flat, code = _flat(W)
                datas.append(flat)
                indptrs.append(none)
                indicess.append(none)
                codes.append(code)
        return (count, int(b.every), tuple(datas), tuple(indptrs), tuple(indicess),
                np.array(codes, dtype=np.int64), np.array(shapes, dtype=np.int64).reshape(len(shapes), 2),
                afferent, float(b.target), *clip, total, part)

    def after(net: Any) -> None:
        b._count = int(count[0])

    return _call("normalization_groups_kernel", arguments, after, label=repr(b))


# -- SpikeFrequencyAdaptation, Refractoriness ----------------------------------------------
@provides(SpikeFrequencyAdaptation)
def _adaptation(b: SpikeFrequencyAdaptation, n: Any) -> list[KernelCall] | None:
    """Float64 ``I_adapt`` and input, bool spikes, ``b`` one number or one per neuron; else Python."""
    size = n.size
    b_value = np.asarray(b.b)
    if _vector(n, "I_adapt", size) is None or _vector(n, b.input_attr, size) is None \
            or _vector(n, "spike", size, np.bool_) is None or b_value.dtype.kind not in "fiu" \
            or b_value.shape not in ((), (1,), (size,)):
        return None

    def arguments() -> tuple:
        return (_need(b, n, "I_adapt", size), _need(b, n, "spike", size, np.bool_),
                _need(b, n, b.input_attr, size), float(b.decay), _base._value(b.b))

    return [_call("adaptation_kernel", arguments, label=repr(b))]


@provides(Refractoriness)
def _refractoriness(b: Refractoriness, n: Any) -> list[KernelCall] | None:
    """Float64 counter and activity, bool spikes; else Python."""
    size = n.size
    if _vector(n, "refractory_counter", size) is None or _vector(n, b.activity_attr, size) is None \
            or _vector(n, b.spike_attr, size, np.bool_) is None:
        return None

    def arguments() -> tuple:
        return (_need(b, n, "refractory_counter", size), _need(b, n, b.spike_attr, size, np.bool_),
                _need(b, n, b.activity_attr, size), float(b.decay), float(b.strength))

    return [_call("refractoriness_kernel", arguments, label=repr(b))]


# -- Izhikevich, HindmarshRose ---------------------------------------------------------------
def _model_params(b: Any, n: Any) -> tuple | None:
    """The fields of ``b.p`` in order, each a float or a float64 array of one value per neuron; else None."""
    out = []
    for f in dataclasses.fields(b.p):
        value = np.asarray(getattr(b.p, f.name))
        if value.dtype.kind not in "fiu" or value.shape not in ((), (1,), (n.size,)):
            return None
        out.append(_base._value(value))
    return tuple(out)


def _neuron_call(b: Any, n: Any, kernel: str, state: tuple, dt: float) -> list[KernelCall] | None:
    """One kernel call of a neuron model whose float64 ``state`` vectors, ``I_input`` and ``I_total`` it updates."""
    size = n.size
    floats = (*state, "I_input", "I_total")
    if any(_vector(n, name, size) is None for name in floats) or _vector(n, "spike", size, np.bool_) is None \
            or _model_params(b, n) is None:
        return None

    def arguments() -> tuple:
        values = tuple(_need(b, n, name, size) for name in floats)
        return (*values[:-2], values[-2], _need(b, n, "spike", size, np.bool_), values[-1], _model_params(b, n),
                float(dt))

    return [_call(kernel, arguments, label=repr(b))]


@provides(Izhikevich)
def _izhikevich(b: Izhikevich, n: Any) -> list[KernelCall] | None:
    """Float64 ``v``, ``u``, inputs and bool spikes; parameters one number or one per neuron."""
    return _neuron_call(b, n, "izhikevich_kernel", ("v", "u"), b.dt_ms)


@provides(HindmarshRose)
def _hindmarsh_rose(b: HindmarshRose, n: Any) -> list[KernelCall] | None:
    """As :func:`_izhikevich`; ``v`` must be ``x`` itself (the alias the numpy step keeps)."""
    calls = _neuron_call(b, n, "hindmarsh_rose_kernel", ("x", "y", "z"), b.dt_model)
    if calls is None:
        return None
    arguments = calls[0].arguments

    def aliased() -> tuple:
        values = arguments()
        n.v = n.x  # the numpy step rebinds v to x after every step
        return values

    calls[0].arguments = aliased
    return calls


# -- DelayedSynapticInput with release_attr (the delivery of short-term plasticity) ---------------
_spike_delivery = _base._PROVIDERS.get(DelayedSynapticInput)  # the spike path of numba_providers


@provides(DelayedSynapticInput)
def _delayed_release(b: DelayedSynapticInput, s: Any) -> list[KernelCall] | None:
    """Spikes: the provider of :mod:`numba_providers`. Released amounts: float64 ring, release, target, weights.

    The weights are a float64 CSR SparseSynapseMatrix (numpy's sums exactly)
    or a float64 numpy matrix (sums in row order; numpy's BLAS product may
    differ in the last bits).
    """
    if b.release_attr is None:
        return _spike_delivery(b, s) if _spike_delivery is not None else None
    W = getattr(s, b.weight_attr)
    kind = _weights_kind(W)
    buffer = getattr(b, "buffer", None)
    size = s.src.size
    if kind is None or W.shape != (s.dst.size, size) or _vector(s, b.release_attr, size) is None \
            or _vector(s.dst, b.target, s.dst.size) is None \
            or not (type(buffer) is np.ndarray and buffer.dtype == np.float64 and buffer.shape == (b.n_delay, size)
                    and buffer.flags.c_contiguous):
        return None
    pointer = np.zeros(1, dtype=np.int64)
    scale = (float(b.scale), b.scale != 1.0)

    def arguments() -> tuple:
        pointer[0] = b.pointer
        head = (b.buffer, pointer, _need(b, s, b.release_attr, size), int(b.n_delay))
        M = _current_weights(b, s, kind)
        target = _need(b, s.dst, b.target, s.dst.size)
        if kind == "csr":
            return (*head, M._data, M.indptr, M.indices, target, *scale)  # read only: the column copy stays valid
        return (*head, M, target, *scale)

    def after(net: Any) -> None:
        b.pointer = int(pointer[0])

    return [_call("release_csr_kernel" if kind == "csr" else "release_dense_kernel", arguments, after,
                  label=repr(b))]
