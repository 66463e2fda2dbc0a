"""Where a network's step loop runs: the registry of compilation targets.

``Network(target='numpy')`` (the default) runs every behaviour as Python
calling numpy. ``Network(target='numba')`` runs the library's steps as
compiled per-neuron loops and, when every step is compiled, the whole of
``simulate_iterations(n)`` inside one compiled function (see
:mod:`monnto.targets.numba_target` and ``docs/targets.md``). The word is
Brian2's; the array backend (``backend=``) is a separate choice, and the
behaviours' own ``target=`` arguments (the variable an input adds to) are
unrelated.

A target is registered here once, by name, with the module that implements
it; the module is imported only when a network asks for the target, so
``import monnto`` never imports numba. A new target is one call to
:func:`register_target` plus its module: no other file tests target names.

A target object has ``name``, ``check(network)`` (raise when it cannot run
that network) and ``make_runner(network)`` (an object with ``run(n)`` and
``invalidate()``, or None to keep the network's own loop).
"""
from __future__ import annotations

import importlib
import importlib.util
import weakref
from dataclasses import dataclass
from typing import Any

from monnto.core.errors import ConfigurationError, bad_value

__all__ = ["TargetInfo", "available_targets", "get_target", "invalidate_runner", "python_steps", "target_backends",
           "register_target", "runner_for"]


@dataclass(frozen=True)
class TargetInfo:
    """A registered target: its name, where it lives and what it needs.

    Attributes
    ----------
    name : str
    module : str
        Dotted module path; imported on first use.
    attribute : str
        The target class (or factory) in that module.
    requires : str or None
        Module that must be importable (checked without importing it).
    extra : str or None
        The pip extra that installs it (``pip install monnto[<extra>]``).
    backends : tuple of str
        Array backends the target runs on.
    """

    name: str
    module: str
    attribute: str
    requires: str | None = None
    extra: str | None = None
    backends: tuple[str, ...] = ("numpy",)


_REGISTRY: dict[str, TargetInfo] = {}
_INSTANCES: dict[str, Any] = {}


def register_target(info: TargetInfo) -> None:
    """Register (or replace) a target under ``info.name``."""
    _REGISTRY[info.name] = info
    _INSTANCES.pop(info.name, None)


def available_targets() -> list[str]:
    """Names of the registered targets (installed or not)."""
    return sorted(_REGISTRY)


def target_backends(name: str) -> tuple[str, ...]:
    """The array backends target ``name`` runs on (empty for an unknown name)."""
    info = _REGISTRY.get(name)
    return tuple(info.backends) if info is not None else ()


def get_target(name: Any, backend: str = "numpy", owner: Any = "Network") -> Any:
    """The target object registered as ``name``, checked against ``backend``.

    Raises
    ------
    MonntoValueError
        Unknown name.
    ConfigurationError
        The target does not run on ``backend``, or its package is not installed
        (the message names the extra to install).
    """
    info = _REGISTRY.get(name) if isinstance(name, str) else None
    if info is None:
        raise bad_value(owner, "target", name, f"one of {available_targets()}")
    if backend not in info.backends:
        raise ConfigurationError(
            f"{owner}: target={name!r} runs on the array backend(s) {list(info.backends)}, "
            f"not backend={backend!r}; use backend='numpy' with target={name!r}, or target='numpy' "
            f"with backend={backend!r}")
    if info.requires is not None and importlib.util.find_spec(info.requires) is None:
        raise ConfigurationError(f"{owner}: target={name!r} needs the package {info.requires!r}, which "
                                 f"is not installed: pip install monnto[{info.extra}]")
    target = _INSTANCES.get(name)
    if target is None:
        target = _INSTANCES[name] = getattr(importlib.import_module(info.module), info.attribute)()
    return target


class NumpyTarget:
    """The default target: behaviours run as Python calling numpy (the network's own loop)."""

    name = "numpy"

    def check(self, network: Any) -> None:
        """Every network runs on the numpy target."""

    def make_runner(self, network: Any) -> None:
        """None: the network steps with its own (fused) Python loop."""
        return None


register_target(TargetInfo("numpy", __name__, "NumpyTarget", backends=("numpy", "torch")))
register_target(TargetInfo("numba", "monnto.targets.numba_target", "NumbaTarget", requires="numba",
                           extra="numba"))


_RUNNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def runner_for(network: Any) -> Any:
    """The compiled runner of ``network`` (made on first use), or None on the numpy target.

    Runners are kept here, not on the network, so that saving a network never
    meets compiled code; a loaded network makes its runner again.
    """
    runner = _RUNNERS.get(network)
    if runner is None:
        target = get_target(network.target, network.backend, owner=network)
        runner = target.make_runner(network)
        if runner is None:
            return None
        _RUNNERS[network] = runner
    return runner


def invalidate_runner(network: Any) -> None:
    """Forget the step plan of ``network``'s runner (the step list changed)."""
    runner = _RUNNERS.get(network)
    if runner is not None:
        runner.invalidate()


def python_steps(network: Any) -> list[Any]:
    """Behaviours that run as Python on ``network``'s target (every one on numpy).

    On a compiled target an empty list means ``simulate_iterations`` runs
    entirely inside compiled code.
    """
    runner = runner_for(network)
    if runner is None:
        return network.all_behaviours()
    return runner.python_behaviours()
