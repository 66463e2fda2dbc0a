"""Finding the project's ``Data`` folder, safe file names and atomic writes.

Nothing here touches the disk at import. :func:`get_data_folder` only looks;
the folder is created by the first write (a :class:`StorageManager` making
its run folder), in the working directory when no ``Data`` folder exists in
it or in any folder above it.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..core.errors import MonntoTypeError, MonntoValueError

__all__ = [
    "DATA_FOLDER_NAME",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_name",
    "find_data_folder",
    "get_data_folder",
    "safe_name",
]

#: Name of the folder searched from the working directory upward.
DATA_FOLDER_NAME = "Data"

_UNSAFE = re.compile(r"[^A-Za-z0-9._=+\-,]")


def find_data_folder(start: str | os.PathLike | None = None) -> Path | None:
    """Return the nearest existing ``Data`` folder from ``start`` upward, or None.

    Parameters
    ----------
    start : path-like, optional
        Folder to start from (default: the working directory).
    """
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / DATA_FOLDER_NAME
        if candidate.is_dir():
            return candidate
    return None


def get_data_folder(create: bool = False, start: str | os.PathLike | None = None) -> Path:
    """Return the project's ``Data`` folder as an absolute path.

    The nearest folder named ``Data`` in ``start`` (default: the working
    directory) or in any folder above it. When there is none, the answer is
    ``<start>/Data``, which is created only when ``create`` is true;
    :class:`~monnto.storage.StorageManager` creates it on its first write.

    Parameters
    ----------
    create : bool
        Create ``<start>/Data`` when no ``Data`` folder is found.
    start : path-like, optional
        Folder to start the search from (default: the working directory).

    Returns
    -------
    pathlib.Path
        Absolute path of the Data folder (it may not exist yet when
        ``create`` is false).
    """
    found = find_data_folder(start)
    if found is not None:
        return found
    folder = Path(start if start is not None else os.getcwd()).resolve() / DATA_FOLDER_NAME
    if create:
        folder.mkdir(exist_ok=True)
    return folder


def check_name(name: str, what: str) -> str:
    """Check that ``name`` is usable as one file or folder name; return it.

    Raises ValueError when it is empty, ``.``/``..``, hidden (starts with a
    dot), or holds a path separator or NUL, so a user-given name can never
    reach outside its folder.
    """
    if not isinstance(name, str):
        raise MonntoTypeError(f"{what}: expected a str name, got {type(name).__name__} {name!r}")
    bad = (
        name in ("", ".", "..")
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or (os.altsep is not None and os.altsep in name)
    )
    if bad:
        raise MonntoValueError(
            f"{what}: {name!r} is not a valid file name (expected a non-empty name without "
            "path separators that does not start with '.')"
        )
    return name


def safe_name(text: str, max_length: int = 120) -> str:
    """Turn any string (a recorded expression, a tag) into a safe file name.

    Characters other than letters, digits and ``. _ = + - ,`` become ``_``.
    When anything had to change, a short hash of the original text is appended
    so that different texts never share a file name (``'np.mean(n.v)'`` ->
    ``'np.mean_n.v_-1a2b3c4d'``).

    Parameters
    ----------
    text : str
        Any string.
    max_length : int
        Longest name returned (characters), hash included.
    """
    text = str(text)
    cleaned = _UNSAFE.sub("_", text).strip("_") or "_"
    if cleaned.startswith("."):
        cleaned = "_" + cleaned
    if cleaned == text and len(cleaned) <= max_length:
        return cleaned
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned[: max_length - 10]}_-{digest}"


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, fsync: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for writing; rename it over ``path`` on success.

    A reader (or a process killed mid-write) sees either the old file or the
    new one, never a half-written file. On an error the temporary file is
    removed and ``path`` is left untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically; see :func:`atomic_open`."""
    with atomic_open(path, fsync=fsync) as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str, fsync: bool = True) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_open`."""
    atomic_write_bytes(path, text.encode("utf-8"), fsync=fsync)
