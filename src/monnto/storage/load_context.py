"""Where a network being loaded may read the files its behaviours name.

A behaviour that reads a file (a sensory input's video or sound file) stores
the file's path in the save. A received save must not make the loader read
any file of the receiver's machine, so while :func:`~monnto.storage.load_network`
runs the behaviours' ``after_load`` hooks, a file path taken from the save is
resolved by :func:`resolve_saved_path`: it is accepted inside the save folder
or inside a folder the user passed (``load_network(..., data_folders=[...])``);
otherwise a file of the same name in one of those folders is used; otherwise
the load is refused with a message saying which folder to pass.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import MonntoTypeError, UnsafeLoadError

__all__ = ["loading", "resolve_saved_path"]


@dataclass(frozen=True)
class _LoadContext:
    save_folder: Path
    data_folders: tuple[Path, ...]
    trusted: bool


_CURRENT: contextvars.ContextVar[_LoadContext | None] = contextvars.ContextVar("monnto_load", default=None)


def checked_folders(folders: Iterable[str | os.PathLike] | str | os.PathLike | None, source: str) -> tuple[Path, ...]:
    """The ``data_folders=`` of a load as resolved paths (a single folder may be given alone)."""
    if folders is None:
        return ()
    if isinstance(folders, (str, os.PathLike)):
        folders = [folders]
    out = []
    for folder in folders:
        if not isinstance(folder, (str, os.PathLike)) or not str(folder):
            raise MonntoTypeError(f"{source}: data_folders must hold folder paths, got {folder!r}")
        out.append(Path(folder).expanduser().resolve())
    return tuple(out)


@contextlib.contextmanager
def loading(save_folder: Path, data_folders: tuple[Path, ...], trusted: bool) -> Iterator[None]:
    """Make ``save_folder`` and ``data_folders`` the readable places while the block runs."""
    token = _CURRENT.set(_LoadContext(Path(save_folder).resolve(), tuple(data_folders), bool(trusted)))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def resolve_saved_path(stored: str, owner: str) -> Path:
    """The file to open for a path a save names (unchanged when no load is running).

    Raises
    ------
    UnsafeLoadError
        When the path lies outside the save and the passed folders and no
        file of its name is in them (the message names the file and says
        which argument to pass).
    """
    context = _CURRENT.get()
    path = Path(stored)
    if context is None or context.trusted:
        return path
    places = (context.save_folder, *context.data_folders)
    resolved = path.resolve() if path.is_absolute() else (context.save_folder / path).resolve()
    if any(resolved.is_relative_to(place) for place in places) and resolved.exists():
        return resolved
    for place in places:
        candidate = (place / path.name).resolve()
        if candidate.is_relative_to(place) and candidate.exists():
            return candidate
    raise UnsafeLoadError(
        f"load_network: {owner} reads the file {stored!r}, which is outside the save and the folders "
        f"you passed; refused (a received save may not name files on your machine). Pass the folder "
        f"holding {path.name!r}: load_network(..., data_folders=['<that folder>']), or load with "
        "trusted=True if you trust the save; see docs/sharing.md")
