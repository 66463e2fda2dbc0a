"""The equation cache: programs of equation behaviours kept on disk, so a model seen before starts fast.

Parsing, unit checking and integrating equations (sympy) takes seconds; the
result of it, a *program* (:mod:`.emit`), is small plain data. Each
behaviour's program is stored as JSON in the user's private cache folder
(``$XDG_CACHE_HOME/monnto/equations`` or ``~/.cache/monnto/equations``, the
folder of :func:`monnto.targets.cache.cache_dir`: owner-only, never the
working directory, a network save or a shared folder), under the SHA-256 of
everything that shapes it:

* the behaviour kind and its strings and options (equations, method,
  condition, statements, ``namespace``, ``w``, ``delay``...);
* the time step, the dimensions registered on the group(s), and for every
  name the strings mention, what the group(s) hold under it (missing, a
  number, or an array of which shape and dtype);
* the monnto version, this format, and a digest of the source files of the
  compiler (parser, units, integrators, code generation), so an edited
  compiler never meets an old entry.

A cache entry is data only: reading it back parses JSON, checks every field
(:func:`.emit.check_program`: names are identifiers, expressions are in the
grammar of :mod:`.printers`) and never imports, unpickles or runs anything
from the file; a file that does not check is ignored and written afresh.
With a warm cache an equation model initializes without importing sympy.
Set ``MONNTO_EQUATION_CACHE=0`` to switch the cache off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT", "cache_folder", "cached", "duration", "names_in", "object_signature"]

#: version of the stored layout (part of every key)
FORMAT = 1
_TOKEN = re.compile(r"[A-Za-z_]\w*")
_COMPILER_FILES = ("parser.py", "units.py", "dims.py", "integrators.py", "codegen.py", "compiler.py",
                   "synaptic_compiler.py", "synaptic_program.py", "emit.py", "printers.py", "eqcache.py",
                   "modules.py", "events.py", "synaptic.py")
_MEMORY: dict[str, Any] = {}


@functools.cache
def _compiler_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _COMPILER_FILES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()


def enabled() -> bool:
    """False when ``MONNTO_EQUATION_CACHE`` is ``0``, ``no`` or ``off``."""
    return os.environ.get("MONNTO_EQUATION_CACHE", "1").strip().lower() not in ("0", "no", "off", "false")


def cache_folder() -> Path:
    """``<private cache folder>/equations`` (created, owner-only)."""
    from monnto.targets.cache import cache_dir

    folder = cache_dir() / "equations"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def describe(value: Any) -> str:
    """What a name holds, as far as the compiler cares: missing, bool, number, array (shape, dtype) or other."""
    if value is _MISSING:
        return "-"
    if value is None:
        return "none"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    shape = getattr(value, "shape", None)
    if shape is not None:
        sparse = "sparse" if hasattr(value, "tocsr") else ""
        return f"array{tuple(int(d) for d in shape)}{getattr(value, 'dtype', '')}{sparse}"
    return f"object:{type(value).__name__}"


_MISSING = object()


def names_in(*texts: Any) -> list[str]:
    """The identifiers in the strings among ``texts`` (dict keys and values, list items included)."""
    out: set[str] = set()

    def walk(item):
        if isinstance(item, str):
            out.update(_TOKEN.findall(item))
        elif isinstance(item, dict):
            for k, v in item.items():
                walk(k)
                walk(v)
        elif isinstance(item, (list, tuple)):
            for v in item:
                walk(v)

    for text in texts:
        walk(text)
    return sorted(out)


def object_signature(obj: Any, names: list[str]) -> dict:
    """``{name: describe(obj.name)}`` for ``names`` (each also without a ``_pre``/``_post`` ending),
    plus the dimensions registered on ``obj`` and what kind of object it is."""
    from .base import registered_dims
    from .dims import dim_to_data

    wanted = set(names) | {"not_refractory", "spike", "refractory", "lastspike", "W", "connected", "t", "dt",
                           "size", "i", "N"}
    for name in names:
        for suffix in ("_pre", "_post"):
            if name.endswith(suffix):
                wanted.add(name[: -len(suffix)])
    attrs = {}
    for name in sorted(wanted):
        try:
            value = getattr(obj, name, _MISSING)
        except Exception:  # a property that fails: the compiler sees it as missing too
            value = _MISSING
        attrs[name] = describe(value)
    dims = {name: dim_to_data(d) for name, d in sorted(registered_dims(obj).items())}
    return {"class": type(obj).__name__, "synapses": callable(getattr(obj, "matrix_dim", None)),
            "size": int(getattr(obj, "size", 0) or 0), "attrs": attrs, "dims": dims}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return repr(float(value))  # exact, and NaN/inf as text
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "shape"):  # an array option (per-synapse delays): its exact bytes
        arr = np.ascontiguousarray(np.asarray(value))
        return {"array": hashlib.sha256(arr.tobytes()).hexdigest(), "shape": list(arr.shape), "dtype": str(arr.dtype)}
    return f"{type(value).__name__}:{value!r}"


def key_digest(kind: str, key: dict) -> str:
    """The SHA-256 naming the cache entry of ``key`` (see the module docstring)."""
    import monnto

    data = {"format": FORMAT, "monnto": getattr(monnto, "__version__", "?"), "compiler": _compiler_digest(),
            "kind": kind, "key": _plain(key)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def _read(path: Path, digest: str, check: Callable[[Any], Any]) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT or stored.get("digest") != digest:
        return None
    try:
        check(stored.get("value"))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        warnings.warn(f"monnto: ignoring the equation cache entry {str(path)!r}, which does not check ({exc}); "
                      "it is compiled again", RuntimeWarning, stacklevel=4)
        return None
    return stored["value"]


def _write(path: Path, digest: str, value: Any) -> None:
    text = json.dumps({"format": FORMAT, "digest": digest, "value": value}, sort_keys=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:  # a full or read-only disk: run without caching
        warnings.warn(f"monnto: cannot write the equation cache entry {str(path)!r} ({exc})", RuntimeWarning,
                      stacklevel=4)


def cached(kind: str, key: dict, build: Callable[[], Any], check: Callable[[Any], Any] | None = None) -> Any:
    """The value ``build()`` made for ``key`` before (this process, or the disk cache), else ``build()``.

    Parameters
    ----------
    kind : str
        What is cached (``'equation'``, ``'threshold'``, ``'duration'``...), part of the key.
    key : dict
        Everything ``build``'s result depends on (strings, numbers, signatures).
    build : callable
        Makes the value (JSON data: dicts, lists, strings, numbers); runs the
        compiler, so it may import sympy. An error it raises is not cached.
    check : callable, optional
        Raises ``ValueError`` when a value read back is not well formed.
    """
    check = check or (lambda value: value)
    digest = key_digest(kind, key)
    if digest in _MEMORY:
        return _MEMORY[digest]
    path = None
    if enabled():
        path = cache_folder() / f"{kind}-{digest[:40]}.json"
        value = _read(path, digest, check)
        if value is not None:
            _MEMORY[digest] = value
            return value
    value = build()
    value = json.loads(json.dumps(value))  # exactly what a later process reads back
    check(value)
    _MEMORY[digest] = value
    if path is not None:
        _write(path, digest, value)
    return value


def duration(text: Any, context: str, *, allow_zero: bool = True) -> float:
    """:func:`.parser.parse_duration` through the cache (a number of seconds needs no parsing)."""
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, (bool, np.bool_)):
        from .base import EquationError

        value = float(text)
        if value != value:
            raise EquationError(f"{context}: a duration must be a number of seconds, got NaN ({text!r})")
        if value in (float("inf"), float("-inf")) or value < 0 or (value == 0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            raise EquationError(f"{context}: a duration must be finite and {bound}, got {text!r}")
        return value
    if not isinstance(text, str):
        from .parser import parse_duration  # its message for a value of the wrong type

        return parse_duration(text, context, allow_zero=allow_zero)

    def build() -> dict:
        from .parser import parse_duration

        return {"seconds": repr(parse_duration(text, context, allow_zero=allow_zero))}

    def check(value):
        if not isinstance(value, dict) or not isinstance(value.get("seconds"), str):
            raise ValueError("expected {'seconds': text}")
        float(value["seconds"])

    value = cached("duration", {"text": text, "allow_zero": allow_zero}, build, check)
    return float(value["seconds"])
