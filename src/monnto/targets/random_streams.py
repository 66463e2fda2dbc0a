"""Counter-based random streams: one draw per (seed, stream, step, neuron).

A draw is a pure function of its coordinates, not the state of a generator
that advanced through earlier draws::

    bits = mix64(mix64(key + step * G1) ^ (index * 256 + sub))
    key  = mix64(seed ^ mix64(stream))

``mix64`` is the bijective 64-bit finalizer of splitmix64 (Steele, Lea &
Flood 2014, "Fast splittable pseudorandom number generators"; constants of
Stafford's variant 13). Because nothing depends on the order in which draws
are made, the numbers of neuron ``i`` in step ``t`` are the same whether the
group is stepped by numpy (all neurons at once), by a compiled per-neuron
loop, by several threads, or split over MPI ranks that each draw only their
own neurons. ``sub`` numbers the draws of one neuron in one step (0..255).

The functions below are written once on unsigned 64-bit integers: numpy runs
them on ``uint64`` arrays, numba compiles the very same functions for scalars
(the numba target uses them inside its per-neuron loops).

Stream identity: :func:`stream_key` derives ``key`` from the network seed and
a name that is stable from run to run (the behaviour's class, its owner's
creation number and its key), never from Python's randomized ``hash``.
"""
from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

__all__ = ["COUNTER_DISTRIBUTIONS", "call_key", "take_draw", "sample", "parse_counter_distribution",
           "behaviour_stream_key", "mix64", "draw_bits", "bits_to_unit", "stream_key", "uniform", "poisson_counts",
           "poisson_inversion", "poisson_cdf_table", "MAX_POISSON_MEAN", "POISSON_FAST"]

_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_G1 = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_K256 = np.uint64(256)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53

#: Largest Poisson mean per draw (inversion sums terms of exp(-lam), which underflows near 745).
MAX_POISSON_MEAN = 500.0


def mix64(z):
    """splitmix64's finalizer: a bijection of uint64 (arrays or scalars) with good avalanche."""
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


def draw_bits(key, step, index, sub):
    """64 random bits for (key, step, index, sub); all uint64 (numpy arrays broadcast)."""
    return mix64(mix64(key + step * _G1) ^ (index * _K256 + sub))


def bits_to_unit(bits):
    """A float64 in [0, 1) from the top 53 bits."""
    return (bits >> _S11) * _UNIT


def stream_key(seed: int, name: str) -> np.uint64:
    """The key of stream ``name`` of a network with seed ``seed``.

    ``name`` is hashed with BLAKE2b (stable across processes and platforms).
    """
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    stream = np.array([int.from_bytes(digest, "little")], dtype=np.uint64)
    seed_arr = np.array([int(seed) % 2**64], dtype=np.uint64)
    return mix64(seed_arr ^ mix64(stream))[0]


def uniform(key: np.uint64, step: int, start: int, size: int, sub: int = 0) -> np.ndarray:
    """Uniform [0, 1) draws of neurons ``start .. start + size - 1`` in ``step``."""
    index = np.arange(start, start + size, dtype=np.uint64)
    # 1-element arrays: numpy wraps uint64 array arithmetic silently (scalars would warn)
    head = mix64(np.array([key], dtype=np.uint64) + np.array([step], dtype=np.uint64) * _G1)
    bits = mix64(head ^ (index * _K256 + np.uint64(sub)))
    return bits_to_unit(bits)


_G2 = np.uint64(0xD1B54A32D192ED03)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_TWO_PI = 2.0 * math.pi

#: Distributions drawn element by element from the counter (kind numbers of :func:`sample`):
#: init-string name -> (kind, ((parameter, default), ...)).
COUNTER_DISTRIBUTIONS = {"random": (0, ()), "rand": (0, ()), "rnd": (0, ()),
                         "uniform": (1, (("low", 0.0), ("high", 1.0))),
                         "normal": (2, (("loc", 0.0), ("scale", 1.0))),
                         "standard_normal": (2, ()),
                         "exponential": (3, (("scale", 1.0),))}


def call_key(owner_key, count):
    """The key of call number ``count`` of an owner's draws (uint64; numba compiles it too)."""
    return mix64(owner_key ^ mix64((count + _ONE) * _G2))


def sample(kind, a, b, key, step, index):
    """Element ``index`` of a draw of distribution ``kind`` with parameters ``a, b``.

    Kinds: 0 uniform [0, 1); 1 uniform [a, b); 2 normal (mean a, sd b;
    Box-Muller from two draws of the element); 3 exponential (scale a).
    ``key``, ``step`` and ``index`` are uint64 (numpy arrays broadcast;
    numba compiles the function for scalars). Kinds 0 and 1 give the same
    bits in numpy and numba; 2 and 3 go through log/cos, where numpy's
    vectorized functions and the C library may differ in the last bit.
    """
    u = bits_to_unit(draw_bits(key, step, index, _ZERO))
    if kind == 1:
        return a + (b - a) * u
    if kind == 2:
        v = bits_to_unit(draw_bits(key, step, index, _ONE))
        return a + b * (np.sqrt(-2.0 * np.log1p(-u)) * np.cos(_TWO_PI * v))
    if kind == 3:
        return -a * np.log1p(-u)
    return u


def parse_counter_distribution(text: str) -> tuple[int, float, float] | None:
    """``(kind, a, b)`` when init string ``text`` is one of :data:`COUNTER_DISTRIBUTIONS`
    (bare, or called with number literals), else None."""
    import ast

    try:
        parsed = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(parsed, ast.Name):
        name, args, keywords = parsed.id, [], []
    elif isinstance(parsed, ast.Call) and isinstance(parsed.func, ast.Name):
        name, args, keywords = parsed.func.id, parsed.args, parsed.keywords
    else:
        return None
    if name not in COUNTER_DISTRIBUTIONS:
        return None
    kind, defaults = COUNTER_DISTRIBUTIONS[name]
    values = dict(defaults)
    keys = [k for k, _ in defaults]
    given = list(zip(keys, args)) + [(kw.arg, kw.value) for kw in keywords]
    if len(args) > len(keys) or any(k not in values for k, _ in given) or len({k for k, _ in given}) < len(given):
        return None
    for key, arg in given:
        try:
            value = ast.literal_eval(arg)
        except (ValueError, TypeError, SyntaxError):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        values[key] = float(value)
    params = list(values.values()) + [0.0, 0.0]
    if kind == 2 and not defaults:  # standard_normal
        params = [0.0, 1.0]
    return kind, float(params[0]), float(params[1])


def kernel_prelude(*functions: Any, decorator: str = "@njit(cache=True, nogil=True)") -> list[str]:
    """Source lines that define the counter functions in a generated numba module.

    The module's constants are imported from here; ``mix64``, ``draw_bits``
    and ``bits_to_unit`` come first, then ``functions`` (more of this
    module's functions), each under ``decorator``. The generated module must
    import ``numpy as np`` and ``njit`` itself.
    """
    import inspect

    lines = ["from monnto.targets.random_streams import _C1, _C2, _G1, _G2, _K256, _ONE, _S11, _S27, _S30, _S31, "
             "_TWO_PI, _UNIT, _ZERO", ""]
    for fn in (mix64, draw_bits, bits_to_unit, *functions):
        lines += [decorator, inspect.getsource(fn)]
    return lines


def take_draw(counter: np.ndarray, it: int) -> int:
    """The number of this draw among a group's draws in iteration ``it``, counted (numba compiles it).

    ``counter`` is the group's ``[iteration, calls]`` int64 array of
    :meth:`monnto.core.keyed_draws.KeyedDraws.counter`, shared by the numpy
    step (``KeyedDraws.next_key``) and compiled kernels; the result is the
    count that :func:`call_key` mixes into the group's key.
    """
    if counter[0] != it:
        counter[0] = it
        counter[1] = 0
    count = counter[1]
    counter[1] += 1
    return count


def poisson_inversion(u: float, lam: float, exp_neg_lam: float) -> int:
    """The Poisson(``lam``) count whose CDF first reaches ``u`` (scalar; numba compiles it).

    ``p_0 = exp(-lam)``, ``p_k = p_(k-1) * (lam / k)``; the count is the
    first ``k`` with ``p_0 + ... + p_k >= u``. The sum stops growing once
    its terms underflow, so the loop is bounded (``k <= 4 lam + 64``).
    """
    k = 0
    p = exp_neg_lam
    s = p
    limit = 4.0 * lam + 64.0
    while u > s and k < limit:
        k += 1
        p = p * (lam / k)
        s = s + p
    return k


#: entries of a Poisson CDF table tested without a branch (see :func:`poisson_cdf_table`)
POISSON_FAST = 4


def poisson_cdf_table(lam: float, exp_neg_lam: float) -> np.ndarray:
    """The partial sums ``s_0, s_1, ...`` that :func:`poisson_inversion` forms for one ``lam``.

    :func:`poisson_inversion` returns the first ``k`` with ``u <= s_k``, or
    the step limit ``K = ceil(4 lam + 64)``. The sums never decrease, so that
    count is the number of table entries below ``u`` among the first ``K``.
    The table holds exactly those ``K`` sums, made by the same operations in
    the same order (so the counts are the same numbers), padded with 2.0
    (never below a uniform draw) to at least :data:`POISSON_FAST` entries.
    """
    limit = 4.0 * lam + 64.0
    sums = []
    k = 0
    p = exp_neg_lam
    s = p
    while k < limit:
        sums.append(s)
        k += 1
        p = p * (lam / k)
        s = s + p
    sums += [2.0] * max(0, POISSON_FAST - len(sums))
    return np.array(sums, dtype=np.float64)


def poisson_counts(key: np.uint64, step: int, start: int, size: int, lam: Any,
                   exp_neg_lam: Any) -> np.ndarray:
    """Poisson counts of ``size`` neurons in ``step`` by inversion of one uniform each.

    The array form of :func:`poisson_inversion` (the same arithmetic per
    element, so compiled per-neuron loops give the same counts). ``lam`` and
    ``exp_neg_lam`` are scalars or arrays of length ``size``.
    """
    u = uniform(key, step, start, size)
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), (size,))
    p = np.array(np.broadcast_to(np.asarray(exp_neg_lam, dtype=np.float64), (size,)))
    s = p.copy()
    k = np.zeros(size, dtype=np.int64)
    limit = 4.0 * lam + 64.0
    active = np.flatnonzero((u > s) & (k < limit))
    kk = 0
    while active.size:
        kk += 1
        p_a = p[active] * (lam[active] / kk)
        p[active] = p_a
        s[active] = s[active] + p_a
        k[active] = kk
        keep = (u[active] > s[active]) & (kk < limit[active])
        active = active[keep]
    return k


def check_poisson_mean(lam: Any, owner: str) -> None:
    """Raise when a Poisson mean per step is negative or above :data:`MAX_POISSON_MEAN`."""
    from monnto.core.errors import bad_value

    arr = np.asarray(lam, dtype=np.float64)
    if arr.size and (np.min(arr) < 0 or np.max(arr) > MAX_POISSON_MEAN or not np.all(np.isfinite(arr))):
        worst = float(np.max(arr)) if np.min(arr) >= 0 else float(np.min(arr))
        raise bad_value(owner, "rate * n_sources * dt", worst,
                        f"a finite mean number of events per step in [0, {MAX_POISSON_MEAN:g}]",
                        hint="use a smaller dt or fewer sources per input")


def exp_neg(lam: Any) -> Any:
    """``exp(-lam)`` computed with libm per element (the same value the compiled target uses)."""
    arr = np.asarray(lam, dtype=np.float64)
    if arr.ndim == 0:
        return math.exp(-float(arr))
    return np.array([math.exp(-float(x)) for x in arr.ravel()]).reshape(arr.shape)


def behaviour_stream_key(behaviour: Any, parent: Any) -> np.uint64:
    """The stream key of a behaviour's draws: seed, class, owner's creation number and key.

    The same network script gives the same keys in every process, on every
    target and with any split of the neurons; two behaviours of one network
    never share a stream.
    """
    net = parent.network
    owner = getattr(net, "_creation_order", {}).get(id(parent), 0)
    return stream_key(net.seed, f"{type(behaviour).__name__}|{owner}|{behaviour.key!r}")
