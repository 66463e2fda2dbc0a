"""What loading a saved network, a run folder or a storage may import or call.

Received files are data: loading them must never run code the user did not
choose. Every place a saved file names something to import (a behaviour or
group class, a plain object's class, a function, a module, a random
generator) goes through a :class:`LoadPolicy`:

- **monnto's own classes** (and functions) of its simulation layers
  (``monnto.core``, ``monnto.behaviours``, ``monnto.models``) load;
- **numpy's** ufuncs and scalar types, ``math`` functions, safe built-in
  types, and the modules ``numpy``, ``math``, ``scipy.sparse``, ``torch``;
- **numpy's bit generators** by name (``PCG64``, ``MT19937``, ...);
- **the user's classes and functions**, when passed to the loader
  (``load_network(path, classes=[MyBehaviour])``) or registered once with
  :func:`register_loadable`;
- everything else, and any pickle, only with ``trusted=True``.

"Already imported somewhere in the process" is never a reason to allow a
name: a file cannot pick an arbitrary class that some library happened to
define.
"""
from __future__ import annotations

import importlib
import inspect
import math
import types
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..core.errors import MonntoTypeError, UnsafeLoadError

__all__ = ["SAFE_BIT_GENERATORS", "LoadPolicy", "register_loadable", "registered_loadables"]

#: numpy bit generators a file may name for a saved random generator.
SAFE_BIT_GENERATORS = frozenset({"PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"})
#: Modules a saved attribute may hold (``self.xp = numpy``).
SAFE_MODULES = frozenset({"numpy", "numpy.random", "math", "scipy.sparse", "torch", "cupy"})
#: monnto's packages whose classes and functions a file may name.
MONNTO_PACKAGES = ("monnto.core", "monnto.behaviours", "monnto.models")
_SAFE_BUILTINS = {obj.__name__: obj for obj in (
    int, float, bool, complex, str, bytes, list, tuple, dict, set, frozenset, range, slice,
    abs, min, max, sum, round, len)}

_REGISTERED: dict[str, Any] = {}

DOCS_HINT = "see 'Sharing networks and runs safely' in the docs (docs/sharing.md)"


def _path_of(obj: Any) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def _is_loadable_kind(obj: Any) -> bool:
    """A class, a function, or a compiled function wrapping one (numba's ``@njit``)."""
    return isinstance(obj, type) or inspect.isfunction(obj) or inspect.isfunction(getattr(obj, "py_func", None))


def register_loadable(*objects: Any) -> Any:
    """Allow ``load_network`` to rebuild these classes (and call these functions) from any file.

    Use it for your own Behaviour classes and plain objects, once, where they
    are defined; or pass them to a single call instead
    (``load_network(path, classes=[...])``). Usable as a class decorator::

        @register_loadable
        class MyBehaviour(Behaviour): ...

    Returns
    -------
    object
        The first object given (so that it works as a decorator).
    """
    if not objects:
        raise MonntoTypeError("register_loadable: give at least one class or function")
    for obj in objects:
        if not _is_loadable_kind(obj):
            raise MonntoTypeError(f"register_loadable: expected a class or a function, got {obj!r} of type "
                            f"{type(obj).__name__}")
        _REGISTERED[_path_of(obj)] = obj
    return objects[0]


def registered_loadables() -> dict[str, Any]:
    """``{'module:qualname': object}`` of everything :func:`register_loadable` allowed."""
    return dict(_REGISTERED)


def _in_monnto(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in MONNTO_PACKAGES)


class LoadPolicy:
    """The allowlist one load goes through.

    Parameters
    ----------
    source : str
        How errors name what is being loaded (``"load_network: '/path'"``).
    trusted : bool
        Import anything the file names and unpickle (only for files whose
        sender you trust).
    classes : iterable of classes or functions
        The user's classes and functions this load may rebuild or use, on top
        of the registered ones. A saved name matches one of them by
        ``module:qualname``, or by its qualified name alone (a class saved
        from a script's ``__main__`` and loaded where it is imported from a
        module).
    """

    def __init__(self, source: str, trusted: bool = False, classes: Iterable[Any] = ()) -> None:
        if not isinstance(trusted, bool):
            raise MonntoTypeError(f"{source}: trusted must be True or False, got {trusted!r}")
        self.source = source
        self.trusted = trusted
        self.user: dict[str, Any] = dict(_REGISTERED)
        if isinstance(classes, (type, str)) or callable(classes):
            classes = [classes]
        for obj in classes or ():
            if not _is_loadable_kind(obj):
                raise MonntoTypeError(f"{source}: classes must hold classes or functions, got {obj!r} of type "
                                f"{type(obj).__name__}")
            self.user[_path_of(obj)] = obj
        by_name: dict[str, list[Any]] = {}
        for obj in self.user.values():
            by_name.setdefault(obj.__qualname__, []).append(obj)
        self._by_qualname = {k: v[0] for k, v in by_name.items() if len(v) == 1}

    # ------------------------------------------------------------------ errors
    def refuse(self, where: str, what: str, reason: str, hint: str = "") -> UnsafeLoadError:
        """The error for a name or form this policy does not load."""
        hint = hint or "If you trust the sender of this file, load it with trusted=True"
        return UnsafeLoadError(f"{self.source}: {where} needs {what}; refused ({reason}). {hint}; "
                               f"{DOCS_HINT}")

    def _class_hint(self, qualname: str) -> str:
        short = qualname.split(".")[-1]
        return (f"If you trust it, pass the class to the loader (classes=[{short}]) or register it "
                f"with monnto.register_loadable({short}); trusted=True allows any class and pickles")

    # ------------------------------------------------------------------ lookups
    def _user_object(self, path: str) -> Any:
        if path in self.user:
            return self.user[path]
        return self._by_qualname.get(path.partition(":")[2])

    @staticmethod
    def _split(path: Any, where: str, source: str) -> tuple[str, str]:
        if not isinstance(path, str) or path.count(":") != 1:
            raise UnsafeLoadError(f"{source}: {where} must name a class as 'module:qualname', "
                                  f"got {path!r}")
        module, qualname = path.split(":")
        if not module or not qualname or any(not p.isidentifier() for p in module.split(".")) or \
                any(not p.isidentifier() or p.startswith("__") for p in qualname.split(".")):
            raise UnsafeLoadError(f"{source}: {where} must name a class as 'module:qualname', "
                                  f"got {path!r}")
        return module, qualname

    def _import_trusted(self, path: str, where: str) -> Any:
        module_name, qualname = self._split(path, where, self.source)
        try:
            obj: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as err:
            raise ImportError(f"{self.source}: {where} needs {qualname!r} from module {module_name!r}, "
                              f"which cannot be imported ({err}); import or define it before loading"
                              ) from None
        return obj

    def _import_monnto(self, module_name: str, qualname: str) -> Any:
        """A class or function defined in monnto's simulation layers (re-exports refused)."""
        try:
            obj: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError):
            return None
        if getattr(obj, "__module__", None) != module_name or getattr(obj, "__qualname__", None) != qualname:
            return None
        return obj

    def cls(self, path: Any, where: str) -> type:
        """The class a file names for an object it stores (a behaviour, a group, a plain object)."""
        module_name, qualname = self._split(path, where, self.source)
        user = self._user_object(path)
        if isinstance(user, type):
            return user
        if self.trusted:
            obj = self._import_trusted(path, where)
            if not isinstance(obj, type):
                raise UnsafeLoadError(f"{self.source}: {where} names {path!r}, which is not a class")
            return obj
        if _in_monnto(module_name):
            obj = self._import_monnto(module_name, qualname)
            if isinstance(obj, type):
                return obj
            raise UnsafeLoadError(f"{self.source}: {where} names class {path!r}, which this monnto "
                                  "does not define")
        raise self.refuse(where, f"class {path!r}", "only monnto's classes and the classes you pass "
                          "or register are rebuilt", self._class_hint(qualname))

    def global_object(self, path: Any, where: str) -> Any:
        """A function or class a file stores by name (``{"$global": "numpy:exp"}``)."""
        module_name, qualname = self._split(path, where, self.source)
        user = self._user_object(path)
        if user is not None:
            return user
        if self.trusted:
            return self._import_trusted(path, where)
        if _in_monnto(module_name):
            obj = self._import_monnto(module_name, qualname)
            if _is_loadable_kind(obj):
                return obj
        elif module_name == "builtins" and qualname in _SAFE_BUILTINS:
            return _SAFE_BUILTINS[qualname]
        elif module_name == "math" and "." not in qualname and not qualname.startswith("_"):
            obj = getattr(math, qualname, None)
            if isinstance(obj, types.BuiltinFunctionType):
                return obj
        elif module_name == "numpy" and "." not in qualname and not qualname.startswith("_"):
            obj = getattr(np, qualname, None)
            if isinstance(obj, np.ufunc) or (isinstance(obj, type) and issubclass(obj, np.generic)):
                return obj
        raise self.refuse(where, f"{path!r}", "functions and classes load only from monnto, numpy's "
                          "ufuncs and scalar types, math, safe built-ins, and what you pass or register",
                          self._class_hint(qualname))

    def module(self, name: Any, where: str) -> types.ModuleType:
        """A module held by a saved attribute."""
        if not isinstance(name, str):
            raise UnsafeLoadError(f"{self.source}: {where} must name a module, got {name!r}")
        if name in SAFE_MODULES or _in_monnto(name) or (self.trusted and name):
            try:
                return importlib.import_module(name)
            except ImportError as err:
                raise ImportError(f"{self.source}: {where} needs module {name!r}, which cannot be "
                                  f"imported ({err})") from None
        raise self.refuse(where, f"module {name!r}", f"modules load only from {sorted(SAFE_MODULES)} "
                          "and monnto")

    def bit_generator(self, name: Any, where: str) -> Callable[[], np.random.BitGenerator]:
        """A numpy bit generator class, by name."""
        if name in SAFE_BIT_GENERATORS:
            return getattr(np.random, name)
        raise UnsafeLoadError(f"{self.source}: {where} names the random generator {name!r}; expected "
                              f"one of numpy's bit generators {sorted(SAFE_BIT_GENERATORS)}")

    def allow_pickle(self, rel: str, where: str, kind: str = "") -> None:
        """Refuse to unpickle ``rel`` unless this load is trusted."""
        if self.trusted:
            return
        kind = f" ({kind})" if kind else ""
        raise self.refuse(where, f"the pickle file {rel!r}{kind}",
                          "unpickling runs code chosen by whoever wrote the file",
                          "If you trust its sender, load it with trusted=True (and save it again with this "
                          "monnto to store it without pickles where possible)")

