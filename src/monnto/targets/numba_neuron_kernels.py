"""Per-neuron loops of the library neuron models and random inputs that the other kernel modules do not cover.

AdEx, Wang-Buzsaki and Hodgkin-Huxley point neurons, the Gaussian noise
drive of the Brunel-Hakim model (:class:`monnto.models.brunel.GaussianNoiseInput`)
and the Poisson spike generator
(:class:`monnto.behaviours.inputs.poisson.PoissonGenerator`).

As in :mod:`monnto.targets.numba_plasticity_kernels` (whose helpers
``_per`` and ``_params_source`` this module reuses), only the loop around
each model is written here: the arithmetic is the models' own element-wise
functions (``adex_step``, ``wang_buzsaki_step``, ``hh_step`` and the
functions they call), compiled in their scalar form
(:func:`monnto.targets.scalarize.scalar_source`). A neuron model's step
reads its parameters as ``p.<field>``; the kernel hands it a namedtuple of
one neuron's values, made with the fields of the model's own parameter
dataclass (:data:`PARAMS`), each a float (one value for all neurons) or one
value per neuron. The cable variant ``HHCable`` is not element-wise (a
tridiagonal solve per cable) and has no kernel here.

The random inputs draw from the counter functions of
:mod:`monnto.targets.random_streams` (``draw_bits``, ``bits_to_unit``,
``call_key``, ``sample``), the very functions the numpy steps apply to whole
arrays: the Poisson generator's uniform of neuron ``i`` in step ``it`` (no
state), the noise's ``sample(2, 0, 1, ...)`` keyed by the group's framework
draws (:class:`monnto.core.keyed_draws.KeyedDraws`): the call number comes
from the group's draw counter ``[iteration, calls]``, the same int64 array
the numpy step counts in, so both targets can alternate.

Every function is compiled with ``error_model='numpy'`` (a division by zero
gives inf/nan as in numpy). :func:`kernel_import` puts all of them into one
generated module (cached like every generated module,
:mod:`monnto.targets.cache`) and returns the import line of one kernel; a
provider stores that line in its ``KernelCall.state['import']``.
"""
from __future__ import annotations

import inspect
from types import ModuleType

import numpy as np

from monnto.behaviours.neurons.adex import AdExParams, adex_step
from monnto.behaviours.neurons.hodgkin_huxley import (
    HHParams,
    _gate,
    _gates_and_conductances,
    _hh_core,
    _x_over_expm1,
    hh_rates,
    hh_step,
)
from monnto.behaviours.neurons.wang_buzsaki import WangBuzsakiParams, wang_buzsaki_rates, wang_buzsaki_step
from monnto.targets.numba_plasticity_kernels import _params_source, _per, generated_import, module_header

__all__ = ["KERNELS", "kernel_import", "module_source"]

#: element-wise functions of the models compiled in their scalar form
SCALAR = (adex_step, _x_over_expm1, hh_rates, _gate, _gates_and_conductances, _hh_core, hh_step,
          wang_buzsaki_rates, wang_buzsaki_step)
#: (namedtuple, function ``f(params, i)`` making one neuron's namedtuple, parameter dataclass) of each model
PARAMS = (("AdExScalars", "_adex_params", AdExParams),
          ("WangBuzsakiScalars", "_wang_buzsaki_params", WangBuzsakiParams),
          ("HHScalars", "_hh_params", HHParams))
#: the loops, in the order they are written into the generated module
KERNELS = ("adex_kernel", "wang_buzsaki_kernel", "hodgkin_huxley_kernel", "gaussian_noise_kernel",
           "poisson_generator_kernel")


def adex_kernel(it, v, w, refractory_left, i_in, spike, i_total, params, dt):
    """AdEx neurons: the model's ``adex_step`` per neuron; ``I_total`` set, ``I_input`` cleared.

    ``params`` holds the fields of ``AdExParams`` in order, each a float or
    one value per neuron (:func:`_adex_params`).
    """
    for i in range(v.shape[0]):
        p = _adex_params(params, i)  # noqa: F821 - generated with the module (PARAMS)
        i_total[i] = p.I_bias + i_in[i]
        v[i], w[i], spike[i], refractory_left[i] = adex_step(v[i], w[i], i_in[i], refractory_left[i], p, dt)
        i_in[i] = 0.0


def wang_buzsaki_kernel(it, v, h, n_gate, i_in, spike, i_total, params, dt):
    """Wang-Buzsaki neurons: the model's ``wang_buzsaki_step`` per neuron, as :func:`adex_kernel`."""
    for i in range(v.shape[0]):
        p = _wang_buzsaki_params(params, i)  # noqa: F821 - generated with the module (PARAMS)
        i_total[i] = p.I_bias + i_in[i]
        v[i], h[i], n_gate[i], spike[i] = wang_buzsaki_step(v[i], h[i], n_gate[i], i_in[i], p, dt)
        i_in[i] = 0.0


def hodgkin_huxley_kernel(it, v, m, h, n_gate, i_in, spike, i_total, params, dt):
    """Hodgkin-Huxley point neurons: the model's ``hh_step`` per neuron, as :func:`adex_kernel`."""
    for i in range(v.shape[0]):
        p = _hh_params(params, i)  # noqa: F821 - generated with the module (PARAMS)
        i_total[i] = p.I_bias + i_in[i]
        v[i], m[i], h[i], n_gate[i], spike[i] = hh_step(v[i], m[i], h[i], n_gate[i], i_in[i], p, dt)
        i_in[i] = 0.0


def gaussian_noise_kernel(it, target, key, counter, first, mu, scale, cast):
    """GaussianNoiseInput: ``target += mu + scale * xi``, ``xi`` the group's next framework draw of N(0, 1).

    The draw is ``get_neuron_vec('normal(0, 1)')`` of the numpy step: call
    ``take_draw(counter, it)`` of the group in this iteration, element ``i`` the
    counter's ``sample(2, 0.0, 1.0, ...)`` at global index ``first + i``,
    rounded to the target's dtype (through the one-element ``cast`` of that
    dtype). ``mu`` and ``scale`` come in the target's dtype, so a float32
    group computes in float32 as numpy does.
    """
    step = np.uint64(it)
    call = call_key(key, np.uint64(take_draw(counter, it)))  # noqa: F821 - random_streams' prelude
    for i in range(target.shape[0]):
        cast[0] = sample(2, 0.0, 1.0, call, step, np.uint64(first + i))  # noqa: F821
        target[i] += mu + scale * cast[0]


def poisson_generator_kernel(it, spike, key, first, rate, dt):
    """PoissonGenerator: neuron ``i`` spikes when its uniform of step ``it`` is below ``rate * dt``.

    The uniform is ``random_streams.uniform``'s element (global index
    ``first + i``); ``rate`` is a float or one value per neuron and ``dt``
    comes in the rate's dtype, so the product is numpy's.
    """
    step = np.uint64(it)
    for i in range(spike.shape[0]):
        u = bits_to_unit(draw_bits(key, step, np.uint64(first + i), np.uint64(0)))  # noqa: F821
        spike[i] = u < _per(rate, i) * dt


def module_source() -> str:
    """The generated module: the models' scalar functions and the kernels of this module, each ``njit``-compiled."""
    from monnto.targets import random_streams
    from monnto.targets.scalarize import scalar_source

    jit = "@njit(cache=True, nogil=True, error_model='numpy')"
    parts = [*module_header("neuron model and random input kernels"),
             *random_streams.kernel_prelude(random_streams.call_key, random_streams.sample, random_streams.take_draw,
                                            decorator=jit)]
    parts += [jit, inspect.getsource(_per)]
    for tuple_name, function, cls in PARAMS:
        parts += _params_source(tuple_name, function, cls)
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
    return generated_import(name, KERNELS, "neuron", _MODULE, module_source)
