"""Numba providers of the neuron models and random inputs whose kernels live in :mod:`numba_neuron_kernels`.

Registered with :func:`monnto.targets.numba_providers.provides` when
:mod:`monnto.targets.numba_providers` is imported (its last lines import
this module). Each provider returns :class:`KernelCall` objects whose
``state['import']`` names the generated module holding the kernel
(:func:`monnto.targets.numba_neuron_kernels.kernel_import`).

* ``AdEx``, ``WangBuzsaki``, ``HodgkinHuxley``: float64 state, input and
  ``I_total``, bool spikes, each parameter one number or one per neuron
  (the kernels compute in float64); other configurations keep the Python
  step. ``HHCable`` (a subclass; providers are per exact class) stays
  Python: its membrane step is a tridiagonal solve along each cable, not
  element-wise.
* ``GaussianNoiseInput``: ``I_input`` a float64 or float32 vector.
* ``PoissonGenerator``: ``rate`` a float64 or float32 vector of the group's
  size (or one number), ``spike`` a bool vector (written in place).

For the exactness of each kernel against the numpy step see
``tests/targets/test_numba_neuron_models.py``: the random inputs draw the
numpy step's numbers; the neuron models compute the numpy step's
arithmetic, with the C library's ``exp`` where numpy may use its own
AVX-512 one (last-bit differences, see ``docs/targets.md``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from monnto.behaviours.inputs.poisson import PoissonGenerator
from monnto.behaviours.neurons.adex import AdEx
from monnto.behaviours.neurons.hodgkin_huxley import HodgkinHuxley
from monnto.behaviours.neurons.wang_buzsaki import WangBuzsaki
from monnto.models.brunel import GaussianNoiseInput
from monnto.targets.numba_neuron_kernels import kernel_import
from monnto.targets.numba_plasticity_providers import _model_params, _need, _vector
from monnto.targets.numba_providers import KernelCall, provides

__all__: list[str] = []

#: dtypes of the random inputs' target vectors (their arithmetic is done in that dtype, as numpy does)
_INPUT_DTYPES = (np.float64, np.float32)


def _call(kernel: str, arguments: Any, after: Any = None, label: str = "") -> KernelCall:
    return KernelCall(kernel, arguments, after, label=label, state={"import": kernel_import(kernel)})


def _neuron_call(b: Any, n: Any, kernel: str, state: tuple) -> list[KernelCall] | None:
    """One call of a neuron model's kernel: float64 ``state`` vectors, ``I_input``, bool ``spike``, ``I_total``."""
    size = n.size
    if any(_vector(n, name, size) is None for name in (*state, "I_input", "I_total")) \
            or _vector(n, "spike", size, np.bool_) is None or _model_params(b, n) is None:
        return None

    def arguments() -> tuple:
        values = tuple(_need(b, n, name, size) for name in state)
        params = _model_params(b, n)
        if params is None:
            raise TypeError(f"{b!r}: its parameters must stay numbers or one value per neuron on "
                            f"target='numba'")
        return (*values, _need(b, n, "I_input", size), _need(b, n, "spike", size, np.bool_),
                _need(b, n, "I_total", size), params, float(b.dt))

    return [_call(kernel, arguments, label=repr(b))]


@provides(AdEx)
def _adex(b: AdEx, n: Any) -> list[KernelCall] | None:
    """Float64 ``v``, ``w``, ``refractory_left``, inputs; bool spikes; parameters one number or one per neuron."""
    return _neuron_call(b, n, "adex_kernel", ("v", "w", "refractory_left"))


@provides(WangBuzsaki)
def _wang_buzsaki(b: WangBuzsaki, n: Any) -> list[KernelCall] | None:
    """As :func:`_adex`, with ``v``, ``h``, ``n_gate``."""
    return _neuron_call(b, n, "wang_buzsaki_kernel", ("v", "h", "n_gate"))


@provides(HodgkinHuxley)
def _hodgkin_huxley(b: HodgkinHuxley, n: Any) -> list[KernelCall] | None:
    """As :func:`_adex`, with ``v``, ``m``, ``h``, ``n_gate`` (point neurons; ``HHCable`` is another class)."""
    return _neuron_call(b, n, "hodgkin_huxley_kernel", ("v", "m", "h", "n_gate"))


def _input_vector(n: Any, name: str) -> np.ndarray | None:
    """``n.<name>`` when it is a contiguous float64 or float32 vector of the group's size, else None."""
    for dtype in _INPUT_DTYPES:
        value = _vector(n, name, n.size, dtype)
        if value is not None:
            return value
    return None


@provides(GaussianNoiseInput)
def _gaussian_noise(b: GaussianNoiseInput, n: Any) -> list[KernelCall] | None:
    """``I_input`` a float64 or float32 vector; the draws are the group's framework draws (shared counter)."""
    target = _input_vector(n, "I_input")
    if target is None:
        return None
    dtype = target.dtype
    cast = np.zeros(1, dtype=dtype)  # the draw rounded to the target's dtype, as numpy rounds it

    def arguments() -> tuple:
        current = _need(b, n, "I_input", n.size, dtype)
        draws = n.network.draws
        return (current, np.uint64(draws.owner_key(n)), draws.counter(n), int(getattr(n, "global_start", 0)),
                dtype.type(b.mu), dtype.type(b.noise_scale), cast)

    return [_call("gaussian_noise_kernel", arguments, label=repr(b))]


def _rate(n: Any) -> Any:
    """``n.rate`` as the kernel reads it: a float64/float32 vector of the group's size or a float; else None."""
    rate = _input_vector(n, "rate")
    if rate is not None:
        return rate
    value = getattr(n, "rate", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


@provides(PoissonGenerator)
def _poisson_generator(b: PoissonGenerator, n: Any) -> list[KernelCall] | None:
    """``rate`` a float vector of the group's size (or a number), ``spike`` a bool vector; else Python."""
    if _rate(n) is None or _vector(n, "spike", n.size, np.bool_) is None:
        return None
    first = int(getattr(b, "_first", 0))

    def arguments() -> tuple:
        rate = _rate(n)
        if rate is None:
            got = getattr(n, "rate", None)
            raise TypeError(f"{b!r}: the rate of {n!r} must stay a number or a float64/float32 vector of "
                            f"{n.size} values on target='numba'; got {type(got).__name__}")
        spike = n.spike
        if not (type(spike) is np.ndarray and spike.dtype == np.bool_ and spike.shape == (n.size,)
                and spike.flags.c_contiguous and spike.flags.writeable):
            spike = n.spike = np.zeros(n.size, dtype=np.bool_)  # the kernel writes every flag
        # rate * dt in the rate's dtype (a Python float is numpy's weak scalar)
        dt = rate.dtype.type(b.dt) if isinstance(rate, np.ndarray) else float(b.dt)
        return (spike, np.uint64(b._stream), first, rate, dt)

    return [_call("poisson_generator_kernel", arguments, label=repr(b))]
