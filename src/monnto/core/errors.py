"""One exception hierarchy for monnto, and one way to word an error.

Every error monnto raises on purpose is a :class:`MonntoError`. Validation
errors also derive from the built-in class a caller would expect
(:class:`ValueError`, :class:`TypeError`), so ``except ValueError`` clauses
written before this hierarchy keep working::

    MonntoError
    ├── MonntoValueError (ValueError)      bad value of a right type
    ├── MonntoTypeError (TypeError)        wrong type
    ├── ConfigurationError (ValueError)    objects that do not fit together (late errors)
    ├── LoadError (ValueError)             a saved file cannot be loaded as it is
    │   └── UnsafeLoadError                loading it would run code: needs trusted=True
    ├── NotEnoughMemoryError (MemoryError) a buffer would not fit in the available memory
    └── DiskFullError (OSError)            the disk filled up while writing (errno ENOSPC)

Messages name the object, the argument, the value and what was expected;
:func:`bad_value` words them that way::

    raise bad_value("NeuronGroup 'exc'", "size", -3, "a positive int or a NeuronDimension")
    # MonntoValueError: NeuronGroup 'exc': size must be a positive int or a NeuronDimension, got -3
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigurationError", "DiskFullError", "LoadError", "MonntoError", "MonntoTypeError",
    "MonntoValueError", "NotEnoughMemoryError", "UnsafeLoadError", "bad_type", "bad_value", "describe",
    "short_repr",
]


class MonntoError(Exception):
    """Base class of every error monnto raises on purpose."""


class MonntoValueError(MonntoError, ValueError):
    """An argument has the right type but a value monnto cannot use."""


class MonntoTypeError(MonntoError, TypeError):
    """An argument has a type monnto cannot use."""


class ConfigurationError(MonntoError, ValueError):
    """Objects that do not fit together, found late (at initialize or at a step)."""


class LoadError(MonntoError, ValueError):
    """A saved network, run folder or storage cannot be loaded as it is."""


class UnsafeLoadError(LoadError):
    """Loading would execute code (a pickle, stored source, an unlisted class).

    The message says how to load the file anyway when its sender is trusted
    (``trusted=True``) or how to allow one class (``classes=[...]``).
    """


class NotEnoughMemoryError(MonntoError, MemoryError):
    """A buffer monnto was asked to allocate would not fit in the available memory.

    Raised before allocating; the message names the object and what to change.
    """


class DiskFullError(MonntoError, OSError):
    """The disk (or quota) filled up while monnto wrote data; the message names the object and path.

    Built as ``DiskFullError(errno.ENOSPC, message)``, so ``err.errno`` is set.
    """


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters (arrays and long strings stay readable)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(obj: Any) -> str:
    """How an error names ``obj``: ``NeuronGroup 'exc'``, ``Recorder 'rec' on NeuronGroup 'exc'``, ...

    Strings are returned unchanged, so callers may pass a ready-made name.
    """
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    kind = type(obj).__name__
    tag = getattr(obj, "tag", None)
    if tag is None:
        tags = getattr(obj, "tags", None)
        tag = tags[0] if tags else None
    name = f"{kind} {tag!r}" if tag is not None and tag != kind else kind
    owner = getattr(obj, "parent", None)
    if owner is not None and owner is not obj and not isinstance(owner, str) and hasattr(owner, "tags"):
        name += f" on {describe(owner)}"
    return name


def _message(obj: Any, argument: str | None, value: Any, expected: str, *, show_value: bool) -> str:
    who = describe(obj)
    head = f"{who}: " if who else ""
    what = f"{argument} must be {expected}" if argument else f"expected {expected}"
    got = f", got {short_repr(value)}" if show_value else ""
    return f"{head}{what}{got}"


_MISSING = object()


def bad_value(obj: Any, argument: str | None, value: Any = _MISSING, expected: str = "",
              *, hint: str = "", cls: type[MonntoError] = MonntoValueError) -> MonntoError:
    """An error (to raise) saying ``<obj>: <argument> must be <expected>, got <value>[. <hint>]``.

    Parameters
    ----------
    obj : object or str
        The object the bad input was given to (named with :func:`describe`), or its name.
    argument : str or None
        The argument, option or file that holds the value.
    value : object, optional
        The value received; left out of the message when not given.
    expected : str
        What would have been accepted ("a positive int", "one of ['a', 'b']").
    hint : str, optional
        A sentence appended after the message (what to do instead).
    cls : type, optional
        The exception class (default :class:`MonntoValueError`).
    """
    text = _message(obj, argument, value, expected, show_value=value is not _MISSING)
    if hint:
        text += f". {hint}"
    return cls(text)


def bad_type(obj: Any, argument: str | None, value: Any, expected: str, *, hint: str = "") -> MonntoError:
    """:func:`bad_value` raising :class:`MonntoTypeError`; the value's type is named too."""
    text = _message(obj, argument, value, expected, show_value=True) + f" of type {type(value).__name__}"
    if hint:
        text += f". {hint}"
    return MonntoTypeError(text)
