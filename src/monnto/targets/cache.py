"""The user's private compile cache: generated modules and numba's compiled code.

Where: ``$XDG_CACHE_HOME/monnto`` or ``~/.cache/monnto`` (made with mode
0700). Never the working directory, a network's save folder or a shared
folder: a cache entry is code that gets imported, so the folder must be
writable by its owner only. A folder owned by someone else, or writable by
group or others, is not used (one warning; compiled code then lives in a
private temporary folder for the life of the process).

An entry is the generated source itself, stored under the SHA-256 of its
text (which names the monnto, numba and Python versions), plus numba's own
cache of the compiled machine code next to it (``__pycache__``). Before an
entry is imported its text is compared with the text monnto generated in
this process; a file that differs is replaced, never imported, so nothing in
the folder is run unless this monnto wrote exactly that source.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import stat
import sys
import tempfile
import warnings
from pathlib import Path
from types import ModuleType

__all__ = ["cache_dir", "load_generated_module"]

_LOADED: dict[str, ModuleType] = {}
_FALLBACK: list[Path] = []


def _private(path: Path) -> bool:
    info = path.stat()
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owner_ok and stat.S_ISDIR(info.st_mode) and not (info.st_mode & 0o022)


def cache_dir() -> Path:
    """The private cache folder (created when missing); a temporary one when it is unsafe."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "monnto"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _private(path):
            return path
        reason = "it is writable by other users or owned by someone else"
    except OSError as err:
        reason = f"it cannot be created ({err})"
    if not _FALLBACK:
        warnings.warn(f"monnto: not caching compiled code in {str(path)!r} because {reason}; using a "
                      f"temporary folder for this process (fix with: chmod 700 {str(path)!r})",
                      RuntimeWarning, stacklevel=3)
        _FALLBACK.append(Path(tempfile.mkdtemp(prefix="monnto-cache-")))
    return _FALLBACK[0]


def load_generated_module(source: str, kind: str) -> ModuleType:
    """Import generated ``source`` from the cache (writing it first when absent or different).

    Parameters
    ----------
    source : str
        Complete module text (must name every version it depends on).
    kind : str
        Sub-folder of the cache (``'numba'``).
    """
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]
    module = _LOADED.get(digest)
    if module is not None:
        return module
    folder = cache_dir() / kind
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"m_{digest}.py"
    data = source.encode("utf-8")
    try:
        current = path.read_bytes()
    except OSError:
        current = None
    if current != data:  # absent, or not what this process generated: write it afresh
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".py")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    name = f"monnto_generated_{kind}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _LOADED[digest] = module
    return module
