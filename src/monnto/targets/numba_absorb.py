"""LIF kernels that take a group's synaptic input sum and decay into their own pass.

:func:`monnto.targets.plan_analysis.absorb_neighbour_passes` moves a group's
``input_sum_kernel`` and ``decay_kernel`` into its ``lif_kernel`` call when
nothing in between can tell. The kernel that runs it, ``lif_kernel_a<I>``
(``I`` input terms, the variables that decay are those same ``I``), is generated here from the
source of :func:`~monnto.targets.numba_kernels.lif_kernel` and its pass
:func:`~monnto.targets.numba_kernels._lif_free`: the same text, with the
terms added to the neuron's input right after it is read (``x = x + f * s``,
as ``input_sum_kernel`` adds them) and the variables decayed after the neuron
read them (``g = g * d``, as ``decay_kernel``), each over views from neuron
``lo`` on so that the loop stays vectorized. Every number is the one the
separate passes compute.
"""
from __future__ import annotations

import inspect
import re

__all__ = ["absorbing_kernel_name", "absorbing_source", "parse_absorbing_name"]

_NAME = re.compile(r"^lif_kernel_a(\d)$")


def absorbing_kernel_name(n_terms: int) -> str:
    """``'lif_kernel_a2'`` for 2 input terms that also decay."""
    return f"lif_kernel_a{int(n_terms)}"


def parse_absorbing_name(name: str) -> int | None:
    """The number of terms of a generated kernel's name, or None for any other name."""
    match = _NAME.match(name)
    return int(match.group(1)) if match else None


def _params(n_terms: int) -> list[str]:
    # each variable is read and written through one view: two views of the same memory would
    # make LLVM's run-time overlap check fail and run the loop unvectorized
    return [f"s{j}" for j in range(n_terms)] + [f"f{j}" for j in range(n_terms)] + [f"d{j}" for j in range(n_terms)]


def _replace_once(text: str, old: str, new: str, what: str) -> str:
    if text.count(old) < 1:
        raise RuntimeError(f"numba_absorb: the source of {what} changed; {old!r} not found")
    return text.replace(old, new, 1)


def absorbing_source(n_terms: int) -> str:
    """The source of ``lif_kernel_a<n_terms>`` and its pass (see the module docstring)."""
    from monnto.targets import numba_kernels

    suffix = f"_a{int(n_terms)}"
    extra = ", ".join(_params(n_terms))
    free = inspect.getsource(numba_kernels._lif_free)
    free = _replace_once(free, "def _lif_free(", f"def _lif_free{suffix}(", "_lif_free")
    free = _replace_once(free, "v_th, dt):", f"v_th, dt, {extra}):", "_lif_free")
    views = "".join(f"    s{j} = s{j}[lo:hi]\n" for j in range(n_terms))
    anchor = "    spike_offset, i_total, fix = spike_offset[lo:hi], i_total[lo:hi], fix[lo:hi]\n"
    free = _replace_once(free, anchor, anchor + views, "_lif_free")
    terms = "".join(f"        term{j} = s{j}[k]\n        x = x + f{j} * term{j}\n        s{j}[k] = term{j} * d{j}\n"
                    for j in range(n_terms))
    free = _replace_once(free, "        x = i_in[k]\n", "        x = i_in[k]\n" + terms, "_lif_free")
    kernel = inspect.getsource(numba_kernels.lif_kernel)
    kernel = _replace_once(kernel, "def lif_kernel(", f"def lif_kernel{suffix}(", "lif_kernel")
    kernel = _replace_once(kernel, "meta, code):", f"meta, code, {extra}):", "lif_kernel")
    kernel = kernel.replace("_lif_free(", f"_lif_free{suffix}(")
    kernel = kernel.replace("full_decay, v_th, dt)", f"full_decay, v_th, dt, {extra})")
    if kernel.count(f"_lif_free{suffix}(") != 2 or kernel.count(f"v_th, dt, {extra})") != 2:
        raise RuntimeError("numba_absorb: the source of lif_kernel changed; its two pass calls were not found")
    return free + "\n\n" + kernel
