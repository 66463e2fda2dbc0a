"""Your own behaviours, compiled: ``@compiled`` joins a user behaviour to the numba target's loop.

A behaviour class opts in with the decorator or a class attribute::

    @compiled                      # or: class My(Behaviour): compile = True
    class Basic_Behaviour(Behaviour):
        ...

    @compiled(strict=True)         # or: compile = 'strict'

On ``Network(target='numba')`` the numba target asks :func:`user_provider_for`
for every behaviour that has no library kernel. For an opted-in one, the
step method (``new_iteration``, or ``iteration``) is translated from its
source (:mod:`monnto.targets.behaviour_translate`) into a numba kernel that
reads and writes the group's arrays and the behaviour's parameters, and runs
inside the compiled loop with the library kernels. On the numpy target the
mark changes nothing.

Random numbers: ``get_neuron_vec('uniform', density=0.01)`` inside a
compiled step is one of the network's keyed draws (:mod:`monnto.core.keyed_draws`):
it counts itself among the group's draws of the iteration in the same
counter numpy's ``get_neuron_vec`` uses and computes element i from the
counter, so a compiled run and a Python run of the same seed draw the same
numbers (bit for bit for ``random``/``uniform``; ``normal`` and
``exponential`` go through log/cos, where numpy's vectorized functions and
the C library may differ in the last bit) and Python and compiled steps
interleave freely.

Outside the subset: at initialize a :class:`CompileSubsetError` names the
behaviour, the file and line and the construct when the class is strict;
otherwise the behaviour runs as Python and one
:class:`CompiledBehaviourWarning` says why.

Generated code lives only in the private user cache (:mod:`monnto.targets.cache`);
it is made again from the class's source in every process, never stored with
a network.
"""
from __future__ import annotations

import platform
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from monnto.core.errors import bad_type, bad_value, describe

from .behaviour_translate import CompileSubsetError, Translation, translate

__all__ = ["CompileSubsetError", "CompiledBehaviourWarning", "compile_mode", "compiled", "kernel_module_source",
           "user_provider_for"]


class CompiledBehaviourWarning(UserWarning):
    """A behaviour marked compiled runs as Python (its step is outside the compilable subset)."""


def compiled(cls: type | None = None, *, strict: bool = False) -> Any:
    """Mark a Behaviour class so that its step is compiled on ``Network(target='numba')``.

    Parameters
    ----------
    cls : type
        A :class:`~monnto.core.behaviour.Behaviour` subclass (when used as ``@compiled``).
    strict : bool
        Raise :class:`CompileSubsetError` at initialize when the step is
        outside the compilable subset (default: warn once and run it as Python).

    Returns
    -------
    type
        ``cls`` with the class attribute ``compile`` set to True or ``'strict'``.
    """
    from monnto.core.behaviour import Behaviour

    def mark(target: Any) -> type:
        if not (isinstance(target, type) and issubclass(target, Behaviour)):
            raise bad_type("compiled", "cls", target, "a Behaviour subclass (use @compiled on the class)")
        target.compile = "strict" if strict else True
        return target

    if cls is None:
        return mark
    return mark(cls)


def compile_mode(behaviour: Any) -> bool | str:
    """False, True or ``'strict'``: the class attribute ``compile`` of ``behaviour``'s class."""
    mode = getattr(type(behaviour), "compile", False)
    if mode is False or mode is None:
        return False
    if mode is True or mode == "strict":
        return mode
    raise bad_value(behaviour, "compile", mode, "True, False or 'strict'")


def user_provider_for(behaviour: Any) -> Any:
    """The numba provider of an opted-in behaviour (see :mod:`monnto.targets.numba_providers`), or None."""
    return _provide if compile_mode(behaviour) else None


#: Matrix products of the compiled steps: same sums, in the order numpy's event products add them.
_HELPERS = '''
@njit(cache=True, nogil=True)
def _counted_zeros(counter, it, n, dtype):
    """get_neuron_vec(bool / int): zeros, counted as a draw as numpy counts it."""
    take_draw(counter, it)
    return np.zeros(n, dtype=dtype)


@njit(cache=True, nogil=True)
def _mt_dot_dense(W, x):
    """W @ x for a dense D x S matrix; only the nonzero entries of x are visited."""
    d = W.shape[0]
    idx = np.empty(x.shape[0], dtype=np.int64)
    m = 0
    for j in range(x.shape[0]):
        if x[j] != 0:
            idx[m] = j
            m += 1
    out = np.zeros(d, dtype=W.dtype)
    if W.strides[0] <= W.strides[1]:  # column-major (monnto's EventMatrix): walk the columns
        for k in range(m):
            j = idx[k]
            v = x[j]
            for i in range(d):
                out[i] += W[i, j] * v
    else:
        for i in range(d):
            acc = out[i]
            for k in range(m):
                acc += W[i, idx[k]] * x[idx[k]]
            out[i] = acc
    return out


@njit(cache=True, nogil=True)
def _mt_dot_csr(data, indices, indptr, x):
    """W @ x for a CSR matrix (scipy's arrays)."""
    d = indptr.shape[0] - 1
    out = np.zeros(d, dtype=data.dtype)
    for i in range(d):
        acc = out[i]
        for k in range(indptr[i], indptr[i + 1]):
            v = x[indices[k]]
            if v != 0:
                acc += data[k] * v
        out[i] = acc
    return out


@njit(cache=True, nogil=True)
def _mt_dot_csc(data, col_ptr, rows, order, n_rows, by_column, x):
    """W @ x for monnto's event-driven CSR: only the columns of nonzero x[j] are walked.

    ``data`` is in column order when ``by_column`` (a contiguous read per
    source), else in CSR order, read through ``order``.
    """
    out = np.zeros(n_rows, dtype=data.dtype)
    for j in range(x.shape[0]):
        v = x[j]
        if v != 0:
            if by_column:
                for k in range(col_ptr[j], col_ptr[j + 1]):
                    out[rows[k]] += data[k] * v
            else:
                for k in range(col_ptr[j], col_ptr[j + 1]):
                    out[rows[k]] += data[order[k]] * v
    return out
'''

_WARNED: set = set()


def _parameters(arguments: list) -> list[str]:
    names = []
    for a in arguments:
        if a.kind == "csr":
            names += [f"{a.name}__data", f"{a.name}__indices", f"{a.name}__indptr"]
        elif a.kind == "csc":
            names += [f"{a.name}__data", f"{a.name}__colptr", f"{a.name}__rows", f"{a.name}__order",
                      f"{a.name}__nrows", f"{a.name}__bycol"]
        else:
            names.append(a.name)
    return names


def kernel_module_source(translation: Translation, kernel: str, origin: str) -> tuple[str, int]:
    """The generated module of one compiled behaviour and the line its kernel's body starts at."""
    import numba

    import monnto
    from monnto.targets import random_streams

    head = [f'"""Generated by monnto {getattr(monnto, "__version__", "?")} for numba {numba.__version__} on '
            f'Python {platform.python_version()} from {origin}. Do not edit."""',
            "import math", "", "import numpy as np", "from numba import njit", "",
            # the keyed draws of monnto.core.keyed_draws
            *random_streams.kernel_prelude(random_streams.call_key, random_streams.sample,
                                            random_streams.take_draw), _HELPERS]
    for helper in translation.helpers:
        head += ["", "@njit(cache=True, nogil=True)", helper]
    params = ", ".join(["_it", *_parameters(translation.arguments)])
    head += ["", "@njit(cache=True, nogil=True)", f"def {kernel}({params}):"]
    text = "\n".join(head) + "\n"
    return text + translation.source, text.count("\n") + 1


def _name(b: Any, arg: Any) -> str:
    """``self.gain`` or ``NeuronGroup 'g'.voltage``: the attribute, for messages."""
    return f"self.{arg.attr}" if arg.owner is b else f"{describe(arg.owner)}.{arg.attr}"


def _array_value(b: Any, arg: Any) -> np.ndarray:
    owner = arg.owner
    value = getattr(owner, arg.attr, None)
    if arg.create is not None and not (isinstance(value, np.ndarray) and value.dtype == arg.create):
        shape = value.shape if isinstance(value, np.ndarray) else (owner.size,)
        value = np.zeros(shape, dtype=arg.create) if not isinstance(value, np.ndarray) else value.astype(arg.create)
        setattr(owner, arg.attr, value)
    if not isinstance(value, np.ndarray):
        raise bad_type(b, _name(b, arg), value, "a numpy array (a compiled step keeps the kind of "
                                                            "value it had at initialize)")
    return value if type(value) is np.ndarray else value.view(np.ndarray)


def _values(b: Any, parent: Any, arguments: list) -> tuple:
    out: list = []
    for arg in arguments:
        if arg.kind == "array":
            out.append(_array_value(b, arg))
        elif arg.kind == "size":
            out.append(int(arg.owner.size))
        elif arg.kind == "draw_key":
            out.append(np.uint64(arg.owner.network.draws.owner_key(arg.owner)))
        elif arg.kind == "draw_counter":
            out.append(arg.owner.network.draws.counter(arg.owner))
        elif arg.kind == "first":
            out.append(int(getattr(arg.owner, "global_start", 0)))
        elif arg.kind == "scalar":
            value = getattr(arg.owner, arg.attr)
            if arg.elementwise is not None and isinstance(value, np.ndarray) != (arg.elementwise == "vector"):
                raise bad_type(b, _name(b, arg), value,
                               "a 1-D array" if arg.elementwise == "vector" else "a number",
                               hint="the compiled step was generated for the kind of value it had at initialize; "
                                    "initialize the network again after changing it")
            if isinstance(value, np.ndarray):
                value = value if type(value) is np.ndarray else value.view(np.ndarray)
            elif not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
                raise bad_type(b, _name(b, arg), value, "a number or a numpy array")
            out.append(value)
        else:
            W = getattr(arg.owner, arg.attr)
            if not (sp.issparse(W) and W.format == "csr"):
                raise bad_type(b, _name(b, arg), W, "a CSR matrix (as at initialize)")
            if arg.kind == "csc":  # the library's policy: a column-ordered copy while the weights rest
                from .numba_providers import _column_weights

                order, col_ptr, rows = W._column_index()
                data, by_column = _column_weights(W, order)
                out += [data, col_ptr, rows, order, int(W.shape[0]), bool(by_column)]
            else:
                out += [W._data if hasattr(W, "_column_index") else W.data, W.indices, W.indptr]
    return tuple(out)


def _numba_failure(b: Any, err: Exception, module: Any, body_start: int, translation: Translation) -> Exception:
    """A CompileSubsetError for a numba typing error, pointing at the behaviour's line."""
    text = str(err)
    lines = [int(x) for x in re.findall(re.escape(Path(module.__file__).name) + r'", line (\d+)', text)]
    line = next((translation.line_map.get(k - body_start + 1) for k in reversed(lines)
                 if translation.line_map.get(k - body_start + 1)), 0)
    first = next((s.strip() for s in text.splitlines() if s.strip() and not s.startswith("-")), type(err).__name__)
    where = f"line {line}" if line else "its step"
    return CompileSubsetError(f"{b!r} is marked compiled, but numba cannot compile {translation.name} ({where}): "
                              f"{first[:300]}. See docs/compiled_user_behaviours.md for the subset; without strict "
                              f"mode the behaviour runs as Python", behaviour=repr(b), line=line)


def _resolve_recorders(parent: Any) -> None:
    """Let recorders of ``parent`` waiting for an attribute the step creates (``n.spike``) allocate now.

    A recorder defers an expression whose attribute the first step creates;
    the compiled step has just created it, so the recorder can be set up
    before the plan is built and be compiled too (instead of staying Python).
    """
    for r in list(getattr(parent, "behaviour", {}).values()):
        pending = getattr(r, "_pending", None)
        if not pending or not hasattr(r, "_resolve_pending"):
            continue
        try:
            ready = all(fn(parent) is not None for _, fn, _ in pending)
        except Exception:  # noqa: BLE001 - still missing: the recorder waits for the first step
            ready = False
        if ready:
            r._resolve_pending(parent)


def _kernel(b: Any, parent: Any) -> tuple[str, Any, str]:
    import hashlib

    import numba

    from .cache import load_generated_module

    cls = type(b)
    function = getattr(cls, cls._step_method_name())
    if getattr(parent.network, "_distributed", None):
        raise CompileSubsetError(f"{b!r} is marked compiled, but {parent.network!r} is split over MPI ranks, whose "
                                 f"draws and source views the compiled step does not follow; it runs as Python",
                                 behaviour=repr(b))
    try:
        translation = translate(b, parent, function, parent.network.dtype)
    except (OSError, TypeError) as err:  # no source (python -c, exec'd strings)
        raise CompileSubsetError(f"{b!r} is marked compiled, but the source of {cls.__qualname__}."
                                 f"{function.__name__} is not available ({err}); define the class in a file",
                                 behaviour=repr(b)) from None
    digest = hashlib.sha256((translation.source + "".join(translation.helpers)).encode()).hexdigest()[:12]
    kernel = f"ub_{re.sub(r'[^0-9A-Za-z_]', '_', cls.__qualname__)}_{digest}"
    origin = f"{cls.__module__}.{cls.__qualname__}.{function.__name__}"
    source, body_start = kernel_module_source(translation, kernel, origin)
    module = load_generated_module(source, "numba")
    arguments = translation.arguments

    def values() -> tuple:
        return _values(b, parent, arguments)

    signature = tuple(numba.typeof(v) for v in (int(parent.network.iteration), *values()))
    _resolve_recorders(parent)
    try:
        getattr(module, kernel).compile(signature)  # typing errors now, at initialize
    except numba.core.errors.NumbaError as err:
        raise _numba_failure(b, err, module, body_start, translation) from None
    return kernel, values, f"from {module.__name__} import {kernel}"


def _provide(b: Any, parent: Any) -> list | None:
    from .numba_providers import KernelCall

    try:
        kernel, values, line = _kernel(b, parent)
    except Exception as err:  # noqa: BLE001 - a failed translation must not stop a non-strict network
        if compile_mode(b) == "strict":
            raise
        if not isinstance(err, CompileSubsetError):
            err = CompileSubsetError(f"{b!r} is marked compiled, but its compiled form could not be made "
                                     f"({type(err).__name__}: {err}); it runs as Python", behaviour=repr(b))
        key = (type(b), str(err))
        if key not in _WARNED:
            _WARNED.add(key)
            warnings.warn(str(err), CompiledBehaviourWarning, stacklevel=6)
        return None
    return [KernelCall(kernel, values, label=repr(b), state={"import": line})]
